import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Command } from 'commander';
import { createActivities } from '../activities';
import { runningCycles, startCycle } from '../client';
import type { CycleRequest } from '../domain/cycle';
import { DEFAULT_MODEL, resolveModel } from '../domain/models';
import { ensureMarketData } from '../engine/fetchMarketData';
import { claudeConfigFromEnv } from '../llm/claude/config';
import { DATA_DIR } from '../paths';
import { startDevServer } from '../temporal/devServer';
import { installRuntime } from '../temporal/runtime';
import { ensureSearchAttributes } from '../temporal/searchAttributes';
import { createWorker } from '../worker';
import { startLocalServices } from './localServices';
import { watchCycle } from './watch';

/** After Ctrl+C, how long the cycle may take to report itself cancelled before the stack stops anyway. */
const CANCEL_WAIT_MS = 15_000;

const untilSignal = () =>
  new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });

interface StartFlags {
  brief?: string;
  model?: string;
  keep?: boolean;
  enforceGates?: boolean;
  offline?: boolean;
  port: string;
  uiPort: string;
  servicesPort: string;
  db: string;
}

/**
 * The main job: starts the dev server (history in .data/), the training and backtest
 * services and a worker, runs one research cycle on the shipped data while printing its
 * progress, prints the result, and stops everything it started — at the end, or on
 * Ctrl+C (which cancels the cycle first). `--keep` leaves the stack up for the Web UI.
 */
export function registerStartCommand(cli: Command): void {
  cli
    .command('start')
    .description('the main job: dev server, services and a worker, then one full research cycle on the shipped data')
    .option('--brief <text>', 'research brief that steers the design')
    .option('--model <model>', 'Claude model: opus, sonnet, haiku or a full id (ignored offline)')
    .option('--offline', 'use the offline designer and assessor even when ANTHROPIC_API_KEY is set')
    .option('--enforce-gates', 'stop the cycle at a failed gate (by default this demonstration cycle records the verdicts and goes on)')
    .option('--keep', 'leave the stack running after the cycle, for the Web UI; Ctrl+C stops it')
    .option('--port <port>', 'Temporal frontend port', '7233')
    .option('--ui-port <port>', 'Web UI port', '8233')
    .option('--services-port <port>', 'training/backtest services port', '8000')
    .option('--db <file>', 'SQLite file that keeps the history', path.join(DATA_DIR, 'temporal.db'))
    .action(async (flags: StartFlags) => {
      // a failed cycle is a research outcome printed below, not a worker warning with a stack
      installRuntime('ERROR', { shutdownOnSignals: false });
      ensureMarketData();
      const claude = flags.offline ? undefined : claudeConfigFromEnv();
      console.log(
        claude
          ? `Mode: Claude (${resolveModel(flags.model ?? DEFAULT_MODEL) ?? flags.model}) designs and assesses.`
          : `Mode: offline (${flags.offline ? '--offline' : 'no ANTHROPIC_API_KEY'}): the offline designer and assessor stand in for Claude.`,
      );
      if (!flags.enforceGates) console.log('Gates: verdicts recorded, not enforced (--enforce-gates stops the cycle at a failed gate).');

      const stops: (() => Promise<void>)[] = [];
      const stopAll = async () => {
        for (const stop of stops.reverse()) await stop().catch(() => undefined);
      };
      let interrupted = false;
      try {
        const server = await startDevServer({
          ip: '127.0.0.1',
          port: Number(flags.port),
          uiPort: Number(flags.uiPort),
          dbFile: path.resolve(flags.db),
          logFile: path.join(DATA_DIR, 'temporal.log'),
        });
        stops.push(() => server.stop());
        const services = await startLocalServices(Number(flags.servicesPort));
        stops.push(() => services.close());
        const connection = await Connection.connect({ address: server.address });
        stops.push(() => connection.close());
        await ensureSearchAttributes(connection, 'default');
        const native = await NativeConnection.connect({ address: server.address });
        const worker = await createWorker({ connection: native, activities: createActivities({ servicesUrl: services.url, claude }), mode: claude ? 'claude' : 'offline' });
        const running = worker.run();
        stops.push(async () => {
          worker.shutdown();
          await running;
          await native.close();
        });
        console.log(`Temporal dev server ${server.address} · Web UI ${server.uiUrl}/namespaces/default/workflows · services ${services.url}`);

        const client = new Client({ connection });
        // a cycle left running by an earlier run resumes on this worker: follow it rather than start another
        const [resumed] = await runningCycles(client);
        const cycleId = resumed
          ? resumed.workflowId
          : (
              await startCycle(client, {
                ...(flags.brief && { brief: flags.brief }),
                ...(flags.model && { model: flags.model }),
                ...(!claude && { offline: true }),
                bypassGates: !flags.enforceGates,
              } satisfies CycleRequest)
            ).handle.workflowId;
        console.log(`${resumed ? 'Following the cycle already running' : 'Research cycle started'}: ${cycleId}`);
        console.log(`  ${server.uiUrl}/namespaces/default/workflows/${cycleId}`);

        // Ctrl+C cancels the cycle (its activity stops the remote operation), waits for it to end, then stops the stack
        const signalled = untilSignal().then(async () => {
          interrupted = true;
          console.log('\nCancelling the cycle…');
          await client.workflow.getHandle(cycleId).cancel().catch(() => undefined);
          await new Promise((r) => setTimeout(r, CANCEL_WAIT_MS));
        });
        const view = await Promise.race([watchCycle(client, cycleId), signalled.then(() => undefined)]);
        const outcome = view?.status?.outcome ?? view?.summary?.phase;
        if (view?.status?.assessment) console.log(`Assessment: ${path.relative(process.cwd(), view.status.assessment.assessmentPath)}`);
        if (view?.status?.backtest?.reportPath) console.log(`Backtest reports: ${path.relative(process.cwd(), view.status.backtest.reportPath)}/`);
        if (flags.keep && !interrupted) {
          console.log(`\nThe stack stays up (--keep): Web UI ${server.uiUrl}/namespaces/default/workflows. Ctrl+C stops it.`);
          await untilSignal();
        }
        process.exitCode = outcome === 'completed' ? 0 : 1;
      } finally {
        await stopAll();
        console.log('Stopped the dev server, the services and the worker.');
      }
    });
}
