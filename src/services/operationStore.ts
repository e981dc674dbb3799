/**
 * Operation records on disk, one JSON file per operation, each replaced whole (temporary file
 * + rename) so a crash leaves the previous version or the new one, never half of either.
 * Plain files rather than SQLite: the service is the only writer, it keeps every record in
 * memory and only ever writes one record at a time, so a database would add a native build
 * (and a compiler in the Docker image) for nothing this needs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../writeFileAtomic';
import { OperationInfoSchema, type OperationInfo } from './operation';

export class OperationStore {
  constructor(readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
  }

  /** Every record; one that does not parse (hand-edited, from another version) is reported and left out. */
  load(onUnreadable: (file: string, reason: string) => void): OperationInfo[] {
    const records: OperationInfo[] = [];
    for (const name of fs
      .readdirSync(this.dir)
      .filter((n) => n.endsWith('.json'))
      .sort()) {
      const file = path.join(this.dir, name);
      try {
        records.push(OperationInfoSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8'))));
      } catch (err) {
        onUnreadable(file, (err as Error).message);
      }
    }
    return records;
  }

  /** Refuses a record that breaks the schema, so what is on disk always reads back. */
  save(operation: OperationInfo): void {
    const record = OperationInfoSchema.parse(operation);
    writeFileAtomic(path.join(this.dir, `${record.operation_id}.json`), `${JSON.stringify(record, null, 2)}\n`);
  }
}
