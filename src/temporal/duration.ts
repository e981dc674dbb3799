/** A duration as Temporal reads one — 5s, 500ms, 2m, "30 seconds" — in milliseconds; undefined when it reads none, or a negative one. */
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';

export function durationMs(value: string): number | undefined {
  try {
    const ms = msToNumber(value as Duration);
    return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
  } catch {
    return undefined;
  }
}
