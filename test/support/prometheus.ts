/**
 * A real Prometheus for the metrics tests: Debian's `prometheus` package (`.ci/run` installs it),
 * run on a free port with a configuration the test writes, queried through its HTTP API.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { killTree, spawnCommand, type Spawned } from './processes';

const INSTALL = 'apt-get update && apt-get install -y --no-install-recommends prometheus';

export type PrometheusCheck = { run: true; binary: string } | { run: false; reason: string };

/** Whether the Prometheus test can run here: skipped without the binary, unless KTRDR_REQUIRE_PROMETHEUS=1 (CI) makes that an error. */
export function prometheusCheck(): PrometheusCheck {
  const found = process.env.PROMETHEUS_PATH ?? spawnSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' }).stdout.trim();
  if (found && fs.existsSync(found)) return { run: true, binary: found };
  const reason = `no prometheus binary (PROMETHEUS_PATH, or on PATH); install it with: ${INSTALL}`;
  if (process.env.KTRDR_REQUIRE_PROMETHEUS === '1') throw new Error(`KTRDR_REQUIRE_PROMETHEUS=1 but ${reason}`);
  return { run: false, reason };
}

export interface PrometheusServer {
  url: string;
  process: Spawned;
  stop(): void;
}

/** Prometheus on 127.0.0.1:`port` with `config` (YAML text), its data in a scratch folder; resolves once it is ready. */
export async function startPrometheus(binary: string, config: string, port: number): Promise<PrometheusServer> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ktrdr-prometheus-'));
  const configFile = path.join(folder, 'prometheus.yml');
  fs.writeFileSync(configFile, config);
  const child = spawnCommand(binary, [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${path.join(folder, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ]);
  const url = `http://127.0.0.1:${port}`;
  const stop = () => {
    killTree(child.child.pid!);
    fs.rmSync(folder, { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return { url, process: child, stop };
    if (child.child.exitCode !== null || i > 300) {
      stop();
      throw new Error(`prometheus did not become ready:\n${child.output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** An instant query through the HTTP API; throws with Prometheus's error when the expression is refused. */
export async function instantQuery(url: string, expr: string): Promise<VectorSample[]> {
  const res = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: expr }).toString()}`);
  const body = (await res.json()) as { status: string; error?: string; data?: { resultType: string; result: VectorSample[] } };
  if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
  if (body.data?.resultType !== 'vector') throw new Error(`${expr}: a ${body.data?.resultType}, not an instant vector`);
  return body.data.result;
}
