/**
 * The main job, `start`: starts the dev server (history in the state folder), the training and
 * backtest services and a worker, runs one research cycle on the shipped data while printing
 * its progress, prints the result, and stops everything it started — at the end, or on
 * Ctrl+C (which cancels the cycle first, while it runs). `--keep` leaves the stack up for
 * the Web UI until Ctrl+C.
 */
import path from 'node:path';
import type { Command } from '@commander-js/extra-typings';
import { createActivities } from '../activities';
import { cancelCycle, localCycles, runningCycles, startCycle, type CycleView } from '../client';
import type { CycleRequest } from '../domain/cycle';
import { DEFAULT_MODEL, resolveModel } from '../domain/models';
import type { Folders } from '../folders';
import { ensureMarketData } from './fetchMarketData';
import { claudeConfigFromEnv } from '../design/claude/config';
import { shownPath } from '../paths';
import { installRuntime } from '../temporal/runtime';
import { connectWorkers, createWorker } from '../worker';
import { startLocalStack } from './localStack';
import { port } from '../numberOptions';
import { stopRequest } from './stopRequest';
import { holdoutLooksIn } from './cycleCommands';
import { watchCycle } from './watch';
import { uiPortFor } from './webUi';

/** After Ctrl+C, how long the cycle may take to report itself cancelled before the stack stops anyway. */
const CANCEL_WAIT_MS = 15_000;

export function startCommand(cli: Command, folders: Folders): void {
  cli
    .command('start')
    .description('the main job: dev server, services and a worker, then one full research cycle on the shipped data')
    .option('--brief <text>', 'research brief that steers the design')
    .option('--model <model>', 'Claude model: opus, sonnet, haiku or a full id (ignored offline)')
    .option('--offline', 'use the offline designer and assessor even when ANTHROPIC_API_KEY is set')
    .option('--enforce-gates', 'stop the cycle at a failed gate (by default this demonstration cycle records the verdicts and goes on)')
    .option('--keep', 'leave the stack running after the cycle, for the Web UI; Ctrl+C stops it')
    .option('--port <port>', 'Temporal frontend port', port('--port'), 7233)
    .option('--ui-port <port>', 'Web UI port (default: the frontend port + 1000)', port('--ui-port'))
    .option('--services-port <port>', 'training/backtest services port (0: any free port)', port('--services-port', { anyFree: true }), 8000)
    .option('--db <file>', 'SQLite file that keeps the history; its folder holds the logs and belongs to one process', path.join(folders.state, 'temporal.db'))
    .action(async (flags) => {
      const uiPort = flags.uiPort ?? uiPortFor(flags.port);
      const stop = stopRequest();
      try {
        let asked = false;
        void stop.requested.then(() => (asked = true));
        // a failed cycle is a research outcome printed below, not a worker warning
        installRuntime('ERROR', { shutdownOnSignals: false });
        ensureMarketData(folders.marketData);
        const claude = flags.offline ? undefined : claudeConfigFromEnv();
        console.log(
          claude
            ? `Mode: Claude (${resolveModel(flags.model ?? DEFAULT_MODEL) ?? flags.model}) designs and assesses.`
            : `Mode: offline (${flags.offline ? '--offline' : 'no ANTHROPIC_API_KEY'}): the offline designer and assessor stand in for Claude.`,
        );
        if (!flags.enforceGates) console.log('Gates: verdicts recorded, not enforced (--enforce-gates stops the cycle at a failed gate).');

        const stack = await startLocalStack({
          command: 'start',
          ip: '127.0.0.1',
          port: flags.port,
          uiPort,
          servicesPort: flags.servicesPort,
          db: flags.db,
          folders,
        });
        const { server, services } = stack;
        const stops: (() => void | Promise<void>)[] = [];
        try {
          const { client, close } = await localCycles(server.address);
          stops.push(close);
          const native = await connectWorkers(server.address);
          const worker = await createWorker({
            connection: native,
            activities: createActivities({ servicesUrl: services!.url, claude, folders }),
            mode: claude ? 'claude' : 'offline',
          });
          const running = worker.run();
          stops.push(async () => {
            await running;
            await native.close();
          });
          stops.push(() => worker.shutdown());
          console.log(`Temporal dev server ${server.address} · Web UI ${server.uiUrl}/namespaces/default/workflows · services ${services!.url}`);

          if (asked) return; // Ctrl+C while the stack was starting: no cycle
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

          const watching = watchCycle(client, cycleId, { holdoutLooks: holdoutLooksIn(folders) });
          let view: CycleView | undefined = await Promise.race([watching, stop.requested.then(() => undefined)]);
          const interrupted = !view;
          if (interrupted) {
            // asked to stop while the cycle runs: cancel it (its activity stops the remote operation) and let it say so
            console.log('\nCancelling the cycle…');
            await cancelCycle(client, cycleId).catch(() => undefined);
            view = await Promise.race([watching, new Promise<undefined>((r) => setTimeout(() => r(undefined), CANCEL_WAIT_MS).unref())]);
          }
          const outcome = view?.status?.outcome ?? view?.summary?.phase;
          if (view?.status?.assessment) console.log(`Assessment: ${shownPath(view.status.assessment.assessmentPath)}`);
          if (view?.status?.backtest?.reportPath) console.log(`Backtest reports: ${shownPath(view.status.backtest.reportPath)}/`);
          if (flags.keep && !interrupted) {
            console.log(`\nThe stack stays up (--keep): Web UI ${server.uiUrl}/namespaces/default/workflows. Ctrl+C stops it.`);
            await stop.requested;
          }
          process.exitCode = outcome === 'completed' ? 0 : 1;
        } finally {
          // The worker drains while the server stops: the server keeps answering for the
          // second it drains its own traffic (Temporal's, measured), which is what the worker's
          // shutdown needs; one after the other took 1.7 s.
          const worker = (async () => {
            for (const step of stops.reverse()) {
              try {
                await step();
              } catch {
                // a step that fails keeps none of the others from running
              }
            }
          })();
          await Promise.all([worker, stack.stop()]);
          console.log('Stopped the dev server, the services and the worker.');
        }
      } finally {
        stop.dispose();
      }
    });
}
