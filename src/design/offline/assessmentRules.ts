/**
 * The offline assessor's judgement: each metric graded against fixed lines, every
 * statement quoting its number with its unit (spec §8 #6), and a verdict from the grades.
 * The lines are a researcher's rules of thumb for the validation period, not gates: the
 * workflow's gates have already passed the strategy by the time it is assessed.
 */
import { MAX_PROPOSED_HYPOTHESES, type Verdict } from '../../domain/activities';
import { findIndicator, type IndicatorFamily } from '../../engine/features/indicators/catalog';
import { strategyMarkets, type Strategy } from '../../research/schema';
import type { AssessmentContent } from '../assessmentFile';
import type { MetricsWithUnits } from '../metricsWithUnits';

type Grade = 'good' | 'fair' | 'bad';

interface Finding {
  criterion: Criterion;
  grade: Grade;
  text: string;
}

type Criterion = 'edge' | 'sharpe' | 'return' | 'learning' | 'generalisation' | 'drawdown' | 'win_rate' | 'trades';

/** Numbers as stored in the assessment (2 decimals at most), so a sentence quotes what the rule compared. */
const n = (x: number) => `${+x.toFixed(2)}`;
const pct = (x: number) => `${n(x)}%`;
const signedPct = (x: number) => `${x > 0 ? '+' : ''}${n(x)}%`;
const pp = (x: number) => `${n(Math.abs(x))} percentage points`;
const loss = (x: number) => `${+x.toFixed(4)}`;
/** Zigzag thresholds run from 0.001 (hourly forex) to 0.1: two significant digits, not two decimals. */
const fraction = (x: number) => `${+x.toPrecision(2)}`;

/**
 * A lead over buy-and-hold at the same stake counts as an edge from one standard error of the
 * bar excesses on: designs without one scatter around t 0 (−0.9 to 1.1 over 40 offline designs
 * on hourly EURUSD, measured), and a point lead of 0.3 standard errors is a coin's luck.
 */
const EDGE_T = 1;

function grade(value: number, goodFrom: number, fairFrom: number): Grade {
  return value >= goodFrom ? 'good' : value >= fairFrom ? 'fair' : 'bad';
}

/** In order of weight: strengths and weaknesses keep this order. */
function findings(m: MetricsWithUnits): Finding[] {
  const t = m.training;
  const b = m.validation_backtest;
  const out: Finding[] = [];
  const add = (criterion: Criterion, g: Grade, text: string) => out.push({ criterion, grade: g, text });

  if (t.lift_pp === undefined || t.chance_accuracy_pct === undefined) {
    add('edge', 'fair', `Validation accuracy ${pct(t.validation_accuracy_pct)} cannot be weighed: training reported no chance baseline`);
  } else {
    const g = grade(t.lift_pp, 5, 1);
    const accuracy = `Validation accuracy ${pct(t.validation_accuracy_pct)}`;
    const chance = `always guessing the most common class scores ${pct(t.chance_accuracy_pct)}`;
    add(
      'edge',
      g,
      g === 'good'
        ? `${accuracy} beats chance by ${pp(t.lift_pp)} (${chance})`
        : g === 'fair'
          ? `${accuracy} is only ${pp(t.lift_pp)} above chance (${chance})`
          : `${accuracy} is no better than chance (${chance}; ${t.lift_pp < 0 ? 'minus' : 'plus'} ${pp(t.lift_pp)}): no usable signal was learnt`,
    );
  }

  const sharpe = grade(b.sharpe_ratio, 1, 0);
  add(
    'sharpe',
    sharpe,
    `Sharpe ratio ${n(b.sharpe_ratio)} (annualised) on the validation backtest: ${sharpe === 'good' ? 'a solid risk-adjusted return' : sharpe === 'fair' ? 'positive but modest' : 'it lost money for the risk taken'}`,
  );

  // against buy-and-hold with the same stake: a strategy in cash most of the time is not asked to match a fully invested one
  const ret = `Total return ${signedPct(b.total_return_pct)} after costs`;
  const excess = b.excess_over_same_stake_pp;
  const sameStake =
    b.same_stake_buy_and_hold_pct === undefined || b.buy_and_hold_return_pct === undefined || b.average_exposure_pct === undefined
      ? undefined
      : `buy-and-hold at the same stake ${signedPct(b.same_stake_buy_and_hold_pct)} (buy-and-hold ${signedPct(b.buy_and_hold_return_pct)} × average exposure ${pct(b.average_exposure_pct)})`;
  if (b.total_return_pct <= 0) add('return', 'bad', `${ret} on the validation period${sameStake ? ` against ${sameStake}` : ''}`);
  else if (excess === undefined || sameStake === undefined)
    add('return', 'fair', `${ret} cannot be weighed against buy-and-hold at the same stake: the backtest reported no average exposure`);
  else if (excess <= 0) add('return', 'fair', `${ret} trails ${sameStake} by ${pp(excess)}: the timing added nothing`);
  else if (b.same_stake_excess_t !== undefined && b.same_stake_excess_t < EDGE_T) {
    add('return', 'fair', `${ret} leads ${sameStake} by ${pp(excess)}, within the period's noise (t ${n(b.same_stake_excess_t)}): no edge shown yet`);
  } else add('return', 'good', `${ret} beats ${sameStake} by ${pp(excess)}${b.same_stake_excess_t === undefined ? '' : ` (t ${n(b.same_stake_excess_t)})`}`);

  const learning = grade(t.train_loss_decrease_pct, 10, 2);
  const losses = `${loss(t.initial_train_loss)} → ${loss(t.final_train_loss)}`;
  add(
    'learning',
    learning,
    learning === 'bad'
      ? `Training loss barely moved (${losses}, ${signedPct(-t.train_loss_decrease_pct)} over ${t.epochs_trained} epochs): the fuzzy features hardly separate the classes`
      : `Training loss fell ${pct(t.train_loss_decrease_pct)} (${losses}) over ${t.epochs_trained} epochs`,
  );

  // a model that learnt nothing has nothing to carry over to new bars
  const gap = ((t.validation_loss - t.final_train_loss) / t.final_train_loss) * 100;
  const generalisation: Grade = gap <= 10 ? 'good' : gap <= 25 ? 'fair' : 'bad';
  if (learning !== 'bad' && t.final_train_loss > 0)
    add(
      'generalisation',
      generalisation,
      `Validation loss ${loss(t.validation_loss)} is ${gap >= 0 ? `${pct(gap)} above` : `${pct(-gap)} below`} the final training loss ${loss(t.final_train_loss)}: ${
        generalisation === 'bad'
          ? 'the model fits the training years better than new ones'
          : generalisation === 'good'
            ? 'it carries over to unseen bars'
            : 'some overfitting'
      }`,
    );

  const drawdown: Grade = b.max_drawdown_pct <= 10 ? 'good' : b.max_drawdown_pct <= 20 ? 'fair' : 'bad';
  add('drawdown', drawdown, `Maximum drawdown ${pct(b.max_drawdown_pct)} below the equity peak${drawdown === 'bad' ? ': deep for a validation period' : ''}`);

  // a win rate over a handful of trades says nothing; the trade count's own finding covers that case
  if (b.total_trades >= 10) {
    const factor = b.profit_factor === undefined ? '' : `, profit factor ${n(b.profit_factor)}`;
    add('win_rate', grade(b.win_rate_pct, 50, 40), `Win rate ${pct(b.win_rate_pct)} over ${b.total_trades} trades${factor}`);
  }
  const trades: Grade = b.total_trades >= 30 ? 'good' : b.total_trades >= 10 ? 'fair' : 'bad';
  add(
    'trades',
    trades,
    b.total_trades === 0
      ? 'No trades on the validation period (0 trades): nothing to judge the signals by'
      : trades === 'bad'
        ? `Only ${b.total_trades} trades on the validation period: too few to tell skill from luck`
        : `${b.total_trades} trades on the validation period`,
  );
  return out;
}

/**
 * Money first: a strategy that lost after costs, or lost for the risk it took, is poor whatever
 * its accuracy lift; promising needs an edge out of sample after costs — a positive return and
 * Sharpe, ahead of buy-and-hold at the same stake by a standard error or more — on top of a
 * clear lift over chance.
 */
function verdictOf(found: Finding[], m: MetricsWithUnits): Verdict {
  const g = (c: Criterion) => found.find((f) => f.criterion === c)?.grade;
  const b = m.validation_backtest;
  const bad = found.filter((f) => f.grade === 'bad').length;
  if (b.total_trades === 0) return 'poor';
  if (b.total_return_pct < 0 || b.sharpe_ratio < 0) return 'poor';
  if (g('edge') === 'bad' && (g('sharpe') === 'bad' || g('return') === 'bad')) return 'poor';
  if (bad >= 4) return 'poor';
  const solid = g('edge') === 'good' && g('sharpe') === 'good' && g('return') === 'good';
  const nothingBroken = (['drawdown', 'trades'] as const).every((c) => g(c) !== 'bad');
  return solid && nothingBroken ? 'promising' : 'mediocre';
}

/** A 95 % normal interval on the win rate: how much the trade count lets it say. */
function winRateInterval(m: MetricsWithUnits): string | undefined {
  const { win_rate_pct: w, total_trades: trades } = m.validation_backtest;
  if (trades === 0) return undefined;
  const half = 1.96 * Math.sqrt(((w / 100) * (1 - w / 100)) / trades) * 100;
  return `${trades} trades bound what the ${pct(w)} win rate can say: its 95% interval spans ±${pp(half)}`;
}

function suggestions(found: Finding[], verdict: Verdict, m: MetricsWithUnits, strategy: Strategy | undefined, name: string): string[] {
  const weak = new Set(found.filter((f) => f.grade !== 'good').map((f) => f.criterion));
  const out: string[] = [];
  const indicators = strategy?.indicators.map((i) => i.name) ?? [];
  const families = new Set(strategy?.indicators.map((i) => findIndicator(i.name)?.family));
  const otherFamilies = (['momentum', 'trend', 'volatility', 'volume'] as const).filter((f) => !families.has(f));
  const market = strategy ? strategyMarkets(strategy) : undefined;
  const threshold = strategy?.decisions.confidence_threshold;
  const zigzag = strategy?.training.labels.zigzag_threshold;

  if (weak.has('edge')) {
    const swap = otherFamilies.length > 0 ? ` for one from the ${otherFamilies.join(' or ')} family` : '';
    const lift = m.training.lift_pp === undefined ? '' : `: ${pp(m.training.lift_pp)} over chance leaves little to trade on`;
    out.push(`Swap one of ${indicators.join(' and ') || 'the indicators'}${swap}${lift}`);
  }
  if (weak.has('learning'))
    out.push(`Check how often each fuzzy set fires (\`ktrdr-agent features ${name}\`): sets that rarely fire or overlap keep the training loss flat`);
  if (weak.has('generalisation')) {
    const layers = strategy?.model.architecture.hidden_layers.join(', ');
    out.push(`Narrow the gap between training and validation loss with a smaller network${layers ? ` than [${layers}]` : ''} or more dropout`);
  }
  const fewTrades = found.some((f) => f.criterion === 'trades' && f.grade === 'bad');
  if ((weak.has('sharpe') || weak.has('return')) && !fewTrades && threshold !== undefined && threshold < 0.9) {
    out.push(`Raise decisions.confidence_threshold from ${n(threshold)} to ${n(threshold + 0.1)} so only the model's confident signals trade`);
  }
  if (fewTrades && threshold !== undefined) {
    out.push(
      `Lower decisions.confidence_threshold from ${n(threshold)} (or filters.min_signal_separation) to get more than ${m.validation_backtest.total_trades} trades to judge by`,
    );
  }
  if ((weak.has('win_rate') || weak.has('drawdown')) && zigzag !== undefined) {
    out.push(`Try labels.zigzag_threshold ${fraction(zigzag * 1.5)} instead of ${fraction(zigzag)} so labels mark only larger swings`);
  }
  const holdout = `Confirm on the holdout before trusting any of this: \`ktrdr-agent backtest ${name}\` reports it apart`;
  if (verdict === 'promising') {
    out.unshift(holdout);
    if (market) out.push(`Test the same indicators on another symbol than ${market.symbols.join(', ')} ${market.timeframe} to see whether the edge is general`);
  }
  const fallback = [
    holdout,
    zigzag !== undefined ? `Vary labels.zigzag_threshold by ±25% around ${fraction(zigzag)} to see whether the result depends on the label size` : undefined,
    `Compare with a single-indicator version to see which of ${indicators.join(' and ') || 'the indicators'} carries the signal`,
  ].filter((s) => s !== undefined);
  for (const s of fallback) if (out.length < 2 && !out.includes(s)) out.push(s);
  return out.slice(0, 4);
}

const FAMILIES: readonly IndicatorFamily[] = ['momentum', 'trend', 'volatility', 'volume'];
/** Timeframes in the words the offline designer reads in a brief (briefSteering.ts). */
const TIMEFRAME_WORDS: Record<string, string> = { '1h': 'hourly', '1d': 'daily', '1w': 'weekly' };

/**
 * Hypotheses for later cycles of a research loop to test (spec §9), each a sentence one design
 * can confirm or refute, in the words the offline designer reads in a brief — indicator and
 * family names, symbols, "daily" — so that offline mode acts on them too. No edge: a family the
 * strategy lacks, beside its first indicator; a flat training loss: two other families; a
 * promising result: whether its first indicator keeps the edge elsewhere.
 */
function hypotheses(found: Finding[], verdict: Verdict, strategy: Strategy | undefined): string[] {
  const specs = (strategy?.indicators ?? []).map((i) => findIndicator(i.name)).filter((s) => s !== undefined);
  if (!strategy || specs.length === 0) return [];
  const first = specs[0];
  const { symbols, timeframe } = strategyMarkets(strategy);
  const market = `${symbols.join(' and ')} ${TIMEFRAME_WORDS[timeframe] ?? timeframe}`;
  const used = [...new Set(specs.map((s) => s.family))];
  const missing = FAMILIES.filter((f) => !used.includes(f));
  const grade = (c: Criterion) => found.find((f) => f.criterion === c)?.grade;
  const out: string[] = [];
  if (verdict === 'promising') out.push(`${first.name} keeps its edge on other markets`);
  if (grade('edge') !== 'good' && missing.length > 0)
    out.push(`A ${missing[0]} indicator read with ${first.name} lifts validation accuracy above chance on ${market}`);
  if (grade('learning') === 'bad' && missing.length >= 2) {
    const [a, b] = missing.length >= 3 ? missing.slice(1) : missing;
    out.push(`Indicators of the ${a} and ${b} families separate up-legs from down-legs on ${market}, where ${used.join(' and ')} ones did not`);
  }
  return out.slice(0, MAX_PROPOSED_HYPOTHESES);
}

/**
 * Strengths are the good findings, weaknesses the bad ones, in order of weight; fair ones
 * fill whichever list is short. When a list is still short, true statements about how much
 * the numbers can say fill it — never a weak figure dressed as a strength.
 */
export function judge(metrics: MetricsWithUnits, strategy: Strategy | undefined, name: string): AssessmentContent {
  const found = findings(metrics);
  const verdict = verdictOf(found, metrics);
  const texts = (g: Grade) => found.filter((f) => f.grade === g).map((f) => f.text);
  const strengths = texts('good').slice(0, 4);
  const weaknesses = texts('bad').slice(0, 4);
  for (const fair of texts('fair')) {
    if (strengths.length < 2) strengths.push(fair);
    else if (weaknesses.length < 4) weaknesses.push(fair);
  }
  const t = metrics.training;
  const b = metrics.validation_backtest;
  const cautions = [
    `Judged on the validation period only (${b.total_trades} trades, accuracy ${pct(t.validation_accuracy_pct)}); the holdout backtest, kept apart, has the last word`,
    winRateInterval(metrics),
  ].filter((s) => s !== undefined);
  const credits = [
    verdict === 'poor'
      ? `A clear negative result (accuracy ${pct(t.validation_accuracy_pct)}, return ${signedPct(b.total_return_pct)}): this design can be ruled out on this market`
      : undefined,
    `A complete run to build on: ${t.epochs_trained} training epochs and ${b.total_trades} validation trades, every number measured`,
  ].filter((s) => s !== undefined);
  for (const s of cautions) if (weaknesses.length < 2) weaknesses.push(s);
  for (const s of credits) if (strengths.length < 2) strengths.push(s);
  return {
    verdict,
    strengths,
    weaknesses,
    suggestions: suggestions(found, verdict, metrics, strategy, name),
    hypotheses: hypotheses(found, verdict, strategy),
  };
}
