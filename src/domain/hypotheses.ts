import { z } from 'zod';
import { HypothesisTextSchema } from './activities';
import { validationLine, type CycleEnd } from './cycleEnd';

/**
 * The research loop's ledger of hypotheses (KTRDR v2.0, spec §9): assessments propose them, the
 * loop puts the oldest untested one to the next cycle (in its brief), and the cycle that tested
 * it decides it by its gates and verdict: untested → testing → supported | refuted | inconclusive.
 * It lives in the loop's state, so it is kept compact: a few dozen short sentences.
 */
const HypothesisStatusSchema = z.enum(['untested', 'testing', 'supported', 'refuted', 'inconclusive']);
type HypothesisStatus = z.infer<typeof HypothesisStatusSchema>;

export const HypothesisSchema = z.strictObject({
  /** h1, h2, … in the order proposed. */
  id: z.string().regex(/^h\d+$/),
  text: HypothesisTextSchema,
  status: HypothesisStatusSchema,
  /** The cycle whose assessment proposed it. */
  proposedBy: z.string(),
  /** The cycles that took it up, in order: one that could not test it (it failed outside a gate, was cancelled or refused) gives it back. */
  testedBy: z.array(z.string()),
  /** What decided it, or why the last cycle could not. */
  evidence: z.string().optional(),
});
export type Hypothesis = z.infer<typeof HypothesisSchema>;

/** Beyond this many entries the oldest decided ones make room; a ledger full of open ones takes no more. */
export const LEDGER_MAX = 40;
/** A hypothesis no cycle could test this many times is given up as inconclusive. */
export const MAX_TEST_ATTEMPTS = 2;
const EVIDENCE_MAX = 240;

const DECIDED: ReadonlySet<HypothesisStatus> = new Set(['supported', 'refuted', 'inconclusive']);
const isDecided = (h: Hypothesis) => DECIDED.has(h.status);

/** The same sentence however it is cased, spaced or ended. */
const normalised = (text: string) =>
  text
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/[\s.!;:,]+$/, '')
    .trim();

const clip = (text: string) => (text.length > EVIDENCE_MAX ? `${text.slice(0, EVIDENCE_MAX - 1)}…` : text);

/**
 * The ledger with what a cycle's assessment proposed added as untested, each under the next id
 * (`next` is the number of the next id); one the ledger holds already is not added again.
 */
export function propose(ledger: readonly Hypothesis[], texts: readonly string[], proposedBy: string, next: number): { ledger: Hypothesis[]; next: number } {
  const out = [...ledger];
  for (const text of texts) {
    const key = normalised(text);
    if (!key || out.some((h) => normalised(h.text) === key)) continue;
    if (out.length >= LEDGER_MAX) {
      const oldestDecided = out.findIndex(isDecided);
      if (oldestDecided < 0) continue;
      out.splice(oldestDecided, 1);
    }
    out.push({ id: `h${next++}`, text: text.trim(), status: 'untested', proposedBy, testedBy: [] });
  }
  return { ledger: out, next };
}

/** The oldest untested hypothesis, now under test by `cycleId`; none when nothing waits. */
export function takeNext(ledger: readonly Hypothesis[], cycleId: string): { ledger: Hypothesis[]; taken?: Hypothesis } {
  const index = ledger.findIndex((h) => h.status === 'untested');
  if (index < 0) return { ledger: [...ledger] };
  const taken: Hypothesis = { ...ledger[index], status: 'testing', testedBy: [...ledger[index].testedBy, cycleId] };
  return { ledger: ledger.map((h, i) => (i === index ? taken : h)), taken };
}

/**
 * What a cycle's end says of the hypothesis it tested. A failed gate refutes it (the design that
 * tested it learnt nothing, or lost money); a verdict decides it otherwise: promising supports it,
 * poor refutes it, mediocre leaves it inconclusive, as does an assessment that failed. A cycle
 * that ended another way (failed outside a gate, cancelled, refused) did not test it.
 */
export function judgeTest(cycleId: string, end: CycleEnd): { status: Exclude<HypothesisStatus, 'testing'>; evidence: string } {
  const figures = validationLine(end);
  const withFigures = (what: string) => clip(`${cycleId}: ${what}${figures ? ` (${figures})` : ''}`);
  if (end.outcome === 'completed') {
    if (end.verdict === 'promising') return { status: 'supported', evidence: withFigures('verdict promising') };
    if (end.verdict === 'poor') return { status: 'refuted', evidence: withFigures('verdict poor') };
    if (end.verdict === 'mediocre') return { status: 'inconclusive', evidence: withFigures('verdict mediocre') };
    return { status: 'inconclusive', evidence: withFigures(`no verdict: ${end.assessmentFailure ?? 'the assessment failed'}`) };
  }
  if (end.outcome === 'failed' && end.failure?.kind === 'gate') return { status: 'refuted', evidence: clip(`${cycleId}: ${end.failure.reason}`) };
  const why =
    end.outcome === 'refused'
      ? `refused: ${end.refusal?.message ?? 'no reason given'}`
      : end.outcome === 'cancelled'
        ? 'cancelled'
        : `failed: ${end.failure?.reason ?? 'no reason given'}`;
  return { status: 'untested', evidence: clip(`${cycleId} could not test it (${why})`) };
}

/** The ledger once the cycle that tested hypothesis `id` has ended; one tested in vain MAX_TEST_ATTEMPTS times is inconclusive. */
export function settle(ledger: readonly Hypothesis[], id: string, cycleId: string, end: CycleEnd): Hypothesis[] {
  return ledger.map((h) => {
    if (h.id !== id || h.status !== 'testing') return h;
    const judged = judgeTest(cycleId, end);
    const givenUp = judged.status === 'untested' && h.testedBy.length >= MAX_TEST_ATTEMPTS;
    return { ...h, status: givenUp ? 'inconclusive' : judged.status, evidence: judged.evidence };
  });
}
