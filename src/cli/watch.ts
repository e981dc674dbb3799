import { SingleBar, Presets } from 'cli-progress';
import type { Client } from '@temporalio/client';
import { describeCycle, type CycleView } from '../client';
import { renderCycle } from './format';

/**
 * Follows a cycle until it closes: one line per phase change, and on a terminal a
 * progress bar fed by the running activity's heartbeats. Returns the final view.
 */
export async function watchCycle(client: Client, cycleId: string, intervalMs = 1000): Promise<CycleView> {
  const tty = Boolean(process.stdout.isTTY);
  const bar = new SingleBar(
    { format: '  {bar} {percentage}% · {step}', hideCursor: true, clearOnComplete: true, stopOnComplete: false },
    Presets.shades_classic,
  );
  let barShown = false;
  let phasesShown = 0;
  let lastStep: string | undefined;
  try {
    for (;;) {
      const view = await describeCycle(client, cycleId);
      // every phase the cycle went through, even one that began and ended between two polls
      const phases = view.status?.phases ?? [];
      if (phases.length > phasesShown) {
        if (barShown) bar.stop();
        barShown = false;
        for (const p of phases.slice(phasesShown)) {
          const strategy = p.phase === 'designing' ? undefined : view.status?.strategy;
          console.log(`→ ${p.phase}${strategy ? ` (${strategy})` : ''}`);
        }
        phasesShown = phases.length;
      }
      if (view.execution !== 'RUNNING') {
        if (barShown) bar.stop();
        console.log(renderCycle(view));
        return view;
      }
      const progress = view.progress;
      if (progress && tty) {
        if (!barShown) bar.start(100, 0, { step: progress.step });
        barShown = true;
        bar.update(Math.round(progress.percent), { step: progress.step });
      } else if (progress && progress.step !== lastStep) {
        console.log(`  ${progress.percent.toFixed(0)}% · ${progress.step}`);
      }
      lastStep = progress?.step;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  } finally {
    if (barShown) bar.stop();
  }
}
