/**
 * Research power, measured like a statistical test: does the agent find an edge when one exists,
 * and stay quiet when none does?
 *
 * For each group of seeded synthetic markets — pure random walks (SYN_RW_<seed>: no edge) and
 * random walks with a planted edge (SYN_TREND<1|2|3>_<seed>, SYN_STREAK3_<seed>: the look-ahead
 * canary's pattern), each under its blind name (SYN_BLIND_<code>), so that no designer reads
 * what was planted — a research loop runs `--cycles` cycles on each market, through the real
 * workflows, services and offline designer (Claude's when ANTHROPIC_API_KEY is set), one at a
 * time. After the first k cycles (each k of `--at`), the loop's pick — its best by validation
 * alone — is judged once on its holdout with the Deflated Sharpe Ratio over those k trials, gate
 * failures included: the picks after k cycles are what a loop stopped at k would have chosen.
 * An edge is claimed when DSR > 0.95. Power is the share of planted markets with a claim, false
 * discoveries the share of random walks with one, each with its 95 % Wilson interval. Beside
 * them, the same shares had each pick been the only trial (its holdout PSR > 0.95, undeflated):
 * the gap is what counting the trials costs.
 *
 *   npm run bench:research-power [-- --markets 10 --cycles 20 --at 5,10,20 --groups rw,trend1,trend2,trend3,streak3 --timeframe 1h]
 *   (writes bench/research-power-results.json, or bench/<name> with --out <name>)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveBinary } from '../src/temporal/binaries';
import { blindSymbol, parseSyntheticSymbol, syntheticSymbol, type SyntheticMarket } from '../src/engine/data/syntheticMarkets';
import { powerTable, SIGNIFICANCE, type MarketVerdict, type PowerRow } from '../src/design/researchPower';
import { judgeMarket } from '../src/design/researchPowerFiles';
import { loopOnMarket, researchPowerStack } from '../test/support/researchPower';
import type { Proportion } from '../src/research/wilson';
import { wholeNumber } from './lib/options';

/** The README's targets: false discoveries ≤ 5 %, power ≥ 80 % at the strongest edge within 20 cycles. */
const TARGETS = { falseDiscoveries: 0.05, power: 0.8, strongest: 'trend 3', within: 20 };

function listOption(name: string, fallback: string): string[] {
  const at = process.argv.indexOf(`--${name}`);
  return (at < 0 ? fallback : (process.argv[at + 1] ?? '')).split(',').map((s) => s.trim());
}

/** Group name → the market of that group with a given seed (the seed's name parsed, so a bad group is refused). */
function marketOf(group: string, seed: number): SyntheticMarket {
  const name = group.toLowerCase() === 'rw' ? `SYN_RW_${seed}` : `SYN_${group.toUpperCase()}_${seed}`;
  return parseSyntheticSymbol(name)!;
}

const groupName = (m: SyntheticMarket) => (m.kind === 'random_walk' ? 'random walk' : m.kind === 'regimes' ? 'regimes' : `${m.kind} ${m.strength}`);

const pct = (x: number) => `${(100 * x).toFixed(0)} %`;

function printTable(rows: PowerRow[]): void {
  console.log('\n| markets | measures | cycles | claimed an edge (DSR over the trials) | 95 % Wilson interval | had the pick been the only trial (PSR) |');
  console.log('|---|---|---|---|---|---|');
  const share = (p: Proportion) => `${p.successes} of ${p.trials} (${pct(p.rate)})`;
  for (const r of rows) {
    const c = r.claimed;
    console.log(`| ${r.group} | ${r.measures} | ${r.cycles} | ${share(c)} | ${pct(c.low)} – ${pct(c.high)} | ${share(r.claimedAlone)} |`);
  }
}

async function main(): Promise<void> {
  const markets = wholeNumber('markets', 10);
  const cycles = wholeNumber('cycles', 20);
  const at = listOption('at', [5, 10, 20].filter((k) => k <= cycles).join(',')).map(Number);
  if (at.some((k) => !Number.isInteger(k) || k < 1 || k > cycles)) throw new Error(`--at takes cycle counts from 1 to --cycles (${cycles})`);
  const groups = listOption('groups', 'rw,trend1,trend2,trend3,streak3');
  const timeframe = listOption('timeframe', '1h')[0];
  const out = path.basename(listOption('out', 'research-power-results.json')[0]);
  if (!out.endsWith('.json')) throw new Error('--out takes a file name ending .json, written in bench/');
  const claude = Boolean(process.env.ANTHROPIC_API_KEY);
  process.env.TEMPORAL_CLI_PATH ??= resolveBinary('cli');

  const stack = await researchPowerStack(claude ? { workerEnv: { ANTHROPIC_API_KEY: process.env.ANTHROPIC_API_KEY! } } : {});
  const started = Date.now();
  const perMarket: unknown[] = [];
  const verdicts: MarketVerdict[] = [];
  try {
    for (const group of groups) {
      for (let seed = 1; seed <= markets; seed++) {
        const market = marketOf(group, seed);
        const name = syntheticSymbol(market);
        // the designer sees a name that does not say what was planted (SYN_TREND3_1 would)
        const symbol = blindSymbol(market);
        const t0 = Date.now();
        const { trials } = await loopOnMarket(stack, { symbol, timeframe, cycles, loopId: `power-${symbol.toLowerCase()}`, offline: !claude });
        const judgements = at.map((k) => ({
          cycles: k,
          ...judgeMarket(
            trials.filter((t) => t.cycle <= k),
            stack.env.KTRDR_REPORTS_DIR,
            `bench research power, after ${k} cycles`,
          ),
        }));
        for (const j of judgements)
          verdicts.push({
            group: groupName(market),
            planted: market.kind !== 'random_walk',
            cycles: j.cycles,
            significant: j.significant,
            significantAlone: (j.psr ?? 0) > SIGNIFICANCE,
          });
        perMarket.push({
          market: name,
          symbol,
          timeframe,
          seconds: (Date.now() - t0) / 1000,
          trials: trials.map((t) => ({
            cycle: t.cycle,
            name: t.name,
            stopped: t.stopped?.phase,
            verdict: t.verdict,
            validationSharpe: t.validation?.sharpeRatio,
            validationTrades: t.validation?.totalTrades,
          })),
          judgements,
        });
        const last = judgements[judgements.length - 1];
        console.log(
          `${name} (${symbol}): ${trials.length} strategies in ${((Date.now() - t0) / 1000).toFixed(0)} s; after ${last.cycles}: pick ${last.pick ?? 'none'}, ` +
            `DSR ${last.dsr?.toFixed(3) ?? '—'}${last.significant ? ' (edge claimed)' : ''}`,
        );
      }
    }
  } finally {
    await stack.close();
  }
  const rows = powerTable(verdicts);
  printTable(rows);
  const strongest = rows.find((r) => r.group === TARGETS.strongest && r.cycles === Math.min(TARGETS.within, cycles));
  const falseRows = rows.filter((r) => r.measures === 'false discoveries');
  const results = {
    when: new Date().toISOString(),
    machine: { cpu: os.cpus()[0].model, cores: os.cpus().length, node: process.version, loadAverage: os.loadavg() },
    designer: claude ? 'claude' : 'offline',
    settings: { markets, cycles, at, groups, timeframe, significance: 'DSR > 0.95' },
    wallSeconds: (Date.now() - started) / 1000,
    targets: {
      falseDiscoveries: { target: `≤ ${pct(TARGETS.falseDiscoveries)}`, measured: falseRows.map((r) => ({ cycles: r.cycles, ...r.claimed })) },
      power: { target: `≥ ${pct(TARGETS.power)} at ${TARGETS.strongest} within ${TARGETS.within} cycles`, measured: strongest?.claimed },
    },
    table: rows,
    markets: perMarket,
  };
  fs.writeFileSync(path.join(__dirname, out), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwrote bench/${out} (${(results.wallSeconds / 60).toFixed(1)} min)`);
}

// the SDK's runtime, once installed, keeps the process alive: the bench ends it
main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
