import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { PROJECT_ROOT } from '../../src/paths';
import { ktrdrAgentWith } from '../support/cli';
import { STRATEGIES_DIR } from '../support/folders';

/** The strategy commands as a person types them, from the project folder, without a Temporal server. */
const cli = (env: Record<string, string>, ...args: string[]) => ktrdrAgentWith(env, ...args);
const example = fs.readFileSync(path.join(STRATEGIES_DIR, 'rsi_adx_trend_filter.yaml'), 'utf8');

/** Every file under `dir`, relative to it, with its size: what a command wrote shows up here. */
function tree(dir: string): Record<string, number> {
  if (!fs.existsSync(dir)) return {};
  return Object.fromEntries(
    (fs.readdirSync(dir, { recursive: true }) as string[])
      .filter((f) => fs.statSync(path.join(dir, f)).isFile())
      .map((f) => [f, fs.statSync(path.join(dir, f)).size]),
  );
}

test('--version prints the package version', async () => {
  const { version } = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
  const run = await cli({}, '--version');
  expect(run.code).toBe(0);
  expect(run.stdout.trim()).toBe(version);
});

describe('a strategy that is not there is one line: where strategies are read from, and what was meant', () => {
  test.each(['validate', 'train', 'backtest', 'features', 'holdout'])('%s', async (command) => {
    const unknown = await cli({}, command, 'nosuch');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe(
      "error: no strategy 'nosuch' in strategies/ or strategies/designed/ (give a file path to read a strategy from elsewhere)",
    );
    const typo = await cli({}, command, 'rsi_adx_trend_filtr');
    expect(typo.code).toBe(1);
    expect(typo.stderr.trim()).toBe("error: no strategy 'rsi_adx_trend_filtr' in strategies/ or strategies/designed/ (did you mean rsi_adx_trend_filter?)");
    const file = await cli({}, command, './nosuch.yaml');
    expect(file.stderr.trim()).toBe('error: no file ./nosuch.yaml');
  });
});

describe('validate reads a strategy from any path', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ktrdr-downloads-'));

  test('a misspelt key gets "did you mean", at its line', async () => {
    const file = path.join(dir, 'misspelt.yaml');
    fs.writeFileSync(file, example.replace('learning_rate:', 'learnng_rate:'));
    const run = await cli({}, 'validate', file);
    expect(run.code).toBe(1);
    const line = example.split('\n').findIndex((l) => l.includes('learning_rate:')) + 1;
    expect(run.stdout.trim()).toBe(`${file}:${line}: error: model.training.learnng_rate: unknown key 'learnng_rate' (did you mean learning_rate?)`);
    expect(run.stderr.trim()).toBe(`error: ${file}: 1 error`);
  });

  test.each(['validate', 'train', 'backtest', 'features', 'holdout'])('%s: a YAML syntax error is one message quoting its line', async (command) => {
    const file = path.join(dir, `syntax_${command}.yaml`);
    fs.writeFileSync(file, example.replace('    learning_rate: 0.001', '    learning_rate: 0.001\n   batch_size 32'));
    const run = await cli({}, command, file);
    expect(run.code).toBe(1);
    const line = example.split('\n').findIndex((l) => l.includes('learning_rate:')) + 2;
    const output = `${run.stdout}${run.stderr}`;
    expect(output.match(/error: .*YAML/g)).toHaveLength(1);
    expect(output).toMatch(new RegExp(`syntax_${command}\\.yaml:${line}: error: YAML: .+: \`batch_size 32\``));
    expect(output).not.toMatch(/\n\s+at /);
  });

  test('train and backtest of a downloaded file write only under models/ and reports/, under its name', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ktrdr-folders-'));
    const env = {
      KTRDR_STRATEGIES_DIR: path.join(root, 'strategies'),
      KTRDR_MODELS_DIR: path.join(root, 'models'),
      KTRDR_REPORTS_DIR: path.join(root, 'reports'),
    };
    fs.mkdirSync(env.KTRDR_STRATEGIES_DIR);
    const file = path.join(dir, 'from_a_colleague.yaml');
    fs.writeFileSync(file, example.replace('name: rsi_adx_trend_filter', 'name: colleague_idea'));
    const downloads = tree(dir);
    const project = fs.readdirSync(PROJECT_ROOT).sort();

    const validate = await cli(env, 'validate', file);
    expect(validate.code).toBe(0);
    expect(validate.stdout).toContain(`${file}: valid`);
    const train = await cli(env, 'train', file);
    expect(train.stderr).toBe('');
    expect(train.code).toBe(0);
    const backtest = await cli(env, 'backtest', file);
    expect(backtest.stderr).toBe('');
    expect(backtest.code).toBe(0);

    expect(tree(dir)).toEqual(downloads);
    expect(fs.readdirSync(PROJECT_ROOT).sort()).toEqual(project);
    expect(fs.readdirSync(root).sort()).toEqual(['models', 'reports', 'strategies']);
    expect(fs.readdirSync(env.KTRDR_STRATEGIES_DIR)).toEqual([]);
    expect(fs.readdirSync(env.KTRDR_MODELS_DIR)).toEqual(['colleague_idea']);
    expect(fs.readdirSync(env.KTRDR_REPORTS_DIR)).toEqual(['colleague_idea']);
  }, 60_000);

  test('a name that would reach outside models/ is refused before anything is written', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ktrdr-escape-'));
    const env = { KTRDR_MODELS_DIR: path.join(root, 'models'), KTRDR_REPORTS_DIR: path.join(root, 'reports') };
    const file = path.join(dir, 'escape.yaml');
    fs.writeFileSync(file, example.replace('name: rsi_adx_trend_filter', 'name: ../../escaped'));
    const run = await cli(env, 'train', file);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/escape\.yaml:1: error: name: /);
    expect(fs.readdirSync(root)).toEqual([]);
    expect(fs.existsSync(path.join(PROJECT_ROOT, '..', 'escaped'))).toBe(false);
  });
});
