/**
 * The commands that research one strategy by hand, on a name or a YAML file anywhere:
 * `validate`, `features`, `train`, `backtest` and `holdout`.
 */
import fs from 'node:fs';
import { Option, type Command } from '@commander-js/extra-typings';
import type { ExecutionSettings } from '../engine/backtest/result';
import { backtestStrategy, type BacktestRun } from '../research/backtesting';
import { writeBarsCsvColumns } from '../engine/features/featuresCsv';
import { buildFeatures } from '../engine/features/features';
import { evaluateHoldout } from '../research/holdout';
import { holdoutLooksText, readHoldoutLooks, recordHoldoutLook } from '../research/holdoutLooks';
import { readStrategy } from '../research/readStrategy';
import { trainStrategy } from '../research/training';
import type { TrainingReport } from '../research/trainingReport';
import { UserError } from '../errors';
import type { Folders } from '../folders';
import { shownPath } from '../paths';
import { formatProblem } from '../research/problems';
import { findStrategy, reportDir } from '../research/files';
import { validateStrategyFile } from '../research/validate';
import { integer } from '../numberOptions';
import { WINDOW_KINDS } from '../research/walkForward';
import { withCancel } from './cancellable';
import { DEFAULT_FOLDS, walkForwardCommand, wantsWalkForward } from './walkForwardCommand';

export function strategyCommands(cli: Command, folders: Folders): void {
  cli
    .command('validate')
    .description('check a strategy: schema, indicators and parameters, fuzzy sets against the real data; every problem with its line')
    .argument('<strategy>', 'a name (rsi_adx_trend_filter, looked up in strategies/ and strategies/designed/) or a YAML file anywhere')
    .action((nameOrPath) => {
      const file = findStrategy(nameOrPath, folders.strategies);
      const result = validateStrategyFile(file, { dataDir: folders.marketData });
      for (const problem of result.problems) console.log(formatProblem(shownPath(file), problem));
      const errors = result.problems.filter((p) => p.severity === 'error').length;
      if (!result.valid) throw new UserError(`${shownPath(file)}: ${errors} error${errors === 1 ? '' : 's'}`);
      console.log(`${shownPath(file)}: valid${result.problems.length ? ` (${result.problems.length} warning${result.problems.length === 1 ? '' : 's'})` : ''}`);
    });

  cli
    .command('features')
    .description('the columns the model sees: each indicator and fuzzy membership, its range and how often each set fires')
    .argument('<strategy>', 'a name (looked up in strategies/ and strategies/designed/) or a YAML file anywhere')
    .option('--csv <file>', 'also write every column to a CSV file in reports/')
    .action((nameOrPath, opts) => {
      const file = findStrategy(nameOrPath, folders.strategies);
      const { strategy, data } = readStrategy(fs.readFileSync(file, 'utf8'), shownPath(file), folders.marketData);
      for (const [i, bars] of data.series.entries()) {
        const features = buildFeatures(strategy, bars, data.indicators[i]);
        console.log(`${bars.symbol} ${bars.timeframe}: ${bars.time.length} bars, ${features.columns.length} model columns`);
        console.log(
          featureTable(
            [...features.indicators].map(([name, values]) => [name, values]),
            [...features.columns.map((c, i) => [c, features.values[i]] as const)],
          ),
        );
        if (opts.csv) console.log(`wrote ${shownPath(writeBarsCsvColumns(opts.csv, reportDir(strategy.name, folders.reports), bars.symbol, bars, features))}`);
      }
    });

  cli
    .command('train')
    .description("train a strategy's model on its data; prints the training report (validation metrics, never the holdout)")
    .argument('<strategy>', 'a name (looked up in strategies/ and strategies/designed/) or a YAML file anywhere')
    .option('--json', 'print the report as JSON')
    .action(async (nameOrPath, opts) => {
      const file = findStrategy(nameOrPath, folders.strategies);
      const report = await withCancel((signal, bar) =>
        trainStrategy(file, {
          dataDir: folders.marketData,
          modelsDir: folders.models,
          signal,
          onProgress: (p) => bar.update(p.epoch, { step: `epoch ${p.epoch}/${p.totalEpochs} · loss ${p.loss.toFixed(4)}`, total: p.totalEpochs }),
        }),
      );
      console.log(opts.json ? JSON.stringify(report, null, 2) : renderTraining(report));
    });

  cli
    .command('backtest')
    .description('backtest a trained strategy on its validation period and, apart, its holdout; writes reports/<strategy>/ (or --walk-forward)')
    .argument('<strategy>', 'a name (looked up in strategies/ and strategies/designed/) or a YAML file anywhere')
    .option('--json', 'print the summaries as JSON')
    .option('--walk-forward', 'retrain and backtest fold by fold over the data before the holdout; writes reports/<strategy>/walk-forward/')
    .option('--folds <n>', `walk-forward folds (default ${DEFAULT_FOLDS})`, integer('--folds', 2))
    .addOption(new Option('--window <kind>', 'walk-forward training windows: anchored (growing; the default) or rolling (sliding)').choices(WINDOW_KINDS))
    .option('--include-holdout', 'let the walk-forward folds run into the holdout (a look at it)')
    .action(async (nameOrPath, opts) => {
      if (wantsWalkForward(opts)) return walkForwardCommand(findStrategy(nameOrPath, folders.strategies), opts, folders);
      const run = await backtestStrategy(findStrategy(nameOrPath, folders.strategies), {
        dataDir: folders.marketData,
        modelsDir: folders.models,
        reportsDir: folders.reports,
      });
      recordHoldoutLook(run.strategy, { why: 'backtest', by: 'cli' }, folders.reports);
      const holdoutLooks = readHoldoutLooks(run.strategy, folders.reports).length;
      if (opts.json) {
        const summaries = Object.fromEntries(Object.entries(run.periods).map(([k, v]) => [k, { ...v, trades: undefined, equity: undefined }]));
        console.log(JSON.stringify({ ...run, periods: summaries, holdoutLooks }, null, 2));
      } else console.log(renderBacktest(run, holdoutLooks));
    });

  holdoutCommand(cli, folders);
}

function holdoutCommand(cli: Command, folders: Folders): void {
  cli
    .command('holdout')
    .description("the trained model's classification metrics on its holdout: for you, never for tuning; each run is recorded as a look")
    .argument('<strategy>', 'a name (looked up in strategies/ and strategies/designed/) or a YAML file anywhere')
    .action((nameOrPath) => {
      const e = evaluateHoldout(findStrategy(nameOrPath, folders.strategies), { dataDir: folders.marketData, modelsDir: folders.models });
      recordHoldoutLook(e.strategy, { why: 'holdout', by: 'cli' }, folders.reports);
      const looks = holdoutLooksText(readHoldoutLooks(e.strategy, folders.reports).length);
      console.log(`Holdout      ${e.rows} rows · accuracy ${pct(e.accuracy)} vs chance ${pct(e.chanceAccuracy)} · loss ${e.loss.toFixed(4)} · ${looks}`);
      ['BUY', 'HOLD', 'SELL'].forEach((c, i) => {
        const m = e.perClass[i];
        console.log(
          `  ${c.padEnd(5)}      share ${pct(e.classBalance[i]).padStart(6)} · precision ${pct(m.precision).padStart(6)} · recall ${pct(m.recall).padStart(6)}`,
        );
      });
    });
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const num = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(1) : Math.abs(x) >= 1 ? x.toFixed(3) : x.toPrecision(3));

function featureTable(indicators: (readonly [string, Float64Array])[], columns: (readonly [string, Float64Array])[]): string {
  const lines = ['  column                                   min         median      max         fires(>0.5)  ready'];
  const row = (name: string, values: Float64Array, membership: boolean) => {
    const finite = Float64Array.from(values.filter(Number.isFinite)).sort();
    if (!finite.length) return `  ${name.padEnd(40)} (no values)`;
    const fires = membership ? pct(finite.filter((v) => v > 0.5).length / finite.length) : '';
    const cells = [finite[0], finite[Math.floor(finite.length / 2)], finite[finite.length - 1]].map((v) => num(v).padStart(10));
    return `  ${name.padEnd(40)} ${cells.join('  ')}  ${fires.padStart(11)}  ${pct(finite.length / values.length).padStart(6)}`;
  };
  for (const [name, values] of indicators) lines.push(row(`${name} (indicator)`, values, false));
  for (const [name, values] of columns) if (!/_lag_\d+$/.test(name)) lines.push(row(name, values, true));
  const lags = columns.length - columns.filter(([n]) => !/_lag_\d+$/.test(n)).length;
  if (lags) lines.push(`  + ${lags} lagged copies`);
  return lines.join('\n');
}

function renderTraining(r: TrainingReport): string {
  const m = r.metrics;
  const classes = ['BUY', 'HOLD', 'SELL'];
  return [
    `Strategy     ${r.strategy} (${r.symbols.join(', ')} ${r.timeframe})`,
    `Model        ${shownPath(r.modelPath)} · ${r.features} features · ${r.parameters} parameters`,
    `Rows         train ${r.rows.train} · validation ${r.rows.validation} (the holdout is kept for the backtest)`,
    `Epochs       ${m.epochsTrained}${r.stoppedEarly ? ' (stopped early)' : ''} · best ${r.bestEpoch} · ${(r.trainingTimeMs / 1000).toFixed(1)} s`,
    `Train loss   ${m.initialTrainLoss.toFixed(4)} → ${m.finalTrainLoss.toFixed(4)} (${pct((m.initialTrainLoss - m.finalTrainLoss) / m.initialTrainLoss)} lower)`,
    `Validation   accuracy ${pct(m.accuracy)} vs chance ${pct(m.chanceAccuracy ?? 0)} · loss ${m.loss.toFixed(4)} vs chance ${(m.chanceLoss ?? 0).toFixed(4)}`,
    ...classes.map(
      (c, i) =>
        `  ${c.padEnd(5)}      share ${pct(r.validation.classBalance[i]).padStart(6)} · precision ${pct(r.validation.precision[i]).padStart(6)} · recall ${pct(r.validation.recall[i]).padStart(6)}`,
    ),
  ].join('\n');
}

/** Rates in basis points a side, and whether each is the strategy's or its market's default (the README's "Costs" has the sources). */
function costsApplied({ commission, slippage, costs }: ExecutionSettings): string {
  const bp = (rate: number) => `${+(rate * 10_000).toFixed(2)} bp`;
  const from = (source: string) => (source.startsWith('the strategy') ? 'the strategy' : `${costs.assetClass} default`);
  return `commission ${bp(commission)} (${from(costs.commission)}) + slippage ${bp(slippage)} (${from(costs.slippage)}) a side · ${costs.assetClass} (${costs.classifiedBy})`;
}

/** `holdoutLooks`: how often the holdout has been looked at, this run included. */
function renderBacktest(run: BacktestRun, holdoutLooks: number): string {
  const lines = [`Strategy     ${run.strategy} on ${run.symbol} ${run.timeframe} · reports in ${shownPath(run.reportDir)}/`];
  for (const [name, r] of Object.entries(run.periods)) {
    const m = r.metrics;
    const from = new Date(r.period.startTime).toISOString().slice(0, 10);
    const to = new Date(r.period.endTime).toISOString().slice(0, 10);
    lines.push(
      '',
      `${name} (${from} → ${to}, ${r.period.bars} bars)${name === 'holdout' ? ` — for you, not for tuning · ${holdoutLooksText(holdoutLooks)}` : ''}`,
      `  strategy      return ${pct(m.totalReturn).padStart(7)} · Sharpe ${m.sharpeRatio.toFixed(2).padStart(6)} · max drawdown ${pct(m.maxDrawdown).padStart(6)}`,
      `  buy & hold    return ${pct(r.buyAndHold.totalReturn).padStart(7)} · Sharpe ${r.buyAndHold.sharpeRatio.toFixed(2).padStart(6)} · max drawdown ${pct(r.buyAndHold.maxDrawdown).padStart(6)}`,
      `  same stake    buy & hold at the strategy's average exposure (${pct(m.averageExposure)}): return ${pct(r.buyAndHold.totalReturn * m.averageExposure)}${r.sameStake ? ` · strategy's excess t ${r.sameStake.tStat.toFixed(2)}` : ''}`,
      `  trades        ${m.totalTrades} · win rate ${pct(m.winRate)} · profit factor ${m.profitFactor === null ? '–' : m.profitFactor.toFixed(2)} · exposure ${pct(m.exposure)} · fees ${m.feesPaid.toFixed(2)}`,
      `  costs         ${costsApplied(r.execution)}`,
    );
  }
  return lines.join('\n');
}
