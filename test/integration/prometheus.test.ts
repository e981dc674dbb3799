import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import YAML from 'yaml';
import { z } from 'zod';
import { PROJECT_ROOT } from '../../src/paths';
import { ktrdrAgent } from '../support/cli';
import { declaredMetrics, metricValue, scrape } from '../support/metrics';
import { freePort } from '../support/ports';
import { killTree, scratchFolder, spawnCli, type Spawned } from '../support/processes';
import { instantQuery, prometheusCheck, startPrometheus, type PrometheusServer } from '../support/prometheus';

/**
 * The shipped observability, end to end: `ktrdr-agent dev` (a live worker and the services) with
 * its metrics switched on, a real Prometheus running deploy/prometheus/prometheus.yml with only
 * its targets pointed at this test's ports, a few offline cycles, then every PromQL expression of
 * the Grafana dashboard through Prometheus's HTTP API: each must return data.
 */
const check = prometheusCheck();
if (!check.run) console.log(`Prometheus test skipped: ${check.reason}`);

const DASHBOARD = path.join(PROJECT_ROOT, 'deploy', 'grafana', 'dashboards', 'agent-research.json');
const PROMETHEUS_CONFIG = path.join(PROJECT_ROOT, 'deploy', 'prometheus', 'prometheus.yml');
const DAILY_BUDGET = '7.5';

const AGENT_METRICS = [
  'agent_cycles_total',
  'agent_cycle_duration_seconds',
  'agent_phase_duration_seconds',
  'agent_gate_results_total',
  'agent_tokens_total',
  'agent_budget_spend_total',
  'agent_budget_remaining_dollars',
];

const ScrapeConfigs = z.object({
  global: z.record(z.string(), z.unknown()),
  scrape_configs: z.array(z.object({ job_name: z.string(), dns_sd_configs: z.array(z.object({ names: z.array(z.string()), port: z.number() })) }).loose()),
});

const PanelTargets = z.object({
  panels: z.array(z.object({ type: z.string(), title: z.string(), targets: z.array(z.object({ expr: z.string() })).optional() })),
});

/** The dashboard's expressions with Grafana's interval variables as a panel over the last hour would get them. */
function dashboardExpressions(): { panel: string; expr: string }[] {
  const dashboard = PanelTargets.parse(JSON.parse(fs.readFileSync(DASHBOARD, 'utf8')));
  return dashboard.panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({
      panel: p.title,
      expr: t.expr.replaceAll('$__rate_interval', '5m').replaceAll('$__range', '1h').replaceAll('$__interval', '15s'),
    })),
  );
}

let dev: Spawned | undefined;
let prometheus: PrometheusServer | undefined;
let ports: { temporal: number; ui: number; services: number; metrics: number; sdk: number; prometheus: number };
let freshScrape: string;

afterAll(() => {
  prometheus?.stop();
  if (dev) killTree(dev.child.pid!);
});

describe.skipIf(!check.run)('Prometheus with the shipped configuration and dashboard', () => {
  beforeAll(async () => {
    ports = {
      temporal: await freePort(),
      ui: await freePort(),
      services: await freePort(),
      metrics: await freePort(),
      sdk: await freePort(),
      prometheus: await freePort(),
    };
    const scratch = scratchFolder('ktrdr-prometheus-');
    dev = spawnCli(['dev', '--port', String(ports.temporal), '--ui-port', String(ports.ui), '--services-port', String(ports.services), '--db', scratch.db], {
      ...scratch.env,
      KTRDR_SERVICES_STATE_DIR: path.join(scratch.folder, 'services'),
      KTRDR_METRICS_PORT: String(ports.metrics),
      KTRDR_SDK_METRICS_PORT: String(ports.sdk),
      KTRDR_DAILY_BUDGET_USD: DAILY_BUDGET,
    });
    await dev.until('Metrics: ');
    freshScrape = await scrape(`http://127.0.0.1:${ports.metrics}/metrics`);
  }, 90_000);

  test("a fresh worker's /metrics has every agent metric before its first cycle (spec §8 #17), the budget left read from admission", () => {
    expect(dev!.output()).toContain(`Metrics: http://127.0.0.1:${ports.metrics}/metrics (the Temporal SDK's on port ${ports.sdk})`);
    expect(declaredMetrics(freshScrape)).toEqual(expect.arrayContaining(AGENT_METRICS));
    for (const outcome of ['completed', 'failed', 'cancelled', 'refused']) expect(metricValue(freshScrape, 'agent_cycles_total', { outcome })).toBe(0);
    for (const phase of ['designing', 'training', 'backtesting', 'assessing']) {
      expect(metricValue(freshScrape, 'agent_phase_duration_seconds_count', { phase })).toBe(0);
    }
    for (const gate of ['training', 'backtest'])
      for (const result of ['pass', 'fail']) expect(metricValue(freshScrape, 'agent_gate_results_total', { gate, result })).toBe(0);
    for (const phase of ['design', 'assessment']) expect(metricValue(freshScrape, 'agent_tokens_total', { phase })).toBe(0);
    expect(metricValue(freshScrape, 'agent_budget_remaining_dollars')).toBe(Number(DAILY_BUDGET));
  });

  test('after a few cycles, every expression of the dashboard returns data', async () => {
    const shipped = ScrapeConfigs.parse(YAML.parse(fs.readFileSync(PROMETHEUS_CONFIG, 'utf8')));
    // the shipped jobs, each pointed at this test's port for the port it scrapes in docker-compose.yml
    const here: Record<number, number> = { 9464: ports.metrics, 9465: ports.sdk, 8000: ports.services };
    const config = {
      ...shipped,
      global: { ...shipped.global, scrape_interval: '1s', evaluation_interval: '1s' },
      scrape_configs: shipped.scrape_configs.map(({ dns_sd_configs, ...job }) => {
        const targets = [...new Set(dns_sd_configs.map((sd) => here[sd.port]))];
        expect(targets, `${job.job_name} scrapes a port this test knows`).not.toContain(undefined);
        return { ...job, static_configs: [{ targets: targets.map((p) => `127.0.0.1:${p}`) }] };
      }),
    };
    prometheus = await startPrometheus((check as { binary: string }).binary, YAML.stringify(config), ports.prometheus);

    // every target scraped before the cycles, so that counters rise between two samples, as with a Prometheus that runs all along
    const health = async () => {
      const targets = (await (await fetch(`${prometheus!.url}/api/v1/targets`)).json()) as {
        data: { activeTargets: { labels: { job: string }; health: string }[] };
      };
      return Object.fromEntries(targets.data.activeTargets.map((t) => [t.labels.job, t.health]));
    };
    const scrapedOnce = (h: Record<string, string>) => Object.keys(h).length === 3 && !Object.values(h).includes('unknown');
    for (let i = 0; !scrapedOnce(await health()) && i < 50; i++) await new Promise((r) => setTimeout(r, 200));
    expect(await health()).toEqual({
      'ktrdr-agent': 'up',
      'ktrdr-services': 'up',
      'temporal-sdk': 'up',
    });

    /** Until Prometheus has scraped `n` cycles ended, and a second more, for the other targets' scrapes too. */
    const scraped = async (n: number) => {
      for (let i = 0; ; i++) {
        const seen = await instantQuery(prometheus!.url, 'sum(agent_cycles_total{outcome=~"completed|failed"})').catch(() => []);
        if (Number(seen[0]?.value[1]) >= n) break;
        if (i > 100) throw new Error(`Prometheus never saw ${n} cycles end`);
        await new Promise((r) => setTimeout(r, 200));
      }
      await new Promise((r) => setTimeout(r, 1_200));
    };

    const address = `127.0.0.1:${ports.temporal}`;
    const completed = await ktrdrAgent(address, 'trigger', '--offline', '--brief', 'metrics, completed', '--bypass-gates', '--wait');
    expect(completed.stdout).toMatch(/Status\s+COMPLETED/);
    // the SDK's histograms appear with the first activities: a scrape between the cycles sees them rise
    await scraped(1);
    const failed = await ktrdrAgent(address, 'trigger', '--offline', '--brief', 'metrics, a gate fails', '--gate', 'training.minAccuracy=0.99', '--wait');
    expect(failed.code).toBe(1);

    await scraped(2);
    const expressions = dashboardExpressions();
    expect(expressions.length).toBeGreaterThanOrEqual(20);
    const empty = async () => {
      const none: string[] = [];
      for (const { panel, expr } of expressions) {
        const samples = await instantQuery(prometheus!.url, expr);
        if (!samples.some((s) => Number.isFinite(Number(s.value[1])))) none.push(`${panel}: ${expr} → ${JSON.stringify(samples)}`);
      }
      return none;
    };
    // increase() and rate() need two samples since the change: on a quick machine the cycles may end before the second scrape
    for (let i = 0; (await empty()).length > 0 && i < 20; i++) await new Promise((r) => setTimeout(r, 500));
    expect(await empty()).toEqual([]);

    // the budget left is the admission workflow's, read at each scrape: a new limit shows at once
    expect((await ktrdrAgent(address, 'budget', '--set-limit', '9.25')).code).toBe(0);
    for (let i = 0; ; i++) {
      const [left] = await instantQuery(prometheus.url, 'min(agent_budget_remaining_dollars)');
      if (Number(left.value[1]) === 9.25) break;
      if (i > 50) throw new Error(`the budget left stayed at ${left.value[1]}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 120_000);
});
