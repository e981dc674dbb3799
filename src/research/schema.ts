/**
 * KTRDR's v2 strategy format (spec §2), as the single source of the strategy's types.
 * Every key is either honoured by the engine or rejected: unknown and misspelt keys are
 * errors. Sections KTRDR keeps but never uses (orchestrator, risk_management,
 * backtesting) are accepted and kept, and the validator warns that they have no effect.
 */
import { z } from 'zod';
import { StrategyNameSchema, SymbolSchema, TimeframeSchema } from '../domain/activities';
import { DecisionConfigSchema } from '../engine/backtest/config';
import { ACTIVATIONS } from '../engine/neural/activations';
import { MONITORS } from '../engine/neural/earlyStopping';
import { OPTIMIZERS } from '../engine/neural/optimizers';
import { parsedByHand } from './schemaKeys';

const DateSchema = z.union([z.string(), z.date()]).transform((value, ctx) => {
  const text = value instanceof Date ? value.toISOString().slice(0, 10) : value;
  if (!/^\d{4}-\d{2}-\d{2}([T ][0-9:.]+Z?)?$/.test(text) || Number.isNaN(Date.parse(text))) {
    ctx.addIssue({ code: 'custom', message: `'${text}' is not a date (use YYYY-MM-DD)` });
    return z.NEVER;
  }
  return text.slice(0, 10);
});

const DateRangeSchema = z
  .strictObject({ start: DateSchema.optional(), end: DateSchema.optional() })
  .refine((r) => !r.start || !r.end || r.start < r.end, { error: 'the date range is empty or inverted: start must be before end' });

const SymbolsSchema = z
  .strictObject({
    mode: z.enum(['single', 'multi_symbol']),
    symbol: SymbolSchema.optional(),
    list: z.array(SymbolSchema).min(1).optional(),
    symbols: z.array(SymbolSchema).min(1).optional(),
    selection_criteria: z.record(z.string(), z.unknown()).optional(),
  })
  .superRefine((s, ctx) => {
    const list = s.list ?? s.symbols ?? (s.symbol ? [s.symbol] : undefined);
    if (!list) ctx.addIssue({ code: 'custom', message: 'name the symbols: `list: [EURUSD]` (or `symbol:` in single mode)' });
    if (s.selection_criteria) ctx.addIssue({ code: 'custom', path: ['selection_criteria'], message: 'selection_criteria is not supported: list the symbols' });
    if (s.mode === 'single' && list && list.length !== 1) ctx.addIssue({ code: 'custom', message: 'mode single takes exactly one symbol' });
  });

const TimeframesSchema = z
  .strictObject({
    mode: z.enum(['single', 'multi_timeframe']),
    timeframe: TimeframeSchema.optional(),
    list: z.array(TimeframeSchema).min(1).optional(),
    base_timeframe: TimeframeSchema.optional(),
  })
  .superRefine((t, ctx) => {
    const list = t.list ?? (t.timeframe ? [t.timeframe] : undefined);
    if (!list) ctx.addIssue({ code: 'custom', message: 'name the timeframe: `list: ["1h"]` (or `timeframe:` in single mode)' });
    if (t.mode === 'single' && list && list.length !== 1) ctx.addIssue({ code: 'custom', message: 'mode single takes exactly one timeframe' });
    if (t.mode === 'multi_timeframe') {
      ctx.addIssue({ code: 'custom', path: ['mode'], message: 'multi_timeframe strategies are not supported yet: use mode single' });
    }
    if (t.base_timeframe && list && !list.includes(t.base_timeframe)) {
      ctx.addIssue({ code: 'custom', path: ['base_timeframe'], message: `base_timeframe ${t.base_timeframe} is not in the list` });
    }
  });

export const TrainingDataSchema = z.strictObject({
  symbols: SymbolsSchema,
  timeframes: TimeframesSchema,
  history_required: z.number().int().min(50).default(200),
  start_date: DateSchema.optional(),
  end_date: DateSchema.optional(),
  date_range: DateRangeSchema.optional(),
});

const DeploymentSchema = z.strictObject({
  target_symbols: z.strictObject({
    mode: z.enum(['universal', 'group_restricted', 'training_only']),
    restrictions: z.record(z.string(), z.unknown()).optional(),
  }),
  target_timeframes: z.strictObject({
    mode: z.enum(['single', 'multi_timeframe']),
    supported: z.array(TimeframeSchema).optional(),
    timeframe: TimeframeSchema.optional(),
  }),
});

const RESERVED_FEATURE_IDS = ['open', 'high', 'low', 'close', 'volume'];

/** `params:` may be nested or flat beside name/feature_id (KTRDR accepts both); the catalog checks the names. */
export const IndicatorSchema = z
  .object({
    name: z.string().min(1).optional(),
    type: z.string().min(1).optional(),
    feature_id: z
      .string()
      .regex(/^[a-zA-Z][a-zA-Z0-9_-]*$/, 'a feature_id starts with a letter and has only letters, digits, _ and -')
      .refine((id) => !RESERVED_FEATURE_IDS.includes(id.toLowerCase()), { error: `open, high, low, close and volume are reserved` }),
    params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).optional(),
  })
  .catchall(z.union([z.number(), z.string(), z.boolean()]))
  .superRefine((i, ctx) => {
    if (!i.name && !i.type) ctx.addIssue({ code: 'custom', message: 'an indicator needs a name' });
  })
  .transform(({ name, type, feature_id, params, ...flat }) => ({
    name: (name ?? type) as string,
    feature_id,
    params: { ...flat, ...params },
  }));

const MembershipSchema = z.strictObject({
  type: z.enum(['triangular', 'trapezoidal', 'gaussian'], {
    // KTRDR's validator let triangle/trapezoid/sigmoid through and training then crashed (spec §8 #8)
    error: (issue) => `'${String(issue.input)}' is not a membership type the engine computes: use triangular, trapezoidal or gaussian`,
  }),
  parameters: z.array(z.number()).min(1),
});
type MembershipConfig = z.infer<typeof MembershipSchema>;

const InputTransformSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('identity') }),
  z.strictObject({ type: z.literal('price_ratio'), reference: z.enum(['open', 'high', 'low', 'close']).default('close') }),
]);

/** A feature's fuzzy sets: `input_transform` plus one or more named membership functions. */
export const FuzzySetSchema = z.record(z.string(), z.unknown()).transform((entries, ctx) => {
  const { input_transform, ...sets } = entries;
  const transform = input_transform === undefined ? undefined : InputTransformSchema.safeParse(input_transform);
  if (transform && !transform.success) {
    for (const issue of transform.error.issues) ctx.addIssue({ ...issue, path: ['input_transform', ...issue.path] });
  }
  const memberships: Record<string, MembershipConfig> = {};
  for (const [setName, value] of Object.entries(sets)) {
    const parsed = MembershipSchema.safeParse(value);
    if (parsed.success) memberships[setName] = parsed.data;
    else for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: [setName, ...issue.path] });
  }
  if (Object.keys(sets).length === 0) ctx.addIssue({ code: 'custom', message: 'a fuzzy set needs at least one membership function' });
  return { inputTransform: transform?.success ? transform.data : undefined, memberships };
});
parsedByHand.set(FuzzySetSchema, (key) => (key === 'input_transform' ? InputTransformSchema : MembershipSchema));

const EarlyStoppingSchema = z.strictObject({
  enabled: z.boolean().default(true),
  patience: z.number().int().min(1).default(10),
  min_delta: z.number().min(0).default(0.0001),
  monitor: z.enum(MONITORS).default('val_loss'),
});

const ModelSchema = z.strictObject({
  type: z.literal('mlp'),
  architecture: z.strictObject({
    hidden_layers: z.array(z.number().int().min(1).max(1024)).min(1).max(6),
    activation: z.enum(ACTIVATIONS),
    output_activation: z.literal('softmax', { error: 'output_activation must be softmax: the model classifies BUY / HOLD / SELL' }),
    dropout: z.number().min(0).max(0.9).default(0.2),
  }),
  features: z.strictObject({
    include_price_context: z.literal(false, { error: 'include_price_context: true is not supported: the model sees fuzzy memberships only (set false)' }),
    lookback_periods: z.number().int().min(0).max(50).default(0),
    scale_features: z.boolean().default(true),
  }),
  training: z.strictObject({
    learning_rate: z.number().positive().max(1),
    batch_size: z.number().int().min(1).max(4096),
    epochs: z.number().int().min(1).max(1000),
    optimizer: z.enum(OPTIMIZERS),
    weight_decay: z.number().min(0).max(1).optional(),
    gradient_clip: z.number().positive().optional(),
    early_stopping: EarlyStoppingSchema.optional(),
    seed: z.number().int().min(0).optional(),
  }),
});

const TrainingSchema = z.strictObject({
  method: z.literal('supervised'),
  labels: z.strictObject({
    source: z.literal('zigzag'),
    zigzag_threshold: z.number().positive().max(0.5),
    label_lookahead: z.number().int().min(1).max(10_000),
  }),
  data_split: z
    .strictObject({
      train: z.number().positive().max(1),
      validation: z.number().positive().max(1),
      test: z.number().positive().max(1),
    })
    .refine((s) => Math.abs(s.train + s.validation + s.test - 1) < 1e-6, { error: 'train + validation + test must add up to 1' }),
});

/** The strategy's `backtest` section: an out-of-sample period and the execution settings. */
const StrategyBacktestSchema = z.strictObject({
  date_range: DateRangeSchema.optional(),
  initial_capital: z.number().positive().optional(),
  commission: z.number().min(0).max(0.1).optional(),
  slippage: z.number().min(0).max(0.1).optional(),
  position_size: z.number().positive().max(1).optional(),
});

export const StrategySchema = z.strictObject({
  name: StrategyNameSchema,
  description: z.string().optional(),
  version: z.union([z.string(), z.number()]).transform(String),
  hypothesis: z.string().optional(),
  scope: z.enum(['universal', 'symbol_group', 'symbol_specific']),
  training_data: TrainingDataSchema,
  deployment: DeploymentSchema,
  indicators: z.array(IndicatorSchema).min(1),
  fuzzy_sets: z.record(z.string(), FuzzySetSchema),
  model: ModelSchema,
  decisions: DecisionConfigSchema,
  training: TrainingSchema,
  backtest: StrategyBacktestSchema.optional(),
  orchestrator: z.record(z.string(), z.unknown()).optional(),
  risk_management: z.record(z.string(), z.unknown()).optional(),
  backtesting: z.record(z.string(), z.unknown()).optional(),
});
export type Strategy = z.output<typeof StrategySchema>;

/** The symbols and timeframe a strategy trains on, whichever KTRDR spelling it used. */
export function strategyMarkets(s: Pick<Strategy, 'training_data'>): { symbols: string[]; timeframe: string } {
  const sym = s.training_data.symbols;
  const tf = s.training_data.timeframes;
  return {
    symbols: sym.list ?? sym.symbols ?? [sym.symbol!],
    timeframe: (tf.list ?? [tf.timeframe!])[0],
  };
}

/** The training period, whichever KTRDR spelling gave it (date_range, or start_date/end_date). */
export function trainingDateRange(td: Strategy['training_data']): { start?: string; end?: string } {
  return { start: td.date_range?.start ?? td.start_date, end: td.date_range?.end ?? td.end_date };
}
