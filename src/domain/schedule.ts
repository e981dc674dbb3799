import { z } from 'zod';

/**
 * A Temporal Schedule that starts research cycles or loops periodically (`ktrdr-agent schedule`):
 * its id, what it starts, when, and the note it keeps in its memo so that a listing can say
 * it in the words it was created with (the server turns a cron line into calendars).
 */
const ScheduleKindSchema = z.enum(['cycle', 'loop']);
export type ScheduleKind = z.infer<typeof ScheduleKindSchema>;

/** Schedules that start work more often than this are a mistake: a cycle alone takes seconds to hours. */
const MIN_INTERVAL_MS = 60_000;

export const ScheduleIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'letters, digits, ".", "_" and "-", starting with a letter or digit, at most 100');

export const ScheduleTimingSchema = z.union([
  z.strictObject({
    every: z
      .number()
      .int()
      .min(MIN_INTERVAL_MS, `at least ${MIN_INTERVAL_MS / 60_000} minute apart`),
  }),
  z.strictObject({
    cron: z
      .string()
      .trim()
      .regex(/^\S+(\s+\S+){4,6}$/, 'a cron line of 5 to 7 fields, e.g. "0 */6 * * *"'),
  }),
]);
export type ScheduleTiming = z.infer<typeof ScheduleTimingSchema>;

/** What a schedule keeps in its memo (key `ktrdr`). */
export const ScheduleNoteSchema = z.object({ kind: ScheduleKindSchema, timing: z.string() });

const UNITS: [number, string][] = [
  [86_400_000, 'd'],
  [3_600_000, 'h'],
  [60_000, 'm'],
  [1000, 's'],
];

/** An interval as people write it: 21600000 → `6h`, 5400000 → `1h30m`. */
export function intervalLabel(ms: number): string {
  let left = Math.round(ms / 1000) * 1000;
  const parts: string[] = [];
  for (const [size, unit] of UNITS) {
    if (left >= size) {
      parts.push(`${Math.floor(left / size)}${unit}`);
      left %= size;
    }
  }
  return parts.join('') || '0s';
}

export const timingLabel = (timing: ScheduleTiming) => ('every' in timing ? `every ${intervalLabel(timing.every)}` : `cron "${timing.cron}" (UTC)`);
