import { z } from 'zod';
import { VerdictSchema } from './activities';
import { CycleInputSchema, issueLines, type CycleRequest } from './cycle';
import { RefusalReasonSchema, type BudgetRefusal } from './admission';
import type { CycleEnd } from './cycleEnd';
import { HypothesisSchema, LEDGER_MAX, propose, settle, takeNext, type Hypothesis } from './hypotheses';

/**
 * The research loop (`researchLoop`): research cycles run as child workflows, up to
 * `concurrency` at a time, until stopped. Its one argument, its state (what continue-as-new
 * hands on, compactly), the status its query returns, and the pure steps the workflow takes.
 */

/** Room is left in a cycle's brief (4000 characters) for the hypothesis under test. */
export const LOOP_BRIEF_MAX = 3000;
export const MAX_LOOP_CONCURRENCY = 16;
const DEFAULT_CONTINUE_AS_NEW_EVERY = 50;
/** How many of the best strategies the status keeps. */
export const BEST_KEPT = 5;
const MAX_RAN_WITH = 16;
/** A refusal because other cycles hold every slot: the loop tries again when one of its own cycles ends, or after this. */
export const BUSY_BACKOFF_MS = 30_000;
/**
 * After a refusal because every slot was taken, the loop starts no more cycles at once than it
 * had running; once this many of its own have ended since, it tries one more. Each try refused
 * doubles the wait for the next, up to MAX_TRY_AFTER: a loop whose concurrency is above the
 * admission's slots makes a refused cycle now and then, not one for every cycle it runs.
 */
export const FIRST_TRY_AFTER = 2;
export const MAX_TRY_AFTER = 16;
/** The least a budget refusal makes the loop wait, so a reset time already past cannot make it spin. */
export const MIN_BUDGET_WAIT_MS = 60_000;
/**
 * After this many cycles in a row failed outside a gate (no data, a service gone, a rejected
 * key), the loop pauses itself rather than start cycles that fail within a second, forever.
 */
export const MAX_FAILURES_IN_A_ROW = 5;

const LoopBriefSchema = z.string().trim().min(1).max(LOOP_BRIEF_MAX);
const LoopConcurrencySchema = z.number().int().min(1).max(MAX_LOOP_CONCURRENCY);

const count = z.number().int().min(0);
const ByOutcomeSchema = z.strictObject({ completed: count, failed: count, cancelled: count, refused: count });

/** A strategy among the best so far, by its validation backtest (the holdout is never read). */
const BestStrategySchema = z.strictObject({
  cycleId: z.string(),
  strategy: z.string(),
  verdict: VerdictSchema.optional(),
  accuracy: z.number().optional(),
  chanceAccuracy: z.number().optional(),
  validation: z.strictObject({
    sharpeRatio: z.number(),
    totalReturn: z.number(),
    maxDrawdown: z.number(),
    winRate: z.number(),
    totalTrades: z.number().int(),
  }),
});
type BestStrategy = z.infer<typeof BestStrategySchema>;

/** What the loop has learnt of the admission's slots from its refused cycles (see FIRST_TRY_AFTER). */
const SlotCapSchema = z.strictObject({
  /** Start no more cycles at once than this. */
  cap: z.number().int().min(1),
  /** How many of its own cycles must end at the cap before it tries one more. */
  tryAfter: z.number().int().min(1),
  endedSince: count,
  /** The cap was last raised by a try: a refusal now means the try failed. */
  trying: z.boolean(),
});
export type SlotCap = z.infer<typeof SlotCapSchema>;

const LastRefusalSchema = z.strictObject({ reason: RefusalReasonSchema, message: z.string(), cycleId: z.string(), at: z.string() });

/** What one run of the loop hands the next when it continues as new: counters, the best few, the ledger. */
const LoopCarriedSchema = z.strictObject({
  startedAt: z.string(),
  /** 1 for the first run, then one more at each continue-as-new. */
  run: z.number().int().min(1),
  /** Cycles started so far: the number in the next cycle's id is one more. */
  cyclesStarted: count,
  byOutcome: ByOutcomeSchema,
  spendUsd: z.number().min(0),
  /** Who designed its cycles so far, as they said: Claude model ids, 'offline'. */
  ranWith: z.array(z.string()).max(MAX_RAN_WITH),
  best: z.array(BestStrategySchema).max(BEST_KEPT),
  hypotheses: z.array(HypothesisSchema).max(LEDGER_MAX),
  /** The number of the next hypothesis id. */
  nextHypothesis: z.number().int().min(1),
  paused: z.boolean(),
  /** Why the loop paused itself (see MAX_FAILURES_IN_A_ROW); a person's pause has no reason. */
  pausedBecause: z.string().optional(),
  /** Cycles in a row that failed outside a gate. */
  failuresInARow: count,
  /** Waiting for the daily budget's reset, until then. */
  waitingUntil: z.iso.datetime().optional(),
  lastRefusal: LastRefusalSchema.optional(),
  /** Set by a refusal because every slot was taken; cleared when a person changes the concurrency. */
  slotCap: SlotCapSchema.optional(),
});
type LoopCarried = z.infer<typeof LoopCarriedSchema>;

const cycle = CycleInputSchema.shape;

/**
 * The one argument of `researchLoop`, from the CLI, a schedule or the Web UI's start form.
 * What each cycle runs with (model, offline, gates, market) is a cycle's own input, checked
 * by the same schemas. Unknown keys are errors.
 */
const LoopInputSchema = z.strictObject({
  brief: LoopBriefSchema.optional(),
  concurrency: LoopConcurrencySchema.default(1),
  /** End once this many cycles have run (refused ones not counted); none: until stopped. */
  maxCycles: z.number().int().min(1).optional(),
  /** Hand the state on to a new run (continue-as-new) after this many cycles, so the history stays short. */
  continueAsNewEvery: z.number().int().min(1).max(1000).default(DEFAULT_CONTINUE_AS_NEW_EVERY),
  model: cycle.model,
  offline: cycle.offline,
  bypassGates: cycle.bypassGates,
  gates: cycle.gates,
  symbol: cycle.symbol,
  timeframe: cycle.timeframe,
  /** Set by the loop itself when it continues as new; never by hand. */
  carried: LoopCarriedSchema.optional(),
});
export type LoopRequest = z.input<typeof LoopInputSchema>;
export type LoopInput = z.infer<typeof LoopInputSchema>;

type ParsedLoopInput = { ok: true; input: LoopInput } | { ok: false; problems: string[] };

export function parseLoopInput(raw: unknown): ParsedLoopInput {
  const result = LoopInputSchema.safeParse(raw ?? {});
  return result.success ? { ok: true, input: result.data } : { ok: false, problems: issueLines(result.error) };
}

/** Arguments of the loop's updates, checked by their validators before anything changes. */
export const SetBriefSchema = z.strictObject({ brief: LoopBriefSchema });
export const SetConcurrencySchema = z.strictObject({ concurrency: LoopConcurrencySchema });

const LoopStateSchema = z.enum(['running', 'paused', 'waiting_for_budget', 'stopping', 'stopped']);
type LoopStateName = z.infer<typeof LoopStateSchema>;

const RunningCycleSchema = z.strictObject({ cycleId: z.string(), hypothesis: z.string().optional(), startedAt: z.string() });
export type RunningCycle = z.infer<typeof RunningCycleSchema>;

/** What the `loopStatus` query returns and, once the loop has stopped, its result. */
export const LoopStatusSchema = z.strictObject({
  loopId: z.string(),
  state: LoopStateSchema,
  waitingUntil: z.string().optional(),
  stopReason: z.string().optional(),
  pausedBecause: z.string().optional(),
  brief: z.string().optional(),
  concurrency: LoopConcurrencySchema,
  /** How many cycles it starts at once for now, when that is below `concurrency`: the admission refused more. */
  cappedAt: z.number().int().optional(),
  maxCycles: z.number().int().optional(),
  /** The model its cycles ask for ('offline' when they ask for the offline designer); a worker without a key runs them offline all the same. */
  model: z.string(),
  offline: z.boolean(),
  /** Who designed its cycles so far, as they said. */
  ranWith: z.array(z.string()),
  startedAt: z.string(),
  run: z.number().int(),
  continueAsNewEvery: z.number().int(),
  cycles: z.strictObject({ started: count, done: count, byOutcome: ByOutcomeSchema }),
  spendUsd: z.number(),
  running: z.array(RunningCycleSchema),
  best: z.array(BestStrategySchema),
  hypotheses: z.array(HypothesisSchema),
  lastRefusal: LastRefusalSchema.optional(),
});
export type LoopStatus = z.infer<typeof LoopStatusSchema>;

/** The loop's whole state while a run lasts: what it carries on, and what the updates change. */
interface LoopState extends LoopCarried {
  brief?: string;
  concurrency: number;
  /** Set by `stop`, or when maxCycles have run: no cycle starts any more. */
  stopReason?: string;
}

export function initialState(input: LoopInput, now: string): LoopState {
  const carried: LoopCarried = input.carried ?? {
    startedAt: now,
    run: 1,
    cyclesStarted: 0,
    byOutcome: { completed: 0, failed: 0, cancelled: 0, refused: 0 },
    spendUsd: 0,
    ranWith: [],
    best: [],
    hypotheses: [],
    nextHypothesis: 1,
    paused: false,
    failuresInARow: 0,
  };
  return { ...carried, brief: input.brief, concurrency: input.concurrency };
}

/** A cycle refused because every slot was taken while `ownRunning` of the loop's cycles ran: start no more than those at once. */
export function capAfterBusyRefusal(current: SlotCap | undefined, ownRunning: number): SlotCap {
  const tryAfter = !current ? FIRST_TRY_AFTER : current.trying ? Math.min(2 * current.tryAfter, MAX_TRY_AFTER) : current.tryAfter;
  return { cap: Math.max(1, ownRunning), tryAfter, endedSince: 0, trying: false };
}

/** One of the loop's own cycles ran to an end: after `tryAfter` of them, one more may start at once (never above the concurrency). */
export function capAfterOwnEnd(current: SlotCap, concurrency: number): SlotCap {
  const endedSince = current.endedSince + 1;
  if (endedSince < current.tryAfter || current.cap >= concurrency) return { ...current, endedSince };
  return { ...current, cap: current.cap + 1, endedSince: 0, trying: true };
}

/** How many cycles the loop may have running at once now. */
export const startLimit = (state: Pick<LoopState, 'concurrency' | 'slotCap'>) => Math.min(state.concurrency, state.slotCap?.cap ?? state.concurrency);

/** Cycles that ran to an end: refused ones never ran. */
export const cyclesDone = (s: Pick<LoopState, 'byOutcome'>) => s.byOutcome.completed + s.byOutcome.failed + s.byOutcome.cancelled;

/**
 * The brief of a cycle: the hypothesis it is to test, then the loop's brief. The hypothesis comes
 * first because the offline designer honours what a brief names first (its first family, its
 * first indicator), and a cycle that tests a hypothesis must be steered by it.
 */
export function composeBrief(brief: string | undefined, hypothesis: Pick<Hypothesis, 'id' | 'text'> | undefined): string | undefined {
  if (!hypothesis) return brief;
  const test = `Design a strategy that tests hypothesis ${hypothesis.id}, proposed by an earlier assessment: ${hypothesis.text}`;
  return brief ? `${test}\n\nWithin the loop's brief: ${brief}` : test;
}

export interface NextCycle {
  cycleId: string;
  hypothesis?: Hypothesis;
  request: CycleRequest;
}

/** The next cycle: its id (`<loopId>-c<N>`), the oldest untested hypothesis (now under test) and its input. */
export function nextCycle(state: LoopState, input: LoopInput, loopId: string): NextCycle {
  state.cyclesStarted += 1;
  const cycleId = `${loopId}-c${state.cyclesStarted}`;
  const { ledger, taken } = takeNext(state.hypotheses, cycleId);
  state.hypotheses = ledger;
  const brief = composeBrief(state.brief, taken);
  const request: CycleRequest = {
    ...(brief !== undefined && { brief }),
    ...(input.symbol !== undefined && { symbol: input.symbol }),
    ...(input.timeframe !== undefined && { timeframe: input.timeframe }),
    model: input.model,
    offline: input.offline,
    bypassGates: input.bypassGates,
    gates: input.gates,
  };
  return { cycleId, hypothesis: taken, request };
}

/** The best `BEST_KEPT` strategies by their validation Sharpe ratio, then return: completed cycles only, one entry per strategy. */
export function rankBest(best: readonly BestStrategy[], cycleId: string, end: CycleEnd): BestStrategy[] {
  const v = end.backtest?.validation;
  if (end.outcome !== 'completed' || !v || !end.strategy) return [...best];
  const candidate: BestStrategy = {
    cycleId,
    strategy: end.strategy,
    ...(end.verdict && { verdict: end.verdict }),
    ...(end.training && { accuracy: end.training.metrics.accuracy }),
    ...(end.training?.metrics.chanceAccuracy !== undefined && { chanceAccuracy: end.training.metrics.chanceAccuracy }),
    validation: { sharpeRatio: v.sharpeRatio, totalReturn: v.totalReturn, maxDrawdown: v.maxDrawdown, winRate: v.winRate, totalTrades: v.totalTrades },
  };
  return [...best.filter((b) => b.strategy !== end.strategy), candidate]
    .sort((a, b) => b.validation.sharpeRatio - a.validation.sharpeRatio || b.validation.totalReturn - a.validation.totalReturn)
    .slice(0, BEST_KEPT);
}

/** Until when a budget refusal makes the loop wait: the refusal's reset time, and at least MIN_BUDGET_WAIT_MS. */
export function budgetWaitUntil(refusal: BudgetRefusal, now: number): string {
  return new Date(Math.max(Date.parse(refusal.resetsAt), now + MIN_BUDGET_WAIT_MS)).toISOString();
}

/**
 * Counts a cycle that ended: its outcome, what it spent, whether its strategy is among the best,
 * the hypothesis it tested (decided by its gates and verdict), and the hypotheses its assessment
 * proposed. A refusal is kept as the last one.
 */
export function recordEnd(state: LoopState, cycleId: string, hypothesisId: string | undefined, end: CycleEnd, now: string): void {
  state.byOutcome[end.outcome] += 1;
  state.spendUsd += end.usage?.costUsd ?? 0;
  if (end.model && !state.ranWith.includes(end.model) && state.ranWith.length < MAX_RAN_WITH) state.ranWith.push(end.model);
  state.best = rankBest(state.best, cycleId, end);
  if (hypothesisId) state.hypotheses = settle(state.hypotheses, hypothesisId, cycleId, end);
  const proposed = propose(state.hypotheses, end.assessment?.hypotheses ?? [], cycleId, state.nextHypothesis);
  state.hypotheses = proposed.ledger;
  state.nextHypothesis = proposed.next;
  if (end.refusal) state.lastRefusal = { cycleId, reason: end.refusal.reason, message: end.refusal.message, at: now };
  if (end.outcome === 'failed' && end.failure?.kind !== 'gate') {
    state.failuresInARow += 1;
    if (state.failuresInARow >= MAX_FAILURES_IN_A_ROW && !state.paused) {
      state.paused = true;
      state.pausedBecause = `${state.failuresInARow} cycles in a row failed outside a gate, the last (${cycleId}) with: ${end.failure?.reason ?? 'no reason given'}`;
    }
  } else if (end.outcome === 'completed' || end.outcome === 'failed') state.failuresInARow = 0;
}

function stateName(state: LoopState, ended: boolean): LoopStateName {
  if (ended) return 'stopped';
  if (state.stopReason) return 'stopping';
  if (state.waitingUntil) return 'waiting_for_budget';
  return state.paused ? 'paused' : 'running';
}

export function loopStatus(state: LoopState, input: LoopInput, loopId: string, running: readonly RunningCycle[], ended: boolean): LoopStatus {
  return {
    loopId,
    state: stateName(state, ended),
    ...(state.waitingUntil && { waitingUntil: state.waitingUntil }),
    ...(state.stopReason && { stopReason: state.stopReason }),
    ...(state.pausedBecause && { pausedBecause: state.pausedBecause }),
    ...(state.brief !== undefined && { brief: state.brief }),
    concurrency: state.concurrency,
    ...(startLimit(state) < state.concurrency && { cappedAt: startLimit(state) }),
    ...(input.maxCycles !== undefined && { maxCycles: input.maxCycles }),
    model: input.offline ? 'offline' : input.model,
    offline: input.offline,
    ranWith: [...state.ranWith],
    startedAt: state.startedAt,
    run: state.run,
    continueAsNewEvery: input.continueAsNewEvery,
    cycles: { started: state.cyclesStarted, done: cyclesDone(state), byOutcome: { ...state.byOutcome } },
    spendUsd: state.spendUsd,
    running: [...running],
    best: [...state.best],
    hypotheses: [...state.hypotheses],
    ...(state.lastRefusal && { lastRefusal: state.lastRefusal }),
  };
}

/** The input of the loop's next run: the caller's request, with what the updates changed and the state carried on. */
export function continuedInput(request: LoopRequest | undefined, state: LoopState): LoopRequest {
  const carried = z.object(LoopCarriedSchema.shape).parse(state);
  return {
    ...request,
    ...(state.brief !== undefined && { brief: state.brief }),
    concurrency: state.concurrency,
    carried: { ...carried, run: carried.run + 1 },
  };
}

const signedPct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;

/** The loop's state in a few words: `waiting for the budget until …`. */
export function stateLine(s: Pick<LoopStatus, 'state' | 'waitingUntil' | 'stopReason' | 'pausedBecause'>): string {
  if (s.state === 'waiting_for_budget') return `waiting for the budget until ${s.waitingUntil}`;
  if (s.state === 'stopping' || s.state === 'stopped') return `${s.state}${s.stopReason ? ` (${s.stopReason})` : ''}`;
  if (s.state === 'paused' && s.pausedBecause) return `paused by itself: ${s.pausedBecause}`;
  return s.state;
}

/** ` (1 for now: …)` when the admission refused more cycles than run: said beside the concurrency. */
export const cappedNote = (s: Pick<LoopStatus, 'cappedAt'>) =>
  s.cappedAt === undefined ? '' : ` (${s.cappedAt} for now: the admission refused more, active_cycle_exists)`;

/** The loop's current details in the Web UI (markdown): state, counts, spend, running cycles, the best strategies, the ledger. */
export function loopDetailsMarkdown(s: LoopStatus): string {
  const o = s.cycles.byOutcome;
  const lines = [
    `**${stateLine(s)}** · ${s.cycles.done} cycles done (${o.completed} completed, ${o.failed} failed, ${o.cancelled} cancelled; ${o.refused} refused) · spend $${s.spendUsd.toFixed(4)} · concurrency ${s.concurrency}${cappedNote(s)}`,
  ];
  if (s.brief) lines.push(`**Brief**: ${s.brief}`);
  if (s.running.length) lines.push(`**Running**: ${s.running.map((r) => `${r.cycleId}${r.hypothesis ? ` (testing ${r.hypothesis})` : ''}`).join(', ')}`);
  if (s.best.length) {
    lines.push('', '| best by validation | Sharpe | return | drawdown | trades | verdict |', '|---|---|---|---|---|---|');
    for (const b of s.best) {
      const v = b.validation;
      lines.push(
        `| ${b.strategy} | ${v.sharpeRatio.toFixed(2)} | ${signedPct(v.totalReturn)} | ${(v.maxDrawdown * 100).toFixed(1)}% | ${v.totalTrades} | ${b.verdict ?? '—'} |`,
      );
    }
  }
  if (s.hypotheses.length)
    lines.push('', '**Hypotheses**', ...s.hypotheses.map((h) => `- ${h.id} *${h.status}*: ${h.text}${h.evidence ? ` — ${h.evidence}` : ''}`));
  return lines.join('\n');
}
