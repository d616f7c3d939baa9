/**
 * A declared service's own template: the bundle's service.yml with what a parameter cannot carry
 * added to it (environment variables and secrets of the container, the execution role's read access
 * to exactly those secrets, the task role's managed policies). Copilot renders a template per
 * service the same way; CloudFormation then shows a changed variable as a change of the task
 * definition, like any other.
 */
import type { ServiceOverlay } from './catalog.js';
import { parseTemplate, type StackTemplate } from './templates.js';

/** The secrets of an overlay split by store, as the IAM resources ECS needs to read them. */
export function secretResources(secrets: Readonly<Record<string, string>>): {
  secretsManager: string[];
  parameters: string[];
} {
  const secretsManager = new Set<string>();
  const parameters = new Set<string>();
  for (const arn of Object.values(secrets)) {
    if (arn.split(':')[2] === 'ssm') {
      parameters.add(arn);
      continue;
    }
    // ECS's valueFrom may end in `:json-key:version-stage:version-id`; IAM's resource is the secret
    // itself, the first seven fields. A secret's full ARN ends in "-" and six random characters; for
    // a name given without them, IAM needs the `-??????` wildcard (Secrets Manager User Guide,
    // "Resource: secret ARN" with partial ARNs). Both forms are listed, each matches only this secret.
    const secret = arn.split(':').slice(0, 7).join(':');
    secretsManager.add(secret);
    if (!/-[A-Za-z0-9]{6}$/.test(secret)) secretsManager.add(`${secret}-??????`);
  }
  return { secretsManager: [...secretsManager].sort(), parameters: [...parameters].sort() };
}

/** Renders the template of one declared service from the base service template. */
export async function renderServiceTemplate(
  base: StackTemplate,
  file: string,
  overlay: ServiceOverlay,
): Promise<StackTemplate> {
  const document = structuredClone(base.document) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const resources = document.Resources;
  const container = resources.TaskDefinition.Properties.ContainerDefinitions[0];
  for (const [Name, Value] of Object.entries(overlay.environment).sort(([a], [b]) => a.localeCompare(b)))
    container.Environment.push({ Name, Value });
  const secrets = Object.entries(overlay.secrets).sort(([a], [b]) => a.localeCompare(b));
  if (secrets.length > 0) {
    container.Secrets = secrets.map(([Name, ValueFrom]) => ({ Name, ValueFrom }));
    const { secretsManager, parameters } = secretResources(overlay.secrets);
    // What ECS needs to inject secrets (ECS Developer Guide, "Required IAM permissions for Amazon ECS
    // secrets"): secretsmanager:GetSecretValue on each secret, ssm:GetParameters on each parameter,
    // on the task execution role. kms:Decrypt is needed only for a customer managed key, which the
    // config does not name: such a key's policy must let this role decrypt.
    const statements = [
      ...(secretsManager.length
        ? [
            {
              Sid: 'ReadDeclaredSecrets',
              Effect: 'Allow',
              Action: 'secretsmanager:GetSecretValue',
              Resource: secretsManager,
            },
          ]
        : []),
      ...(parameters.length
        ? [
            {
              Sid: 'ReadDeclaredParameters',
              Effect: 'Allow',
              Action: 'ssm:GetParameters',
              Resource: parameters,
            },
          ]
        : []),
    ];
    resources.ExecutionRole.Properties.Policies.push({
      PolicyName: 'read-declared-secrets',
      PolicyDocument: { Version: '2012-10-17', Statement: statements },
    });
  }
  // The service's own task role: the declared managed policies and nothing else (ECS Exec's four
  // ssmmessages actions come from ExecCommandPolicy when exec is enabled).
  if (overlay.policies.length > 0)
    resources.ExecTaskRole.Properties.ManagedPolicyArns = [...overlay.policies];
  const body = JSON.stringify(document, null, 1);
  return parseTemplate(file, base.path, body);
}
