/**
 * What a designer needs to know before it designs: the indicators with their parameters
 * and real value ranges, the markets there is data for, and how recent strategies did.
 * Put in the prompt compactly (spec §1.9: KTRDR's discovery round trips cost 33k tokens),
 * and answered by the discovery tools in full for a model that asks.
 */
import { INDICATORS, type IndicatorSpec, type ParamSpec } from '../../engine/features/indicators/catalog';
import { listAvailableData } from '../../engine/data/marketData';
import type { RecentStrategy } from '../memory';

function paramText(name: string, p: ParamSpec): string {
  switch (p.type) {
    case 'int':
    case 'number':
      return `${name}=${p.default} [${p.min}–${p.max}]`;
    case 'enum':
      return `${name}=${p.default} (${p.options.join('|')})`;
    case 'bool':
      return `${name}=${p.default}`;
  }
}

function scaleText(spec: IndicatorSpec): string {
  if (spec.tier === 3)
    return 'tier 3: no fixed range fits every instrument — fuzzy sets from the data, input_transform price_ratio for price-unit values, or a bounded variant';
  const typical = Object.entries(spec.typical)
    .map(([data, [low, high]]) => `${data} ${low}…${high}`)
    .join('; ');
  return `tier ${spec.tier}, ${spec.tier === 1 ? 'bounded' : 'envelope'} ${spec.range[0]}…${spec.range[1]}; p1…p99 at defaults: ${typical}`;
}

/** One line per indicator: the catalog as the static part of the design prompt. */
export function catalogText(): string {
  return INDICATORS.map((spec) => {
    const params = Object.entries(spec.params)
      .map(([name, p]) => paramText(name, p))
      .join(', ');
    const outputs = spec.outputs.length > 1 ? ` Outputs ${spec.outputs.join(', ')}: the feature is ${spec.outputs[0]}.` : '';
    return `- ${spec.name} (${spec.family}; also ${spec.aliases.join(', ')}): ${spec.description}${outputs} Params: ${params || 'none'}. Scale: ${scaleText(spec)}.`;
  }).join('\n');
}

/** `get_available_indicators`: the catalog in full, as data. */
export function indicatorCatalog() {
  return INDICATORS.map((spec) => ({
    name: spec.name,
    aliases: spec.aliases,
    family: spec.family,
    description: spec.description,
    outputs: spec.outputs,
    parameters: Object.entries(spec.params).map(([name, p]) => ({ name, ...p })),
    tier: spec.tier,
    ...(spec.tier !== 3 && { range: spec.range, typical_p1_p99: spec.typical }),
  }));
}

/** `get_available_symbols`: every market with data, and its period. */
export function availableMarkets(dataDir: string) {
  return listAvailableData(dataDir).map(({ symbol, timeframe, bars, start, end }) => ({ symbol, timeframe, bars, start, end }));
}

export function marketsText(markets: ReturnType<typeof availableMarkets>): string {
  if (markets.length === 0) return '(no market data: nothing can be designed)';
  return markets.map((m) => `- ${m.symbol} ${m.timeframe}: ${m.bars} bars, ${m.start.slice(0, 10)} → ${m.end.slice(0, 10)}`).join('\n');
}

/** The agent's memory in a line per strategy: what it used and how it did on validation (spec §8 #15). */
export function recentText(recent: RecentStrategy[]): string {
  if (recent.length === 0) return '(none yet: this is the first design)';
  return recent
    .map((r) => {
      const v = r.validation;
      const result = v
        ? `accuracy ${v.accuracy_pct}%${v.lift_pp === undefined ? '' : ` (${v.lift_pp >= 0 ? '+' : ''}${v.lift_pp} pp over chance)`}, Sharpe ${v.sharpe_ratio}, return ${v.total_return_pct}%, max drawdown ${v.max_drawdown_pct}%, win rate ${v.win_rate_pct}%, ${v.total_trades} trades`
        : 'not assessed (never trained, failed a gate, or hand-written)';
      return `- ${r.name} (${r.created_at.slice(0, 10)}): ${r.symbols.join(',')} ${r.timeframe}; ${r.indicators.join(' + ')} [${r.families.join('/')}]; verdict ${r.verdict ?? 'none'}; validation: ${result}`;
    })
    .join('\n');
}
