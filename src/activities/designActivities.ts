import Anthropic from '@anthropic-ai/sdk';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import type { AssessInput, AssessResult, DesignInput, DesignResult, StrategyCheckInput, StrategyCheckResult } from '../domain/activities';
import { LlmUsageSchema, noUsage, resolveModel } from '../domain/models';
import { UserError } from '../errors';
import { assessWithClaude } from '../llm/claude/assessor';
import { createClaudeClient, type ClaudeConfig } from '../llm/claude/config';
import { designWithClaude } from '../llm/claude/designer';
import type { ClaudeRun } from '../llm/claude/run';
import { assessOffline } from '../llm/offlineAssessor';
import { designOffline } from '../llm/offlineDesigner';
import { foldersFromEnv } from '../folders';
import { checkNamedStrategy } from '../research/check';
import { endCancelledAttempt } from './cancellation';

/**
 * The design and assessment activities, and the check that stands in for a design when a
 * person gives the cycle a strategy. With a Claude configuration (the worker found an
 * ANTHROPIC_API_KEY) and a cycle that did not ask for offline mode, Claude designs and
 * assesses; otherwise the offline designer and assessor do, and their results say so. A
 * problem a retry cannot fix is final.
 */
export interface DesignActivityOptions {
  strategiesDir?: string;
  dataDir?: string;
  claude?: ClaudeConfig;
}

/**
 * Runs the offline designer or assessor. A problem a retry cannot fix is final, and every
 * failure carries the offline "usage", as Claude's failures carry theirs: a cycle whose
 * offline design fails is then known to be offline.
 */
function runOffline<T>(type: string, run: () => T): T {
  try {
    return run();
  } catch (err) {
    const details = [noUsage('offline')];
    if (err instanceof UserError) throw ApplicationFailure.create({ message: err.message, type, nonRetryable: true, details });
    if (err instanceof ApplicationFailure) throw ApplicationFailure.create({ message: err.message, type: err.type ?? undefined, nonRetryable: err.nonRetryable ?? false, details, cause: err.cause });
    const error = err instanceof Error ? err : new Error(String(err));
    throw ApplicationFailure.create({ message: error.message, type: error.name, details, cause: error });
  }
}

/** What an earlier attempt of this activity spent, from its last heartbeat: a retry adds to it. */
const HeartbeatSchema = z.object({ usage: LlmUsageSchema });

function claudeRun(client: Anthropic, config: ClaudeConfig, requested: string): ClaudeRun {
  const model = resolveModel(requested);
  if (!model) throw ApplicationFailure.nonRetryable(`Unknown model '${requested}'`, 'LlmRejected');
  const ctx = Context.current();
  const earlier = HeartbeatSchema.safeParse(ctx.info.heartbeatDetails);
  return {
    client,
    model,
    transcriptsDir: config.transcriptsDir,
    attempt: ctx.info.attempt,
    spent: earlier.success ? earlier.data.usage : noUsage(model),
    heartbeat: (step, usage) => ctx.heartbeat({ percent: 0, step, usage }),
    signal: ctx.cancellationSignal,
  };
}

/**
 * A request aborted because the activity was cancelled reports as cancelled, not failed; one
 * aborted because the worker shut down, as a retry for the next worker.
 */
async function cancellable<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof Anthropic.APIUserAbortError && Context.current().cancellationSignal.aborted) return await endCancelledAttempt('the next attempt asks Claude again');
    throw err;
  }
}

export function createDesignActivities(options: DesignActivityOptions = {}) {
  const strategiesDir = options.strategiesDir ?? foldersFromEnv().strategies;
  const dataDir = options.dataDir ?? foldersFromEnv().marketData;
  const claude = options.claude;
  const client = claude && createClaudeClient(claude);
  return {
    async designStrategy(input: DesignInput): Promise<DesignResult> {
      if (!client || !claude || input.offline) return runOffline('DesignGaveUp', () => designOffline({ ...input, strategiesDir, dataDir }));
      return cancellable(() => designWithClaude(input, claudeRun(client, claude, input.model), { strategiesDir, dataDir }));
    },
    async checkStrategy(input: StrategyCheckInput): Promise<StrategyCheckResult> {
      const check = checkNamedStrategy(input.strategyName, { strategiesDir, dataDir });
      if (!check.ok) {
        throw ApplicationFailure.create({ message: check.problems.join('; '), type: 'InvalidStrategy', nonRetryable: true, details: [check.problems] });
      }
      return { strategyName: input.strategyName, strategyPath: check.file };
    },
    async assessStrategy(input: AssessInput): Promise<AssessResult> {
      if (!client || !claude || input.offline) return runOffline('InvalidAssessment', () => assessOffline({ ...input, strategiesDir }));
      return cancellable(() => assessWithClaude(input, claudeRun(client, claude, input.model), { strategiesDir }));
    },
  };
}
