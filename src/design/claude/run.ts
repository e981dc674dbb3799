/**
 * What a Claude phase gets from the activity that runs it: the client and the model (resolved
 * from the cycle's alias or id), where transcripts go, which attempt this is and what earlier
 * attempts spent, a heartbeat, and the cancellation signal that aborts the HTTP request.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { LlmUsage, ModelId } from '../../domain/models';

export interface ClaudeRun {
  client: Anthropic;
  model: ModelId;
  transcriptsDir: string;
  attempt: number;
  spent: LlmUsage;
  heartbeat: (step: string, usage: LlmUsage) => void;
  signal: AbortSignal;
}
