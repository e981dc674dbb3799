/**
 * The agent's memory of earlier cycles (spec §8 #15: KTRDR's designer saw "outcome unknown"
 * for every recent strategy): what each recent strategy used and how its assessment went,
 * compact enough to put in a prompt. Read from strategies/ and strategies/designed/ only —
 * the YAML, design.json and assessment.json — so it covers hand-written strategies too and
 * needs no database.
 */
import fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { StrategyNameSchema, SymbolSchema, TimeframeSchema, VerdictSchema } from '../domain/activities';
import { findIndicator } from '../engine/features/indicators/catalog';
import { strategyFile, strategyNames } from '../research/files';
import { StrategySchema, strategyMarkets } from '../research/schema';
import { readAssessment } from './assessmentFile';
import { readDesignRecord } from './designRecord';
import type { MetricsWithUnits } from './metricsWithUnits';

const RecentStrategySchema = z.strictObject({
  name: StrategyNameSchema,
  created_at: z.iso.datetime(),
  symbols: z.array(SymbolSchema),
  timeframe: TimeframeSchema,
  /** Canonical catalog names, e.g. `rsi`, whatever spelling the YAML used. */
  indicators: z.array(z.string()),
  families: z.array(z.enum(['momentum', 'trend', 'volatility', 'volume'])),
  verdict: VerdictSchema.optional(),
  /** From the assessment: validation split only. */
  validation: z
    .strictObject({
      accuracy_pct: z.number(),
      lift_pp: z.number().optional(),
      sharpe_ratio: z.number(),
      total_return_pct: z.number(),
      max_drawdown_pct: z.number(),
      win_rate_pct: z.number(),
      total_trades: z.number().int(),
    })
    .optional(),
});
export type RecentStrategy = z.infer<typeof RecentStrategySchema>;

interface Candidate {
  name: string;
  file: string;
  createdAt: string;
}

/** Strategy files (people's and designed ones) with the time each was designed (design.json), or last written for strategies without one. */
function strategyFiles(strategiesDir: string): Candidate[] {
  const out: Candidate[] = [];
  for (const name of strategyNames(strategiesDir)) {
    const file = strategyFile(name, strategiesDir);
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (!stat?.isFile()) continue;
    out.push({ name, file, createdAt: readDesignRecord(name, strategiesDir)?.designed_at ?? stat.mtime.toISOString() });
  }
  return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.name.localeCompare(b.name));
}

function summarise(candidate: Candidate, strategiesDir: string): RecentStrategy | undefined {
  let raw: unknown;
  try {
    raw = parseYaml(fs.readFileSync(candidate.file, 'utf8'));
  } catch {
    return undefined;
  }
  const parsed = StrategySchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const strategy = parsed.data;
  const { symbols, timeframe } = strategyMarkets(strategy);
  const specs = strategy.indicators.map((i) => findIndicator(i.name));
  const assessment = readAssessment(candidate.name, strategiesDir);
  return RecentStrategySchema.parse({
    name: candidate.name,
    created_at: candidate.createdAt,
    symbols,
    timeframe,
    indicators: strategy.indicators.map((i, k) => specs[k]?.name ?? i.name.toLowerCase()),
    families: [...new Set(specs.flatMap((s) => (s ? [s.family] : [])))],
    verdict: assessment?.verdict,
    validation: assessment && validationSummary(assessment.metrics),
  });
}

function validationSummary({ training: t, validation_backtest: b }: MetricsWithUnits): RecentStrategy['validation'] {
  return {
    accuracy_pct: t.validation_accuracy_pct,
    lift_pp: t.lift_pp,
    sharpe_ratio: b.sharpe_ratio,
    total_return_pct: b.total_return_pct,
    max_drawdown_pct: b.max_drawdown_pct,
    win_rate_pct: b.win_rate_pct,
    total_trades: b.total_trades,
  };
}

/**
 * The `n` most recent strategies, newest first. Files that do not parse as strategies are
 * left out: memory informs a design and must never fail one.
 */
export function recentStrategies(n: number, { strategiesDir }: { strategiesDir: string }): RecentStrategy[] {
  const out: RecentStrategy[] = [];
  for (const candidate of strategyFiles(strategiesDir)) {
    if (out.length >= n) break;
    const recent = summarise(candidate, strategiesDir);
    if (recent) out.push(recent);
  }
  return out;
}
