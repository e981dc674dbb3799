import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import * as wf from '@temporalio/workflow';
import type { z } from 'zod';
import { issueLines } from '../domain/cycle';
import { readCycleEnd, type CycleEnd } from '../domain/cycleEnd';
import {
  BUSY_BACKOFF_MS,
  budgetWaitUntil,
  capAfterBusyRefusal,
  capAfterOwnEnd,
  continuedInput,
  cyclesDone,
  initialState,
  loopDetailsMarkdown,
  loopStatus,
  nextCycle,
  parseLoopInput,
  recordEnd,
  SetBriefSchema,
  SetConcurrencySchema,
  startLimit,
  type LoopRequest,
  type LoopStatus,
  type NextCycle,
  type RunningCycle,
} from '../domain/loop';
import { loopStatusQuery, pauseUpdate, resumeUpdate, setBriefUpdate, setConcurrencyUpdate, stopUpdate } from '../temporal/definitions';
import { researchCycle } from './researchCycle';

/** The loop learns from refusals how many cycles the admission lets it run (domain/loop.ts); loops that began before replay without it. */
const SLOT_CAP = 'loop-slot-cap';

/** How a child cycle that did not return its status ended: its failure carries the status, or says how it ended. */
function endOfFailure(err: unknown): CycleEnd {
  if (err instanceof wf.ChildWorkflowFailure) {
    const cause = err.cause;
    if (cause instanceof wf.CancelledFailure) return { outcome: 'cancelled' };
    if (cause instanceof wf.ApplicationFailure && cause.details?.[0] !== undefined) return readCycleEnd(cause.details[0]);
    return { outcome: 'failed', failure: { kind: 'ended', reason: cause?.message ?? err.message } };
  }
  if (wf.isCancellation(err)) return { outcome: 'cancelled' };
  if (err instanceof WorkflowExecutionAlreadyStartedError) return { outcome: 'failed', failure: { kind: 'not_started', reason: err.message } };
  throw err;
}

/** An update's validator: the argument must parse, or the update is rejected with every problem before anything changes. */
const accepts =
  (schema: z.ZodType) =>
  (arg: unknown): void => {
    const parsed = schema.safeParse(arg);
    if (!parsed.success) throw new Error(issueLines(parsed.error).join('; '));
  };

/**
 * Research that goes on by itself: cycles as child workflows (`<loop id>-c<N>`), up to
 * `concurrency` at a time, each told the oldest untested hypothesis of the ledger, until
 * stopped (or `maxCycles` have run). A cycle refused for the day's budget makes the loop wait
 * on a durable timer until the budget resets; one refused because every slot is taken makes it
 * wait for one of its own cycles to end, or a short while. Every `continueAsNewEvery` cycles it
 * lets its running cycles end and continues as new with its compact state. Cancelling the loop
 * cancels its running cycles, and the loop ends cancelled once they have.
 */
export async function researchLoop(request: LoopRequest): Promise<LoopStatus> {
  const parsed = parseLoopInput(request);
  if (!parsed.ok) {
    throw wf.ApplicationFailure.create({ message: `Invalid loop input: ${parsed.problems.join('; ')}`, type: 'InvalidLoopInput', nonRetryable: true });
  }
  const input = parsed.input;
  const loopId = wf.workflowInfo().workflowId;
  const now = () => new Date().toISOString();
  const state = initialState(input, now());
  const running = new Map<string, RunningCycle>();
  let ended = false;
  /** Cycles of this loop ended so far in this run, and how many had when other cycles last held every slot. */
  let endsSeen = 0;
  let busySince: number | undefined;
  let startedThisRun = 0;

  const status = () => loopStatus(state, input, loopId, [...running.values()], ended);
  const publish = () => wf.setCurrentDetails(loopDetailsMarkdown(status()));
  const changed = () => {
    publish();
    return status();
  };
  const notStopping = () => {
    if (state.stopReason) throw new Error(`the loop is stopping (${state.stopReason}): it starts no more cycles`);
  };

  wf.setHandler(loopStatusQuery, status, {
    description: 'State, cycles done by outcome, spend, running cycles, the best strategies by validation, the hypotheses ledger',
  });
  wf.setHandler(
    pauseUpdate,
    () => {
      state.paused = true;
      return changed();
    },
    { validator: notStopping, description: 'Start no new cycle until resumed; running cycles go on' },
  );
  wf.setHandler(
    resumeUpdate,
    () => {
      state.paused = false;
      state.pausedBecause = undefined;
      state.failuresInARow = 0;
      return changed();
    },
    { validator: notStopping, description: 'Start cycles again after a pause' },
  );
  wf.setHandler(
    stopUpdate,
    () => {
      state.stopReason ??= 'stop requested';
      return changed();
    },
    { description: 'Start no new cycle; the loop ends once its running cycles have' },
  );
  wf.setHandler(
    setBriefUpdate,
    (arg) => {
      state.brief = SetBriefSchema.parse(arg).brief;
      return changed();
    },
    { validator: accepts(SetBriefSchema), description: 'The brief of the cycles that start from now on: {"brief": "…"}' },
  );
  wf.setHandler(
    setConcurrencyUpdate,
    (arg) => {
      state.concurrency = SetConcurrencySchema.parse(arg).concurrency;
      // a person who changes it may have given the admission more slots too: tried at once
      state.slotCap = undefined;
      return changed();
    },
    { validator: accepts(SetConcurrencySchema), description: 'How many cycles run at once from now on (running ones are not stopped): {"concurrency": 2}' },
  );

  const runCycle = async (next: NextCycle) => {
    running.set(next.cycleId, { cycleId: next.cycleId, ...(next.hypothesis && { hypothesis: next.hypothesis.id }), startedAt: now() });
    publish();
    let end: CycleEnd;
    try {
      end = readCycleEnd(
        await wf.executeChild(researchCycle, {
          workflowId: next.cycleId,
          args: [next.request],
          // a loop that is terminated, not cancelled, still has its cycles clean up after themselves
          parentClosePolicy: 'REQUEST_CANCEL',
          staticSummary: `cycle of loop ${loopId}${next.hypothesis ? `, testing ${next.hypothesis.id}: ${next.hypothesis.text}` : ''}`,
        }),
      );
    } catch (err) {
      end = endOfFailure(err);
    }
    running.delete(next.cycleId);
    endsSeen += 1;
    recordEnd(state, next.cycleId, next.hypothesis?.id, end, now());
    if (end.refusal?.reason === 'budget_exhausted') {
      const until = budgetWaitUntil(end.refusal, Date.now());
      if (!state.waitingUntil || until > state.waitingUntil) state.waitingUntil = until;
    }
    if (end.refusal?.reason === 'active_cycle_exists') {
      busySince = endsSeen;
      if (wf.patched(SLOT_CAP)) state.slotCap = capAfterBusyRefusal(state.slotCap, running.size);
    } else if (state.slotCap && end.outcome !== 'refused') state.slotCap = capAfterOwnEnd(state.slotCap, state.concurrency);
    publish();
  };

  const stopping = () => state.stopReason !== undefined;
  const limitReached = () => input.maxCycles !== undefined && cyclesDone(state) + running.size >= input.maxCycles;
  const runIsLong = () => startedThisRun >= input.continueAsNewEvery || wf.workflowInfo().continueAsNewSuggested;
  const mayStart = () => !state.paused && running.size < startLimit(state);

  /** Starts cycles while allowed; returns when no more may start in this run (the running ones may go on). */
  const startWhileAllowed = async () => {
    for (;;) {
      await wf.condition(() => stopping() || limitReached() || runIsLong() || state.waitingUntil !== undefined || busySince !== undefined || mayStart());
      if (stopping() || limitReached() || runIsLong()) return;
      if (state.waitingUntil) {
        publish();
        const ms = Date.parse(state.waitingUntil) - Date.now();
        if (ms > 0) await wf.condition(stopping, ms);
        // another refusal meanwhile may have moved the reset later: then the next turn waits again
        if (Date.now() >= Date.parse(state.waitingUntil)) state.waitingUntil = undefined;
        publish();
        continue;
      }
      if (busySince !== undefined) {
        const since = busySince;
        await wf.condition(() => stopping() || endsSeen > since, BUSY_BACKOFF_MS);
        busySince = undefined;
        continue;
      }
      startedThisRun += 1;
      void runCycle(nextCycle(state, input, loopId));
    }
  };

  publish();
  try {
    for (;;) {
      await startWhileAllowed();
      await wf.condition(() => running.size === 0);
      if (stopping()) break;
      if (input.maxCycles !== undefined && cyclesDone(state) >= input.maxCycles) {
        state.stopReason = `${input.maxCycles} cycles run`;
        break;
      }
      if (runIsLong()) {
        await wf.condition(wf.allHandlersFinished);
        return await wf.continueAsNew<typeof researchLoop>(continuedInput(request, state));
      }
    }
  } catch (err) {
    if (!wf.isCancellation(err)) throw err;
    // the cancellation reached each running cycle too: the loop ends once they have
    await wf.CancellationScope.nonCancellable(() => wf.condition(() => running.size === 0));
    throw err;
  }
  ended = true;
  // a loop stopped while it waited for the budget waits no more
  state.waitingUntil = undefined;
  publish();
  await wf.condition(wf.allHandlersFinished);
  return status();
}
