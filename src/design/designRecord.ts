/**
 * `strategies/designed/<name>/design.json`: which cycle designed a strategy, when, and with
 * what. It is what makes a design activity idempotent (a retried cycle finds the strategy it
 * already saved) and what stops one cycle from overwriting another's strategy. The
 * strategy YAML stays KTRDR's format, with nothing of ours added to it. Records written
 * before designed/ existed (`strategies/<name>/design.json`) are read where they are.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { StrategyNameSchema, SymbolSchema, TimeframeSchema } from '../domain/activities';
import { designedDir, strategyFile, strategyName } from '../research/files';

const DesignRecordSchema = z.strictObject({
  cycle_id: z.string().min(1),
  strategy: StrategyNameSchema,
  symbol: SymbolSchema,
  timeframe: TimeframeSchema,
  designed_at: z.iso.datetime(),
  /** 'offline' or the Claude model that designed it. */
  model: z.string().min(1),
  offline: z.boolean(),
  /** The brief the cycle was given; records written before it was kept have none. */
  brief: z.string().optional(),
});
export type DesignRecord = z.infer<typeof DesignRecordSchema>;

/** The record of a name: where it is, or where a new claim writes it (designed/). */
function recordFile(name: string, strategiesDir: string): string {
  const files = [designedDir(strategiesDir), strategiesDir].map((dir) => path.join(dir, strategyName(name), 'design.json'));
  return files.find((file) => fs.existsSync(file)) ?? files[0];
}

export function readDesignRecord(name: string, strategiesDir: string): DesignRecord | undefined {
  try {
    const parsed = DesignRecordSchema.safeParse(JSON.parse(fs.readFileSync(recordFile(name, strategiesDir), 'utf8')));
    return parsed.success && parsed.data.strategy === name ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Every design record, the agent's strategies in designed/ and those saved before it at the top, whether or not its YAML was written. */
export function readDesignRecords(strategiesDir: string): DesignRecord[] {
  const records: DesignRecord[] = [];
  for (const dir of [designedDir(strategiesDir), strategiesDir]) {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (!entry.isDirectory() || !StrategyNameSchema.safeParse(entry.name).success) continue;
      const record = readDesignRecord(entry.name, strategiesDir);
      if (record && !records.some((r) => r.strategy === record.strategy)) records.push(record);
    }
  }
  return records;
}

/** The design a cycle already claimed, if any (its YAML may be missing if the activity died before writing it). */
export function findDesignOfCycle(cycleId: string, strategiesDir: string): DesignRecord | undefined {
  return readDesignRecords(strategiesDir).find((record) => record.cycle_id === cycleId);
}

/**
 * Claims a strategy name for a cycle before its YAML is written. True when the name is now
 * (or already was) this cycle's; false when another cycle holds it or a strategy of that
 * name exists without a record (an example, a hand-written one). The record is created
 * exclusively (O_EXCL), so of two writers racing for a name only one wins.
 */
export function claimStrategyName(record: DesignRecord, strategiesDir: string): boolean {
  const name = record.strategy;
  const owner = readDesignRecord(name, strategiesDir);
  if (owner) return owner.cycle_id === record.cycle_id;
  if (fs.existsSync(strategyFile(name, strategiesDir))) return false;
  const file = recordFile(name, strategiesDir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    fs.writeFileSync(file, `${JSON.stringify(DesignRecordSchema.parse(record), null, 2)}\n`, { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readDesignRecord(name, strategiesDir)?.cycle_id === record.cycle_id;
  }
}

/**
 * Gives up a claim whose strategy was never written (an attempt that died between claiming
 * and writing), so a new attempt may choose a name afresh. Only the claiming cycle calls it.
 */
export function releaseUnwrittenClaim(record: DesignRecord, strategiesDir: string): void {
  if (fs.existsSync(strategyFile(record.strategy, strategiesDir))) return;
  fs.rmSync(recordFile(record.strategy, strategiesDir), { force: true });
}
