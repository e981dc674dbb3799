/**
 * One research cycle: design → train → training gate → backtest → backtest gate → assess.
 * Deterministic orchestration only; all I/O happens in activities.
 */
import * as wf from '@temporalio/workflow';
import { z } from 'zod';
import {
  AssessResultSchema,
  BacktestResultSchema,
  DesignResultSchema,
  StrategyCheckResultSchema,
  TrainResultSchema,
  type ResearchActivities,
} from '../domain/activities';
import { attachStatus } from '../domain/cancelledStatus';
import { parseCycleInput, type CycleRequest, type CycleStatus, type Failure, type Outcome, type ResearchPhase } from '../domain/cycle';
import { cycleDetailsMarkdown, cycleSummary } from '../domain/cycleDetails';
import type { CycleMetricsSinks } from '../domain/cycleMetrics';
import { BacktestGateInputSchema, evaluateBacktestGate, evaluateTrainingGate, TrainingGateInputSchema, type GateResult } from '../domain/gates';
import { legacyBacktestGate, legacyTrainingGate } from '../domain/legacyGates';
import {
  AdmitCycleResultSchema,
  cycleEstimateUsd,
  phaseEstimateUsd,
  reservationIdFor,
  ReserveResultSchema,
  type AdmissionActivities,
  type BudgetRefusal,
  type ClaudePhase,
  type ReserveResult,
} from '../domain/admission';
import { addUsage, LlmUsageSchema, NO_USAGE, type LlmUsage } from '../domain/models';
import { OutcomeAttribute, PhaseAttribute, servicesTaskQueue, statusQuery, StrategyAttribute } from '../temporal/definitions';
import { ADMISSION_POLICY, ADMISSION_SIGNAL_POLICY, CLEANUP_POLICY, LLM_POLICY, SERVICE_POLICY, STRATEGY_CHECK_POLICY } from './policies';

const llm = wf.proxyActivities<Pick<ResearchActivities, 'designStrategy' | 'assessStrategy'>>(LLM_POLICY);
const admission = wf.proxyActivities<Omit<AdmissionActivities, 'describeCycles'>>(ADMISSION_POLICY);
/** The admission calls that are signals (see ADMISSION_SIGNAL_POLICY). */
const admissionSignals = wf.proxyLocalActivities<Pick<AdmissionActivities, 'settleSpend' | 'releaseCycle'>>(ADMISSION_SIGNAL_POLICY);
const { cycleMetrics } = wf.proxySinks<CycleMetricsSinks>();

/**
 * Training, backtests and clean-up call the services: they run on the services' own task queue,
 * beside an instance with room for them (see servicesTaskQueue). Cycles started before keep the
 * research queue; `lean` (LEAN_ORCHESTRATION) implies this patch.
 */
const SERVICES_QUEUE = 'services-queue';
const onServicesQueue = (policy: wf.ActivityOptions, lean: boolean): wf.ActivityOptions =>
  lean || wf.patched(SERVICES_QUEUE) ? { ...policy, taskQueue: servicesTaskQueue(wf.workflowInfo().taskQueue) } : policy;
const services = (lean: boolean) => wf.proxyActivities<Pick<ResearchActivities, 'trainModel' | 'runBacktest'>>(onServicesQueue(SERVICE_POLICY, lean));
const cleanup = (lean: boolean) => wf.proxyActivities<Pick<ResearchActivities, 'cleanUpCycle'>>(onServicesQueue(CLEANUP_POLICY, lean));

const PHASE_TITLES: Record<ResearchPhase, string> = {
  designing: 'Design',
  training: 'Training',
  backtesting: 'Backtest',
  assessing: 'Assessment',
};

/** Ends the cycle `failed`; carries the cycle's status so far as the failure's details. */
class CycleFailed extends Error {
  constructor(
    readonly failure: Failure,
    readonly type: string,
    /** What went wrong, without the phase's name in front. */
    readonly detail: string = failure.reason,
  ) {
    super(failure.reason);
  }
}

/** The budget has no room for the cycle's design: it ends `refused`, as if refused at admission. */
class CycleRefused extends Error {
  constructor(readonly refusal: BudgetRefusal) {
    super(refusal.message);
  }
}

/** The cycle admits itself, reserves and settles its Claude phases, and releases its slot (workflows/admission.ts). */
const ADMISSION = 'admission';

/** A failed assessment completes the cycle with its training and backtest, instead of failing it. */
const ASSESSMENT_FAILURE_KEEPS_RESULTS = 'assessment-failure-keeps-results';

/**
 * Less for the Temporal service to write per cycle: search attributes and memo only when they
 * change (a gate's verdict changes neither), the design's reservation in the admission's
 * activity, and the settlements and the release as local activities, in the workflow task that
 * follows a phase rather than two of their own. It implies the patches before it, so a new
 * cycle records this one marker (and its TemporalChangeVersion upsert) where it recorded two.
 */
const LEAN_ORCHESTRATION = 'lean-orchestration';

export async function researchCycle(request: CycleRequest): Promise<CycleStatus> {
  const now = () => new Date().toISOString();
  const status: CycleStatus = {
    cycleId: wf.workflowInfo().workflowId,
    phase: 'designing',
    bypassGates: false,
    startedAt: now(),
    phases: [],
    gates: {},
    usage: { ...NO_USAGE },
  };
  wf.setHandler(statusQuery, () => status, {
    description: 'Phase, strategy, phase timings, gate verdicts and results so far',
  });

  /** Whether the cycle runs under LEAN_ORCHESTRATION; known after its input is read (an invalid one publishes once, before). */
  let lean = false;
  /** What the cycle last wrote to its search attributes and memo: under LEAN_ORCHESTRATION it writes only what changed. */
  const written = { attributes: new Map<string, string>(), summary: '' };
  const publish = () => {
    const attributes = [
      { key: PhaseAttribute, value: status.phase },
      ...(status.strategy ? [{ key: StrategyAttribute, value: status.strategy }] : []),
      ...(status.outcome ? [{ key: OutcomeAttribute, value: status.outcome }] : []),
    ].filter(({ key, value }) => !lean || written.attributes.get(key.name) !== value);
    if (attributes.length) wf.upsertSearchAttributes(attributes);
    for (const { key, value } of attributes) written.attributes.set(key.name, value);
    const summary = cycleSummary(status);
    const json = JSON.stringify(summary);
    if (!lean || json !== written.summary) wf.upsertMemo({ summary });
    written.summary = json;
    wf.setCurrentDetails(cycleDetailsMarkdown(status));
  };

  /** Runs a phase's activity and checks its result; `skipped` says why a phase's own work is skipped (its timing is then the stand-in's). */
  const runPhase = async <T>(phase: ResearchPhase, schema: z.ZodType<T>, call: () => Promise<unknown>, skipped?: string): Promise<T> => {
    const timing: CycleStatus['phases'][number] = { phase, ...(skipped && { skipped }), startedAt: now() };
    status.phase = phase;
    status.phases.push(timing);
    publish();
    let raw: unknown;
    try {
      raw = await call();
    } catch (err) {
      // Anything but a failed activity is a bug in this code: let it fail the workflow task, so it can be fixed and replayed.
      if (wf.isCancellation(err) || !(err instanceof wf.ActivityFailure)) throw err;
      const message = err.cause?.message ?? err.message;
      const spent = failureUsage(err);
      if (spent) {
        status.usage = addUsage(status.usage, spent);
        status.model ??= spent.model;
      }
      throw new CycleFailed({ phase, kind: 'activity', reason: `${PHASE_TITLES[phase]} failed: ${message}` }, 'PhaseFailed', message);
    } finally {
      timing.endedAt = now();
      timing.durationMs = Date.parse(timing.endedAt) - Date.parse(timing.startedAt);
      if (!skipped) cycleMetrics.phaseEnded(phase, timing.durationMs / 1000);
    }
    return validResult(phase, schema, raw, (path) => path || 'result');
  };

  /**
   * What a phase returned, checked: a result the cycle cannot use fails it as invalid, never
   * read as zeros. `where` names the place of each problem in the result.
   */
  const validResult = <T>(phase: ResearchPhase, schema: z.ZodType<T>, raw: unknown, where: (path: string) => string): T => {
    const parsed = schema.safeParse(raw);
    if (parsed.success) return parsed.data;
    const problems = parsed.error.issues.map((i) => `${where(i.path.join('.'))}: ${i.message}`).join('; ');
    throw new CycleFailed(
      { phase, kind: 'invalid_result', reason: `${PHASE_TITLES[phase]} returned an invalid result: ${problems}` },
      'InvalidActivityResult',
      `it returned an invalid result: ${problems}`,
    );
  };

  /**
   * A Claude phase that failed still cost what it spent (spec §8 #17): its failure carries the
   * usage, whose model also says who ran when the design failed ('offline' for the offline designer).
   */
  const failureUsage = (err: wf.ActivityFailure): LlmUsage | undefined => {
    const details = err.cause instanceof wf.ApplicationFailure ? err.cause.details : undefined;
    const spent = LlmUsageSchema.safeParse(details?.[0]);
    return spent.success ? spent.data : undefined;
  };

  /** The metrics a gate reads: a result without what a gate needs is invalid too. */
  const gateInput = <T>(phase: ResearchPhase, schema: z.ZodType<T>, metrics: unknown): T => validResult(phase, schema, metrics, (path) => `metrics.${path}`);

  const gate = (phase: ResearchPhase, result: GateResult) => {
    status.gates[result.gate] = result;
    cycleMetrics.gateJudged(result.gate, result.passed && !result.bypassed);
    publish();
    if (!result.passed) throw new CycleFailed({ phase, kind: 'gate', reason: result.reason }, 'GateFailed');
  };

  const finish = (outcome: Outcome) => {
    status.phase = outcome;
    status.outcome = outcome;
    status.endedAt = now();
    cycleMetrics.cycleEnded(outcome, (Date.parse(status.endedAt) - Date.parse(status.startedAt)) / 1000);
    publish();
  };

  /** A clean-up that fails is logged, never allowed to hide why the cycle ended. */
  const cleanUp = async (outcome: 'failed' | 'cancelled') => {
    try {
      const result = await cleanup(lean).cleanUpCycle({ cycleId: status.cycleId, outcome });
      status.cancelledOperations = result.cancelledOperations;
    } catch (err) {
      if (!(err instanceof wf.ActivityFailure)) throw err;
      wf.log.warn('Clean-up after the cycle failed', { cycleId: status.cycleId, error: err.cause?.message ?? err.message });
    }
  };

  const parsed = parseCycleInput(request);
  if (!parsed.ok) {
    status.failure = { kind: 'invalid_input', reason: `Invalid cycle input: ${parsed.problems.join('; ')}` };
    finish('failed');
    throw wf.ApplicationFailure.create({
      message: status.failure.reason,
      type: 'InvalidCycleInput',
      nonRetryable: true,
      details: [status],
    });
  }
  const input = parsed.input;
  const cycleId = status.cycleId;
  // Which model designs is the worker's to say (no API key means offline): only the design, or its failure, tells.
  if (input.offline) status.model = 'offline';
  status.bypassGates = input.bypassGates;

  lean = wf.patched(LEAN_ORCHESTRATION);
  // Cycles started before admission existed replay without it.
  const admitting = lean || wf.patched(ADMISSION);
  /** Whether this cycle's Claude phases run offline: asked to, or the worker that admitted it has no Claude. */
  let offline = input.offline;
  /** Set from the moment the cycle asks to be admitted (a cancelled request may have been granted) until it is refused. */
  let mayHoldSlot = false;

  /** A call to the admission workflow that fails for good fails the cycle, saying what it was for. */
  const admissionCall = async <T>(what: string, phase: ResearchPhase | undefined, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      if (wf.isCancellation(err) || !(err instanceof wf.ActivityFailure)) throw err;
      const message = err.cause?.message ?? err.message;
      throw new CycleFailed({ ...(phase && { phase }), kind: 'activity', reason: `${what} failed: ${message}` }, 'AdmissionFailed', message);
    }
  };

  /** Under LEAN_ORCHESTRATION, the answer to the design's reservation, which the admission brought. */
  let designReserved: ReserveResult | undefined;

  /** The cycle's first step, whoever started it: the admission's answer, undefined when admitted. */
  const admit = async () => {
    mayHoldSlot = true;
    const designs = lean && !input.strategy && !input.offline;
    const answer = AdmitCycleResultSchema.parse(
      await admissionCall('Admission', undefined, () =>
        admission.admitCycle({
          cycleId,
          offline: input.offline,
          estimateUsd: cycleEstimateUsd(input),
          ...(designs && { designEstimateUsd: phaseEstimateUsd(input.model, 'designing') }),
        }),
      ),
    );
    offline = answer.offline;
    designReserved = answer.design;
    if (answer.admission.admitted) return undefined;
    mayHoldSlot = false;
    return answer.admission;
  };

  /** Holds the estimate of a Claude phase against the day's budget; none offline. */
  const reserve = async (phase: ClaudePhase): Promise<{ reservationId?: string; refusal?: BudgetRefusal }> => {
    if (!admitting || offline) return {};
    const answer =
      phase === 'designing' && designReserved
        ? designReserved
        : ReserveResultSchema.parse(
            await admissionCall(`${PHASE_TITLES[phase]}'s reservation`, phase, () =>
              admission.reserveSpend({ cycleId, phase, estimateUsd: phaseEstimateUsd(input.model, phase) }),
            ),
          );
    if (answer.granted) return { reservationId: answer.reservationId };
    const { granted: _, ...refusal } = answer;
    return { refusal };
  };

  /** Records what a Claude phase cost, failed or not (spec §8 #17); a lost settlement must not fail the cycle: release drops its reservation. */
  const settle = async (phase: ClaudePhase, reservationId: string | undefined, spent: LlmUsage | undefined) => {
    if (!admitting || (reservationId === undefined && !spent?.costUsd)) return;
    const settlement = {
      cycleId,
      reservationId: reservationId ?? reservationIdFor(cycleId, phase),
      costUsd: spent?.costUsd ?? 0,
      model: spent?.model ?? input.model,
      phase,
    };
    await (lean ? admissionSignals : admission).settleSpend(settlement).catch((err: unknown) => {
      if (!(err instanceof wf.ActivityFailure)) throw err;
      wf.log.warn('Could not record what the phase cost', { ...settlement, error: err.cause?.message ?? err.message });
    });
  };

  /** Counts what a Claude phase used and settles its cost. */
  const spend = async (phase: ClaudePhase, reservationId: string | undefined, spent: LlmUsage | undefined) => {
    if (spent) {
      const tokens = spent.inputTokens + spent.outputTokens + spent.cacheReadTokens + spent.cacheWriteTokens;
      cycleMetrics.claudeUsed(phase, tokens, spent.costUsd);
    }
    await settle(phase, reservationId, spent);
  };

  /** A Claude phase's activity, its cost settled whether it succeeds or fails; a cancelled one is released with the cycle. */
  const charged = (phase: ClaudePhase, reservationId: string | undefined, call: () => Promise<{ usage?: unknown }>) => async () => {
    try {
      const result = await call();
      const spent = LlmUsageSchema.safeParse(result?.usage);
      await spend(phase, reservationId, spent.success ? spent.data : undefined);
      return result;
    } catch (err) {
      if (err instanceof wf.ActivityFailure && !wf.isCancellation(err)) await spend(phase, reservationId, failureUsage(err));
      throw err;
    }
  };

  /** Gives the slot back, however the cycle ends; a failed release is taken back by the admission workflow when it notices the cycle closed. */
  const release = async (outcome: Outcome) => {
    if (!mayHoldSlot) return;
    await (lean ? admissionSignals : admission).releaseCycle({ cycleId, outcome }).catch((err: unknown) => {
      if (!(err instanceof wf.ActivityFailure)) throw err;
      wf.log.warn('Could not release the admission slot', { cycleId, error: err.cause?.message ?? err.message });
    });
  };

  const refused = async (refusal: NonNullable<CycleStatus['refusal']>) => {
    await release('refused');
    status.refusal = refusal;
    finish('refused');
    return status;
  };

  const designed = async () => {
    const { reservationId, refusal } = await reserve('designing');
    if (refusal) throw new CycleRefused(refusal);
    const design = await runPhase(
      'designing',
      DesignResultSchema,
      charged('designing', reservationId, () =>
        llm.designStrategy({
          cycleId,
          model: input.model,
          brief: input.brief,
          symbol: input.symbol,
          timeframe: input.timeframe,
          offline: input.offline,
        }),
      ),
    );
    status.design = design;
    status.model = design.offline ? 'offline' : design.usage.model;
    status.strategy = design.strategyName;
    status.usage = addUsage(status.usage, design.usage);
    return { cycleId, strategyName: design.strategyName, strategyPath: design.strategyPath };
  };

  /**
   * A person's strategy skips the design: in its place the worker finds the strategy and runs
   * the one validator on it. An unknown or invalid strategy is invalid input: the cycle fails
   * at once, every problem told.
   */
  const givenStrategy = async (name: string) => {
    const skipped = `strategy ${name} given`;
    status.strategy = name;
    const checks = wf.proxyActivities<Pick<ResearchActivities, 'checkStrategy'>>({ ...STRATEGY_CHECK_POLICY, summary: `design skipped: ${skipped}` });
    const checked = await runPhase(
      'designing',
      StrategyCheckResultSchema,
      () =>
        checks.checkStrategy({ cycleId, strategyName: name }).catch((err: unknown) => {
          const failure = err instanceof wf.ActivityFailure ? err.cause : undefined;
          if (!(failure instanceof wf.ApplicationFailure) || failure.type !== 'InvalidStrategy') throw err;
          const problems = z.array(z.string()).safeParse(failure.details?.[0]);
          const reason = `Invalid cycle input: ${(problems.success ? problems.data : [failure.message]).map((p) => `strategy: ${p}`).join('; ')}`;
          throw new CycleFailed({ kind: 'invalid_input', reason }, 'InvalidCycleInput');
        }),
      skipped,
    );
    return { cycleId, strategyName: checked.strategyName, strategyPath: checked.strategyPath };
  };

  try {
    if (admitting) {
      const refusal = await admit();
      if (refusal) return await refused(refusal);
    }
    const strategy = input.strategy ? await givenStrategy(input.strategy) : await designed();

    // Cycles started before the baseline-relative gates replay with KTRDR's absolute ones (legacyGates.ts).
    const baselineGates = lean || wf.patched('baseline-relative-gates');
    const training = await runPhase('training', TrainResultSchema, () => services(lean).trainModel(strategy));
    status.training = training;
    gate(
      'training',
      baselineGates
        ? evaluateTrainingGate(gateInput('training', TrainingGateInputSchema, training.metrics), input.gates.training, input.bypassGates)
        : legacyTrainingGate(training.metrics, request?.gates, input.bypassGates),
    );

    const backtest = await runPhase('backtesting', BacktestResultSchema, () => services(lean).runBacktest({ ...strategy, modelPath: training.modelPath }));
    status.backtest = backtest;
    gate(
      'backtesting',
      baselineGates
        ? evaluateBacktestGate(gateInput('backtesting', BacktestGateInputSchema, backtest.validation), input.gates.backtest, input.bypassGates)
        : legacyBacktestGate(backtest.validation, request?.gates, input.bypassGates),
    );

    const assessment = await reserve('assessing');
    if (assessment.refusal) {
      // the budget ran out while the cycle trained: it keeps its results, unassessed
      status.assessmentFailure = `not assessed: ${assessment.refusal.message}`;
    } else {
      try {
        const assessed = await runPhase(
          'assessing',
          AssessResultSchema,
          charged('assessing', assessment.reservationId, () =>
            llm.assessStrategy({
              ...strategy,
              model: input.model,
              training: training.metrics,
              backtest: backtest.validation,
              offline: input.offline,
            }),
          ),
        );
        status.assessment = assessed;
        status.verdict = assessed.verdict;
        // a cycle given its strategy learns who ran only here
        status.model ??= assessed.offline ? 'offline' : assessed.usage.model;
        status.usage = addUsage(status.usage, assessed.usage);
      } catch (err) {
        if (!(err instanceof CycleFailed) || !(lean || wf.patched(ASSESSMENT_FAILURE_KEEPS_RESULTS))) throw err;
        status.assessmentFailure = err.detail;
      }
    }
    await release('completed');
    finish('completed');
    return status;
  } catch (err) {
    if (wf.isCancellation(err)) {
      await wf.CancellationScope.nonCancellable(async () => {
        await cleanUp('cancelled');
        await release('cancelled');
      });
      finish('cancelled');
      throw attachStatus(err, status);
    }
    if (err instanceof CycleRefused) return refused(err.refusal);
    if (!(err instanceof CycleFailed)) throw err;
    status.failure = err.failure;
    // a cycle whose input was refused started no remote work
    if (err.failure.kind !== 'invalid_input') await cleanUp('failed');
    await release('failed');
    finish('failed');
    throw wf.ApplicationFailure.create({ message: err.message, type: err.type, nonRetryable: true, details: [status] });
  }
}
