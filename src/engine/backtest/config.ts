/**
 * What a backtest runs with: the strategy's decision settings, its execution settings (costs it
 * leaves out are its market's), and the execution model every result records.
 */
import { z } from 'zod';

/**
 * The strategy's `decisions` section (spec §2.1), with KTRDR's field names so the strategy
 * schema can embed it as is. Every field changes the signal stream or is rejected (spec §8 #21).
 */
export const DecisionConfigSchema = z.strictObject({
  /** The model always emits three class probabilities; no other output format exists to honour. */
  output_format: z.literal('classification').default('classification'),
  confidence_threshold: z.number().min(0).max(1).default(0.5),
  position_awareness: z.boolean().default(true),
  filters: z
    .strictObject({
      /** Hours of bar time, whatever the timeframe; 0 turns the filter off. */
      min_signal_separation: z.number().min(0).default(4),
      /** Holds an entry when the bar's volume is below its trailing 20-bar mean (see decisions.ts). */
      volume_filter: z.boolean().default(false),
    })
    .prefault({}),
});
export type DecisionConfig = z.infer<typeof DecisionConfigSchema>;

const rate = z.number().min(0).lt(1);

/**
 * Costs and sizing of the simulation (capital and sizing default to KTRDR's, spec §5). Rates are
 * fractions. Costs left out are the market's (costs.ts), from the symbol of the bars.
 */
const ExecutionConfigSchema = z.strictObject({
  initialCapital: z.number().positive().default(100_000),
  /** Charged on the fill value of every entry and every exit. */
  commission: rate.optional(),
  /** Fraction of the open price paid on a buy and given up on a sell. */
  slippage: rate.optional(),
  /** Fraction of equity an entry spends, entry commission included. */
  positionSize: z.number().positive().max(1).default(0.25),
});
export type ExecutionRequest = z.infer<typeof ExecutionConfigSchema>;

/** What a simulation runs with: both costs known. */
export const ResolvedExecutionSchema = ExecutionConfigSchema.extend({ commission: rate, slippage: rate });
export type ExecutionConfig = z.infer<typeof ResolvedExecutionSchema>;

export const BacktestConfigSchema = z.strictObject({
  decisions: DecisionConfigSchema.prefault({}),
  execution: ExecutionConfigSchema.prefault({}),
});
export type BacktestConfigInput = z.input<typeof BacktestConfigSchema>;

/** The execution model every simulation follows (simulate.ts says what each entry means), recorded in every result. */
export const EXECUTION_MODEL = {
  fill: 'next_bar_open',
  sizing: 'fraction_of_equity_including_entry_commission',
  quantity: 'fractional',
  direction: 'long_only',
  openPositionAtEnd: 'closed_at_last_bar_close',
  equityMarkedAt: 'bar_close',
  benchmark: 'buy_and_hold_fully_invested_same_costs',
} as const;
