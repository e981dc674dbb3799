/**
 * Everything a strategy's report shows, read from the files the agent already keeps: the
 * training report (models/<name>/training.json), each backtested period (reports/<name>/<period>/:
 * metrics.json, equity.csv, trades.csv), the traded market's prices over each period, the design
 * record and the assessment. Each file is checked by the schema its writer uses; what is missing
 * or damaged is one line saying what to run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readAssessment, type Assessment } from '../design/assessmentFile';
import { readDesignRecord, type DesignRecord } from '../design/designRecord';
import { memoryWarning } from '../design/modelMemory';
import { BacktestSummarySchema, TradeSchema, type BacktestSummary, type Trade } from '../engine/backtest/result';
import { loadBars } from '../engine/data/marketData';
import { UserError } from '../errors';
import type { Folders } from '../folders';
import { shownPath } from '../paths';
import { readHoldoutLooks } from '../research/holdoutLooks';
import { modelDir, reportDir, strategyName, strategyNames, unknownStrategy } from '../research/files';
import { TrainingReportSchema, type TrainingReport } from '../research/trainingReport';
import { readWalkForwardSummary, type WalkForwardSummary } from '../research/walkForward';

/** The periods a backtest writes, in the order a report shows them. */
const PERIODS = ['validation', 'holdout', 'out_of_sample'] as const;
type PeriodName = (typeof PERIODS)[number];

/** One period's curves, a point per bar close (times in epoch milliseconds). */
interface PeriodCurves {
  time: number[];
  equity: number[];
  buyAndHold: number[];
  /** The strategy's fraction below its running peak. */
  drawdown: number[];
  /** The traded market's close at each bar; null where the market data has no such bar. */
  close: (number | null)[];
}

export interface ReportPeriod {
  name: PeriodName;
  summary: BacktestSummary;
  curves: PeriodCurves;
  trades: Trade[];
  /** Set when the model that designed the strategy may have been trained on this period's prices. */
  memoryWarning?: string;
}

export interface ReportData {
  strategy: string;
  training: TrainingReport;
  periods: ReportPeriod[];
  /** Undefined for a person's strategy, which no cycle designed. */
  design?: DesignRecord;
  assessment?: Assessment;
  /** How often the strategy's holdout has been looked at (research/holdoutLooks.ts). */
  holdoutLooks: number;
  /** The last `backtest --walk-forward`, when there was one. */
  walkForward?: WalkForwardSummary;
}

type ReportFolders = Pick<Folders, 'strategies' | 'models' | 'reports' | 'marketData'>;

const damaged = (file: string, why: string) => new UserError(`${shownPath(file)} is damaged (${why}): run the command that writes it again`);

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw damaged(file, (error as Error).message);
  }
}

/** A CSV the backtest wrote: its header's names, each row as strings under them. */
function readCsv(file: string): Record<string, string>[] {
  const [header, ...lines] = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  const names = header.split(',');
  return lines.map((line, i) => {
    const cells = line.split(',');
    if (cells.length !== names.length) throw damaged(file, `line ${i + 2} has ${cells.length} cells, the header ${names.length}`);
    return Object.fromEntries(names.map((name, j) => [name, cells[j]]));
  });
}

function number(raw: string, file: string, line: number): number {
  const value = raw.includes('T') ? Date.parse(raw) : Number(raw);
  if (raw === '' || !Number.isFinite(value)) throw damaged(file, `line ${line}: '${raw}' is not a number or time`);
  return value;
}

function readTrades(file: string): Trade[] {
  return readCsv(file).map((row, i) => {
    const parsed = TradeSchema.safeParse({
      ...Object.fromEntries(Object.entries(row).map(([k, v]) => [k, k === 'forced' ? v === 'true' : number(v, file, i + 2)])),
    });
    if (!parsed.success) throw damaged(file, `line ${i + 2}: ${parsed.error.issues[0].path.join('.')} ${parsed.error.issues[0].message}`);
    return parsed.data;
  });
}

function readCurves(file: string, closeAt: (time: number) => number | null): PeriodCurves {
  const curves: PeriodCurves = { time: [], equity: [], buyAndHold: [], drawdown: [], close: [] };
  readCsv(file).forEach((row, i) => {
    const time = number(row.time, file, i + 2);
    curves.time.push(time);
    curves.equity.push(number(row.equity, file, i + 2));
    curves.buyAndHold.push(number(row.buyAndHold, file, i + 2));
    curves.drawdown.push(number(row.drawdown, file, i + 2));
    curves.close.push(closeAt(time));
  });
  return curves;
}

/** The training report, or what to run when the strategy has no model yet (or, for a name no strategy has, what was meant). */
function readTraining(name: string, { models, strategies }: Pick<ReportFolders, 'models' | 'strategies'>): TrainingReport {
  const file = path.join(modelDir(name, models), 'training.json');
  if (!fs.existsSync(file)) {
    if (!strategyNames(strategies).includes(name)) throw new UserError(unknownStrategy(name, strategies));
    throw new UserError(`no model of ${name} in ${shownPath(models)}/ yet: train it first (ktrdr-agent train ${name})`);
  }
  const parsed = TrainingReportSchema.safeParse(readJson(file));
  if (!parsed.success) throw damaged(file, `${parsed.error.issues[0].path.join('.')}: ${parsed.error.issues[0].message}`);
  return parsed.data;
}

function readPeriod(name: PeriodName, dir: string, closeAt: (time: number) => number | null): ReportPeriod | undefined {
  const metrics = path.join(dir, name, 'metrics.json');
  if (!fs.existsSync(metrics)) return undefined;
  const summary = BacktestSummarySchema.safeParse(readJson(metrics));
  if (!summary.success) throw damaged(metrics, `${summary.error.issues[0].path.join('.')}: ${summary.error.issues[0].message}`);
  return {
    name,
    summary: summary.data,
    curves: readCurves(path.join(dir, name, 'equity.csv'), closeAt),
    trades: readTrades(path.join(dir, name, 'trades.csv')),
  };
}

/** Reads what a report of the strategy shows; a strategy with no model or no backtest yet is a UserError saying what to run. */
export function readReportData(name: string, folders: ReportFolders): ReportData {
  const strategy = strategyName(name);
  const training = readTraining(strategy, folders);
  const dir = reportDir(strategy, folders.reports);
  if (!fs.existsSync(path.join(dir, 'validation', 'metrics.json'))) {
    throw new UserError(`no backtest of ${strategy} in ${shownPath(folders.reports)}/ yet: run ktrdr-agent backtest ${strategy}`);
  }
  const trainedAt = fs.statSync(path.join(modelDir(strategy, folders.models), 'training.json')).mtimeMs;
  if (fs.statSync(path.join(dir, 'validation', 'metrics.json')).mtimeMs < trainedAt) {
    throw new UserError(`the backtest in ${shownPath(dir)}/ is older than the model (trained again since): run ktrdr-agent backtest ${strategy}`);
  }
  // the backtest trades the first symbol (research/backtesting.ts)
  const bars = loadBars(training.symbols[0], training.timeframe, { dir: folders.marketData });
  const closes = new Map<number, number>();
  bars.time.forEach((t, i) => closes.set(t, bars.close[i]));
  const closeAt = (time: number) => closes.get(time) ?? null;
  const design = readDesignRecord(strategy, folders.strategies);
  const periods = PERIODS.map((period) => readPeriod(period, dir, closeAt)).filter((p) => p !== undefined);
  return {
    strategy,
    training,
    periods: periods.map((p) => ({ ...p, memoryWarning: memoryWarning({ model: design?.model, periodEnd: p.summary.period.endTime }) })),
    design,
    assessment: readAssessment(strategy, folders.strategies),
    holdoutLooks: readHoldoutLooks(strategy, folders.reports).length,
    walkForward: readWalkForwardSummary(strategy, folders.reports),
  };
}
