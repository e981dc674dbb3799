const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** How often a command checks that whoever started it is still there. */
const PARENT_CHECK_MS = 250;

export interface StopRequest {
  /** Resolves with what asked: a signal's name, or `parent gone`. */
  requested: Promise<string>;
  /** Stops listening (a command that has finished with the request). */
  dispose(): void;
}

/**
 * Resolves when the command is asked to stop: Ctrl+C, SIGTERM or SIGHUP, or its parent
 * going away. The last is what a supervisor's SIGTERM to `npm run dev` or `npx ktrdr-agent
 * dev` looks like from here: npm passes the signal to the shell that runs the script, the
 * shell dies without passing it on, and this process is left to init (measured with npm
 * 11). Its parent pid changing is the one sign every platform gives, so it is watched.
 *
 * While a request is held, further signals are absorbed: a second Ctrl+C must not kill the
 * process halfway through stopping its children (it would leave them running).
 */
export function stopRequest(): StopRequest {
  const parent = process.ppid;
  let resolve!: (reason: string) => void;
  const requested = new Promise<string>((r) => (resolve = r));
  const onSignal = (signal: NodeJS.Signals) => resolve(signal);
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch);
    // whoever read our output may be gone too: a write to a closed pipe must not end the process before its children
    for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
    resolve('parent gone');
  }, PARENT_CHECK_MS);
  watch.unref();
  return {
    requested,
    dispose() {
      clearInterval(watch);
      for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
    },
  };
}
