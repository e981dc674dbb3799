import { describe, expect, test } from 'vitest';
import { intervalLabel, ScheduleIdSchema, ScheduleTimingSchema, timingLabel } from '../../src/domain/schedule';
import { validateSchedule } from '../../src/temporal/scheduleClient';

describe('schedule timing', () => {
  test.each([
    [21_600_000, '6h'],
    [5_400_000, '1h30m'],
    [86_400_000 + 60_000, '1d1m'],
    [90_000, '1m30s'],
  ])('%i ms reads %s', (ms, label) => {
    expect(intervalLabel(ms)).toBe(label);
  });

  test('an interval of a minute or more, or a cron line of 5 to 7 fields', () => {
    expect(ScheduleTimingSchema.safeParse({ every: 60_000 }).success).toBe(true);
    expect(ScheduleTimingSchema.safeParse({ every: 59_000 }).success).toBe(false);
    expect(ScheduleTimingSchema.safeParse({ cron: '0 */6 * * *' }).success).toBe(true);
    expect(ScheduleTimingSchema.safeParse({ cron: 'every day' }).success).toBe(false);
    expect(timingLabel({ every: 21_600_000 })).toBe('every 6h');
    expect(timingLabel({ cron: '30 2 * * 1-5' })).toBe('cron "30 2 * * 1-5" (UTC)');
  });

  test('ids are what a Temporal schedule id and a workflow id prefix can hold', () => {
    expect(ScheduleIdSchema.safeParse('nightly-loop_2').success).toBe(true);
    expect(ScheduleIdSchema.safeParse('-x').success).toBe(false);
    expect(ScheduleIdSchema.safeParse('a b').success).toBe(false);
  });
});

describe('validateSchedule', () => {
  test('checks what it starts as the workflow will, every problem at once', () => {
    expect(() => validateSchedule({ scheduleId: 'bad id', kind: 'loop', timing: { every: 1000 }, input: { concurrency: 99, carried: {} } })).toThrow(
      /^Invalid schedule:\n {2}- id: letters.*\n {2}- every: at least 1 minute apart\n {2}- carried: set by a loop itself.*\n {2}- concurrency: Too big[^\n]*$/,
    );
    expect(() => validateSchedule({ scheduleId: 'c', kind: 'cycle', timing: { cron: '0 2 * * *' }, input: { concurrency: 2 } })).toThrow(
      /Unrecognized key: "concurrency"/,
    );
    expect(validateSchedule({ scheduleId: 'c', kind: 'cycle', timing: { cron: '0 2 * * *' }, input: { strategy: 'rsi_adx_trend_filter' } })).toEqual({
      scheduleId: 'c',
      kind: 'cycle',
      timing: { cron: '0 2 * * *' },
      input: { strategy: 'rsi_adx_trend_filter' },
    });
  });
});
