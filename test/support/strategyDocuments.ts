/** Strategy documents the scripted Claude of the design tests sends to the tools. */
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { TEMPLATE_STRATEGY } from '../../src/design/claude/designPrompt';
import type { StrategySchema } from '../../src/research/schema';

type StrategyDocument = z.input<typeof StrategySchema>;

/** The design prompt's template: a valid strategy. */
export const goodConfig = () => parseYaml(TEMPLATE_STRATEGY) as StrategyDocument;

/** KTRDR's classic mistake (spec §8 #9): ATR fuzzy sets of [0, 0.2, 0.4] when ATR on EURUSD is about 0.001; the validator answers with its real percentiles. */
export function atrConfig(): StrategyDocument {
  const config = goodConfig();
  config.indicators[1] = { name: 'atr', feature_id: 'atr_14', period: 14 };
  delete config.fuzzy_sets.adx_14;
  config.fuzzy_sets.atr_14 = {
    low: { type: 'triangular', parameters: [0, 0.2, 0.4] },
    mid: { type: 'triangular', parameters: [0.3, 0.5, 0.7] },
    high: { type: 'triangular', parameters: [0.6, 0.8, 1] },
  };
  return config;
}
