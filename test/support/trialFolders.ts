import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TrainingMetrics, Verdict } from '../../src/domain/activities';
import { writeAssessment } from '../../src/design/assessmentFile';
import { claimStrategyName } from '../../src/design/designRecord';
import { metricsWithUnits } from '../../src/design/metricsWithUnits';
import { writeBacktestReport } from '../../src/engine/backtest/report';
import type { BacktestReport } from '../../src/engine/backtest/result';
import { backtest } from '../../src/engine/backtest/run';
import { sameStakeComparison } from '../../src/engine/backtest/sameStake';
import { randomWalkBars } from '../../src/engine/data/synthetic';
import { Random } from '../../src/engine/random';
import { toBacktestMetrics } from '../../src/research/backtestMetrics';
import { designedStrategyFile } from '../../src/research/files';
import { TrainingReportSchema } from '../../src/research/trainingReport';
import { STRATEGIES_DIR } from './folders';

/** A model that beats chance on its validation split by 8 pp and in loss: it passes the default training gate. */
const LEARNT: TrainingMetrics = {
  accuracy: 0.48,
  loss: 0.98,
  initialTrainLoss: 1.1,
  finalTrainLoss: 0.95,
  epochsTrained: 20,
  chanceAccuracy: 0.4,
  chanceLoss: 1.05,
  chanceTrainLoss: 1.05,
};

/** One at chance: the default training gate stops it (accuracy_not_above_chance, loss_not_below_chance). */
export const AT_CHANCE: TrainingMetrics = { ...LEARNT, accuracy: 0.4, loss: 1.06 };

/**
 * Folders laid out as cycles leave them, written by the project's own writers: design records,
 * strategy YAML, training.json, backtest reports (a real backtest on a seeded random walk) and
 * assessments.
 */
export class TrialFolders {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'ktrdr-trials-'));
  readonly strategiesDir = path.join(this.root, 'strategies');
  readonly modelsDir = path.join(this.root, 'models');
  readonly reportsDir = path.join(this.root, 'reports');
  private designs = 0;

  constructor() {
    fs.mkdirSync(this.strategiesDir);
  }

  /** The folders as readTrials takes them. */
  get folders() {
    return { strategiesDir: this.strategiesDir, modelsDir: this.modelsDir, reportsDir: this.reportsDir };
  }

  /** The environment that points the CLI at these folders. */
  env(): Record<string, string> {
    return { KTRDR_STRATEGIES_DIR: this.strategiesDir, KTRDR_MODELS_DIR: this.modelsDir, KTRDR_REPORTS_DIR: this.reportsDir };
  }

  /** A design by a cycle, a minute after the one before; its YAML too unless `saved` is false (the design died before writing it). */
  designed(name: string, options: { cycleId?: string; model?: string; timeframe?: '1h' | '1d'; saved?: boolean } = {}): this {
    const at = new Date(Date.UTC(2026, 0, 1) + 60_000 * this.designs++).toISOString();
    const model = options.model ?? 'offline';
    claimStrategyName(
      {
        cycle_id: options.cycleId ?? `cycle-${name}`,
        strategy: name,
        symbol: 'EURUSD',
        timeframe: options.timeframe ?? '1h',
        designed_at: at,
        model,
        offline: model === 'offline',
      },
      this.strategiesDir,
    );
    if (options.saved !== false) {
      const example = fs.readFileSync(path.join(STRATEGIES_DIR, 'rsi_adx_trend_filter.yaml'), 'utf8');
      fs.writeFileSync(designedStrategyFile(name, this.strategiesDir), example.replace(/^name: .*$/m, `name: ${name}`));
    }
    return this;
  }

  /** The training.json a training of these metrics writes beside its model. */
  trained(name: string, metrics: TrainingMetrics = LEARNT): this {
    const report = TrainingReportSchema.parse({
      strategy: name,
      modelPath: path.join(this.modelsDir, name, 'model.json'),
      symbols: ['EURUSD'],
      timeframe: '1h',
      features: 12,
      parameters: 400,
      rows: { train: 3000, validation: 600 },
      metrics,
      bestEpoch: metrics.epochsTrained,
      stoppedEarly: false,
      validation: {
        classBalance: [0.3, 0.4, 0.3],
        precision: [0.5, 0.5, 0.5],
        recall: [0.5, 0.5, 0.5],
        f1: [0.5, 0.5, 0.5],
        confusion: [
          [1, 1, 1],
          [1, 1, 1],
          [1, 1, 1],
        ],
      },
      trainClassBalance: [0.3, 0.4, 0.3],
      history: { trainLoss: [1.1, 0.95], trainAccuracy: [0.4, 0.45], valLoss: [1.05, 0.98], valAccuracy: [0.42, 0.48] },
      trainingTimeMs: 1000,
    });
    fs.mkdirSync(path.join(this.modelsDir, name), { recursive: true });
    fs.writeFileSync(path.join(this.modelsDir, name, 'training.json'), JSON.stringify(report, null, 2));
    return this;
  }

  /**
   * A real backtest of a model whose proposals are drawn at random (seeded) on a seeded random
   * walk, written as reports/<name>/<period>/; a `quiet` one holds but for one trade, an `idle` one never trades.
   */
  async backtested(
    name: string,
    period: 'validation' | 'holdout',
    seed: number,
    options: { timeframe?: '1h' | '1d'; quiet?: boolean; idle?: boolean } = {},
  ): Promise<BacktestReport> {
    const timeframe = options.timeframe ?? '1h';
    const bars = randomWalkBars({ symbol: 'EURUSD', timeframe, bars: 400, seed, volatility: 0.3 });
    const random = new Random(seed + 1);
    const probabilities = new Float32Array(bars.time.length * 3).fill(0.125);
    const proposal = (t: number) => (options.idle ? 1 : !options.quiet ? Math.floor(random.next() * 3) : t === 10 ? 0 : t === 20 ? 2 : 1);
    for (let t = 0; t < bars.time.length; t++) probabilities[t * 3 + proposal(t)] = 0.75;
    const report = backtest(bars, probabilities, { decisions: { filters: { min_signal_separation: 0 } }, execution: { positionSize: 1 } });
    const full = { ...report, sameStake: sameStakeComparison(report.equity.strategy, report.equity.buyAndHold, report.metrics.averageExposure) };
    await writeBacktestReport(full, path.join(this.reportsDir, name, period));
    return full;
  }

  /** The assessment a cycle writes once both gates passed. */
  assessed(name: string, verdict: Verdict, validation: BacktestReport): this {
    writeAssessment(
      name,
      {
        verdict,
        strengths: ['s'],
        weaknesses: ['w'],
        suggestions: ['x'],
        assessed_at: '2026-01-02T00:00:00.000Z',
        cycle_id: `cycle-${name}`,
        model: 'offline',
        offline: true,
        metrics: metricsWithUnits(LEARNT, toBacktestMetrics(validation.metrics, validation.buyAndHold, validation.sameStake)),
      },
      this.strategiesDir,
    );
    return this;
  }

  remove(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}
