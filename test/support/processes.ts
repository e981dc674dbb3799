import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/paths';
import { CLI_BIN, type Run } from './cli';

/** A command as a supervisor runs it: its pid, its output so far, its exit. */
export interface Spawned {
  child: ChildProcess;
  /** stdout and stderr as they came. */
  output: () => string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  /** Resolves once the output contains `text`; rejects if the process ends first or after `ms`. */
  until(text: string | RegExp, ms?: number): Promise<void>;
}

export function spawnCommand(command: string, args: string[], env: Record<string, string> = {}): Spawned {
  const child = spawn(command, args, { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => ((out += d), (stdout += d)));
  child.stderr.on('data', (d) => ((out += d), (stderr += d)));
  // 'close': the process has exited and its output has been read to the end
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const until = async (text: string | RegExp, ms = 45_000) => {
    const deadline = Date.now() + ms;
    const seen = () => (typeof text === 'string' ? out.includes(text) : text.test(out));
    while (!seen()) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${command} ${args.join(' ')} exited before printing ${text}:\n${out}`);
      if (Date.now() > deadline) throw new Error(`${command} ${args.join(' ')} did not print ${text} within ${ms} ms:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return { child, output: () => out, stdout: () => stdout, stderr: () => stderr, exited, until };
}

/** The built CLI as a supervised process. */
export function spawnCli(args: string[], env: Record<string, string> = {}): Spawned {
  return spawnCommand(process.execPath, [CLI_BIN, ...args], env);
}

/** Runs the built CLI to its end, or kills it after `ms` (a command that should have refused at once must not hang a test). */
export async function runCliWithin(ms: number, args: string[], env: Record<string, string> = {}): Promise<Run & { timedOut: boolean }> {
  const run = spawnCli(args, env);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killTree(run.child.pid!);
  }, ms);
  const code = await run.exited;
  clearTimeout(timer);
  return { code, stdout: run.stdout(), stderr: run.stderr(), timedOut };
}

/** Every process below `pid`, children first (pgrep -P, recursively). */
export function descendants(pid: number): number[] {
  let children: number[];
  try {
    children = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
  return children.flatMap((child) => [child, ...descendants(child)]);
}

/** SIGKILL to a process and everything below it, so that a test that failed half-way leaves nothing running. */
export function killTree(pid: number): void {
  for (const each of [...descendants(pid), pid]) kill(each, 'SIGKILL');
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // a zombie has exited; only its parent has not collected it yet
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** The command line of a process (Linux /proc), to tell which descendant is which. */
export function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** A scratch project layout for one run: what it designs, trains, reports and records stays here. */
export function scratchFolder(prefix: string): { folder: string; env: Record<string, string>; db: string } {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.mkdirSync(path.join(folder, 'strategies'));
  return {
    folder,
    db: path.join(folder, 'temporal.db'),
    env: {
      ANTHROPIC_API_KEY: '',
      KTRDR_STRATEGIES_DIR: path.join(folder, 'strategies'),
      KTRDR_MODELS_DIR: path.join(folder, 'models'),
      KTRDR_REPORTS_DIR: path.join(folder, 'reports'),
    },
  };
}
