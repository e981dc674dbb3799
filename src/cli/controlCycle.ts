/**
 * `trigger --control`: after the cycle, the same cycle — same brief, model, gates — on a
 * synthetic market of its timeframe, whose bars (from 2030) no designer can have seen, and the
 * two side by side. The shipped data all predates every current model's training cutoff, so a
 * strategy found there may owe something to memory; on the control, nothing can.
 */
import { InvalidArgumentError } from '@commander-js/extra-typings';
import { startCycle, type Client, type CycleView } from '../client';
import { MarketDataError } from '../engine/data/marketData';
import { parseSyntheticSymbol } from '../engine/data/syntheticMarkets';
import { renderControl } from './controlFormat';
import { watchCycle } from './watch';
import { webUiLink } from './webUi';

/** The control market when `--control` names none: a random walk, where nothing is there to find or to remember. */
export const DEFAULT_CONTROL = 'SYN_RW_1';

/** `--control [SYMBOL]`'s value: a synthetic market's name, upper-cased. */
export function controlOption(value: string): string {
  try {
    if (parseSyntheticSymbol(value)) return value.toUpperCase();
  } catch (error) {
    if (error instanceof MarketDataError) throw new InvalidArgumentError(error.message);
    throw error;
  }
  throw new InvalidArgumentError(
    `'${value}' is not a synthetic market: the control runs on one (e.g. ${DEFAULT_CONTROL}, SYN_TREND2_7), where no memory can help.`,
  );
}

interface Connection {
  client: Client;
  address: string;
  namespace: string;
}

/** Runs the control for a cycle that has ended, and prints both side by side. Returns the control's view. */
export async function runControl(
  { client, address, namespace }: Connection,
  real: CycleView,
  /** The real cycle's request as given (startCycle checks it again, with the control's market). */
  request: object,
  symbol: string,
  watchOptions: Parameters<typeof watchCycle>[2] = {},
): Promise<CycleView | undefined> {
  const design = real.status?.design;
  if (!design) {
    console.error(`No control: cycle ${real.cycleId} ended before it designed a strategy, so there is no market to match.`);
    return undefined;
  }
  const { handle } = await startCycle(client, { ...request, symbol, timeframe: design.timeframe });
  console.log(
    `\nControl cycle started: ${handle.workflowId} — the same cycle on ${symbol} ${design.timeframe}, synthetic bars from 2030 that no designer can have seen`,
  );
  console.log(`  Web UI: ${webUiLink(address, namespace, handle.workflowId)}`);
  const control = await watchCycle(client, handle.workflowId, watchOptions);
  console.log(`\n${renderControl(real.status, control.status)}`);
  return control;
}
