/**
 * How a long-running command learns that it should stop — a signal, its parent or the reader of
 * its output going away — and gets to stop its children before it exits.
 */
const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** How often a command checks that whoever started it is still there. */
const PARENT_CHECK_MS = 250;

/** Stop requests in force: while one is, the command stops its children itself. */
let held = 0;

export interface StopRequest {
  /** Resolves with what asked: a signal's name, `parent gone` or `output closed`. */
  requested: Promise<string>;
  /** Stops listening (a command that has finished with the request). */
  dispose(): void;
}

/**
 * Resolves when the command is asked to stop: Ctrl+C, SIGTERM or SIGHUP, the reader of its
 * output going away, or its parent going away. The last is what a supervisor's SIGTERM to
 * `npm run dev` or `npx ktrdr-agent dev` looks like from here: npm passes the signal to the
 * shell that runs the script, the shell dies without passing it on, and this process is left
 * to init (measured with npm 11). Its parent pid changing is the one sign every platform
 * gives, so it is watched.
 *
 * While a request is held, further signals are absorbed: a second Ctrl+C must not kill the
 * process halfway through stopping its children (it would leave them running).
 */
export function stopRequest(): StopRequest {
  const parent = process.ppid;
  let resolve!: (reason: string) => void;
  const requested = new Promise<string>((r) => (resolve = r));
  const onSignal = (signal: NodeJS.Signals) => resolve(signal);
  // whoever read the output is gone (a closed terminal, a supervisor that exited): stop, quietly
  const onOutputError = (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') resolve('output closed');
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  for (const stream of [process.stdout, process.stderr]) stream.on('error', onOutputError);
  const watch = setInterval(() => {
    if (process.ppid !== parent) resolve('parent gone');
  }, PARENT_CHECK_MS);
  watch.unref();
  held++;
  return {
    requested,
    dispose() {
      clearInterval(watch);
      for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
      for (const stream of [process.stdout, process.stderr]) stream.off('error', onOutputError);
      held--;
    },
  };
}

/**
 * A command whose output is piped into a reader that stopped (`ktrdr-agent list | head -1`)
 * ends quietly, like any Unix tool, instead of with an EPIPE stack trace — unless it is
 * stopping its children, which a stop request then sees to.
 */
export function endWhenOutputCloses(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    if (held === 0) process.exit(process.exitCode ?? 0);
  });
}
