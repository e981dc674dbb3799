/**
 * /metrics over HTTP: a registry in Prometheus's text format, on a listener of its own (the
 * worker's) or answered by a server that has other routes (the services').
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export const METRICS_PATH = '/metrics';

/** Answers a scrape with the registry's metrics. */
export async function writeMetrics(res: http.ServerResponse, registry: Registry): Promise<void> {
  try {
    const text = await registry.metrics();
    res.writeHead(200, { 'content-type': registry.contentType, 'content-length': Buffer.byteLength(text) });
    res.end(text);
  } catch (err) {
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`could not collect the metrics: ${(err as Error).message}\n`);
  }
}

export interface MetricsServer {
  /** `http://host:port/metrics`. */
  url: string;
  close(): Promise<void>;
}

/** A listener that answers GET /metrics and nothing else. */
export async function serveMetrics(registry: Registry, { host, port }: { host: string; port: number }): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url?.split('?')[0] === METRICS_PATH) return void writeMetrics(res, registry);
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`only GET ${METRICS_PATH} is served here\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}${METRICS_PATH}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
