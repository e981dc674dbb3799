import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { CycleSummary } from '../../src/domain/cycle';
import { fakeActivities } from '../support/fakeActivities';
import { startResearchCycle, timeSkippingEnv, withWorker } from '../support/temporal';

/**
 * What a cycle costs the Temporal service besides its own work: every event is written to the
 * server's store, and each search-attribute or memo change to its visibility store too. A
 * cycle writes what changed, and its calls to the admission workflow add no workflow task
 * beyond the ones its phases need.
 */
const EventType = temporal.api.enums.v1.EventType;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

/** A completed Claude cycle with instant activities: its history, and what the activities were asked. */
async function claudeCycle() {
  const fakes = fakeActivities();
  const history = await withWorker(env, fakes, async (taskQueue) => {
    const handle = await startResearchCycle(env, taskQueue, { model: 'haiku' });
    expect((await handle.result()).outcome).toBe('completed');
    return handle.fetchHistory();
  });
  return { events: history.events ?? [], calls: fakes.calls };
}

const ofType = (events: HistoryEvent[], type: temporal.api.enums.v1.EventType) => events.filter((e) => e.eventType === type);

test("a cycle writes its search attributes and its memo only when they change, so the Web UI's list follows each phase once", async () => {
  const { events } = await claudeCycle();

  // the SDK's own TemporalChangeVersion (one per patch) aside
  const upserts = ofType(events, EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES)
    .map((e) => e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {})
    .map((fields) => Object.fromEntries(Object.entries(fields).map(([key, payload]) => [key, defaultPayloadConverter.fromPayload<string>(payload)])))
    .map(({ TemporalChangeVersion: _, ...ours }) => ours)
    .filter((ours) => Object.keys(ours).length > 0);
  const current: Record<string, string> = {};
  for (const upsert of upserts) {
    const unchanged = Object.entries(upsert).filter(([key, value]) => current[key] === value);
    expect(unchanged, `an upsert rewrote ${JSON.stringify(unchanged)}`).toEqual([]);
    Object.assign(current, upsert);
  }
  expect(upserts.flatMap((u) => (u.ResearchPhase ? [u.ResearchPhase] : []))).toEqual(['designing', 'training', 'backtesting', 'assessing', 'completed']);
  expect(current).toEqual({ ResearchPhase: 'completed', ResearchStrategy: 'rsi_adx_trend_filter', ResearchOutcome: 'completed' });

  const summaries = ofType(events, EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED).map((e) =>
    defaultPayloadConverter.fromPayload<CycleSummary>(e.workflowPropertiesModifiedEventAttributes!.upsertedMemo!.fields!.summary),
  );
  summaries.slice(1).forEach((summary, i) => expect(summary, 'a memo written again unchanged').not.toEqual(summaries[i]));
  expect(summaries.at(-1)).toMatchObject({ phase: 'completed', verdict: 'promising', model: 'claude-haiku-5-5' });
});

test("a cycle's calls to the admission workflow add as few workflow tasks as they can: the design's reservation goes with the admission, settlements and the release in the tasks that follow the phases", async () => {
  const { events, calls } = await claudeCycle();

  expect(calls.settle.map((s) => s.phase)).toEqual(['designing', 'assessing']);
  expect(calls.release).toEqual([{ cycleId: calls.admit[0].cycleId, outcome: 'completed' }]);
  const activities = ofType(events, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED).map((e) => e.activityTaskScheduledEventAttributes!.activityType!.name);
  expect(activities).toEqual(['admitCycle', 'designStrategy', 'trainModel', 'runBacktest', 'reserveSpend', 'assessStrategy']);
  // one workflow task to start, and one after each activity
  expect(ofType(events, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)).toHaveLength(activities.length + 1);
});
