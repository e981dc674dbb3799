import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { ktrdrAgentWith } from '../support/cli';
import { startFakeAnthropic } from '../support/fakeAnthropic';
import { scriptedClaude } from '../support/scriptedClaude';
import { portOpen, scratchStack } from '../support/ports';

/** The README's main job, as `npm start` runs it: one whole cycle, offline, then everything stops. */
test('ktrdr-agent start runs a full research cycle on the shipped data and stops what it started', async () => {
  const { folder, port, uiPort, servicesPort, env, flags } = await scratchStack('ktrdr-start-');
  const run = await ktrdrAgentWith({ ANTHROPIC_API_KEY: '', ...env }, 'start', ...flags);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(run.stdout).toContain('Mode: offline (no ANTHROPIC_API_KEY)');
  expect(run.stdout).toContain(`Web UI http://127.0.0.1:${uiPort}/namespaces/default/workflows`);
  for (const phase of ['→ designing', '→ training', '→ backtesting', '→ assessing']) expect(run.stdout).toContain(phase);
  // training of about a second still shows its epochs and loss, before the backtest starts
  expect(run.stdout).toMatch(/^→ training .*\n(?: {2}.*\n)* {2}trained \d+ epochs · train loss \d+\.\d{4} → \d+\.\d{4} · .*\n→ backtesting/m);
  expect(run.stdout).toMatch(/Status\s+COMPLETED · phase completed/);
  expect(run.stdout).toMatch(/Training\s+accuracy \d+\.\d% \(validation; chance \d+\.\d%\)/);
  expect(run.stdout).toMatch(/Buy & hold\s+return -?\d+\.\d%; at the strategy.s \d+\.\d% average exposure -?\d+\.\d% \(the strategy.s excess: t -?\d+\.\d\d\)/);
  expect(run.stdout).toMatch(/Backtest\s+return -?\d+\.\d%.* \(validation\)/);
  expect(run.stdout).toMatch(/Holdout\s+return/);
  expect(run.stdout).toMatch(/Verdict\s+(promising|mediocre|poor)/);
  expect(run.stdout).toContain('Stopped the dev server, the services and the worker.');
  const strategy = /Strategy\s+(\S+)/.exec(run.stdout)![1];
  expect(fs.existsSync(path.join(folder, 'strategies', 'designed', strategy, 'assessment.json'))).toBe(true);
  const report = path.join(folder, 'reports', strategy, 'report.html');
  expect(run.stdout).toContain(`Report: ${report}\n`);
  expect(fs.readFileSync(report, 'utf8')).toContain(`<h1>${strategy} `);
  for (const p of [port, uiPort, servicesPort]) expect(await portOpen(p)).toBe(false);
}, 120_000);

test('with an API key, start has Claude design and assess, and prints what it cost', async () => {
  const { folder, env, flags } = await scratchStack('ktrdr-start-claude-');
  const fake = await startFakeAnthropic({ script: scriptedClaude });
  try {
    const run = await ktrdrAgentWith({ ANTHROPIC_API_KEY: fake.apiKey, ANTHROPIC_BASE_URL: fake.url, ...env }, 'start', '--model', 'haiku', ...flags);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Mode: Claude (claude-haiku-5-5) designs and assesses.');
    expect(run.stdout).toMatch(/Model\s+claude-haiku-5-5/);
    expect(run.stdout).toMatch(/Verdict\s+mediocre/);
    expect(run.stdout).toMatch(/LLM usage\s+\d+ input \+ \d+ output tokens, cache \d+ read \/ \d+ written, \$0\.\d{4}/);
    expect(fake.requests.filter((r) => r.path === '/v1/messages')).toHaveLength(4);
    expect(fs.readdirSync(path.join(folder, 'transcripts'))).toHaveLength(1);
  } finally {
    await fake.close();
  }
}, 120_000);
