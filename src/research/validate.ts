/**
 * The one validator (spec §8 #7, #8): the CLI's `validate`, training and the design tools
 * all call it, and it checks with the runtime's own code — the catalog that computes the
 * indicators, the functions that fuzzify, the loader that reads the data. It reports every
 * problem at once, each with its YAML path and line.
 */
import fs from 'node:fs';
import { z } from 'zod';
import { splitBars } from '../engine/features/dataset';
import { computeIndicators } from '../engine/features/features';
import { fuzzify, MEMBERSHIP_ARITY, type MembershipFunction } from '../engine/features/fuzzy';
import { findIndicator, resolveParams, suggestIndicators } from '../engine/features/indicators/catalog';
import { listAvailableData, MarketDataError } from '../engine/data/marketData';
import { materializeSyntheticMarket } from '../engine/data/syntheticMarkets';
import type { Bars } from '../engine/data/bars';
import { strategyBars, trainingSeries, type StrategyData } from './strategyData';
import { FuzzySetSchema, IndicatorSchema, StrategySchema, strategyMarkets, trainingDateRange, TrainingDataSchema, type Strategy } from './schema';
import { YamlSource, type PathSegment, type Problem } from './problems';
import { keysAt } from './schemaKeys';

export interface Validation {
  valid: boolean;
  strategy?: Strategy;
  /** A valid strategy's bars and indicator values, as the checks loaded and computed them: a run goes on from them. */
  data?: StrategyData;
  problems: Problem[];
}

export interface ValidateOptions {
  /** The market-data folder the strategy's symbols are looked up and loaded from. */
  dataDir: string;
  /** Whole series the caller has loaded already (as loadBars returns them): a symbol found here is not read again. */
  bars?: readonly Bars[];
}

/** Sections KTRDR keeps in a strategy but never uses; kept here too, with a warning that they do nothing. */
const UNUSED_SECTIONS = ['orchestrator', 'risk_management', 'backtesting'] as const;

/** Fewer usable bars than this in a split makes its metrics noise. */
const MIN_BARS_PER_SPLIT = 50;

export function validateStrategyFile(file: string, options: ValidateOptions): Validation {
  return validateStrategyText(fs.readFileSync(file, 'utf8'), options);
}

export function validateStrategyText(text: string, options: ValidateOptions): Validation {
  const source = new YamlSource(text);
  const syntax = source.syntaxProblems();
  if (syntax.length) return { valid: false, problems: syntax };
  const raw = source.doc.toJS() as Record<string, unknown> | null;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    return { valid: false, problems: [source.problem([], 'a strategy is a YAML mapping (name:, indicators:, fuzzy_sets:, …)')] };
  }

  const problems: Problem[] = [];
  const parsed = StrategySchema.safeParse(raw);
  if (!parsed.success) problems.push(...source.zodProblems(parsed.error.issues, (path) => keysAt(StrategySchema, path)));

  // Sections that parse on their own are checked further even when another section is broken.
  const indicators = z.array(IndicatorSchema).safeParse(raw.indicators);
  const fuzzySets = parseEach(raw.fuzzy_sets, FuzzySetSchema);
  if (indicators.success) problems.push(...checkIndicators(source, indicators.data));
  problems.push(...checkMemberships(source, fuzzySets));
  if (indicators.success) problems.push(...checkPairing(source, indicators.data, raw.fuzzy_sets));
  for (const section of UNUSED_SECTIONS) {
    if (raw[section] !== undefined) problems.push(source.problem([section], `kept, but this engine does not use ${section}`, 'warning'));
  }

  const trainingData = TrainingDataSchema.safeParse(raw.training_data);
  let data: StrategyData | undefined;
  if (parsed.success && !problems.some((p) => p.severity === 'error')) {
    const checked = checkData(source, parsed.data, options);
    problems.push(...checked.problems);
    data = checked.data;
  } else if (trainingData.success) {
    problems.push(...checkAvailability(source, trainingData.data, options.dataDir));
  }

  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  const valid = !problems.some((p) => p.severity === 'error');
  return valid && parsed.success ? { valid, strategy: parsed.data, data, problems } : { valid, strategy: undefined, problems };
}

type IndicatorList = z.output<typeof IndicatorSchema>[];
type FuzzySets = Record<string, z.output<typeof FuzzySetSchema>>;

/** The entries of a mapping that parse on their own (the others are reported by the full schema). */
function parseEach<T extends z.ZodType>(mapping: unknown, schema: T): Record<string, z.output<T>> {
  if (!mapping || typeof mapping !== 'object' || Array.isArray(mapping)) return {};
  const out: Record<string, z.output<T>> = {};
  for (const [key, value] of Object.entries(mapping)) {
    const parsed = schema.safeParse(value);
    if (parsed.success) out[key] = parsed.data;
  }
  return out;
}

function checkIndicators(source: YamlSource, indicators: IndicatorList): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, number>();
  indicators.forEach((config, i) => {
    const at: PathSegment[] = ['indicators', i];
    const previous = seen.get(config.feature_id);
    if (previous !== undefined)
      problems.push(source.problem([...at, 'feature_id'], `feature_id '${config.feature_id}' is already used by indicators[${previous}]`));
    seen.set(config.feature_id, i);
    const spec = findIndicator(config.name);
    if (!spec) {
      const hints = suggestIndicators(config.name);
      problems.push(source.problem([...at, 'name'], `unknown indicator '${config.name}'${hints.length ? ` (did you mean ${hints.join(', ')}?)` : ''}`));
      return;
    }
    const resolved = resolveParams(spec, config.params);
    if (!resolved.ok) {
      for (const p of resolved.problems) {
        // a parameter may sit flat beside name/feature_id or under params:
        const flat = p.param !== undefined && source.doc.hasIn([...at, p.param]);
        const path = p.param === undefined ? at : flat ? [...at, p.param] : [...at, 'params', p.param];
        problems.push(source.problem(path, p.message));
      }
    }
  });
  return problems;
}

function checkMemberships(source: YamlSource, sets: FuzzySets): Problem[] {
  const problems: Problem[] = [];
  for (const [featureId, set] of Object.entries(sets)) {
    for (const [name, mf] of Object.entries(set.memberships)) {
      const at = ['fuzzy_sets', featureId, name, 'parameters'];
      const p = mf.parameters;
      const arity = MEMBERSHIP_ARITY[mf.type];
      if (p.length !== arity) {
        problems.push(source.problem(at, `${mf.type} takes ${arity} parameters, got ${p.length}`));
      } else if (mf.type === 'gaussian') {
        if (!(p[1] > 0)) problems.push(source.problem(at, `gaussian [μ, σ] needs σ > 0, got ${p[1]}`));
      } else if (p.some((x, k) => k > 0 && x < p[k - 1])) {
        const letters = mf.type === 'triangular' ? 'a ≤ b ≤ c' : 'a ≤ b ≤ c ≤ d';
        problems.push(source.problem(at, `${mf.type} parameters must be in order (${letters}), got [${p.join(', ')}]`));
      } else if (p[0] === p[p.length - 1]) {
        problems.push(source.problem(at, `${mf.type} [${p.join(', ')}] has zero width: it can never fire`));
      }
    }
  }
  return problems;
}

function checkPairing(source: YamlSource, indicators: IndicatorList, rawSets: unknown): Problem[] {
  const problems: Problem[] = [];
  const sets = rawSets && typeof rawSets === 'object' ? rawSets : {};
  const ids = new Set(indicators.map((i) => i.feature_id));
  indicators.forEach((config, i) => {
    if (!Object.hasOwn(sets, config.feature_id)) {
      problems.push(source.problem(['indicators', i, 'feature_id'], `feature_id '${config.feature_id}' has no fuzzy set: add fuzzy_sets.${config.feature_id}`));
    }
  });
  for (const featureId of Object.keys(sets)) {
    if (!ids.has(featureId)) {
      const close = [...ids].find((id) => id.toLowerCase() === featureId.toLowerCase());
      problems.push(
        source.problem(
          ['fuzzy_sets', featureId],
          `fuzzy set '${featureId}' matches no indicator's feature_id${close ? ` (did you mean ${close}? feature_ids are case-sensitive)` : ''}`,
        ),
      );
    }
  }
  return problems;
}

type TrainingData = z.output<typeof TrainingDataSchema>;

function checkAvailability(source: YamlSource, td: TrainingData, dataDir: string): Problem[] {
  const { symbols, timeframe } = strategyMarkets({ training_data: td });
  const unnamed = symbols.flatMap((s) => {
    try {
      materializeSyntheticMarket(s, timeframe, dataDir);
      return [];
    } catch (error) {
      if (!(error instanceof MarketDataError)) throw error;
      return [source.problem(['training_data', 'symbols'], error.message)];
    }
  });
  if (unnamed.length > 0) return unnamed;
  const available = listAvailableData(dataDir);
  const have = new Set(available.map((d) => `${d.symbol} ${d.timeframe}`));
  const missing = symbols.filter((s) => !have.has(`${s.toUpperCase()} ${timeframe}`));
  const listing = available.map((d) => `${d.symbol} ${d.timeframe}`).join(', ') || 'none (run scripts/fetch-market-data.sh)';
  const problems = missing.map((s) => source.problem(['training_data', 'symbols'], `no market data for ${s} ${timeframe}; available: ${listing}`));
  if (td.date_range && (td.start_date || td.end_date)) {
    problems.push(source.problem(['training_data', 'date_range'], 'give the dates once: date_range or start_date/end_date, not both'));
  }
  return problems;
}

function percentile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))];
}

const short = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(1) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3));

/**
 * Runs the strategy's indicators on its own data and checks that every fuzzy set can fire
 * there (spec §8 #9: ranges written for another scale make flat, useless features). Returns
 * the bars and indicator values too when every series had them computed. The checks, and the
 * percentiles they quote, read the bars before the holdout only: the validator answers the
 * designer, and nothing of the holdout may reach it.
 */
function checkData(source: YamlSource, strategy: Strategy, options: ValidateOptions): { problems: Problem[]; data?: StrategyData } {
  const problems = checkAvailability(source, strategy.training_data, options.dataDir);
  if (problems.some((p) => p.severity === 'error')) return { problems };
  const range = trainingDateRange(strategy.training_data);
  const split = strategy.training.data_split;
  const unitsHint = new Map(
    strategy.indicators.map((i) => {
      const spec = findIndicator(i.name);
      const bounded = spec && spec.tier !== 3;
      const transformed = strategy.fuzzy_sets[i.feature_id]?.inputTransform?.type === 'price_ratio';
      return [
        i.feature_id,
        bounded || transformed ? '' : ` (${spec?.name} is in the instrument's own units: take ranges from these percentiles, or use a bounded indicator)`,
      ];
    }),
  );
  const whole = strategyBars(strategy, options.dataDir, options.bars);
  const series = trainingSeries(strategy, whole);
  const indicators: Map<string, Float64Array>[] = [];
  for (const bars of series) {
    const { symbol, timeframe } = bars;
    const n = bars.time.length;
    const usable = n - strategy.training_data.history_required;
    const smallest = Math.floor(usable * Math.min(split.train, split.validation, split.test));
    if (smallest < MIN_BARS_PER_SPLIT) {
      problems.push(
        source.problem(
          ['training_data'],
          `${symbol} ${timeframe} has ${n} bars${range.start || range.end ? ` between ${range.start ?? 'the start'} and ${range.end ?? 'the end'}` : ''}: after ${strategy.training_data.history_required} bars of history_required, the smallest split gets ${Math.max(0, smallest)} bars; it needs at least ${MIN_BARS_PER_SPLIT}`,
        ),
      );
      continue;
    }
    const where = `${symbol} ${timeframe}`;
    const computed = computeIndicators(strategy, bars);
    indicators.push(computed);
    const holdoutStart = splitBars(bars, strategy).ranges.test.start;
    for (const [featureId, values] of computed) {
      const finite = values.subarray(0, holdoutStart).filter(Number.isFinite);
      const at = ['fuzzy_sets', featureId];
      if (finite.length === 0) {
        problems.push(source.problem(at, `${featureId} has no values on ${where}`));
        continue;
      }
      const sorted = Float64Array.from(finite).sort();
      const [p1, p50, p99] = [0.01, 0.5, 0.99].map((q) => percentile(sorted, q));
      const spread = `${featureId} on ${where}: p1 ${short(p1)}, median ${short(p50)}, p99 ${short(p99)}${unitsHint.get(featureId) ?? ''}`;
      if (sorted[sorted.length - 1] - sorted[0] <= 1e-12 * Math.max(1, Math.abs(sorted[0]))) {
        problems.push(source.problem(at, `${featureId} is constant (${short(sorted[0])}) on ${where}: it cannot inform the model`));
        continue;
      }
      const memberships = Object.entries(strategy.fuzzy_sets[featureId].memberships);
      const best = new Float64Array(sorted.length);
      for (const [name, mf] of memberships) {
        const mu = fuzzify(mf as MembershipFunction, sorted);
        let max = 0;
        let fires = 0;
        for (let k = 0; k < mu.length; k++) {
          if (mu[k] > max) max = mu[k];
          if (mu[k] >= 0.5) fires++;
          if (mu[k] > best[k]) best[k] = mu[k];
        }
        const share = fires / mu.length;
        const label = `${name} [${mf.parameters.join(', ')}]`;
        if (max < 0.5) {
          problems.push(source.problem([...at, name], `${label} never fires (highest membership ${max.toFixed(2)}); ${spread}`));
        } else if (share < 0.01) {
          problems.push(source.problem([...at, name], `${label} fires on only ${(share * 100).toFixed(2)}% of bars; ${spread}`, 'warning'));
        }
      }
      const silent = best.filter((m) => m < 0.05).length / best.length;
      if (silent > 0.5) {
        problems.push(
          source.problem(
            at,
            `no set of ${featureId} says anything on ${(silent * 100).toFixed(0)}% of bars: the sets do not cover the indicator's values; ${spread}`,
          ),
        );
      } else if (silent > 0.2) {
        problems.push(source.problem(at, `no set of ${featureId} says anything on ${(silent * 100).toFixed(0)}% of bars; ${spread}`, 'warning'));
      }
    }
  }
  const backtestRange = strategy.backtest?.date_range;
  if (backtestRange?.start && (range.end ?? '9999') >= backtestRange.start) {
    problems.push(
      source.problem(
        ['backtest', 'date_range'],
        `the backtest range must start after the training data ends (${range.end ?? 'the end of the data'}), or its results are in-sample`,
      ),
    );
  }
  return { problems, data: indicators.length === series.length ? { bars: whole, series, indicators } : undefined };
}
