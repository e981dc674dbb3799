import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { makeWorkflowExporter } from '@temporalio/interceptors-opentelemetry';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { Resource } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { expect, test } from 'vitest';
import { tracedWorkflowModules } from '../../src/temporal/tracing';
import { workflowsPath } from '../../src/worker';
import { replayHistory } from '../support/replay';

/**
 * A traced worker runs the workflows with Temporal's OpenTelemetry interceptors and the cycle's
 * own spans (workflows/tracing.ts) in its bundle. They must issue the very commands the
 * untraced code issues: every recorded history replays with them too, so a worker can start or
 * stop tracing with cycles in flight.
 */
const dir = path.join(__dirname, '..', 'fixtures', 'histories');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));

let bundle: ReturnType<typeof bundleWorkflowCode> | undefined;
const tracedBundle = () =>
  (bundle ??= bundleWorkflowCode({ workflowsPath: workflowsPath(), workflowInterceptorModules: tracedWorkflowModules(), logger: new DefaultLogger('ERROR') }));

test('the traced bundle has the tracing interceptors', async () => {
  const { code } = await tracedBundle();
  expect(code).toContain('agent.research_cycle');
  expect(code).toContain('RunWorkflow');
}, 120_000);

test.each(files)(
  '%s replays with the tracing interceptors',
  async (file) => {
    const history = historyFromJSON(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
    // with the sinks a traced worker registers; spans of a replay are not exported
    const exporter = new InMemorySpanExporter();
    const sinks = { exporter: makeWorkflowExporter(new SimpleSpanProcessor(exporter), Resource.empty()) };
    await replayHistory(history, path.basename(file, '.json'), { workflowBundle: await tracedBundle(), sinks });
    expect(exporter.getFinishedSpans()).toEqual([]);
  },
  120_000,
);
