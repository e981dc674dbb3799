/**
 * A strategy a run is about to use: parsed and checked by the one validator, with the bars and
 * indicator values the checks loaded and computed, so that the run reads and computes them no
 * second time. An invalid strategy is a UserError listing every problem.
 */
import { UserError } from '../errors';
import { formatProblem } from './problems';
import type { Strategy } from './schema';
import type { StrategyData } from './strategyData';
import { validateStrategyText } from './validate';

export function readStrategy(text: string, file: string, dataDir: string): { strategy: Strategy; data: StrategyData } {
  const validation = validateStrategyText(text, { dataDir });
  if (!validation.strategy || !validation.data) {
    const errors = validation.problems.filter((p) => p.severity === 'error');
    throw new UserError(`${file} is not a valid strategy:\n${errors.map((p) => `  ${formatProblem(file, p)}`).join('\n')}`);
  }
  return { strategy: validation.strategy, data: validation.data };
}
