/**
 * The design activity with Claude (spec §1.3, §1.12): a tool-use loop that ends when a valid
 * strategy is saved, or fails for good when a cap is reached, with the validator's last
 * problems. A retried attempt for a cycle that already saved a strategy returns that one.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import type Anthropic from '@anthropic-ai/sdk';
import { DesignResultSchema, type DesignInput, type DesignResult } from '../../domain/activities';
import type { LlmUsage } from '../../domain/models';
import { strategyFile } from '../../research/files';
import { DesignGaveUp } from '../errors';
import { findDesignOfCycle, releaseUnwrittenClaim, type DesignRecord } from '../designRecord';
import { availableMarkets } from './discovery';
import { recentStrategies } from '../memory';
import { CapReached, continuePrompt, Conversation, cutOff, type Caps } from './conversation';
import { designSystemPrompt, designUserPrompt } from './designPrompt';
import { DESIGN_TOOLS, DesignToolbox } from './designTools';
import { refusal } from './apiErrors';
import type { Effort } from './modelSettings';
import type { ClaudeRun } from './run';
import { prepareRequestedMarket } from '../requestedMarket';

export const DESIGN_CAPS: Caps = { maxTurns: 10, maxInputTokens: 50_000, maxOutputTokens: 16_000 };

/**
 * Medium effort: a design is a few hundred tokens of YAML after some thought, not a long
 * derivation. Sonnet 5.5 would default to high; Opus 5.5 and Haiku 5.5 default to medium.
 * max_tokens leaves the thinking that counts against it (a few thousand tokens at medium) room
 * several times over beside a save call of about 1,000 tokens.
 */
const DESIGN_EFFORT: Effort = 'medium';

/** How many recent strategies the prompt carries: enough to steer, few enough to stay cheap. */
const MEMORY = 8;

export interface ClaudeDesignOptions {
  strategiesDir: string;
  dataDir: string;
  caps?: Caps;
}

function result(record: DesignRecord, strategiesDir: string, usage: LlmUsage): DesignResult {
  return DesignResultSchema.parse({
    strategyName: record.strategy,
    strategyPath: strategyFile(record.strategy, strategiesDir),
    symbol: record.symbol,
    timeframe: record.timeframe,
    offline: false,
    usage,
  });
}

/**
 * Every tool call answered (the API requires it). A reply that ended at max_tokens may end in a
 * call whose input was cut short: that one is answered as cut off instead of being run.
 */
function toolResults(toolbox: DesignToolbox, reply: Anthropic.Message, caps: Caps): Anthropic.ToolResultBlockParam[] {
  const last = reply.content.at(-1);
  return reply.content.flatMap((block) => {
    if (block.type !== 'tool_use') return [];
    const cut = reply.stop_reason === 'max_tokens' && block === last;
    const outcome = cut
      ? { content: `${cutOff(caps)} before this call was complete. Send it again, with less text around it.`, isError: true }
      : toolbox.run(block.name, block.input);
    return [{ type: 'tool_result' as const, tool_use_id: block.id, content: outcome.content, ...(outcome.isError && { is_error: true }) }];
  });
}

/** What to say when Claude answered without calling a tool. */
function nudge(reply: Anthropic.Message, caps: Caps): string {
  if (reply.stop_reason === 'max_tokens') {
    return `${cutOff(caps)} before a tool call. Call save_strategy_config directly, with less text around it.`;
  }
  if (reply.content.length === 0) return continuePrompt('the design ends only when save_strategy_config has saved a valid strategy.');
  return 'No strategy is saved yet, and only a saved strategy ends the design. Save your strategy with save_strategy_config (it validates), and fix whatever it reports.';
}

export async function designWithClaude(input: DesignInput, run: ClaudeRun, options: ClaudeDesignOptions): Promise<DesignResult> {
  const { strategiesDir, dataDir, caps = DESIGN_CAPS } = options;
  const { model } = run;
  const earlier = findDesignOfCycle(input.cycleId, strategiesDir);
  if (earlier) {
    if (fs.existsSync(strategyFile(earlier.strategy, strategiesDir))) return result(earlier, strategiesDir, run.spent);
    releaseUnwrittenClaim(earlier, strategiesDir);
  }
  prepareRequestedMarket(input, dataDir);

  const toolbox = new DesignToolbox({
    input,
    model,
    digest: crypto.createHash('sha256').update(input.cycleId).digest('hex'),
    strategiesDir,
    dataDir,
  });
  const conversation = new Conversation(run, {
    cycleId: input.cycleId,
    phase: 'design',
    system: designSystemPrompt(),
    tools: DESIGN_TOOLS,
    caps,
    effort: DESIGN_EFFORT,
  });

  let next: Anthropic.MessageParam['content'] = designUserPrompt({
    input,
    markets: availableMarkets(dataDir),
    recent: recentStrategies(MEMORY, { strategiesDir }),
  });
  try {
    for (;;) {
      const reply = await conversation.ask(next);
      if (reply.stop_reason === 'refusal')
        throw refusal(reply, 'design a strategy for this brief', 'rephrase the brief, or pick another --model', conversation.usage);
      const results = toolResults(toolbox, reply, caps);
      if (toolbox.saved) return result(toolbox.saved, strategiesDir, conversation.usage);
      next = results.length > 0 ? results : nudge(reply, caps);
    }
  } catch (err) {
    if (!(err instanceof CapReached)) throw err;
    const problems = toolbox.lastProblems.length > 0 ? `; the last validation said: ${toolbox.lastProblems.join('; ')}` : '';
    throw new DesignGaveUp(`${model} did not save a valid strategy within ${err.message}${problems}`, conversation.usage);
  }
}
