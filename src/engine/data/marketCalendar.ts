/**
 * Which bar times a market is expected to have, and where a series misses some of them.
 *
 * 'weekdays' (FX, equities, futures): no bars from Friday 21:00 to Sunday 22:00 UTC. That window
 * covers the FX weekend in both daylight-saving states (New York 17:00 is 21:00 UTC in summer,
 * 22:00 in winter) and, for daily bars stamped at midnight, exactly Saturday and Sunday.
 * Intraday equity sessions (overnight closes) are not modelled: such data would show one gap a night.
 * 'continuous' (crypto): every bar is expected.
 */
import { TIMEFRAME_MS, type Bars } from './bars';

export type MarketCalendar = 'weekdays' | 'continuous';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
/** 1970-01-01 was a Thursday: shift so that 0 is Monday 00:00 UTC. */
const EPOCH_TO_MONDAY = 3 * DAY_MS;
const WEEKEND_START = 4 * DAY_MS + 21 * HOUR_MS;
const WEEKEND_END = 6 * DAY_MS + 22 * HOUR_MS;

/** True when a bar opening at `time` (epoch ms UTC) is not expected on this calendar. */
export function isMarketClosed(time: number, calendar: MarketCalendar): boolean {
  if (calendar === 'continuous') return false;
  const intoWeek = (((time + EPOCH_TO_MONDAY) % WEEK_MS) + WEEK_MS) % WEEK_MS;
  return intoWeek >= WEEKEND_START && intoWeek < WEEKEND_END;
}

/** Weekly and longer bars are one per period whatever the weekday: no closures apply to them. */
export const calendarFor = (stepMs: number, calendar: MarketCalendar): MarketCalendar => (stepMs >= WEEK_MS ? 'continuous' : calendar);

export function timeframeMs(timeframe: string): number {
  const step = TIMEFRAME_MS[timeframe];
  if (step === undefined) {
    throw new RangeError(`'${timeframe}' is not a timeframe: use one of ${Object.keys(TIMEFRAME_MS).join(', ')}.`);
  }
  return step;
}

export interface Gap {
  /** Index of the first bar after the gap. */
  index: number;
  /** Open time of the last bar before the gap, epoch ms UTC. */
  lastBarBefore: number;
  /** Open time of the first bar after the gap, epoch ms UTC. */
  firstBarAfter: number;
  /** Bars the calendar expects between the two that the series does not have. */
  missingBars: number;
  /**
   * Half a day to one day of trading time is missing: the size of a market holiday (Christmas,
   * Thanksgiving). A few missing hours, or more than a day, look like holes in the data instead.
   */
  likelyHoliday: boolean;
}

/**
 * Every stretch where expected bars are missing, in time order. Weekend closures are not gaps;
 * holidays are, since the calendar has no holiday list, but they are flagged `likelyHoliday` so a
 * report can set them apart from real holes in the data. Nothing is filled in.
 */
export function findGaps(bars: Bars, options: { calendar?: MarketCalendar } = {}): Gap[] {
  const step = timeframeMs(bars.timeframe);
  const calendar = calendarFor(step, options.calendar ?? 'weekdays');
  const { time } = bars;
  const gaps: Gap[] = [];
  for (let i = 1; i < time.length; i++) {
    const before = time[i - 1];
    const after = time[i];
    if (after - before <= step) continue;
    let missing = 0;
    for (let t = before + step; t < after; t += step) if (!isMarketClosed(t, calendar)) missing++;
    if (missing > 0) {
      gaps.push({ index: i, lastBarBefore: before, firstBarAfter: after, missingBars: missing, likelyHoliday: missing * step >= DAY_MS / 2 && missing * step <= DAY_MS });
    }
  }
  return gaps;
}
