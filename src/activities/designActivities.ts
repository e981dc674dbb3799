/**
 * The design and assessment activities, and the check that stands in for a design when a
 * person gives the cycle a strategy. With a Claude configuration (the worker found an
 * ANTHROPIC_API_KEY) and a cycle that did not ask for offline mode, Claude designs and
 * assesses; otherwise the offline designer and assessor do, and their results say so. What
 * either throws becomes the failure Temporal records in failures.ts.
 */
import Anthropic from '@anthropic-ai/sdk';
import { Context } from '@temporalio/activity';
import { z } from 'zod';
import { assessWithClaude } from '../design/claude/assessor';
import { createClaudeClient, type ClaudeConfig } from '../design/claude/config';
import { designWithClaude } from '../design/claude/designer';
import type { ClaudeRun } from '../design/claude/run';
import { LlmRejected } from '../design/errors';
import { assessOffline } from '../design/offline/assessor';
import { designOffline } from '../design/offline/designer';
import type { AssessInput, AssessResult, DesignInput, DesignResult, StrategyCheckInput, StrategyCheckResult } from '../domain/activities';
import { LlmUsageSchema, noUsage, resolveModel } from '../domain/models';
import type { Folders } from '../folders';
import { checkNamedStrategy } from '../research/check';
import { endCancelledAttempt } from './cancellation';
import { claudePhaseFailure, invalidStrategyFailure, offlinePhaseFailure } from './failures';

export interface DesignActivityOptions {
  folders: Pick<Folders, 'strategies' | 'marketData' | 'transcripts'>;
  claude?: ClaudeConfig;
}

function runOffline<T>(type: 'DesignGaveUp' | 'InvalidAssessment', run: () => T): T {
  try {
    return run();
  } catch (err) {
    throw offlinePhaseFailure(err, type);
  }
}

/** What an earlier attempt of this activity spent, from its last heartbeat: a retry adds to it. */
const HeartbeatSchema = z.object({ usage: LlmUsageSchema });

function claudeRun(client: Anthropic, requested: string, transcriptsDir: string): ClaudeRun {
  const model = resolveModel(requested);
  if (!model) throw new LlmRejected(`Unknown model '${requested}'`);
  const ctx = Context.current();
  const earlier = HeartbeatSchema.safeParse(ctx.info.heartbeatDetails);
  return {
    client,
    model,
    transcriptsDir,
    attempt: ctx.info.attempt,
    spent: earlier.success ? earlier.data.usage : noUsage(model),
    heartbeat: (step, usage) => ctx.heartbeat({ percent: 0, step, usage }),
    signal: ctx.cancellationSignal,
  };
}

/**
 * Runs a Claude phase. A request aborted because the activity was cancelled reports as
 * cancelled, not failed; one aborted because the worker shut down, as a retry for the next
 * worker.
 */
async function runClaude<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof Anthropic.APIUserAbortError && Context.current().cancellationSignal.aborted)
      return endCancelledAttempt('the next attempt asks Claude again');
    throw claudePhaseFailure(err);
  }
}

export function createDesignActivities({ folders, claude }: DesignActivityOptions) {
  const { strategies: strategiesDir, marketData: dataDir, transcripts: transcriptsDir } = folders;
  const client = claude && createClaudeClient(claude);
  return {
    async designStrategy(input: DesignInput): Promise<DesignResult> {
      if (!client || input.offline) return runOffline('DesignGaveUp', () => designOffline({ ...input, strategiesDir, dataDir }));
      return runClaude(() => designWithClaude(input, claudeRun(client, input.model, transcriptsDir), { strategiesDir, dataDir }));
    },
    // eslint-disable-next-line @typescript-eslint/require-await -- the contract (ResearchActivities) returns a promise: an invalid strategy rejects it
    async checkStrategy(input: StrategyCheckInput): Promise<StrategyCheckResult> {
      const check = checkNamedStrategy(input.strategyName, { strategiesDir, dataDir });
      if (!check.ok) throw invalidStrategyFailure(check.problems);
      return { strategyName: input.strategyName, strategyPath: check.file };
    },
    async assessStrategy(input: AssessInput): Promise<AssessResult> {
      if (!client || input.offline) return runOffline('InvalidAssessment', () => assessOffline({ ...input, strategiesDir, dataDir }));
      return runClaude(() => assessWithClaude(input, claudeRun(client, input.model, transcriptsDir), { strategiesDir, dataDir }));
    },
  };
}
