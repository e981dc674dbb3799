/**
 * Every strategy the agent tried, read from the folders its cycles write: the design record
 * (strategies/designed/<name>/design.json), the model's training.json, the validation backtest
 * (reports/<name>/validation/) and the assessment. A design that never reached a backtest is a
 * trial too — the Deflated Sharpe Ratio counts it — listed with why it went no further.
 *
 * The holdout is never read here: a choice among trials is made on validation alone.
 *
 * Which gate stopped a trial is not on disk (it lives in the cycle's Temporal history), so the
 * gates are judged again on the figures the files hold, with the default thresholds. A cycle run
 * with other thresholds or with the gates bypassed may have gone further than its trial says.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Verdict } from '../domain/activities';
import type { ResearchPhase } from '../domain/cycle';
import type { z } from 'zod';
import {
  BacktestGateInputSchema,
  evaluateBacktestGate,
  evaluateTrainingGate,
  GateThresholdsSchema,
  TrainingGateInputSchema,
  type GateResult,
} from '../domain/gates';
import { BacktestSummarySchema, type BacktestSummary } from '../engine/backtest/result';
import { toBacktestMetrics } from '../research/backtestMetrics';
import { modelDir, reportDir, strategyFile } from '../research/files';
import { returnMoments, type ReturnMoments } from '../research/sharpeStatistics';
import { TrainingReportSchema } from '../research/trainingReport';
import { shownPath } from '../paths';
import { readAssessment } from './assessmentFile';
import { readDesignRecords, type DesignRecord } from './designRecord';
import { memoryWarning } from './modelMemory';

interface GateVerdict {
  passed: boolean;
  /** 'passed', or the gate's sentence with each failed check, its value and its threshold. */
  reason: string;
  /** The codes of the checks that failed, e.g. too_few_trades. */
  failed: string[];
}

/** The validation backtest: the only period a trial is judged and ranked on. */
export interface ValidationResult {
  start: string;
  end: string;
  bars: number;
  /** Bar returns per year measured on the timestamps: what annualises a per-bar Sharpe ratio. */
  barsPerYear: number;
  totalTrades: number;
  totalReturn: number;
  buyAndHoldReturn: number;
  maxDrawdown: number;
  winRate: number;
  /** Annualised, as the backtest reports it. */
  sharpeRatio: number;
  /** Moments of the per-bar returns of equity.csv: the per-bar Sharpe, skewness and kurtosis the PSR and DSR read. */
  returns: ReturnMoments;
}

export interface Trial {
  name: string;
  cycleId: string;
  /** 'offline' or the Claude model that designed it. */
  model: string;
  offline: boolean;
  symbol: string;
  timeframe: string;
  /** When it was designed. */
  created_at: string;
  gates: { training?: GateVerdict; backtest?: GateVerdict };
  /** Why it went no further than `phase`; none for a trial that passed both gates. */
  stopped?: { phase: ResearchPhase; reason: string };
  verdict?: Verdict;
  validation?: ValidationResult;
  /** Set when the validation period ends before the designing model's training cutoff: "the designer (…) may have seen this period". */
  memory?: string;
}

export interface TrialFolders {
  strategiesDir: string;
  reportsDir: string;
  modelsDir: string;
}

const DEFAULT_GATES = GateThresholdsSchema.parse({});

/** Every designed strategy, oldest first. */
export function readTrials(folders: TrialFolders): Trial[] {
  return readDesignRecords(folders.strategiesDir)
    .sort((a, b) => a.designed_at.localeCompare(b.designed_at) || a.strategy.localeCompare(b.strategy))
    .map((record) => readTrial(record, folders));
}

function readTrial(record: DesignRecord, folders: TrialFolders): Trial {
  const name = record.strategy;
  const trial: Trial = {
    name,
    cycleId: record.cycle_id,
    model: record.model,
    offline: record.offline,
    symbol: record.symbol,
    timeframe: record.timeframe,
    created_at: record.designed_at,
    gates: {},
  };
  if (!fs.existsSync(strategyFile(name, folders.strategiesDir))) {
    return { ...trial, stopped: { phase: 'designing', reason: 'no strategy saved (the design failed or was stopped)' } };
  }
  const training = readJson(path.join(modelDir(name, folders.modelsDir), 'training.json'), TrainingReportSchema);
  if (typeof training === 'string') return { ...trial, stopped: { phase: 'training', reason: training } };
  const trainingGate = TrainingGateInputSchema.safeParse(training.metrics);
  if (trainingGate.success) trial.gates.training = gateVerdict(evaluateTrainingGate(trainingGate.data, DEFAULT_GATES.training));

  const validationDir = path.join(reportDir(name, folders.reportsDir), 'validation');
  const summary = readJson(path.join(validationDir, 'metrics.json'), BacktestSummarySchema);
  if (typeof summary === 'string') {
    const gate = trial.gates.training;
    return { ...trial, stopped: gate && !gate.passed ? { phase: 'training', reason: gate.reason } : { phase: 'backtesting', reason: summary } };
  }
  const equityFile = path.join(validationDir, 'equity.csv');
  if (!fs.existsSync(equityFile)) return { ...trial, stopped: { phase: 'backtesting', reason: `no ${shownPath(equityFile)} beside its metrics.json` } };
  const backtestGate = BacktestGateInputSchema.safeParse(toBacktestMetrics(summary.metrics, summary.buyAndHold, summary.sameStake));
  if (backtestGate.success) trial.gates.backtest = gateVerdict(evaluateBacktestGate(backtestGate.data, DEFAULT_GATES.backtest));
  trial.validation = validationResult(summary, equityFile);
  const memory = memoryWarning({ model: record.model, periodEnd: trial.validation.end });
  if (memory) trial.memory = memory;
  const verdict = readAssessment(name, folders.strategiesDir)?.verdict;
  if (verdict) trial.verdict = verdict;
  if (trial.gates.backtest?.passed === false) trial.stopped = { phase: 'backtesting', reason: trial.gates.backtest.reason };
  return trial;
}

const gateVerdict = ({ passed, reason, checks }: GateResult): GateVerdict => ({ passed, reason, failed: checks.filter((c) => !c.passed).map((c) => c.code) });

/** A file's content as its schema reads it, or why there is none, as a sentence. */
function readJson<T>(file: string, schema: z.ZodType<T>): T | string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return `no ${shownPath(file)} (it failed, was stopped, or is still running)`;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return `${shownPath(file)} is not JSON`;
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  return `${shownPath(file)} is not a report this version reads (${issue.path.join('.') || 'the file'}: ${issue.message})`;
}

function validationResult(summary: BacktestSummary, equityFile: string): ValidationResult {
  const { period, metrics, buyAndHold } = summary;
  return {
    start: new Date(period.startTime).toISOString(),
    end: new Date(period.endTime).toISOString(),
    bars: period.bars,
    barsPerYear: period.barsPerYear,
    totalTrades: metrics.totalTrades,
    totalReturn: metrics.totalReturn,
    buyAndHoldReturn: buyAndHold.totalReturn,
    maxDrawdown: metrics.maxDrawdown,
    winRate: metrics.winRate,
    sharpeRatio: metrics.sharpeRatio,
    returns: returnMoments(equityReturns(equityFile)),
  };
}

/** The strategy's return over each bar, from the `equity` column of equity.csv (its first point is the starting capital). */
export function equityReturns(file: string): Float64Array {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const equity: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (!lines[i]) continue;
    const start = lines[i].indexOf(',') + 1;
    equity.push(Number(lines[i].slice(start, lines[i].indexOf(',', start))));
  }
  const returns = new Float64Array(equity.length - 1);
  for (let t = 1; t < equity.length; t++) returns[t - 1] = equity[t] / equity[t - 1] - 1;
  return returns;
}
