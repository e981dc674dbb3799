/** Where Temporal's Web UI shows a cycle, and which port the local commands give the UI. */
import { UserError } from '../errors';

/** The UI port the convention expects for a frontend port. */
export const conventionalUiPort = (port: number) => port + 1000;

/**
 * Where the Web UI of the Temporal service at `address` is: KTRDR_WEB_UI when set (a UI
 * behind a proxy, a cluster's own UI), Temporal Cloud's for a Cloud address, else the dev
 * server's convention, the frontend's host at its port + 1000 (`temporal server start-dev`
 * and `ktrdr-agent dev` put the UI there unless told otherwise).
 */
function webUiBase(address: string, env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.KTRDR_WEB_UI?.trim();
  if (configured) return configured.replace(/\/+$/, '');
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(address.trim());
  const host = match?.[1] ?? 'localhost';
  if (/\.tmprl\.cloud$/i.test(host)) return 'https://cloud.temporal.io';
  const port = Number(match?.[2] ?? 7233);
  return `http://${host === '0.0.0.0' ? 'localhost' : host}:${conventionalUiPort(port)}`;
}

/** The Web UI port of `dev` and `start` when none is given: the convention, when it is a port. */
export function uiPortFor(frontendPort: number): number {
  const uiPort = conventionalUiPort(frontendPort);
  if (uiPort > 65_535) throw new UserError(`--port ${frontendPort} leaves no room for the Web UI at port + 1000: pass --ui-port`);
  return uiPort;
}

export const webUiLink = (address: string, namespace: string, workflowId: string, env: NodeJS.ProcessEnv = process.env) =>
  `${webUiBase(address, env)}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
