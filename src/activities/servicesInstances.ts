/**
 * The services instances a worker serves now, as Temporal knows them: the workers polling the
 * task queue this activity runs on, each naming its instance in its identity.
 */
import { Context } from '@temporalio/activity';
import { optionalTsToDate } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { servicesInstanceUrls } from '../temporal/workers';

export async function servicesInstances(): Promise<string[]> {
  const { client, info } = Context.current();
  const { pollers } = await client.workflowService.describeTaskQueue({
    namespace: info.namespace,
    taskQueue: { name: info.taskQueue },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
  });
  return servicesInstanceUrls((pollers ?? []).map((p) => ({ identity: p.identity ?? '', lastAccessTime: optionalTsToDate(p.lastAccessTime) })));
}
