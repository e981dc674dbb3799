/**
 * The command-line entry point: builds the folders once from the environment, wires each
 * command family of cli/ into one commander program, and turns what a command throws into
 * one line and an exit code.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command } from '@commander-js/extra-typings';
import { budgetCommand } from './cli/budgetCommand';
import { cancelCommand, historyCommand, listCommand, statusCommand, triggerCommand } from './cli/cycleCommands';
import { devCommand, healthCommand, servicesWorker, setupCommand, workerCommand } from './cli/stackCommands';
import { startCommand } from './cli/startCommand';
import { leaderboardCommand } from './cli/leaderboardCommand';
import { loopCommands } from './cli/loopCommand';
import { scheduleCommands } from './cli/scheduleCommand';
import { endWhenOutputCloses } from './cli/stopRequest';
import { strategyCommands } from './cli/strategyCommands';
import { UserError } from './errors';
import { foldersFromEnv } from './folders';
import { PROJECT_ROOT } from './paths';
import { registerServicesCommand } from './services/command';
import { reportCommand } from './cli/reportCommand';
import { startTracingFromEnv } from './telemetry/tracing';

function packageVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** Every command, in the order `--help` lists them. */
export function program(): Command {
  const cli = new Command('ktrdr-agent')
    .description('Autonomous research agent for trading strategies, as durable Temporal workflows')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)');
  const folders = foldersFromEnv();
  setupCommand(cli);
  devCommand(cli, folders);
  workerCommand(cli, folders);
  triggerCommand(cli, folders);
  healthCommand(cli);
  statusCommand(cli, folders);
  cancelCommand(cli);
  listCommand(cli);
  historyCommand(cli);
  strategyCommands(cli, folders);
  leaderboardCommand(cli, folders);
  reportCommand(cli, folders);
  registerServicesCommand(cli, folders, servicesWorker(folders));
  startCommand(cli, folders);
  budgetCommand(cli);
  loopCommands(cli);
  scheduleCommands(cli);
  return cli;
}

/**
 * Runs a command. One that fails ends the process once it has said why: whatever it had
 * started has been stopped by then, and a handle it could not close (the SDK's native
 * runtime, installed for a worker that never ran) must not keep the process waiting.
 */
export async function main(argv = process.argv): Promise<void> {
  endWhenOutputCloses();
  try {
    // traces (OTEL_* environment) cover the whole command, and what is batched goes out before it exits
    const tracing = await startTracingFromEnv();
    try {
      await program().parseAsync(argv);
    } finally {
      await tracing?.shutdown();
    }
  } catch (err) {
    if (err instanceof UserError) {
      console.error(`error: ${err.message}`);
      process.exit(err.exitCode);
    }
    console.error(`error: ${(err as Error)?.message ?? err}`);
    if (process.env.KTRDR_DEBUG) console.error((err as Error)?.stack);
    else console.error('(set KTRDR_DEBUG=1 to see the stack trace)');
    process.exit(1);
  }
}
