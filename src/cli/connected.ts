import { connect, type Cycles } from '../client';

/** Runs `fn` with a client of the Temporal service the environment names (TEMPORAL_ADDRESS, …), and closes it after. */
export async function connected<T>(fn: (cycles: Cycles) => Promise<T>): Promise<T> {
  const cycles = await connect();
  try {
    return await fn(cycles);
  } finally {
    await cycles.close();
  }
}
