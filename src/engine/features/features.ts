/**
 * The model's inputs (spec §4 step 3): every fuzzy membership of every feature, sorted by
 * name, plus `lookback_periods` lagged copies. No raw prices or indicator values. One
 * builder serves training, backtesting and the `features` command, so the three can never
 * disagree (spec §8 #12). A value at bar t uses bars up to t only. What they are built from
 * is a strategy's indicators, fuzzy sets and lookback, in the strategy format's own names:
 * a parsed strategy is a FeatureSpec as it is.
 */
import type { Bars } from '../data/bars';
import { fuzzify, transformInput, type InputTransform, type MembershipFunction } from './fuzzy';
import { findIndicator, resolveParams, type ParamValues } from './indicators/catalog';

export interface FeatureSpec {
  indicators: readonly { name: string; feature_id: string; params: ParamValues }[];
  fuzzy_sets: Readonly<Record<string, FuzzySetSpec>>;
  model: { features: { lookback_periods: number } };
}

/** A feature's fuzzy sets: the transform of its indicator's output, and a membership function per set. */
interface FuzzySetSpec {
  inputTransform?: InputTransform;
  memberships: Readonly<Record<string, { type: MembershipFunction['type']; parameters: number[] }>>;
}

export interface Features {
  /** Column names, e.g. `rsi_14_oversold`, `rsi_14_oversold_lag_1`. */
  columns: string[];
  /** One array per column, as long as the bars; NaN where an indicator still warms up. */
  values: Float64Array[];
  /** The primary output of each indicator after its input transform, by feature_id (what the fuzzy sets see). */
  indicators: Map<string, Float64Array>;
}

/** The primary output of each of the strategy's indicators, by feature_id. */
export function computeIndicators(spec: FeatureSpec, bars: Bars): Map<string, Float64Array> {
  const out = new Map<string, Float64Array>();
  for (const config of spec.indicators) {
    const indicator = findIndicator(config.name);
    if (!indicator) throw new Error(`unknown indicator '${config.name}' (validate the strategy first)`);
    const params = resolveParams(indicator, config.params);
    if (!params.ok) throw new Error(`${config.feature_id}: ${params.problems.map((p) => p.message).join('; ')}`);
    const primary = indicator.compute(bars, params.params)[0];
    out.set(config.feature_id, transformInput(spec.fuzzy_sets[config.feature_id]?.inputTransform, primary, bars));
  }
  return out;
}

function lagged(values: Float64Array, k: number): Float64Array {
  const out = new Float64Array(values.length).fill(NaN);
  out.set(values.subarray(0, values.length - k), k);
  return out;
}

/** One fuzzy set of one feature: a model column before its lags. */
interface BaseColumn {
  name: string;
  featureId: string;
  membership: MembershipFunction;
}

/** Every fuzzy set of every feature, sorted by column name. */
function baseColumns(spec: FeatureSpec): BaseColumn[] {
  const base: BaseColumn[] = [];
  for (const [featureId, set] of Object.entries(spec.fuzzy_sets)) {
    for (const [setName, mf] of Object.entries(set.memberships)) {
      base.push({ name: `${featureId}_${setName}`, featureId, membership: mf as MembershipFunction });
    }
  }
  return base.sort(({ name: a }, { name: b }) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The model's column names in order: the base columns, then each lag of all of them. */
export function featureColumns(spec: FeatureSpec): string[] {
  const base = baseColumns(spec).map((column) => column.name);
  const columns = [...base];
  for (let k = 1; k <= spec.model.features.lookback_periods; k++) columns.push(...base.map((name) => `${name}_lag_${k}`));
  return columns;
}

function indicatorFor(indicators: Map<string, Float64Array>, featureId: string): Float64Array {
  const input = indicators.get(featureId);
  if (!input) throw new Error(`fuzzy set '${featureId}' has no indicator (validate the strategy first)`);
  return input;
}

/** `indicators`: computeIndicators of these very bars when the caller has them already (the validator computed them). */
export function buildFeatures(spec: FeatureSpec, bars: Bars, indicators = computeIndicators(spec, bars)): Features {
  const base = baseColumns(spec).map((column) => fuzzify(column.membership, indicatorFor(indicators, column.featureId)));
  const values = [...base];
  for (let k = 1; k <= spec.model.features.lookback_periods; k++) values.push(...base.map((column) => lagged(column, k)));
  return { columns: featureColumns(spec), values, indicators };
}

/**
 * The feature columns of buildFeatures, handed to `use` one at a time: the column's index in
 * featureColumns order, its values and its lag (values[t] belongs to row t + lag; rows before
 * `lag` have no value). `values` is reused for the next base column once `use` returns. The
 * same values as buildFeatures without ever holding them all: one base column is computed at a
 * time and its lags are offsets into it, so prediction, which copies each column into its
 * float32 rows, holds those rows and one float64 column instead of every column in float64
 * besides (10⁶ bars, 18 columns: 80 MB instead of 216 MB).
 */
export function eachFeatureColumn(
  spec: FeatureSpec,
  bars: Bars,
  use: (column: number, values: Float64Array, lag: number) => void,
  indicators = computeIndicators(spec, bars),
): void {
  const base = baseColumns(spec);
  const values = new Float64Array(bars.time.length);
  base.forEach((column, j) => {
    fuzzify(column.membership, indicatorFor(indicators, column.featureId), values);
    for (let k = 0; k <= spec.model.features.lookback_periods; k++) use(k * base.length + j, values, k);
  });
}
