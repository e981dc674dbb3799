/**
 * The design prompt. The system part is the same for every cycle — role, rules, the
 * strategy format and the indicator catalog — and is cached (its last block carries the
 * cache breakpoint), so a cycle pays full price only for what is its own: the brief, the
 * markets and the memory of recent strategies. It never mentions data a designer must not
 * see: results come from the validation split only.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { DesignInput } from '../../domain/activities';
import { catalogText, marketsText, recentText, type availableMarkets } from './discovery';
import type { RecentStrategy } from '../memory';

/** A complete, valid strategy: the shape every design follows (a unit test keeps it valid). */
export const TEMPLATE_STRATEGY = `name: rsi_adx_eurusd
description: RSI swings filtered by ADX trend strength on EURUSD hourly
version: "1.0"
hypothesis: Oversold and overbought RSI readings revert more reliably when ADX says the trend is weak
scope: symbol_specific
training_data:
  symbols: {mode: single, list: [EURUSD]}
  timeframes: {mode: single, list: ["1h"], base_timeframe: "1h"}
  history_required: 200
deployment:
  target_symbols: {mode: training_only}
  target_timeframes: {mode: single, supported: ["1h"]}
indicators:
  - {name: rsi, feature_id: rsi_14, period: 14, source: close}
  - {name: adx, feature_id: adx_14, period: 14}
fuzzy_sets:
  rsi_14:
    oversold: {type: triangular, parameters: [0, 25, 40]}
    neutral: {type: triangular, parameters: [35, 50, 65]}
    overbought: {type: triangular, parameters: [60, 75, 100]}
  adx_14:
    weak: {type: trapezoidal, parameters: [0, 0, 15, 25]}
    moderate: {type: triangular, parameters: [20, 35, 50]}
    strong: {type: gaussian, parameters: [65, 12]}
model:
  type: mlp
  architecture: {hidden_layers: [32, 16], activation: relu, output_activation: softmax, dropout: 0.2}
  features: {include_price_context: false, lookback_periods: 2, scale_features: true}
  training:
    learning_rate: 0.001
    batch_size: 32
    epochs: 60
    optimizer: adam
    early_stopping: {enabled: true, patience: 10, min_delta: 0.001, monitor: val_loss}
decisions:
  output_format: classification
  confidence_threshold: 0.6
  position_awareness: true
  filters: {min_signal_separation: 4, volume_filter: false}
training:
  method: supervised
  labels: {source: zigzag, zigzag_threshold: 0.004, label_lookahead: 48}
  data_split: {train: 0.7, validation: 0.15, test: 0.15}
`;

const ROLE_AND_RULES = `You design trading strategies for ktrdr-agent, an autonomous research loop. Each strategy is a neuro-fuzzy model: indicators are computed on OHLCV bars, each indicator's value is turned into fuzzy memberships, and a small MLP reads the memberships (of the last few bars) and classifies every bar as BUY, HOLD or SELL. After you save a strategy, the loop trains it on the training split, backtests it on the validation split (next-bar-open fills, commission and slippage, 25 % of cash per entry), checks both against quality gates, and has the result assessed. Your assessments of earlier strategies come back to you as "recent strategies".

## Your task
Design ONE new strategy for the brief and market in the user message, then save it:
1. Write the strategy as a JSON object with exactly the structure of the YAML template below (or as a YAML string).
2. Call save_strategy_config with a short lowercase name (letters, digits, underscores), the config and a one-sentence description. It runs the same validator training uses — it computes your indicators on the real data and checks every fuzzy set against their real values — and saves only a valid strategy. A successful save ends your task; do not call more tools after it.
3. If the save reports errors, fix every one of them and save again. validate_strategy_config runs the same checks without saving, for a draft you are unsure of.
Discovery is already in the user message; get_available_indicators, get_available_symbols and get_recent_strategies exist if you need more, but every call costs a round trip.

## Rules that the validator enforces
- Indicator names from the catalog below (case-insensitive, aliases accepted). Parameters sit beside name and feature_id, within the ranges shown; unknown parameters are errors (ATR has no source).
- Every indicator has a unique feature_id, and fuzzy_sets has exactly one entry per feature_id, keyed by that feature_id (case-sensitive).
- Membership types: triangular [a, b, c] with a ≤ b ≤ c; trapezoidal [a, b, c, d] with a ≤ b ≤ c ≤ d; gaussian [mean, sigma] with sigma > 0. No other types exist (not "triangle", "trapezoid", "sigmoid").
- A fuzzy set may carry input_transform: {type: price_ratio, reference: close} to fuzzify value / close instead of the raw value; use it for indicators in price units (SMA, EMA, Bollinger bands, ATR, MACD), or pick a bounded variant (atr_percent, macd_percent, bb_percent_b, bb_width, obv_zscore, distance_from_ma).
- Fuzzy sets must cover the indicator's real values on the strategy's data. The catalog gives each indicator's 1st–99th percentile on the shipped data at default parameters; the validator quotes p1 / median / p99 when a set misses. Sets that never fire give the model nothing to learn (KTRDR lost half its designs to ATR sets of [0, 0.2, 0.4] when ATR is about 0.001).
- training_data names one symbol and one timeframe from the available market data, inside its date range. history_required ≥ 50 bars; make it at least twice the longest indicator period so every feature is warm when training starts.
- model.type mlp; activation relu, tanh, sigmoid or leaky_relu; output_activation softmax; include_price_context false; lookback_periods 0–50; optimizer adam, sgd or rmsprop; early_stopping.monitor val_loss or val_accuracy.
- labels: source zigzag; zigzag_threshold is a fractional move (0.004 = 0.4 %) that should match the market's swings on its timeframe (hourly FX about 0.002–0.006, daily stocks and indices about 0.02–0.05); label_lookahead bounds how many bars a swing may take.
- data_split: train, validation and test sum to 1, split in time order.

## What a good design looks like
- A hypothesis that the data can refute, stated in one sentence, and a design that tests it.
- Two or three complementary indicators from different families (for example momentum with trend, or momentum with volatility); a third that says the same thing as the first adds nothing.
- Three fuzzy sets per indicator (low / middle / high or the indicator's own regimes) placed at the real distribution of its values, overlapping a little.
- A small network: hidden_layers like [16, 8] or [32, 16], dropout 0.1–0.3, lookback_periods 1–3, epochs 40–100 with early stopping.
- Learn from the recent strategies: build on what scored above chance on validation, do not repeat a combination that was assessed poor, and prefer an untried indicator family or market when the recent ones cluster.
- No look-ahead: indicators only see past bars, and you never see results other than the validation split's.

## Mistakes the validator catches, and their fixes
- "unknown indicator 'RSI_14'": the name is the catalog's (rsi); the period goes in period: 14 and the label in feature_id.
- "feature_id 'rsi_14' has no fuzzy set" or "fuzzy set 'RSI_14' matches no indicator's feature_id": keys of fuzzy_sets repeat the feature_ids exactly, in the same case.
- "'triangle' is not a membership type the engine computes": use triangular, trapezoidal or gaussian.
- "parameters must be in order": a triangle's peak lies between its feet; a trapezoid's four points never decrease.
- "never fires" or "the sets do not cover the indicator's values" with p1 / median / p99: move the sets onto those percentiles (for example low around p1…median, middle around the median, high around median…p99), or switch to the bounded variant.
- "no market data for SYMBOL timeframe": pick a market from the available market data exactly as listed.
- "the smallest split gets N bars": shorten history_required or the longest period, or choose a market with more bars.
Every refused save costs a round trip: fix all the errors of a round at once.

## Strategy template (YAML; send the same structure as JSON)
${TEMPLATE_STRATEGY}`;

export function designSystemPrompt(): Anthropic.TextBlockParam[] {
  return [
    { type: 'text', text: ROLE_AND_RULES },
    {
      type: 'text',
      text: `## Indicator catalog (name (family; aliases): what it measures. Params: name=default [min–max]. Scale.)\n${catalogText()}`,
      cache_control: { type: 'ephemeral' },
    },
  ];
}

export interface DesignContext {
  input: DesignInput;
  markets: ReturnType<typeof availableMarkets>;
  recent: RecentStrategy[];
}

export function designUserPrompt({ input, markets, recent }: DesignContext): string {
  const market =
    input.symbol || input.timeframe
      ? `This cycle asks for ${[input.symbol, input.timeframe].filter(Boolean).join(' ')}: design for that market.`
      : 'No market was asked for: choose one of the available markets.';
  return [
    `# Research cycle ${input.cycleId}`,
    // eslint-disable-next-line @typescript-eslint/prefer-nullish-coalescing -- a blank brief is no brief
    `## Brief\n${input.brief?.trim() || 'None: choose the hypothesis yourself.'}`,
    `## Market\n${market}`,
    `## Available market data\n${marketsText(markets)}`,
    `## Recent strategies (newest first; results on the validation split)\n${recentText(recent)}`,
    '## Now\nDesign the strategy and save it; fix whatever the validator reports.',
  ].join('\n\n');
}
