/**
 * The training and backtest services over HTTP: node:http and zod rather than a framework,
 * for six routes whose validation zod does anyway.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { serveTraced } from '../telemetry/httpSpans';
import type { ErrorResponse } from './api';
import { SERVICES_DEFAULTS } from './defaults';
import { Checkpoints } from './checkpoints';
import { createEndpoints, type Reply } from './endpoints';
import { HttpError } from './httpError';
import { Operations } from './operations';
import { ServiceMetrics } from './metrics';
import { METRICS_PATH, writeMetrics } from '../telemetry/metricsServer';
import { OperationStore } from './operationStore';
import { lockStateDir } from './stateLock';
import type { ServiceFolders } from './startRequests';

export interface ServicesOptions extends ServiceFolders {
  host?: string;
  /** 0 picks a free port (see `Services.port`). */
  port?: number;
  maxOperations?: number;
  /** Starts that may wait for a slot (first in, first out); beyond them a start gets 429. */
  maxQueued?: number;
  /** Operation records live in `<stateDir>/operations/`, training checkpoints in `<stateDir>/checkpoints/`; one service process per state folder. */
  stateDir: string;
  cancelGraceMs?: number;
  /** Node options of the operation worker threads (the tests pass a TypeScript loader). */
  workerExecArgv?: string[];
  /** One line per event worth a look (operation started/ended, records recovered, errors); stderr by default. */
  log?: (line: string) => void;
}

export interface Services {
  /** `http://host:port`, the API under /api/v1. */
  url: string;
  port: number;
  /** Stops listening, stops the operations' threads (what has not ended by then is failed: service_stopped), answers the long polls waiting on them, then closes every connection. */
  close(): Promise<void>;
}

/** Bodies are small JSON objects; anything larger is a mistake. */
const MAX_BODY_BYTES = 64 * 1024;

export async function startServices(options: ServicesOptions): Promise<Services> {
  const settings = { ...SERVICES_DEFAULTS, ...definedOnly(options) };
  const log = options.log ?? ((line: string) => console.error(line));
  const folders: ServiceFolders = {
    strategiesDir: path.resolve(options.strategiesDir),
    dataDir: path.resolve(options.dataDir),
    modelsDir: path.resolve(options.modelsDir),
    reportsDir: path.resolve(options.reportsDir),
  };
  const stateDir = path.resolve(options.stateDir);
  const unlock = lockStateDir(stateDir);
  let operations: Operations | undefined;
  const metrics = new ServiceMetrics(() => operations);
  try {
    operations = new Operations({
      store: new OperationStore(path.join(stateDir, 'operations')),
      checkpoints: new Checkpoints(path.join(stateDir, 'checkpoints')),
      maxOperations: settings.maxOperations,
      maxQueued: settings.maxQueued,
      cancelGraceMs: settings.cancelGraceMs,
      workerExecArgv: options.workerExecArgv,
      log,
      onEnded: (op) => metrics.operationEnded(op),
    });
  } catch (err) {
    unlock();
    throw err;
  }
  const route = createEndpoints(operations, folders);
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url?.split('?')[0] === METRICS_PATH) return void writeMetrics(res, metrics.registry);
    const method = req.method ?? 'GET';
    void serveTraced({ method, path: req.url ?? '/', headers: req.headers }, () =>
      Promise.resolve()
        .then(() => route({ method, url: requestUrl(req), body: () => readJson(req) }))
        .catch((err: unknown) => errorReply(err, `${req.method} ${req.url}`, log)),
    ).then((reply) => send(res, reply));
  });
  await listen(server, settings.port, settings.host).catch(async (err) => {
    await operations.close();
    unlock();
    throw err;
  });

  const { port } = server.address() as AddressInfo;
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  return {
    url: `http://${host}:${port}`,
    port,
    async close() {
      const closed = new Promise((resolve) => server.close(resolve));
      // Connections stay open until the operations have ended and the long polls waiting on them have their answer.
      await operations.close();
      await new Promise((resolve) => setImmediate(resolve));
      server.closeAllConnections();
      await closed;
      unlock();
    },
  };
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

const definedOnly = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

function requestUrl(req: http.IncomingMessage): URL {
  try {
    return new URL(req.url ?? '/', 'http://service');
  } catch {
    throw new HttpError(400, 'bad_url', `${req.url} is not a URL`);
  }
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'body_too_large', `the body is over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = `the body is not JSON: ${(err as Error).message}`;
    throw new HttpError(422, 'invalid_json', message, [{ path: '', line: null, message }]);
  }
}

/** Refusals answer with their problems; anything else is a bug: a 500 that says where to look, its stack in the log. */
function errorReply(err: unknown, request: string, log: (line: string) => void): Reply {
  if (err instanceof HttpError) {
    const body: ErrorResponse = { success: false, error: err.code, message: err.message, errors: err.problems };
    return { status: err.status, body, headers: err.headers };
  }
  log(`${request}: ${err instanceof Error ? (err.stack ?? String(err)) : String(err)}`);
  const body: ErrorResponse = { success: false, error: 'internal_error', message: 'internal error: the service log has the details', errors: [] };
  return { status: 500, body };
}

function send(res: http.ServerResponse, reply: Reply): void {
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...reply.headers });
  res.end(text);
}

/** A log that appends timestamped lines to a file (for `dev` and `start`, whose terminal shows the cycle instead). */
export function appendLog(file: string): (line: string) => void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  return (line) => fs.appendFileSync(file, `${new Date().toISOString()} ${line}\n`);
}
