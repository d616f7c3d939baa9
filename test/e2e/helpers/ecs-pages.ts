import {
  type ECSClient,
  ListContainerInstancesCommand,
  type ListContainerInstancesCommandInput,
  ListTasksCommand,
  type ListTasksCommandInput,
} from '@aws-sdk/client-ecs';

/** Every container instance ARN, page after page: the rig pages at 100 as ECS does. */
export async function allContainerInstanceArns(
  ecs: Pick<ECSClient, 'send'>,
  input: ListContainerInstancesCommandInput,
): Promise<string[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ecs.send(new ListContainerInstancesCommand({ ...input, nextToken }));
    arns.push(...(page.containerInstanceArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return arns;
}

/** Every task ARN, page after page: the rig pages at 100 as ECS does. */
export async function allTaskArns(
  ecs: Pick<ECSClient, 'send'>,
  input: ListTasksCommandInput,
): Promise<string[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ecs.send(new ListTasksCommand({ ...input, nextToken }));
    arns.push(...(page.taskArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return arns;
}
