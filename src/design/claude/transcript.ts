/**
 * A conversation's requests and replies, kept for the researcher who wants to read what
 * Claude was asked and said: `<transcripts>/<cycle>/<phase>-attempt<N>.json`, in a
 * git-ignored folder. Prompts and completions stay here and out of workflow history; the
 * SDK's headers (and so the API key) are never part of what is written.
 */
import path from 'node:path';
import { writeFileAtomic } from '../../writeFileAtomic';

export class Transcript {
  private readonly calls: { request: unknown; reply?: unknown; error?: string }[] = [];
  readonly file: string;

  constructor(
    dir: string,
    readonly header: { cycleId: string; phase: 'design' | 'assessment'; attempt: number },
  ) {
    const folder = header.cycleId.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_');
    this.file = path.join(dir, folder, `${header.phase}-attempt${header.attempt}.json`);
  }

  record(request: unknown, outcome: { reply: unknown } | { error: string }): void {
    this.calls.push({ request, ...outcome });
    writeFileAtomic(this.file, `${JSON.stringify({ ...this.header, calls: this.calls }, null, 2)}\n`);
  }
}
