/**
 * What an indicator of the catalog is — its names, family, outputs, scale, parameters and
 * computation — and `defineIndicator`, which types each one by its own parameters.
 */
import type { Bars } from '../../data/bars';
import type { ParamSpecs, ParamsOf, ParamValues } from './params';

export type IndicatorFamily = 'momentum' | 'trend' | 'volatility' | 'volume';

export type ValueRange = readonly [low: number, high: number];

/**
 * How safely fixed fuzzy ranges apply (spec §3.1), for the primary output. Tier 1 is bounded
 * and `range` is its bounds; tier 2 is scale-free but unbounded, its level grows with the
 * timeframe's volatility, and `range` is the envelope of `typical`; tier 3 is in price or
 * volume units or cumulative, so no fixed range fits every instrument. `typical` is the 1st–99th
 * percentile with default parameters on real data, by data set (see TYPICAL_DATA in catalog.ts).
 */
type IndicatorScale = { tier: 1 | 2; range: ValueRange; typical: Readonly<Record<string, ValueRange>> } | { tier: 3 };

interface IndicatorCore {
  /** Canonical lowercase snake_case name. */
  name: string;
  /** Other spellings accepted, KTRDR's first; all names match case-insensitively, ignoring `_` and `-`. */
  aliases: readonly string[];
  family: IndicatorFamily;
  description: string;
  /** Output names, the primary output first: a strategy's feature_id stands for it. */
  outputs: readonly string[];
}

export type IndicatorSpec = IndicatorCore &
  IndicatorScale & {
    params: ParamSpecs;
    /** Rules between parameters (slow > fast); messages, empty when valid. */
    validateParams(params: ParamValues): string[];
    /** One array per output, as long as the bars; NaN while the indicator warms up. Takes parameters from `resolveParams`. */
    compute(bars: Bars, params: ParamValues): Float64Array[];
  };

type IndicatorDefinition<P extends ParamSpecs> = IndicatorCore &
  IndicatorScale & {
    params: P;
    validateParams?: (params: ParamsOf<P>) => string[];
    compute: (bars: Bars, params: ParamsOf<P>) => Float64Array[];
  };

/**
 * Types an indicator's compute and rules by its own parameter specs. The catalog's callers
 * hold parameters only as checked by `resolveParams`, which is what makes the cast sound.
 */
export function defineIndicator<const P extends ParamSpecs>(definition: IndicatorDefinition<P>): IndicatorSpec {
  const { validateParams, compute, ...rest } = definition;
  return {
    ...rest,
    validateParams: (params) => validateParams?.(params as ParamsOf<P>) ?? [],
    compute: (bars, params) => compute(bars, params as ParamsOf<P>),
  };
}
