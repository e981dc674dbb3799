/**
 * Every look at a strategy's holdout, kept in `reports/<name>/holdout-looks.jsonl` (one JSON
 * object a line, appended): when, why and by whom. A holdout stays an honest estimate only while
 * nothing is chosen by it; each look is a chance to choose, so the count is shown next to every
 * holdout figure — a holdout looked at many times is no longer a holdout.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { reportDir } from './files';

const HoldoutLookSchema = z.strictObject({
  at: z.iso.datetime(),
  /** What looked: 'backtest', 'holdout', 'report', 'walk_forward', 'research_power', or another short word. */
  why: z.string().min(1),
  /** Who looked: 'cli', 'cycle <id>', … */
  by: z.string().min(1),
});
export type HoldoutLook = z.infer<typeof HoldoutLookSchema>;

const looksFile = (strategyName: string, reportsDir: string) => path.join(reportDir(strategyName, reportsDir), 'holdout-looks.jsonl');

/**
 * Appends one look. A single short append is atomic on POSIX file systems (O_APPEND), so two
 * processes looking at once both land, each on its own line.
 */
export function recordHoldoutLook(strategyName: string, look: { why: string; by: string; at?: Date }, reportsDir: string): HoldoutLook {
  const record = HoldoutLookSchema.parse({ at: (look.at ?? new Date()).toISOString(), why: look.why, by: look.by });
  const file = looksFile(strategyName, reportsDir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.appendFileSync(file, `${JSON.stringify(record)}\n`);
  return record;
}

/** Every recorded look, oldest first; a line that does not read (a torn write, a hand edit) is skipped. */
export function readHoldoutLooks(strategyName: string, reportsDir: string): HoldoutLook[] {
  let text: string;
  try {
    text = fs.readFileSync(looksFile(strategyName, reportsDir), 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').flatMap((line) => {
    if (!line.trim()) return [];
    try {
      const parsed = HoldoutLookSchema.safeParse(JSON.parse(line));
      return parsed.success ? [parsed.data] : [];
    } catch {
      return [];
    }
  });
}

/** What goes next to holdout figures: `holdout looked at 3 times`. */
export function holdoutLooksText(count: number): string {
  return `holdout looked at ${count} time${count === 1 ? '' : 's'}`;
}
