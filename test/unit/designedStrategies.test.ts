import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { claimStrategyName, findDesignOfCycle, readDesignRecord, type DesignRecord } from '../../src/design/designRecord';
import { recentStrategies } from '../../src/design/memory';
import { assessOffline } from '../../src/design/offline/assessor';
import { designOffline } from '../../src/design/offline/designer';
import { PROJECT_ROOT } from '../../src/paths';
import { admitTraining } from '../../src/services/startRequests';
import { findStrategy } from '../../src/research/files';
import { goodBacktest, goodTraining } from '../support/fakeActivities';
import { MARKET_DATA_DIR, STRATEGIES_DIR } from '../support/folders';

/**
 * What the agent designs lives in strategies/designed/, apart from people's strategies, and
 * every way of looking a strategy up finds it there — as well as designs saved at the top
 * of strategies/ before designed/ existed.
 */
const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
function strategiesDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ktrdr-designed-'));
  temps.push(dir);
  fs.copyFileSync(path.join(STRATEGIES_DIR, 'rsi_adx_trend_filter.yaml'), path.join(dir, 'rsi_adx_trend_filter.yaml'));
  return dir;
}

describe('a design', () => {
  test('is written to strategies/designed/, with its record and its assessment beside it', () => {
    const dir = strategiesDir();
    const design = designOffline({ cycleId: 'cycle-designed-1', model: 'sonnet', strategiesDir: dir, dataDir: MARKET_DATA_DIR });
    const designed = path.join(dir, 'designed');
    expect(design.strategyPath).toBe(path.join(designed, `${design.strategyName}.yaml`));
    expect(fs.readdirSync(dir).sort()).toEqual(['designed', 'rsi_adx_trend_filter.yaml']);
    expect(readDesignRecord(design.strategyName, dir)).toMatchObject({ cycle_id: 'cycle-designed-1' });
    expect(fs.existsSync(path.join(designed, design.strategyName, 'design.json'))).toBe(true);

    const assessed = assessOffline({
      cycleId: 'cycle-designed-1',
      model: 'sonnet',
      strategyName: design.strategyName,
      strategyPath: design.strategyPath,
      training: goodTraining,
      backtest: goodBacktest,
      strategiesDir: dir,
      dataDir: MARKET_DATA_DIR,
    });
    expect(assessed.assessmentPath).toBe(path.join(designed, design.strategyName, 'assessment.json'));

    // found by every lookup: the CLI, the services, memory, a retried design
    expect(findStrategy(design.strategyName, dir)).toBe(design.strategyPath);
    const folders = { strategiesDir: dir, dataDir: MARKET_DATA_DIR, modelsDir: path.join(dir, 'm'), reportsDir: path.join(dir, 'r') };
    expect(admitTraining({ strategy_name: design.strategyName }, folders).job.strategyPath).toBe(design.strategyPath);
    expect(recentStrategies(10, { strategiesDir: dir })[0]).toMatchObject({ name: design.strategyName, verdict: assessed.verdict });
    expect(findDesignOfCycle('cycle-designed-1', dir)?.strategy).toBe(design.strategyName);
    expect(designOffline({ cycleId: 'cycle-designed-1', model: 'sonnet', strategiesDir: dir, dataDir: MARKET_DATA_DIR })).toEqual(design);
  });

  test('designed before designed/ existed (at the top, record beside it) stays readable and its name stays taken', () => {
    const dir = strategiesDir();
    const name = 'momentum_trend_eurusd_0a1b2c';
    fs.writeFileSync(
      path.join(dir, `${name}.yaml`),
      fs.readFileSync(path.join(dir, 'rsi_adx_trend_filter.yaml'), 'utf8').replace('name: rsi_adx_trend_filter', `name: ${name}`),
    );
    const record: DesignRecord = {
      cycle_id: 'cycle-legacy',
      strategy: name,
      symbol: 'EURUSD',
      timeframe: '1h',
      designed_at: '2026-01-02T03:04:05.000Z',
      model: 'offline',
      offline: true,
    };
    fs.mkdirSync(path.join(dir, name));
    fs.writeFileSync(path.join(dir, name, 'design.json'), JSON.stringify(record));

    expect(readDesignRecord(name, dir)).toEqual(record);
    expect(findDesignOfCycle('cycle-legacy', dir)).toEqual(record);
    expect(claimStrategyName({ ...record, cycle_id: 'another-cycle' }, dir)).toBe(false);
    expect(findStrategy(name, dir)).toBe(path.join(dir, `${name}.yaml`));
    expect(recentStrategies(10, { strategiesDir: dir }).map((r) => [r.name, r.created_at])).toContainEqual([name, record.designed_at]);
  });

  test('a name a person uses is never claimed, wherever the design would go', () => {
    const dir = strategiesDir();
    const record: DesignRecord = {
      cycle_id: 'cycle-x',
      strategy: 'rsi_adx_trend_filter',
      symbol: 'EURUSD',
      timeframe: '1h',
      designed_at: '2026-01-02T03:04:05.000Z',
      model: 'offline',
      offline: true,
    };
    expect(claimStrategyName(record, dir)).toBe(false);
    expect(fs.existsSync(path.join(dir, 'designed'))).toBe(false);
  });
});

describe('git', () => {
  const ignored = (file: string) => {
    try {
      execFileSync('git', ['check-ignore', '--no-index', '-q', file], { cwd: PROJECT_ROOT });
      return true;
    } catch {
      return false;
    }
  };

  test("ignores what the agent writes, and no person's strategy whatever its name", () => {
    expect(ignored('strategies/designed/momentum_trend_eurusd_0a1b2c.yaml')).toBe(true);
    expect(ignored('strategies/designed/momentum_trend_eurusd_0a1b2c/design.json')).toBe(true);
    expect(ignored('strategies/rsi_adx_trend_filter/assessment.json')).toBe(true);
    expect(ignored('strategies/my_idea_cafe42.yaml')).toBe(false);
    expect(ignored('strategies/breakout_20240101.yaml')).toBe(false);
    expect(ignored('strategies/rsi_adx_trend_filter.yaml')).toBe(false);
  });
});
