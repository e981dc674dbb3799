/**
 * A strategy researched as a cycle would research it, without Temporal: designed by the offline
 * designer, trained, backtested and assessed offline, into fresh folders on the shipped data.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assessOffline } from '../../src/design/offline/assessor';
import { designOffline } from '../../src/design/offline/designer';
import { backtestStrategy } from '../../src/research/backtesting';
import { trainStrategy } from '../../src/research/training';
import { toBacktestMetrics } from '../../src/research/backtestMetrics';
import { MARKET_DATA_DIR } from './folders';

export interface Researched {
  name: string;
  root: string;
  folders: { strategies: string; models: string; reports: string; marketData: string };
}

export async function researchedStrategy(cycleId: string, brief: string): Promise<Researched> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ktrdr-researched-'));
  const folders = {
    strategies: path.join(root, 'strategies'),
    models: path.join(root, 'models'),
    reports: path.join(root, 'reports'),
    marketData: MARKET_DATA_DIR,
  };
  fs.mkdirSync(folders.strategies);
  const design = designOffline({ cycleId, model: 'offline', brief, offline: true, strategiesDir: folders.strategies, dataDir: MARKET_DATA_DIR });
  const options = { dataDir: MARKET_DATA_DIR, modelsDir: folders.models, reportsDir: folders.reports };
  const training = await trainStrategy(design.strategyPath, options);
  const { periods } = await backtestStrategy(design.strategyPath, options);
  const validation = periods.validation!;
  assessOffline({
    cycleId,
    model: 'offline',
    strategyName: design.strategyName,
    strategyPath: design.strategyPath,
    training: training.metrics,
    backtest: toBacktestMetrics(validation.metrics, validation.buyAndHold, validation.sameStake),
    strategiesDir: folders.strategies,
    dataDir: MARKET_DATA_DIR,
  });
  return { name: design.strategyName, root, folders };
}
