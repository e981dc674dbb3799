/**
 * Budget and admission (KTRDR spec §1.8, §1.10): a daily budget in USD, reset at 00:00 UTC,
 * and a limit on the cycles that run at once, shared by every worker and every way of
 * starting a cycle. The `admission` workflow keeps this state and calls these functions; they
 * take the time as an argument (the workflow's own clock) and return new state.
 */
import { z } from 'zod';
import { costUsd, DEFAULT_MODEL, MODEL_PRICES, resolveModel } from './models';

const DEFAULT_DAILY_BUDGET_USD = 5;
const DEFAULT_MAX_CONCURRENT_CYCLES = 1;

const AdmissionSettingsSchema = z.strictObject({
  dailyBudgetUsd: z.number().min(0).max(1_000_000),
  maxConcurrentCycles: z.number().int().min(1).max(1000),
});
export type AdmissionSettings = z.infer<typeof AdmissionSettingsSchema>;

const ADMISSION_ENV = { dailyBudgetUsd: 'KTRDR_DAILY_BUDGET_USD', maxConcurrentCycles: 'KTRDR_MAX_CONCURRENT_CYCLES' } as const;

/**
 * The settings a first start of the admission workflow gets: KTRDR_DAILY_BUDGET_USD and
 * KTRDR_MAX_CONCURRENT_CYCLES, else the defaults. Later changes go through `configure`.
 */
export function admissionSettingsFromEnv(env: Record<string, string | undefined>): { ok: true; settings: AdmissionSettings } | { ok: false; problem: string } {
  const read = (key: keyof typeof ADMISSION_ENV, fallback: number) => {
    const raw = env[ADMISSION_ENV[key]];
    return raw === undefined || raw.trim() === '' ? fallback : Number(raw);
  };
  const parsed = AdmissionSettingsSchema.safeParse({
    dailyBudgetUsd: read('dailyBudgetUsd', DEFAULT_DAILY_BUDGET_USD),
    maxConcurrentCycles: read('maxConcurrentCycles', DEFAULT_MAX_CONCURRENT_CYCLES),
  });
  if (parsed.success) return { ok: true, settings: parsed.data };
  const key = parsed.error.issues[0].path[0] as keyof typeof ADMISSION_ENV;
  const what = key === 'dailyBudgetUsd' ? 'a number of US dollars, 0 or more' : 'a whole number of cycles, 1 or more';
  return { ok: false, problem: `${ADMISSION_ENV[key]}=${env[ADMISSION_ENV[key]]} is not ${what}.` };
}

const ClaudePhaseSchema = z.enum(['designing', 'assessing']);
export type ClaudePhase = z.infer<typeof ClaudePhaseSchema>;

const usd = z.number().min(0);
const iso = z.string();

/**
 * Tokens a Claude phase typically uses, for the reservation made before it: a little above
 * what a design and an assessment cost on the fake Messages API (README, "Claude"), and in
 * line with KTRDR's target of ≈ $0.15 a cycle. The settled cost replaces it.
 */
const TYPICAL_TOKENS: Record<ClaudePhase, { inputTokens: number; outputTokens: number }> = {
  designing: { inputTokens: 20_000, outputTokens: 5_000 },
  assessing: { inputTokens: 6_000, outputTokens: 2_000 },
};

/** What a Claude phase of `model` is expected to cost; an unknown model is priced as the dearest. */
export function phaseEstimateUsd(model: string, phase: ClaudePhase): number {
  const known = resolveModel(model);
  const tokens = { ...TYPICAL_TOKENS[phase], cacheReadTokens: 0, cacheWriteTokens: 0 };
  if (known) return costUsd(known, tokens);
  return Math.max(...Object.keys(MODEL_PRICES).map((m) => costUsd(m as keyof typeof MODEL_PRICES, tokens)));
}

/** A whole cycle: a design (unless the cycle was given its strategy) and an assessment. */
export function cycleEstimateUsd(input: { model: string; strategy?: string }): number {
  return (input.strategy === undefined ? phaseEstimateUsd(input.model, 'designing') : 0) + phaseEstimateUsd(input.model, 'assessing');
}

/** A cycle of the default model, for affordability before any Claude cycle has ended. */
export const DEFAULT_CYCLE_ESTIMATE_USD = cycleEstimateUsd({ model: DEFAULT_MODEL });

export const AdmitRequestSchema = z.strictObject({
  cycleId: z.string().min(1),
  /** Offline cycles cost nothing: never refused for budget, but they take a slot. */
  offline: z.boolean(),
  /** What the cycle is expected to cost (default: a cycle of the default model). */
  estimateUsd: usd.optional(),
});
export type AdmitRequest = z.infer<typeof AdmitRequestSchema>;

/** Why the admission turned a cycle away (spec §8 #24: a distinct reason each). */
export const RefusalReasonSchema = z.enum(['budget_exhausted', 'active_cycle_exists']);

const BudgetRefusalSchema = z.strictObject({
  admitted: z.literal(false),
  reason: z.literal('budget_exhausted'),
  message: z.string(),
  spentUsd: usd,
  limitUsd: usd,
  /** When the budget resets (ISO time, 00:00 UTC of the next day). */
  resetsAt: iso,
});
export type BudgetRefusal = z.infer<typeof BudgetRefusalSchema>;

const ActiveCycleRefusalSchema = z.strictObject({
  admitted: z.literal(false),
  reason: z.literal('active_cycle_exists'),
  message: z.string(),
  activeCycles: z.array(z.string()),
});

export const AdmitRefusalSchema = z.discriminatedUnion('reason', [BudgetRefusalSchema, ActiveCycleRefusalSchema]);
export type AdmitRefusal = z.infer<typeof AdmitRefusalSchema>;

const AdmitResultSchema = z.union([z.strictObject({ admitted: z.literal(true) }), AdmitRefusalSchema]);
export type AdmitResult = z.infer<typeof AdmitResultSchema>;

export const ReserveRequestSchema = z.strictObject({ cycleId: z.string().min(1), phase: ClaudePhaseSchema, estimateUsd: usd });
export type ReserveRequest = z.infer<typeof ReserveRequestSchema>;

export const ReserveResultSchema = z.union([
  z.strictObject({ granted: z.literal(true), reservationId: z.string() }),
  BudgetRefusalSchema.extend({ granted: z.literal(false) }),
]);
export type ReserveResult = z.infer<typeof ReserveResultSchema>;

/** A cycle reserves each Claude phase once: a retried reservation finds the first. */
export const reservationIdFor = (cycleId: string, phase: ClaudePhase) => `${cycleId}/${phase}`;

export const SettleSchema = z.strictObject({
  cycleId: z.string().min(1),
  reservationId: z.string().min(1),
  costUsd: usd,
  model: z.string(),
  phase: ClaudePhaseSchema,
});
export type Settle = z.infer<typeof SettleSchema>;

export const ReleaseSchema = z.strictObject({ cycleId: z.string().min(1), outcome: z.string().min(1) });
export type Release = z.infer<typeof ReleaseSchema>;

export const ConfigureSchema = AdmissionSettingsSchema.partial();
export type Configure = z.infer<typeof ConfigureSchema>;

const SpendEventSchema = z.strictObject({
  at: iso,
  cycleId: z.string(),
  phase: ClaudePhaseSchema,
  model: z.string(),
  costUsd: usd,
  reservationId: z.string(),
});
type SpendEvent = z.infer<typeof SpendEventSchema>;

const ReservationSchema = z.strictObject({ reservationId: z.string(), cycleId: z.string(), phase: ClaudePhaseSchema, estimateUsd: usd, at: iso });
type Reservation = z.infer<typeof ReservationSchema>;

const HolderSchema = z.strictObject({
  cycleId: z.string(),
  admittedAt: iso,
  offline: z.boolean(),
  /** What the cycle was expected to cost when admitted: held against the budget until its first reservation or spend replaces it. */
  estimateUsd: usd,
  /** What the cycle has spent so far: on release, a Claude cycle's cost feeds the recent average. */
  spentUsd: usd,
});
type Holder = z.infer<typeof HolderSchema>;

/** Recent Claude cycles whose cost makes the average that affordability is told at. */
const RECENT_CYCLES = 20;
/** Today's spend events kept (the day's total is kept apart): bounds the state carried over on continue-as-new. */
export const MAX_EVENTS = 500;

/** Everything the admission workflow knows: compact, so continue-as-new carries it whole. */
const AdmissionStateSchema = z.strictObject({
  settings: AdmissionSettingsSchema,
  /** The UTC day the spend is of, YYYY-MM-DD. */
  day: z.string(),
  spentUsd: usd,
  events: z.array(SpendEventSchema),
  reservations: z.array(ReservationSchema),
  active: z.array(HolderSchema),
  recentCycleCosts: z.array(usd),
});
export type AdmissionState = z.infer<typeof AdmissionStateSchema>;

export const BudgetSnapshotSchema = z.strictObject({
  date: z.string(),
  limitUsd: usd,
  spentUsd: usd,
  reservedUsd: usd,
  remainingUsd: usd,
  /** How many Claude cycles the remainder pays for, at `cycleCostUsd`. */
  cyclesAffordable: z.number().int().min(0),
  /** The recent average cost of a Claude cycle, once one has ended; else the estimate for the default model. */
  cycleCostUsd: usd,
  averageCycleCostUsd: usd.optional(),
  resetsAt: iso,
  maxConcurrentCycles: z.number().int(),
  activeCycles: z.array(HolderSchema.pick({ cycleId: true, admittedAt: true, offline: true })),
  events: z.array(SpendEventSchema),
});
export type BudgetSnapshot = z.infer<typeof BudgetSnapshotSchema>;

const isoAt = (ms: number) => new Date(ms).toISOString();
const utcDay = (ms: number) => isoAt(ms).slice(0, 10);

/** 00:00 UTC after `ms`. */
export function nextResetMs(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
}

export function initialAdmissionState(settings: AdmissionSettings, now: number): AdmissionState {
  return { settings, day: utcDay(now), spentUsd: 0, events: [], reservations: [], active: [], recentCycleCosts: [] };
}

/** A new UTC day starts with nothing spent; reservations of running cycles carry over. */
export function rollOver(state: AdmissionState, now: number): AdmissionState {
  const day = utcDay(now);
  return day === state.day ? state : { ...state, day, spentUsd: 0, events: [] };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
/**
 * What is held against the budget for a cycle: its open reservations, and for a Claude cycle
 * at least what is left of the estimate it was admitted with (that estimate less what it has
 * spent), until it is released. So cycles admitted at the same instant are never promised more
 * than the budget holds, and a design's reservation does not free what the assessment will need.
 */
function heldUsd(state: AdmissionState, cycleId: string): number {
  const reserved = sum(state.reservations.filter((r) => r.cycleId === cycleId).map((r) => r.estimateUsd));
  const holder = state.active.find((h) => h.cycleId === cycleId);
  return holder && !holder.offline ? Math.max(reserved, holder.estimateUsd - holder.spentUsd) : reserved;
}

const reservedUsd = (state: AdmissionState) =>
  sum([...new Set([...state.active.map((h) => h.cycleId), ...state.reservations.map((r) => r.cycleId)])].map((id) => heldUsd(state, id)));

/** What the budget has left after what is spent and held; below zero when real costs ran over the estimates. */
const headroomUsd = (state: AdmissionState) => state.settings.dailyBudgetUsd - state.spentUsd - reservedUsd(state);

/** Whether a request that leads to `after` stays within the budget, to a billionth of a dollar (sums of dollars in floating point are off in the last place). */
const withinBudget = (after: AdmissionState) => headroomUsd(after) >= -1e-9;

export const remainingUsd = (state: AdmissionState) => Math.max(0, headroomUsd(state));

const dollars = (x: number) => `$${x.toFixed(4)}`;

function budgetRefusal(state: AdmissionState, needUsd: number, now: number, what: string): BudgetRefusal {
  const resetsAt = isoAt(nextResetMs(now));
  const limit = state.settings.dailyBudgetUsd;
  return {
    admitted: false,
    reason: 'budget_exhausted',
    message:
      `daily budget exhausted: ${dollars(state.spentUsd)} of ${dollars(limit)} spent today (UTC) and ${dollars(reservedUsd(state))} reserved by running cycles; ` +
      `${what} needs about ${dollars(needUsd)}. It resets at ${resetsAt}. Offline cycles (--offline) cost nothing; \`ktrdr-agent budget --set-limit USD\` raises the limit.`,
    spentUsd: state.spentUsd,
    limitUsd: limit,
    resetsAt,
  };
}

function activeRefusal(state: AdmissionState): AdmitRefusal {
  const ids = state.active.map((h) => h.cycleId);
  const max = state.settings.maxConcurrentCycles;
  return {
    admitted: false,
    reason: 'active_cycle_exists',
    message:
      `${ids.length} cycle${ids.length === 1 ? '' : 's'} already running (${ids.join(', ')}), at most ${max} at a time: ` +
      `wait for ${ids.length === 1 ? 'it' : 'one'} to end, or cancel it with \`ktrdr-agent cancel ${ids[0]}\` (\`ktrdr-agent budget --set-concurrency N\` allows more).`,
    activeCycles: ids,
  };
}

/**
 * Admits a cycle, or says why not: the budget first, then the slots (spec §1.10). Idempotent
 * per cycle id, so the CLI may admit an id before it starts the cycle, which admits itself again.
 */
export function admit(state: AdmissionState, request: AdmitRequest, now: number): { state: AdmissionState; result: AdmitResult } {
  if (state.active.some((h) => h.cycleId === request.cycleId)) return { state, result: { admitted: true } };
  const need = request.estimateUsd ?? DEFAULT_CYCLE_ESTIMATE_USD;
  const holder: Holder = { cycleId: request.cycleId, admittedAt: isoAt(now), offline: request.offline, estimateUsd: request.offline ? 0 : need, spentUsd: 0 };
  const after = { ...state, active: [...state.active, holder] };
  if (!withinBudget(after)) return { state, result: budgetRefusal(state, need, now, 'a Claude cycle') };
  if (state.active.length >= state.settings.maxConcurrentCycles) return { state, result: activeRefusal(state) };
  return { state: after, result: { admitted: true } };
}

/** Holds the estimate of a Claude phase against the budget, so that cycles running at once cannot overshoot it together. */
export function reserve(state: AdmissionState, request: ReserveRequest, now: number): { state: AdmissionState; result: ReserveResult } {
  const reservationId = reservationIdFor(request.cycleId, request.phase);
  if (state.reservations.some((r) => r.reservationId === reservationId)) return { state, result: { granted: true, reservationId } };
  const reservation: Reservation = { reservationId, cycleId: request.cycleId, phase: request.phase, estimateUsd: request.estimateUsd, at: isoAt(now) };
  const after = { ...state, reservations: [...state.reservations, reservation] };
  if (!withinBudget(after)) {
    const what = request.phase === 'designing' ? 'the design' : 'the assessment';
    return { state, result: { ...budgetRefusal(state, request.estimateUsd, now, what), granted: false } };
  }
  return { state: after, result: { granted: true, reservationId } };
}

/** Replaces a reservation with what the phase really cost (a failed phase too); a settle seen before is ignored. */
export function settle(state: AdmissionState, s: Settle, now: number): AdmissionState {
  if (state.events.some((e) => e.reservationId === s.reservationId)) return state;
  const event: SpendEvent = { at: isoAt(now), cycleId: s.cycleId, phase: s.phase, model: s.model, costUsd: s.costUsd, reservationId: s.reservationId };
  return {
    ...state,
    spentUsd: state.spentUsd + s.costUsd,
    events: [...state.events, event].slice(-MAX_EVENTS),
    reservations: state.reservations.filter((r) => r.reservationId !== s.reservationId),
    active: state.active.map((h) => (h.cycleId === s.cycleId ? { ...h, spentUsd: h.spentUsd + s.costUsd } : h)),
  };
}

/** Gives back a cycle's slot and whatever it still had reserved; a Claude cycle's cost joins the recent average. */
export function release(state: AdmissionState, cycleId: string): AdmissionState {
  const holder = state.active.find((h) => h.cycleId === cycleId);
  const counted = holder && !holder.offline && holder.spentUsd > 0;
  return {
    ...state,
    active: state.active.filter((h) => h.cycleId !== cycleId),
    reservations: state.reservations.filter((r) => r.cycleId !== cycleId),
    recentCycleCosts: counted ? [...state.recentCycleCosts, holder.spentUsd].slice(-RECENT_CYCLES) : state.recentCycleCosts,
  };
}

export function configure(state: AdmissionState, changes: Configure): AdmissionState {
  return { ...state, settings: { ...state.settings, ...changes } };
}

/** How long a cycle id admitted before its workflow starts (the CLI admits, then starts) counts as alive without one. */
export const NOT_STARTED_GRACE_MS = 60_000;

/** What describing a holder's workflow found. */
export const CycleLookupSchema = z.strictObject({ cycleId: z.string(), found: z.enum(['running', 'closed', 'not_found']), status: z.string().optional() });
export type CycleLookup = z.infer<typeof CycleLookupSchema>;

/**
 * The holders that are gone and can give their slot back: a workflow that has closed without
 * releasing (terminated, timed out), or one that never started within the grace.
 */
export function endedHolders(state: AdmissionState, lookups: CycleLookup[], now: number): CycleLookup[] {
  return lookups.filter((l) => {
    const holder = state.active.find((h) => h.cycleId === l.cycleId);
    if (!holder) return false;
    if (l.found === 'closed') return true;
    return l.found === 'not_found' && now - Date.parse(holder.admittedAt) > NOT_STARTED_GRACE_MS;
  });
}

export function budgetSnapshot(state: AdmissionState, now: number): BudgetSnapshot {
  const current = rollOver(state, now);
  const recent = current.recentCycleCosts;
  const average = recent.length ? sum(recent) / recent.length : undefined;
  const cycleCost = average ?? DEFAULT_CYCLE_ESTIMATE_USD;
  const remaining = remainingUsd(current);
  return {
    date: current.day,
    limitUsd: current.settings.dailyBudgetUsd,
    spentUsd: current.spentUsd,
    reservedUsd: reservedUsd(current),
    remainingUsd: remaining,
    cyclesAffordable: cycleCost > 0 ? Math.floor(remaining / cycleCost) : 0,
    cycleCostUsd: cycleCost,
    ...(average !== undefined && { averageCycleCostUsd: average }),
    resetsAt: isoAt(nextResetMs(now)),
    maxConcurrentCycles: current.settings.maxConcurrentCycles,
    activeCycles: current.active.map(({ cycleId, admittedAt, offline }) => ({ cycleId, admittedAt, offline })),
    events: current.events,
  };
}

/**
 * The admission workflow's one argument: the settings of a first start, or on continue-as-new
 * the whole state. `maxHistoryEvents` continues as new sooner than the server suggests (tests).
 */
export const AdmissionInputSchema = z.strictObject({
  settings: AdmissionSettingsSchema,
  state: AdmissionStateSchema.optional(),
  maxHistoryEvents: z.number().int().min(100).optional(),
});
export type AdmissionInput = z.infer<typeof AdmissionInputSchema>;

/** A cycle's first step: to be admitted and, when a Claude design follows, the design's reservation with it (one activity where there were two). */
export interface AdmitCycleRequest extends AdmitRequest {
  /** The design's estimate, reserved once the cycle is admitted, unless it runs offline. */
  designEstimateUsd?: number;
}

/**
 * What admitting a cycle told it: the admission's answer, whether the cycle runs offline (asked
 * to, or the worker has no Claude), and the answer to the design's reservation when it asked for one.
 */
export const AdmitCycleResultSchema = z.strictObject({ admission: AdmitResultSchema, offline: z.boolean(), design: ReserveResultSchema.optional() });
type AdmitCycleResult = z.infer<typeof AdmitCycleResultSchema>;

/**
 * The activities between the cycles and the admission workflow: quick calls through the
 * worker's own Temporal client. A research cycle admits itself, reserves and
 * settles its Claude phases and releases its slot; the admission workflow looks at holders
 * that may have died.
 */
export interface AdmissionActivities {
  admitCycle(request: AdmitCycleRequest): Promise<AdmitCycleResult>;
  reserveSpend(request: ReserveRequest): Promise<ReserveResult>;
  settleSpend(settlement: Settle): Promise<void>;
  releaseCycle(release: Release): Promise<void>;
  describeCycles(input: { cycleIds: string[] }): Promise<CycleLookup[]>;
}

/** Their names, for whoever reads a cycle's history for its research phases alone. */
export const ADMISSION_ACTIVITIES: readonly (keyof AdmissionActivities)[] = ['admitCycle', 'reserveSpend', 'settleSpend', 'releaseCycle', 'describeCycles'];
