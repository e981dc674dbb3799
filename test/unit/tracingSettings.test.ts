import { describe, expect, test } from 'vitest';
import { UserError } from '../../src/errors';
import { tracingSettings } from '../../src/telemetry/tracingSettings';

const settings = (env: NodeJS.ProcessEnv) => tracingSettings(env, 'ktrdr-agent');

describe('tracing from the OTEL_* environment', () => {
  test('is off without OTEL_* variables, and off with unrelated ones', () => {
    expect(settings({})).toBeUndefined();
    expect(settings({ OTEL_SERVICE_NAME: 'worker', OTEL_RESOURCE_ATTRIBUTES: 'a=b' })).toBeUndefined();
  });

  test('is on with an OTLP endpoint, or with OTEL_TRACES_EXPORTER=otlp (the exporter then sends to localhost:4318)', () => {
    expect(settings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318' })).toEqual({ serviceName: 'ktrdr-agent' });
    expect(settings({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://jaeger:4318/v1/traces' })).toEqual({ serviceName: 'ktrdr-agent' });
    expect(settings({ OTEL_TRACES_EXPORTER: 'otlp' })).toEqual({ serviceName: 'ktrdr-agent' });
  });

  test('takes its service name from OTEL_SERVICE_NAME', () => {
    expect(settings({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SERVICE_NAME: 'ktrdr-agent-worker' })).toEqual({ serviceName: 'ktrdr-agent-worker' });
  });

  test('OTEL_SDK_DISABLED=true and OTEL_TRACES_EXPORTER=none turn it off whatever else is set', () => {
    expect(settings({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:4318' })).toBeUndefined();
    expect(settings({ OTEL_SDK_DISABLED: 'TRUE', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:4318' })).toBeUndefined();
    expect(settings({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:4318' })).toBeUndefined();
    expect(settings({ OTEL_SDK_DISABLED: 'false', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:4318' })).toBeDefined();
  });

  test('an exporter or protocol it cannot honour is one line saying what to set', () => {
    expect(() => settings({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(UserError);
    expect(() => settings({ OTEL_TRACES_EXPORTER: 'console' })).toThrow('OTEL_TRACES_EXPORTER=console is not supported: use otlp (OTLP over HTTP) or none.');
    expect(() => settings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(
      'OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported: traces go out as OTLP over HTTP (port 4318), so set http/json or leave it unset.',
    );
    // a protocol matters only when tracing is on
    expect(settings({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toBeUndefined();
    expect(settings({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' })).toBeDefined();
  });
});
