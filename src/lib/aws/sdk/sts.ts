// What code loaded on demand takes from @aws-sdk/client-sts. An `import()` of the package itself
// would keep every operation's schemas in the build (a dynamic import's used names are unknown to the
// bundler); importing this module instead keeps only the ones named here and in static imports.
export { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
