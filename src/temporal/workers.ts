/**
 * What a worker tells the task queue about itself. Its Temporal identity, which the server
 * lists with every poller of the queue, ends in whether its cycles get Claude: clients read
 * it when they start a cycle, and the container healthcheck finds its own worker by it.
 */
import os from 'node:os';
import type { WorkerModes } from '../domain/designer';

export type WorkerMode = 'claude' | 'offline';

const TAG = 'ktrdr-agent';

/** Temporal's usual `<pid>@<host>`, then `ktrdr-agent claude|offline`. */
export const workerIdentity = (mode: WorkerMode, host = os.hostname(), pid = process.pid) => `${pid}@${host} ${TAG} ${mode}`;

/**
 * A services worker's: `<pid>@<host> ktrdr-agent services <url>`, the address other hosts reach
 * its services instance at. The pollers of the services' task queue so list every instance a
 * worker serves now, and the clean-up of a cycle reaches each of them.
 */
export const servicesWorkerIdentity = (url: string, host = os.hostname(), pid = process.pid) => `${pid}@${host} ${TAG} services ${url}`;

/** The instance address a services worker's identity names. */
const servicesUrlOf = (identity: string): string | undefined => new RegExp(` ${TAG} services (\\S+)$`).exec(identity)?.[1];

export function workerModeOf(identity: string): WorkerMode | undefined {
  return new RegExp(` ${TAG} (claude|offline)$`).exec(identity)?.[1] as WorkerMode | undefined;
}

export interface Poller {
  identity: string;
  lastAccessTime?: Date;
}

/**
 * An idle worker long-polls the queue again about every 55 s (measured on the dev server); the
 * server keeps listing a poller for minutes after its worker stopped. Older than this, it is gone.
 */
const POLLER_FRESH_MS = 120_000;

const fresh = (pollers: Poller[], now: Date) => pollers.filter((p) => p.lastAccessTime && now.getTime() - p.lastAccessTime.getTime() <= POLLER_FRESH_MS);

/** How many distinct workers poll the queue now, by mode. */
export function tallyModes(pollers: Poller[], now = new Date()): WorkerModes {
  const modes: WorkerModes = { claude: 0, offline: 0, unknown: 0 };
  for (const identity of new Set(fresh(pollers, now).map((p) => p.identity))) modes[workerModeOf(identity) ?? 'unknown']++;
  return modes;
}

/** The services instances whose workers polled lately, by the address their identities name (see servicesWorkerIdentity). */
export const servicesInstanceUrls = (pollers: Poller[], now = new Date()): string[] => [
  ...new Set(fresh(pollers, now).flatMap((p) => servicesUrlOf(p.identity) ?? [])),
];

export type Health = { healthy: true; identity: string; ageMs: number } | { healthy: false; reason: string };

/** The container healthcheck's judgement: a ktrdr-agent worker on this host polled the queue lately. */
export function hostWorkerHealth(pollers: Poller[], taskQueue: string, host = os.hostname(), now = new Date()): Health {
  const mine = pollers.filter((p) => p.identity.includes(`@${host} ${TAG} `) && p.lastAccessTime);
  const latest = mine.sort((a, b) => b.lastAccessTime!.getTime() - a.lastAccessTime!.getTime())[0];
  if (!latest) return { healthy: false, reason: `no ktrdr-agent worker on ${host} is polling task queue '${taskQueue}'` };
  const ageMs = now.getTime() - latest.lastAccessTime!.getTime();
  if (ageMs > POLLER_FRESH_MS) {
    return { healthy: false, reason: `the worker ${latest.identity} last polled task queue '${taskQueue}' ${Math.round(ageMs / 1000)} s ago` };
  }
  return { healthy: true, identity: latest.identity, ageMs };
}
