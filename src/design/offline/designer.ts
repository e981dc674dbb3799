/**
 * The designer that runs without Claude (no ANTHROPIC_API_KEY, or offline mode): a valid
 * strategy from the indicator catalog and the shipped data, steered by the brief and by
 * the assessments of recent strategies, and seeded by the cycle id — a retried activity
 * designs the same strategy, another cycle a different one. What it designs passes the one
 * validator before it is saved; a cycle that already saved a strategy gets that one back.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { DesignResultSchema, TimeframeSchema, type DesignInput, type DesignResult } from '../../domain/activities';
import { noUsage } from '../../domain/models';
import { sliceBars, type Bars } from '../../engine/data/bars';
import { computeIndicators } from '../../engine/features/features';
import type { IndicatorSpec } from '../../engine/features/indicators/catalog';
import { listAvailableData, loadBars } from '../../engine/data/marketData';
import { Random } from '../../engine/random';
import { designedStrategyFile, strategyFile } from '../../research/files';
import { writeFileAtomic } from '../../writeFileAtomic';
import { StrategySchema } from '../../research/schema';
import { validateStrategyText } from '../../research/validate';
import { readBrief } from './briefSteering';
import { prepareRequestedMarket } from '../requestedMarket';
import { claimStrategyName, findDesignOfCycle, type DesignRecord } from '../designRecord';
import { fuzzySetsAtPercentiles, zigzagForSwing } from './fitToData';
import { DesignGaveUp } from '../errors';
import { recentStrategies } from '../memory';
import { choosePair, chooseMarket, lessonsFor, needsPriceRatio, pairKey, refinedPair, usableIndicator, type Market } from './picks';
import { renderStrategy } from '../../research/render';
import { strategyDocument, TRAIN_SHARE, type Sections } from './strategyDocument';

export interface OfflineDesignOptions {
  strategiesDir: string;
  dataDir: string;
}

const MAX_ATTEMPTS = 5;
/** How often a design refines the market's best pair so far rather than explore another, when the brief leaves the choice open. */
const REFINE_SHARE = 0.5;
const RECENT_STRATEGIES = 20;
const PERIOD_FACTORS = [0.75, 1, 1.5, 2];
/** Swing lengths in bars that the labels target (see zigzagForSwing). */
const SWING_BARS = [6, 8, 12, 16];
const HIDDEN_LAYERS = [
  [16, 8],
  [24, 12],
  [32, 16],
];

const ROLE: Record<IndicatorSpec['family'], string> = {
  momentum: 'how fast price moves',
  trend: 'whether a trend is under way',
  volatility: 'how volatile the market is',
  volume: 'whether volume backs the move',
};

const pick = <T>(items: readonly T[], rng: Random): T => items[rng.int(items.length)];

function designResult(record: DesignRecord, strategiesDir: string): DesignResult {
  return DesignResultSchema.parse({
    strategyName: record.strategy,
    strategyPath: strategyFile(record.strategy, strategiesDir),
    symbol: record.symbol,
    timeframe: record.timeframe,
    offline: true,
    usage: noUsage('offline'),
  });
}

/** Integer parameters scaled together (which keeps MACD's slow above its fast period), within the catalog's ranges. */
function scaledParams(spec: IndicatorSpec, factor: number): Record<string, number> {
  const params: Record<string, number> = {};
  for (const [name, param] of Object.entries(spec.params)) {
    if (param.type === 'int') params[name] = Math.min(param.max, Math.max(param.min, Math.round(param.default * factor)));
  }
  return params;
}

/** First bar from which the indicator has a value (they stay defined once warm). */
function warmUp(values: Float64Array): number {
  const first = values.findIndex(Number.isFinite);
  return first < 0 ? values.length : first;
}

type Draft = { ok: true; sections: Omit<Sections, 'name'> } | { ok: false; unusable: string; problem: string };

interface DraftContext {
  market: Market;
  bars: Bars;
  rng: Random;
  cycleId: string;
  brief?: string;
  seed: number;
  /** The strategy whose pair this design refines. */
  refines?: string;
}

/**
 * Fits a pair to the first 70 % of the bars — inside the training split whatever the
 * warm-up — so nothing of the validation or holdout periods shapes the design.
 */
function draftDesign(pair: [IndicatorSpec, IndicatorSpec], { market, bars, rng, cycleId, brief, seed, refines }: DraftContext): Draft {
  const indicators = pair.map((spec) => {
    const params = scaledParams(spec, pick(PERIOD_FACTORS, rng));
    const period = Object.values(params)[0];
    return { name: spec.name, feature_id: period === undefined ? spec.name : `${spec.name}_${period}`, ...params };
  });
  const transforms = pair.map((spec) => (needsPriceRatio(spec) ? { input_transform: { type: 'price_ratio', reference: 'close' } } : {}));
  const placeholder = { type: 'triangular', parameters: [0, 1, 2] };
  const hiddenLayers = pick(HIDDEN_LAYERS, rng);
  const lookback = 1 + rng.int(3);
  const swing = pick(SWING_BARS, rng);
  const base = {
    description:
      `Designed offline, by rules without Claude, for cycle ${cycleId}: ${pair[0].name} (${pair[0].family}) with ${pair[1].name} (${pair[1].family}) on ${market.symbol} ${market.timeframe}, fuzzy sets at the training data's 10th/50th/90th percentiles` +
      (refines ? `; refines the pair of ${refines}, the best design on this market so far` : ''),
    hypothesis:
      `${pair[0].name} (${ROLE[pair[0].family]}) read with ${pair[1].name} (${ROLE[pair[1].family]}) tells coming up-legs from down-legs on ${market.symbol} ${market.timeframe}` +
      (brief?.trim() ? `; brief: "${brief.trim().slice(0, 200)}"` : ''),
    market,
    indicators,
    hiddenLayers,
    lookback,
    seed,
  };
  // Indicator values need a parsed strategy; its provisional sets carry the input transforms and are never fuzzified.
  const provisional = StrategySchema.parse(
    strategyDocument({
      ...base,
      name: 'draft',
      historyRequired: 100,
      fuzzySets: Object.fromEntries(indicators.map((ind, k) => [ind.feature_id, { ...transforms[k], placeholder }])),
      labels: { zigzag_threshold: 0.01, label_lookahead: 10 },
    }),
  );
  const trainEnd = Math.floor(bars.time.length * TRAIN_SHARE);
  const values = computeIndicators(provisional, sliceBars(bars, 0, trainEnd));
  const warm = Math.max(...[...values.values()].map(warmUp));
  const historyRequired = Math.max(100, Math.ceil((2 * warm) / 10) * 10);
  const fuzzySets: Sections['fuzzySets'] = {};
  for (const [k, spec] of pair.entries()) {
    const featureId = indicators[k].feature_id;
    const sets = fuzzySetsAtPercentiles(values.get(featureId)!.subarray(historyRequired), spec.tier === 1 ? spec.range : undefined);
    if (!sets)
      return {
        ok: false,
        unusable: spec.name,
        problem: `${featureId} is too concentrated on ${market.symbol} ${market.timeframe} to split into three fuzzy sets`,
      };
    fuzzySets[featureId] = { ...transforms[k], ...sets };
  }
  const labels = zigzagForSwing(bars.close.subarray(historyRequired, trainEnd), swing);
  return { ok: true, sections: { ...base, historyRequired, fuzzySets, labels } };
}

/** `<families>_<symbol>_<hash of the cycle id>`: readable, and unique per cycle. */
function candidateNames(pair: [IndicatorSpec, IndicatorSpec], market: Market, digest: string): string[] {
  const symbol = market.symbol.toLowerCase().replace(/[^a-z0-9]+/g, '');
  const stem = `${pair[0].family}_${pair[1].family}_${symbol}`.slice(0, 50);
  return [6, 12].map((length) => `${stem}_${digest.slice(0, length)}`);
}

export function designOffline(input: DesignInput & OfflineDesignOptions): DesignResult {
  const { strategiesDir, dataDir } = input;
  const earlier = findDesignOfCycle(input.cycleId, strategiesDir);
  if (earlier && fs.existsSync(strategyFile(earlier.strategy, strategiesDir))) return designResult(earlier, strategiesDir);

  prepareRequestedMarket(input, dataDir);
  const digest = crypto.createHash('sha256').update(input.cycleId).digest('hex');
  const rng = new Random(parseInt(digest.slice(0, 8), 16));
  const seed = parseInt(digest.slice(8, 15), 16);
  const available = listAvailableData(dataDir);
  const wishes = readBrief(input.brief, available, usableIndicator);
  const market = chooseMarket(input, wishes, available, rng);
  const bars = loadBars(market.symbol, market.timeframe, { dir: dataDir });
  const lessons = lessonsFor(market, recentStrategies(RECENT_STRATEGIES, { strategiesDir }));

  const rejected = { pairs: new Set<string>(), indicators: new Set<string>() };
  let lastProblems: string[] = ['no indicator pair is left to try'];
  let refined = refinedPair(wishes, lessons, rng, REFINE_SHARE);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const pair = refined ?? choosePair(wishes, lessons, rejected, rng);
    if (!pair) break;
    const refines = refined && lessons.bestPair?.strategy;
    refined = undefined;
    const draft = draftDesign(pair, { market, bars, rng, cycleId: input.cycleId, brief: input.brief, seed, ...(refines && { refines }) });
    if (!draft.ok) {
      rejected.indicators.add(draft.unusable);
      lastProblems = [draft.problem];
      continue;
    }
    // A cycle that claimed a name and died before writing the YAML keeps that name.
    const names = earlier ? [earlier.strategy] : candidateNames(pair, market, digest);
    const validation = validateStrategyText(renderStrategy(strategyDocument({ ...draft.sections, name: names[0] })), { dataDir });
    if (!validation.valid) {
      rejected.pairs.add(pairKey(pair[0].name, pair[1].name));
      lastProblems = validation.problems.filter((p) => p.severity === 'error').map((p) => `${p.path}: ${p.message}`);
      continue;
    }
    for (const name of names) {
      const record: DesignRecord = {
        cycle_id: input.cycleId,
        strategy: name,
        symbol: market.symbol,
        timeframe: TimeframeSchema.parse(market.timeframe),
        designed_at: new Date().toISOString(),
        model: 'offline',
        offline: true,
        ...(input.brief && { brief: input.brief }),
      };
      if (!claimStrategyName(record, strategiesDir)) continue;
      writeFileAtomic(designedStrategyFile(name, strategiesDir), renderStrategy(strategyDocument({ ...draft.sections, name })));
      return designResult(record, strategiesDir);
    }
    throw new DesignGaveUp(`Strategy names ${names.join(', ')} belong to other cycles; refusing to overwrite them`);
  }
  throw new DesignGaveUp(
    `The offline designer found no valid strategy for ${market.symbol} ${market.timeframe} in ${MAX_ATTEMPTS} attempts; last problems: ${lastProblems.join('; ')}`,
  );
}
