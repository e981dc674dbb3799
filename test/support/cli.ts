import { spawn } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/paths';

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command as a user would, with the given Temporal address, and collects its output. */
export function runCommand(command: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The built CLI (`npm test` builds it first), exactly as `npx ktrdr-agent` runs it. */
export const CLI_BIN = path.join(PROJECT_ROOT, 'bin', 'ktrdr-agent.js');

/** Runs the built CLI to its end against the Temporal service at `address`. */
export function ktrdrAgent(address: string, ...args: string[]): Promise<Run> {
  return ktrdrAgentWith({ TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'default' }, ...args);
}

export function ktrdrAgentWith(env: Record<string, string>, ...args: string[]): Promise<Run> {
  return runCommand(process.execPath, [CLI_BIN, ...args], env);
}
