import type { Bars } from './bars';
import { fuzzify, transformInput, type MembershipFunction } from './fuzzy';
import { findIndicator, resolveParams } from './indicators/catalog';
import type { Strategy } from '../strategy/schema';

/**
 * The model's inputs (spec §4 step 3): every fuzzy membership of every feature, sorted by
 * name, plus `lookback_periods` lagged copies. No raw prices or indicator values. One
 * builder serves training, backtesting and the `features` command, so the three can never
 * disagree (spec §8 #12). A value at bar t uses bars up to t only.
 */
export interface Features {
  /** Column names, e.g. `rsi_14_oversold`, `rsi_14_oversold_lag_1`. */
  columns: string[];
  /** One array per column, as long as the bars; NaN where an indicator still warms up. */
  values: Float64Array[];
  /** The primary output of each indicator after its input transform, by feature_id (what the fuzzy sets see). */
  indicators: Map<string, Float64Array>;
}

/** The primary output of each of the strategy's indicators, by feature_id. */
export function computeIndicators(strategy: Strategy, bars: Bars): Map<string, Float64Array> {
  const out = new Map<string, Float64Array>();
  for (const config of strategy.indicators) {
    const spec = findIndicator(config.name);
    if (!spec) throw new Error(`unknown indicator '${config.name}' (validate the strategy first)`);
    const params = resolveParams(spec, config.params);
    if (!params.ok) throw new Error(`${config.feature_id}: ${params.problems.map((p) => p.message).join('; ')}`);
    const primary = spec.compute(bars, params.params)[0];
    out.set(config.feature_id, transformInput(strategy.fuzzy_sets[config.feature_id]?.inputTransform, primary, bars));
  }
  return out;
}

function lagged(values: Float64Array, k: number): Float64Array {
  const out = new Float64Array(values.length).fill(NaN);
  out.set(values.subarray(0, values.length - k), k);
  return out;
}

export function buildFeatures(strategy: Strategy, bars: Bars): Features {
  const indicators = computeIndicators(strategy, bars);
  const base: [string, Float64Array][] = [];
  for (const [featureId, set] of Object.entries(strategy.fuzzy_sets)) {
    const input = indicators.get(featureId);
    if (!input) throw new Error(`fuzzy set '${featureId}' has no indicator (validate the strategy first)`);
    for (const [setName, mf] of Object.entries(set.memberships)) {
      base.push([`${featureId}_${setName}`, fuzzify(mf as MembershipFunction, input)]);
    }
  }
  base.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const columns: string[] = [];
  const values: Float64Array[] = [];
  for (const [name, column] of base) {
    columns.push(name);
    values.push(column);
  }
  for (let k = 1; k <= strategy.model.features.lookback_periods; k++) {
    for (const [name, column] of base) {
      columns.push(`${name}_lag_${k}`);
      values.push(lagged(column, k));
    }
  }
  return { columns, values, indicators };
}
