import net from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ktrdrAgentWith } from '../support/cli';

/** A metrics port the worker cannot have is one line naming it and the variable to change, before the worker connects. */
let busy: net.Server;
let port: number;
beforeAll(async () => {
  busy = net.createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  port = (busy.address() as net.AddressInfo).port;
});
afterAll(() => {
  busy?.close();
});

test("the Temporal SDK's metrics port in use", async () => {
  const run = await ktrdrAgentWith({ KTRDR_SDK_METRICS_PORT: String(port), TEMPORAL_ADDRESS: '127.0.0.1:1' }, 'worker');
  expect(run.code).toBe(1);
  expect(run.stderr).toBe(
    `error: 127.0.0.1:${port} is in use (the Temporal SDK's metrics): stop what uses it, or set KTRDR_SDK_METRICS_PORT to another port\n`,
  );
});

test('a metrics port that is not one', async () => {
  const run = await ktrdrAgentWith({ KTRDR_METRICS_PORT: 'ninety', TEMPORAL_ADDRESS: '127.0.0.1:1' }, 'worker');
  expect(run.code).toBe(1);
  expect(run.stderr).toBe('error: KTRDR_METRICS_PORT=ninety is not a port: use a whole number from 1 to 65535, or unset it.\n');
});
