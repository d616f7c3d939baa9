// What code loaded on demand takes from @aws-sdk/client-cloudwatch. An `import()` of the package itself
// would keep every operation's schemas in the build (a dynamic import's used names are unknown to the
// bundler); importing this module instead keeps only the ones named here and in static imports.
export { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
