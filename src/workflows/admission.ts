/**
 * The admission entity workflow: one per research task queue (`ktrdr-admission` for the
 * default one), started by update-with-start by whoever needs it first. It admits cycles
 * against the daily budget and the concurrent-cycle limit, holds reservations for Claude
 * phases, records what they cost, and takes back the slots of cycles that died holding one.
 * The rules are pure functions (domain/admission.ts); this only orchestrates.
 */
import * as wf from '@temporalio/workflow';
import { z } from 'zod';
import {
  admit,
  AdmissionInputSchema,
  AdmitRequestSchema,
  budgetSnapshot,
  configure,
  ConfigureSchema,
  CycleLookupSchema,
  endedHolders,
  initialAdmissionState,
  nextResetMs,
  release,
  ReleaseSchema,
  reserve,
  ReserveRequestSchema,
  rollOver,
  settle,
  SettleSchema,
  type AdmissionActivities,
  type AdmissionInput,
} from '../domain/admission';
import { budgetDetailsMarkdown } from '../domain/budgetDetails';
import { ADMISSION_HANDLERS, admitUpdate, budgetQuery, configureUpdate, releaseSignal, reserveUpdate, settleSignal } from '../temporal/definitions';
import { HOLDER_CHECK_POLICY } from './policies';

const lookups = wf.proxyActivities<Pick<AdmissionActivities, 'describeCycles'>>(HOLDER_CHECK_POLICY);

/**
 * While cycles hold slots, their workflows are looked at this often, so that a cycle that
 * ended without releasing (terminated, timed out) gives its slot and reservations back even
 * when nobody asks for one; a refused admission or reservation looks at once.
 */
export const HOLDER_CHECK_INTERVAL_MS = 5 * 60_000;

/**
 * A look at the holders younger than this answers a refusal: fifty requests refused at once
 * share a look or two instead of each waiting for its own. A cycle terminated within the
 * second before is taken back at the next refusal after it.
 */
const HOLDER_LOOK_FRESH_MS = 1000;

/** Runs until it continues as new with its state; never ends otherwise. */
export async function admission(input: AdmissionInput): Promise<void> {
  const { settings, state: carried, maxHistoryEvents } = AdmissionInputSchema.parse(input);
  let state = carried ?? initialAdmissionState(settings, Date.now());

  /** Today's state: a new UTC day starts with nothing spent. */
  const today = () => {
    state = rollOver(state, Date.now());
    return state;
  };
  const publish = () => wf.setCurrentDetails(budgetDetailsMarkdown(budgetSnapshot(state, Date.now())));

  const startedAt = Date.now();
  let lookedAt: number | undefined;
  let checking: Promise<void> | undefined;
  const lookAtHolders = async () => {
    const cycleIds = state.active.map((h) => h.cycleId);
    if (!cycleIds.length) return;
    try {
      const found = z.array(CycleLookupSchema).parse(await lookups.describeCycles({ cycleIds }));
      for (const gone of endedHolders(state, found, Date.now())) {
        wf.log.warn('A cycle ended without releasing its slot: taken back', { cycleId: gone.cycleId, found: gone.found, status: gone.status });
        state = release(state, gone.cycleId);
      }
      publish();
    } catch (err) {
      if (!(err instanceof wf.ActivityFailure)) throw err;
      wf.log.warn('Could not look at the cycles holding slots', { error: err.cause?.message ?? err.message });
    } finally {
      lookedAt = Date.now();
    }
  };
  /** One look at a time: requests refused meanwhile wait for the same answer. */
  const reclaimEnded = async () => {
    checking ??= lookAtHolders().finally(() => {
      checking = undefined;
    });
    await checking;
  };

  /** Decides; a refusal while cycles hold slots is decided again after taking back those that are gone. */
  const decide = async <R>(attempt: () => { state: typeof state; result: R }, refused: (result: R) => boolean): Promise<R> => {
    today();
    let decided = attempt();
    const fresh = lookedAt !== undefined && Date.now() - lookedAt < HOLDER_LOOK_FRESH_MS && !checking;
    if (refused(decided.result) && state.active.length > 0 && !fresh) {
      await reclaimEnded();
      today();
      decided = attempt();
    }
    state = decided.state;
    publish();
    return decided.result;
  };

  wf.setHandler(
    admitUpdate,
    (request) =>
      decide(
        () => admit(state, request, Date.now()),
        (r) => !r.admitted,
      ),
    { validator: (request) => void AdmitRequestSchema.parse(request), description: ADMISSION_HANDLERS.admit },
  );
  wf.setHandler(
    reserveUpdate,
    (request) =>
      decide(
        () => reserve(state, request, Date.now()),
        (r) => !r.granted,
      ),
    { validator: (request) => void ReserveRequestSchema.parse(request), description: ADMISSION_HANDLERS.reserve },
  );
  wf.setHandler(
    settleSignal,
    (settlement) => {
      const parsed = SettleSchema.safeParse(settlement);
      if (!parsed.success) return wf.log.warn('Ignored an invalid settle signal', { error: parsed.error.message });
      state = settle(today(), parsed.data, Date.now());
      publish();
    },
    { description: ADMISSION_HANDLERS.settle },
  );
  wf.setHandler(
    releaseSignal,
    (released) => {
      const parsed = ReleaseSchema.safeParse(released);
      if (!parsed.success) return wf.log.warn('Ignored an invalid release signal', { error: parsed.error.message });
      state = release(today(), parsed.data.cycleId);
      publish();
    },
    { description: ADMISSION_HANDLERS.release },
  );
  wf.setHandler(
    configureUpdate,
    (changes) => {
      state = configure(today(), changes);
      publish();
      return state.settings;
    },
    { validator: (changes) => void ConfigureSchema.parse(changes), description: ADMISSION_HANDLERS.configure },
  );
  wf.setHandler(budgetQuery, () => budgetSnapshot(state, Date.now()), { description: ADMISSION_HANDLERS.budget });

  const info = () => wf.workflowInfo();
  const continueDue = () => info().continueAsNewSuggested || (maxHistoryEvents !== undefined && info().historyLength >= maxHistoryEvents);
  publish();
  for (;;) {
    const idle = state.active.length === 0;
    const untilReset = nextResetMs(Date.now()) - Date.now();
    // wakes at the reset, and while cycles hold slots at least every HOLDER_CHECK_INTERVAL_MS
    await wf.condition(() => continueDue() || (idle && state.active.length > 0), idle ? untilReset : Math.min(untilReset, HOLDER_CHECK_INTERVAL_MS));
    today();
    publish();
    if (continueDue()) {
      await wf.condition(wf.allHandlersFinished);
      return wf.continueAsNew<typeof admission>({ settings: state.settings, state, ...(maxHistoryEvents !== undefined && { maxHistoryEvents }) });
    }
    if (state.active.length > 0 && Date.now() - (lookedAt ?? startedAt) >= HOLDER_CHECK_INTERVAL_MS) await reclaimEnded();
  }
}
