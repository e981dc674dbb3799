/**
 * What the model that designed a strategy may remember. A model trained on prices up to some date
 * may have seen how any period before it went, so a strategy it designed and an evaluation that
 * ends before that date prove less than they seem. The shipped data all predates every current
 * model's cutoff; the synthetic markets are the control where no memory can help.
 */
import { resolveModel, type ModelId } from '../domain/models';

/**
 * How far each model's training data reaches, as Anthropic publishes it (read 2026-12-07; the pages at hand were translations, whose tables are in English). The
 * model pages give a "Training data cutoff" for some models and only a "Reliable knowledge
 * cutoff" for the newest, which the training data may pass by a few months; for a model whose
 * page gives neither, its release date bounds what it can have seen. Each cutoff is the last day
 * of the month the page names. Typed by ModelId: a model added to the price table needs a row here.
 */
export const MODEL_CUTOFFS: Record<ModelId, { date: string; kind: 'training data' | 'reliable knowledge' | 'release'; source: string }> = {
  // "Knowledge cutoff Jun 2026" for Opus, Sonnet and Haiku 5.5 in the comparison table
  'claude-opus-5-5': { date: '2026-06-30', kind: 'reliable knowledge', source: 'https://platform.claude.com/docs/zh-CN/models/opus-5-5/overview' },
  'claude-sonnet-5-5': { date: '2026-06-30', kind: 'reliable knowledge', source: 'https://platform.claude.com/docs/zh-CN/models/haiku-5-5/overview' },
  'claude-haiku-5-5': { date: '2026-06-30', kind: 'reliable knowledge', source: 'https://platform.claude.com/docs/zh-CN/models/haiku-5-5/overview' },
  // "Released May 28, 2026"; the page names no cutoff
  'claude-opus-4-8': { date: '2026-05-28', kind: 'release', source: 'https://platform.claude.com/docs/ru/models/opus-4-8/overview' },
  // released April 16, 2026 (Anthropic's page was not at hand: the date as a client library records it)
  'claude-opus-4-7': { date: '2026-04-16', kind: 'release', source: 'https://github.com/HeyPuter/puter/pull/2816' },
  // "Reliable knowledge cutoff May 2025 · Training data cutoff Aug 2025"
  'claude-opus-4-6': { date: '2025-08-31', kind: 'training data', source: 'https://platform.claude.com/docs/zh-CN/docs/about-claude/models/overview' },
  'claude-opus-4-5': { date: '2025-08-31', kind: 'training data', source: 'https://platform.claude.com/docs/zh-TW/models/opus-4-5/overview' },
  // "Released February 17, 2026"; the page names no cutoff
  'claude-sonnet-4-6': { date: '2026-02-17', kind: 'release', source: 'https://platform.claude.com/docs/pt-BR/models/sonnet-4-6/overview' },
  // "Reliable knowledge cutoff Feb 2025 · Training data cutoff Jul 2025"
  'claude-haiku-4-5': { date: '2025-07-31', kind: 'training data', source: 'https://platform.claude.com/docs/zh-CN/docs/about-claude/models/overview' },
};

/** The last day a model may have seen (YYYY-MM-DD); undefined for the offline designer, a person, or a model not in the table. */
export function trainingCutoff(model: string | undefined): string | undefined {
  if (!model || model === 'offline') return undefined;
  const id = resolveModel(model);
  return id && MODEL_CUTOFFS[id].date;
}

const day = (when: string | number | Date) => new Date(when).toISOString().slice(0, 10);

/** Whether a period that ends at `periodEnd` lies within what `model` may have seen; offline designs never. */
export function mayRemember({ model, periodEnd }: { model: string | undefined; periodEnd: string | number | Date }): boolean {
  const cutoff = trainingCutoff(model);
  return cutoff !== undefined && day(periodEnd) <= cutoff;
}

/** The caveat for a period the designer may have seen, else undefined. */
export function memoryWarning({ model, periodEnd }: { model: string | undefined; periodEnd: string | number | Date }): string | undefined {
  if (!mayRemember({ model, periodEnd })) return undefined;
  const id = resolveModel(model!)!;
  const { date, kind } = MODEL_CUTOFFS[id];
  return `the designer (${id}, trained on data to ${kind === 'release' ? `at most its release, ${date}` : date}) may have seen this period`;
}
