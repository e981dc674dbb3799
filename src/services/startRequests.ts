/** What a service checks of a start request before any work starts, and the job it then runs. */
import fs from 'node:fs';
import path from 'node:path';
import { modelDir, strategyFile, strategyNames } from '../research/files';
import type { Strategy } from '../research/schema';
import { validateStrategyFile } from '../research/validate';
import type { StartBacktestRequest, StartTrainingRequest } from './api';
import { HttpError } from './httpError';
import type { Job } from './jobs';
import type { OperationMetadata } from './operation';

/** The folders a service reads and writes; nothing outside them, whatever a request says. */
export interface ServiceFolders {
  strategiesDir: string;
  dataDir: string;
  modelsDir: string;
  reportsDir: string;
}

export interface Admitted {
  metadata: OperationMetadata;
  job: Job;
}

/**
 * Checks a start request against the files before any work starts, so that what a retry
 * cannot fix is a 4xx with every problem: an unknown strategy (404), an invalid one — every
 * validator problem with its line (400), a model outside models/ (400) or missing (404).
 */
export function admitTraining(request: StartTrainingRequest, folders: ServiceFolders): Admitted {
  const { file } = validStrategy(request.strategy_name, folders);
  return {
    metadata: { ...metadataOf(request), ...(request.resume_from && { resume_from: request.resume_from }) },
    job: { type: 'training', strategyPath: file, dataDir: folders.dataDir, modelsDir: folders.modelsDir },
  };
}

export function admitBacktest(request: StartBacktestRequest, folders: ServiceFolders): Admitted {
  const { file, strategy } = validStrategy(request.strategy_name, folders);
  const modelPath = request.model_path
    ? modelInside(folders.modelsDir, request.model_path)
    : path.join(modelDir(strategy.name, folders.modelsDir), 'model.json');
  if (!fs.statSync(modelPath, { throwIfNoEntry: false })?.isFile()) {
    throw new HttpError(404, 'model_not_found', `no trained model at ${modelPath}: train ${request.strategy_name} first`, [
      { path: 'model_path', line: null, message: 'no such file' },
    ]);
  }
  return {
    metadata: { ...metadataOf(request), model_path: modelPath },
    job: {
      type: 'backtesting',
      strategyPath: file,
      dataDir: folders.dataDir,
      modelsDir: folders.modelsDir,
      reportsDir: folders.reportsDir,
      modelPath,
      lookedAtBy: request.cycle_id ? `cycle ${request.cycle_id}` : 'services',
    },
  };
}

const metadataOf = ({ strategy_name, task_id, cycle_id }: StartBacktestRequest): OperationMetadata => ({
  strategy_name,
  ...(task_id && { task_id }),
  ...(cycle_id && { cycle_id }),
});

function validStrategy(name: string, folders: ServiceFolders): { file: string; strategy: Strategy } {
  const file = strategyFile(name, folders.strategiesDir);
  if (!fs.existsSync(file)) {
    const known = strategyNames(folders.strategiesDir);
    throw new HttpError(
      404,
      'strategy_not_found',
      `no strategy '${name}' in ${folders.strategiesDir} or its designed/${known.length ? ` (there: ${known.join(', ')})` : ''}`,
      [{ path: 'strategy_name', line: null, message: 'no such strategy' }],
    );
  }
  const validation = validateStrategyFile(file, { dataDir: folders.dataDir });
  if (!validation.strategy) {
    const errors = validation.problems.filter((p) => p.severity === 'error');
    throw new HttpError(
      400,
      'invalid_strategy',
      `${path.basename(file)} is not a valid strategy: ${errors.length} error${errors.length === 1 ? '' : 's'}`,
      errors.map((p) => ({ path: p.path, line: p.line ?? null, message: p.message })),
    );
  }
  return { file, strategy: validation.strategy };
}

/** A model path, absolute or relative to the models folder, that resolves (symbolic links followed) inside it. */
function modelInside(modelsDir: string, given: string): string {
  const root = fs.existsSync(modelsDir) ? fs.realpathSync(modelsDir) : path.resolve(modelsDir);
  const resolved = path.resolve(root, given);
  const real = fs.existsSync(resolved) ? fs.realpathSync(resolved) : resolved;
  const relative = path.relative(root, real);
  if (!relative || relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) {
    throw new HttpError(400, 'model_outside_models', `model_path ${given} is outside the models folder (${root}): models are read from there only`, [
      { path: 'model_path', line: null, message: `must resolve inside ${root}` },
    ]);
  }
  return real;
}
