import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import { describe, expect, test } from 'vitest';
import YAML from 'yaml';
import { SEARCH_ATTRIBUTES, servicesTaskQueue, TASK_QUEUE } from '../../src/temporal/definitions';

/**
 * The production deployment files: docker-compose.yml (checked by the real Compose CLI when one is
 * installed, and structurally always), the Dockerfile and .dockerignore.
 */

const ROOT = path.resolve(__dirname, '../..');
const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');

/** `docker compose` (v2 plugin) if it works, else `docker-compose` (v1), else nothing. */
function findComposeCli(): string[] | undefined {
  const works = (command: string, args: string[]) => spawnSync(command, args, { stdio: 'ignore', timeout: 30_000 }).status === 0;
  if (works('docker', ['compose', 'version'])) return ['docker', 'compose'];
  if (works('docker-compose', ['version'])) return ['docker-compose'];
  return undefined;
}

const composeCli = findComposeCli();
if (!composeCli) console.log('compose check skipped: no docker compose CLI');

test.skipIf(!composeCli)('docker-compose.yml passes `compose config -q` without errors or warnings', () => {
  const [command, ...prefix] = composeCli!;
  const result = spawnSync(command, [...prefix, '-f', COMPOSE_FILE, 'config', '-q'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(result.error).toBeUndefined();
  expect(result.stderr.trim()).toBe('');
  expect(result.status).toBe(0);
});

interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string> | string[];
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test?: string | string[]; disable?: boolean };
  restart?: string;
  ports?: string[];
  volumes?: string[];
  stop_grace_period?: string;
  container_name?: string;
}

/** The named volumes a service mounts (not bind mounts of host folders), as [volume, path in the container]. */
const namedVolumeMounts = (service: Service): [string, string][] =>
  (service.volumes ?? [])
    .map((v) => v.split(':'))
    .filter(([source, target]) => target !== undefined && !source.startsWith('.') && !source.startsWith('/'))
    .map(([source, target]) => [source, target]);

/** The anonymous volumes a service mounts (a path in the container alone): each container gets its own. */
const anonymousVolumes = (service: Service): string[] => (service.volumes ?? []).filter((v) => !v.includes(':'));

describe('docker-compose.yml structure', () => {
  const compose = YAML.parse(fs.readFileSync(COMPOSE_FILE, 'utf8')) as {
    version?: unknown;
    services: Record<string, Service>;
    volumes?: Record<string, unknown>;
  };
  const services = compose.services;
  const longRunning = ['postgres', 'temporal', 'temporal-ui', 'worker', 'services', 'prometheus', 'grafana', 'jaeger'];
  const oneShot = ['temporal-schema', 'temporal-setup'];

  const env = (service: Service): Record<string, string | undefined> =>
    Array.isArray(service.environment)
      ? Object.fromEntries(
          service.environment.map((entry) => {
            const at = entry.indexOf('=');
            return at < 0 ? [entry, undefined] : [entry.slice(0, at), entry.slice(at + 1)];
          }),
        )
      : { ...service.environment };
  const script = (service: Service) => [service.command ?? []].flat().join('\n');

  test('has the expected services and no obsolete version key', () => {
    expect(Object.keys(services).sort()).toEqual([...longRunning, ...oneShot].sort());
    expect(compose.version).toBeUndefined();
  });

  test.each(longRunning)('long-running service %s has a healthcheck and a restart policy', (name) => {
    const healthcheck = services[name].healthcheck;
    expect(healthcheck?.disable).not.toBe(true);
    expect([healthcheck?.test ?? []].flat().length).toBeGreaterThan(0);
    expect(services[name].restart).toBe('unless-stopped');
  });

  test.each(oneShot)('one-shot job %s is not restarted once it has exited', (name) => {
    expect(services[name].restart).toBe('no');
  });

  test('every third-party image is pinned to a version tag', () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.build !== undefined) continue;
      // Prometheus tags its releases v2.53.4
      expect(service.image, name).toMatch(/^[\w./-]+:v?\d[\w.-]*$/);
    }
    expect(services.postgres.image).toMatch(/^postgres:16\b/);
    expect(services.temporal.image).toMatch(/^temporalio\/server:1\.32\./);
    expect(services['temporal-ui'].image).toMatch(/^temporalio\/ui:/);
    expect(services['temporal-setup'].image).toMatch(/^temporalio\/admin-tools:/);
  });

  test('services start in order: database, schema, server, setup, then the workers and the services', () => {
    expect(services['temporal-schema'].depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(services.temporal.depends_on).toEqual({ 'temporal-schema': { condition: 'service_completed_successfully' } });
    expect(services['temporal-setup'].depends_on).toEqual({ temporal: { condition: 'service_healthy' } });
    expect(services['temporal-ui'].depends_on).toEqual({ temporal: { condition: 'service_healthy' } });
    expect(services.worker.depends_on).toEqual({ 'temporal-setup': { condition: 'service_completed_successfully' } });
    expect(services.services.depends_on).toEqual({ 'temporal-setup': { condition: 'service_completed_successfully' } });
  });

  test('Temporal persists in the PostgreSQL service, whose data is on a named volume', () => {
    expect(env(services.temporal)).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgres' });
    expect(Object.keys(compose.volumes ?? {})).toContain('postgres-data');
    expect(script(services['temporal-schema'])).toContain('temporal_visibility');
  });

  test('the setup job registers every search attribute the workflows use, as Keyword', () => {
    const setup = services['temporal-setup'];
    const declared = env(setup).SEARCH_ATTRIBUTES?.split(/\s+/).sort();
    expect(declared).toEqual(SEARCH_ATTRIBUTES.map((key) => key.name).sort());
    expect(SEARCH_ATTRIBUTES.every((key) => key.type === 'KEYWORD')).toBe(true);
    expect(script(setup)).toContain('temporal operator search-attribute create');
    expect(script(setup)).toContain('--type Keyword');
  });

  test('the research worker and the services with their worker are built from the Dockerfile and point at the cluster', () => {
    const worker = services.worker;
    expect(worker.build).toBe('.');
    expect(worker.command).toEqual(['worker', '--role', 'research']);
    expect(env(worker)).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233' });
    // the admission's first settings come from the worker that starts it: the host's values, else the defaults
    expect(env(worker)).toMatchObject({
      KTRDR_DAILY_BUDGET_USD: '${KTRDR_DAILY_BUDGET_USD:-5}',
      KTRDR_MAX_CONCURRENT_CYCLES: '${KTRDR_MAX_CONCURRENT_CYCLES:-1}',
    });
    // a research worker calls no services: training and backtests run beside each instance
    expect(env(worker).KTRDR_SERVICES_URL).toBeUndefined();
    expect(services.services.build).toBe('.');
    expect(services.services.command).toEqual(['services', '--with-worker', '--host', '0.0.0.0', '--port', '8000', '--state-dir', '/app/.data/services']);
    expect(env(services.services)).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233', KTRDR_MAX_OPERATIONS: '${KTRDR_MAX_OPERATIONS:-2}' });
    expect(env(services['temporal-ui'])).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233' });
    expect(services['temporal-ui'].ports).toContain('8080:8080');
  });

  test.each(['worker', 'services'])(
    "%s: the stop grace period outlasts the worker's shutdown grace period by 10 s, so Docker's SIGKILL never cuts a graceful stop short",
    (name) => {
      const grace = env(services[name]).KTRDR_SHUTDOWN_GRACE;
      expect(grace).toBeDefined();
      expect(services[name].stop_grace_period).toBeDefined();
      expect(msToNumber(services[name].stop_grace_period as Duration) - msToNumber(grace as Duration)).toBeGreaterThanOrEqual(10_000);
    },
  );

  test('research workers and services instances scale (--scale worker=N --scale services=M): no fixed name, no fixed host port, a state folder per services replica', () => {
    for (const name of ['worker', 'services']) {
      expect(services[name].container_name, name).toBeUndefined();
      expect(services[name].ports ?? [], name).toEqual([]);
    }
    // one services process per state folder: each replica keeps its records on an anonymous volume of its own
    expect(anonymousVolumes(services.services)).toEqual(['/app/.data/services']);
    expect(Object.keys(compose.volumes ?? {})).not.toContain('services-state');
  });

  test("the services' healthcheck asks whether the services answer and this container's worker polls the services' task queue", () => {
    const [kind, command] = [services.services.healthcheck?.test ?? []].flat();
    expect(kind).toBe('CMD-SHELL');
    expect(command).toContain("fetch('http://127.0.0.1:8000/health')");
    expect(command).toContain(`node bin/ktrdr-agent.js health --task-queue ${servicesTaskQueue(TASK_QUEUE)}`);
  });

  test("the worker's healthcheck asks the server whether this container's worker polls (the command is run in test/integration/workers.test.ts)", () => {
    expect(services.worker.healthcheck?.test).toEqual(['CMD', 'node', 'bin/ktrdr-agent.js', 'health']);
  });

  test('worker and services share the strategies, models and reports volumes', () => {
    const mounts = (name: string) => Object.fromEntries(namedVolumeMounts(services[name]));
    const shared = { strategies: '/app/strategies', models: '/app/models', reports: '/app/reports' };
    expect(mounts('worker')).toEqual(shared);
    expect(mounts('services')).toEqual(shared);
    expect(services.services.command).toContain('/app/.data/services');
  });

  test('the workers and the services send their traces over OTLP/HTTP to the trace backend, whose UI and OTLP port the host reaches', () => {
    for (const [name, serviceName] of [
      ['worker', 'ktrdr-agent-worker'],
      ['services', 'ktrdr-agent-services'],
    ]) {
      expect(env(services[name]), name).toMatchObject({
        OTEL_TRACES_EXPORTER: '${OTEL_TRACES_EXPORTER:-otlp}',
        OTEL_EXPORTER_OTLP_ENDPOINT: '${OTEL_EXPORTER_OTLP_ENDPOINT:-http://jaeger:4318}',
        OTEL_SERVICE_NAME: serviceName,
      });
    }
    expect(services.jaeger.image).toMatch(/^jaegertracing\/jaeger:2\./);
    expect(services.jaeger.command).toEqual(['--set', 'receivers.otlp.protocols.http.endpoint=0.0.0.0:4318']);
    expect(services.jaeger.ports).toEqual(['16686:16686', '4318:4318']);
    // a trace backend that is down never holds the research up
    for (const name of ['worker', 'services']) expect(Object.keys(services[name].depends_on ?? {})).not.toContain('jaeger');
  });

  test('the dynamic config file the server is pointed at exists', () => {
    expect(env(services.temporal).DYNAMIC_CONFIG_FILE_PATH).toBe('/etc/temporal/config/dynamicconfig/production-sql.yaml');
    const file = path.join(ROOT, 'deploy/temporal/dynamicconfig/production-sql.yaml');
    expect(YAML.parse(fs.readFileSync(file, 'utf8'))).toHaveProperty(['limit.maxIDLength']);
  });
});

/**
 * The folders the Dockerfile's last stage (the image) creates, and those it gives to `node`:
 * from `WORKDIR`, `COPY [--chown=node:node] … <dest>`, and `RUN mkdir -p …` / `chown [-R] node:node …`.
 */
function imageFolders(dockerfile: string): { created: Set<string>; ownedByNode: (dir: string) => boolean } {
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const stage = instructions.slice(instructions.map((line) => line.startsWith('FROM ')).lastIndexOf(true));
  let workdir = '/';
  const created = new Set<string>();
  const owned: { dir: string; recursive: boolean }[] = [];
  const resolve = (p: string) => path.posix.resolve(workdir, p).replace(/\/$/, '');
  for (const line of stage) {
    const [instruction, ...args] = line.split(/\s+/);
    if (instruction === 'WORKDIR') {
      workdir = resolve(args[0]);
      created.add(workdir);
    } else if (instruction === 'COPY') {
      const dest = resolve(args.at(-1)!);
      created.add(dest);
      if (args.includes('--chown=node:node')) owned.push({ dir: dest, recursive: true });
    } else if (instruction === 'RUN') {
      for (const command of args
        .join(' ')
        .split('&&')
        .map((c) => c.trim().split(/\s+/))) {
        if (command[0] === 'mkdir' && command[1] === '-p') {
          for (let dir of command.slice(2).map(resolve)) for (; dir !== '/'; dir = path.posix.dirname(dir)) created.add(dir);
        }
        if (command[0] === 'chown') {
          const recursive = command[1] === '-R';
          const [owner, ...dirs] = command.slice(recursive ? 2 : 1);
          if (owner === 'node:node') for (const dir of dirs) owned.push({ dir: resolve(dir), recursive });
        }
      }
    }
  }
  const ownedByNode = (dir: string) => owned.some((o) => o.dir === dir || (o.recursive && dir.startsWith(`${o.dir}/`)));
  return { created, ownedByNode };
}

/**
 * Docker's .dockerignore rule: a path is left out when a pattern matches it or one of its parent
 * folders, and brought back by a later `!pattern`. Docker cleans each pattern first, so a trailing
 * slash does not restrict it to folders (unlike .gitignore).
 */
function dockerIgnored(patterns: string[], file: string): boolean {
  const toRegExp = (pattern: string) =>
    new RegExp(
      `^${path.posix
        .normalize(pattern.replace(/^\//, ''))
        .replace(/\/$/, '')
        .replace(/[.+^${}()|\\]/g, '\\$&')
        .replace(/\*\*/g, '\u0000')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]')
        .replaceAll('\u0000', '.*')}$`,
    );
  const parts = file.split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const line of patterns) {
    const exception = line.startsWith('!');
    const pattern = toRegExp(exception ? line.slice(1) : line);
    if (candidates.some((candidate) => pattern.test(candidate))) ignored = !exception;
  }
  return ignored;
}

describe('Dockerfile', () => {
  const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  const ignorePatterns = fs
    .readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));

  test('every folder a compose volume is mounted on exists in the image and belongs to node, so the volume starts writable', () => {
    const compose = YAML.parse(fs.readFileSync(COMPOSE_FILE, 'utf8')) as { services: Record<string, Service> };
    const { created, ownedByNode } = imageFolders(dockerfile);
    const targets = Object.values(compose.services)
      .filter((service) => service.build !== undefined)
      .flatMap((service) => [...namedVolumeMounts(service).map(([, target]) => target), ...anonymousVolumes(service)]);
    expect(new Set(targets)).toEqual(new Set(['/app/strategies', '/app/models', '/app/reports', '/app/.data/services']));
    for (const dir of [...targets, '/app/strategies/designed', '/app/.data']) {
      expect(created.has(dir), `${dir} is created`).toBe(true);
      expect(ownedByNode(dir), `${dir} belongs to node`).toBe(true);
    }
  });

  test('the image ships the example strategies, and none of the designs or local results', () => {
    expect(dockerfile).toMatch(/^COPY --chown=node:node strategies \.\/strategies$/m);
    const examples = fs.readdirSync(path.join(ROOT, 'strategies')).filter((f) => f.endsWith('.yaml'));
    expect(examples.length).toBeGreaterThanOrEqual(6);
    for (const example of examples) expect(dockerIgnored(ignorePatterns, `strategies/${example}`), example).toBe(false);
    // a person's example whose name happens to end in six hex digits is an example too
    expect(dockerIgnored(ignorePatterns, 'strategies/momentum_eurusd_c0ffee.yaml')).toBe(false);
    for (const local of [
      'strategies/designed/rsi_eurusd_3f9a1c.yaml',
      'strategies/rsi_adx_trend_filter/assessment.json',
      'models/x/model.json',
      'reports/x/validation/metrics.json',
      '.data/temporal.db',
    ]) {
      expect(dockerIgnored(ignorePatterns, local), local).toBe(true);
    }
  });

  test('builds in stages on node:20-bookworm-slim and runs the CLI as a non-root user', () => {
    expect(dockerfile).toContain('ARG NODE_IMAGE=node:20-bookworm-slim');
    expect(dockerfile.match(/^FROM /gm)?.length).toBe(2);
    expect(dockerfile).toMatch(/^RUN npm ci /m);
    expect(dockerfile).toMatch(/npm run build/);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "bin\/ktrdr-agent\.js"\]$/m);
    expect(dockerfile).toMatch(/^CMD \["worker"\]$/m);
  });

  test('.dockerignore keeps local state out of the build context', () => {
    const ignored = fs
      .readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim());
    for (const entry of ['node_modules', 'dist', '.tools', '.data', '.git', 'test-results', 'bench/.venv']) {
      expect(ignored).toContain(entry);
    }
  });
});
