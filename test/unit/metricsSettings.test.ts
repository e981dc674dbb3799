import { describe, expect, test } from 'vitest';
import { metricsSettings, sdkMetricsAddress } from '../../src/telemetry/metricsSettings';

describe("a worker's metrics settings (KTRDR_METRICS_PORT, KTRDR_SDK_METRICS_PORT, KTRDR_METRICS_HOST)", () => {
  test('unset: nothing is served', () => {
    const settings = metricsSettings({});
    expect(settings).toEqual({ host: '127.0.0.1', port: undefined, sdkPort: undefined });
    expect(sdkMetricsAddress(settings)).toBeUndefined();
  });

  test('set: the ports, on the host asked for (IPv6 in brackets for the SDK)', () => {
    expect(metricsSettings({ KTRDR_METRICS_PORT: '9464', KTRDR_SDK_METRICS_PORT: '9465', KTRDR_METRICS_HOST: '0.0.0.0' })).toEqual({
      host: '0.0.0.0',
      port: 9464,
      sdkPort: 9465,
    });
    expect(sdkMetricsAddress(metricsSettings({ KTRDR_SDK_METRICS_PORT: '9465', KTRDR_METRICS_HOST: '::' }))).toBe('[::]:9465');
  });

  test.each([
    [{ KTRDR_METRICS_PORT: 'abc' }, 'KTRDR_METRICS_PORT=abc is not a port: use a whole number from 1 to 65535, or unset it.'],
    [{ KTRDR_SDK_METRICS_PORT: '70000' }, 'KTRDR_SDK_METRICS_PORT=70000 is not a port: use a whole number from 1 to 65535, or unset it.'],
    [{ KTRDR_METRICS_PORT: '9464', KTRDR_SDK_METRICS_PORT: '9464' }, 'KTRDR_METRICS_PORT and KTRDR_SDK_METRICS_PORT are both 9464: give each its own port.'],
  ])('%o is refused in one line that says what to do', (env, message) => {
    expect(() => metricsSettings(env)).toThrow(message);
  });
});
