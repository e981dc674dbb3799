/**
 * Following a running cycle in the terminal: for `start`, and for `trigger` and `status` with
 * --watch.
 */
import { SingleBar, Presets } from 'cli-progress';
import { describeCycle, type Client, type CycleView } from '../client';
import { phaseLabel } from '../domain/cycleDetails';
import { progressText, renderCycle, trainingDoneLine } from './format';

/**
 * Follows a cycle until it closes: one line per phase change, the running activity's progress
 * from its heartbeats (a progress bar on a terminal, a line per change otherwise), and when
 * training has ended its epochs and loss — which a training shorter than the heartbeat
 * interval never heartbeats. Returns the final view.
 */
export async function watchCycle(
  client: Client,
  cycleId: string,
  { intervalMs = 500, holdoutLooks }: { intervalMs?: number; holdoutLooks?: (strategy: string) => number } = {},
): Promise<CycleView> {
  const tty = Boolean(process.stdout.isTTY);
  const bar = new SingleBar({ format: '  {bar} {text}', hideCursor: true, clearOnComplete: true, stopOnComplete: false }, Presets.shades_classic);
  let barShown = false;
  const stopBar = () => {
    if (barShown) bar.stop();
    barShown = false;
  };
  let phasesShown = 0;
  let trainingShown = false;
  let lastText: string | undefined;
  const showTraining = (view: CycleView) => {
    const metrics = view.status?.training?.metrics;
    if (!metrics || trainingShown) return;
    stopBar();
    console.log(`  ${trainingDoneLine(metrics)}`);
    trainingShown = true;
  };
  try {
    for (;;) {
      const view = await describeCycle(client, cycleId);
      // every phase the cycle went through, even one that began and ended between two polls
      const phases = view.status?.phases ?? [];
      if (phases.length > phasesShown) {
        stopBar();
        for (const p of phases.slice(phasesShown)) {
          if (p.phase === 'backtesting' || p.phase === 'assessing') showTraining(view);
          const strategy = p.phase === 'designing' ? undefined : view.status?.strategy;
          console.log(`→ ${phaseLabel(p)}${strategy ? ` (${strategy})` : ''}`);
        }
        phasesShown = phases.length;
        lastText = undefined;
      }
      if (view.execution !== 'RUNNING') {
        showTraining(view);
        stopBar();
        const strategy = view.status?.strategy;
        console.log(renderCycle(view, strategy ? holdoutLooks?.(strategy) : undefined));
        return view;
      }
      const progress = view.progress;
      const text = progress && progressText(progress);
      if (progress && tty) {
        if (!barShown) bar.start(100, 0, { text });
        barShown = true;
        bar.update(Math.round(progress.percent), { text });
      } else if (text && text !== lastText) {
        console.log(`  ${text}`);
      }
      lastText = text;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  } finally {
    stopBar();
  }
}
