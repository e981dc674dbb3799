import { ApplicationFailure } from '@temporalio/common';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import { expect, test } from 'vitest';
import { ResearchLogger } from '../../src/temporal/runtime';

function logged(meta: Record<string, unknown>): string[] {
  const entries: LogEntry[] = [];
  new ResearchLogger(new DefaultLogger('WARN', (entry) => entries.push(entry))).warn('Workflow failed', meta);
  return entries.map((e) => `[${e.level}] ${e.message}${e.meta ? ` ${JSON.stringify(Object.keys(e.meta))}` : ''}`);
}

test('a research outcome (an ApplicationFailure our code raised) is one line: what, where, why', () => {
  const gate = ApplicationFailure.create({ message: 'Training gate failed: loss_too_high (loss 0.963 > 0.8)', type: 'TrainingGateFailed', nonRetryable: true });
  expect(logged({ error: gate, workflowId: 'research-1', namespace: 'default' })).toEqual([
    '[WARN] Workflow failed (workflowId=research-1): Training gate failed: loss_too_high (loss 0.963 > 0.8) [TrainingGateFailed]',
  ]);
});

test("one from the workflow's sandbox, where its class is another module's, is told by its name", () => {
  const copied = Object.assign(new Error('Backtest gate failed: no_trades'), { name: 'ApplicationFailure', type: 'BacktestGateFailed' });
  expect(logged({ error: copied, workflowId: 'research-2' })).toEqual([
    '[WARN] Workflow failed (workflowId=research-2): Backtest gate failed: no_trades [BacktestGateFailed]',
  ]);
});

test('a bug keeps its stack and everything the SDK said about it', () => {
  expect(logged({ error: new TypeError("Cannot read properties of undefined (reading 'x')"), workflowId: 'research-3' })).toEqual([
    '[WARN] Workflow failed ["error","workflowId"]',
  ]);
});
