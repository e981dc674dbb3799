/**
 * Who will design and assess a cycle, as far as a client can tell when it starts one. The
 * worker that picks the cycle up decides (Claude with an ANTHROPIC_API_KEY, else offline), so
 * the client asks the task queue which workers poll it; each says its mode in its identity.
 */
import type { CycleInput } from './cycle';

export interface WorkerModes {
  claude: number;
  offline: number;
  /** Workers that do not say (another version, a test worker). */
  unknown: number;
}

export type DesignerForecast = { kind: 'claude'; model: string } | { kind: 'offline'; why: string } | { kind: 'unknown'; why: string };

/** `workers` is undefined when the server would not list the task queue's pollers. */
export function forecastDesigner(input: CycleInput, workers: WorkerModes | undefined): DesignerForecast {
  if (input.offline) return { kind: 'offline', why: 'offline was asked for' };
  if (!workers) return { kind: 'unknown', why: "the task queue's workers could not be listed" };
  const total = workers.claude + workers.offline + workers.unknown;
  if (total === 0) return { kind: 'unknown', why: 'no worker is polling the task queue yet' };
  if (workers.offline === total) return { kind: 'offline', why: total === 1 ? 'the worker has no ANTHROPIC_API_KEY' : 'no worker has an ANTHROPIC_API_KEY' };
  if (workers.claude === total) return { kind: 'claude', model: input.model };
  if (workers.unknown === total) return { kind: 'unknown', why: 'the worker does not say whether it has an ANTHROPIC_API_KEY' };
  return { kind: 'unknown', why: `${workers.claude} of ${total} workers have an ANTHROPIC_API_KEY` };
}

/** One line for people: the model, or that the offline designer and assessor run, or who decides. */
export function designerLine(forecast: DesignerForecast, model: string): string {
  switch (forecast.kind) {
    case 'claude':
      return forecast.model;
    case 'offline':
      return `offline designer and assessor (${forecast.why})`;
    case 'unknown':
      return `${model} if the worker that picks it up has an ANTHROPIC_API_KEY, else the offline designer and assessor (${forecast.why})`;
  }
}
