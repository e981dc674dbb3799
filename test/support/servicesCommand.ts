/**
 * `ktrdr-agent services` from the sources, for tests that run the command in its own process
 * (node --require test/support/requireTypescript.cjs test/support/servicesCommand.ts services …),
 * with the CLI's handling of a UserError: its message, no stack, a non-zero exit.
 */
import { Command } from '@commander-js/extra-typings';
import { servicesWorker } from '../../src/cli/stackCommands';
import { registerServicesCommand } from '../../src/services/command';
import { UserError } from '../../src/errors';
import { foldersFromEnv } from '../../src/folders';

const cli = new Command('ktrdr-agent');
const folders = foldersFromEnv();
registerServicesCommand(cli, folders, servicesWorker(folders));
cli.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`error: ${(err as Error).message}`);
  process.exitCode = err instanceof UserError ? err.exitCode : 1;
});
