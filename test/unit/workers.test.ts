import { describe, expect, test } from 'vitest';
import { hostWorkerHealth, servicesInstanceUrls, servicesWorkerIdentity, tallyModes, workerIdentity, workerModeOf } from '../../src/temporal/workers';

const now = new Date('2026-11-25T09:00:00Z');
const ago = (s: number) => new Date(now.getTime() - s * 1000);

describe('a worker says its mode in its identity', () => {
  test('Temporal’s pid@host, then ktrdr-agent and the mode, read back', () => {
    expect(workerIdentity('offline', 'c0ffee', 7)).toBe('7@c0ffee ktrdr-agent offline');
    expect(workerModeOf(workerIdentity('claude', 'c0ffee', 7))).toBe('claude');
    expect(workerModeOf('7@c0ffee')).toBeUndefined();
  });
});

describe('a services worker names its instance in its identity', () => {
  test('the pollers of the services queue give every instance served now, once each, and none of a worker gone for minutes', () => {
    expect(servicesWorkerIdentity('http://10.0.0.5:8000', 'host-a', 7)).toBe('7@host-a ktrdr-agent services http://10.0.0.5:8000');
    const pollers = [
      { identity: servicesWorkerIdentity('http://10.0.0.5:8000', 'host-a', 7), lastAccessTime: ago(3) },
      { identity: servicesWorkerIdentity('http://10.0.0.5:8000', 'host-a', 7), lastAccessTime: ago(40) },
      { identity: servicesWorkerIdentity('http://host-b:8000', 'host-b', 8), lastAccessTime: ago(20) },
      { identity: servicesWorkerIdentity('http://host-c:8000', 'host-c', 9), lastAccessTime: ago(600) },
      { identity: workerIdentity('claude', 'host-d', 10), lastAccessTime: ago(1) },
      { identity: '11@host-e', lastAccessTime: ago(1) },
    ];
    expect(servicesInstanceUrls(pollers, now)).toEqual(['http://10.0.0.5:8000', 'http://host-b:8000']);
  });

  test('a services worker is no research worker: it has no mode, and the research queue’s tally does not count it', () => {
    expect(workerModeOf(servicesWorkerIdentity('http://host-b:8000', 'host-b', 8))).toBeUndefined();
  });

  test('the container healthcheck finds a services worker of this host like a research one', () => {
    const pollers = [{ identity: servicesWorkerIdentity('http://box:8000', 'box', 9), lastAccessTime: ago(5) }];
    expect(hostWorkerHealth(pollers, 'ktrdr-research-services', 'box', now)).toMatchObject({
      healthy: true,
      identity: '9@box ktrdr-agent services http://box:8000',
    });
  });
});

describe('tallyModes', () => {
  test('counts each worker once (it polls with several pollers), by mode, and forgets stale pollers', () => {
    const pollers = [
      { identity: workerIdentity('claude', 'a', 1), lastAccessTime: ago(5) },
      { identity: workerIdentity('claude', 'a', 1), lastAccessTime: ago(50) },
      { identity: workerIdentity('offline', 'b', 2), lastAccessTime: ago(30) },
      { identity: '3@c', lastAccessTime: ago(1) },
      { identity: workerIdentity('offline', 'gone', 4), lastAccessTime: ago(300) },
    ];
    expect(tallyModes(pollers, now)).toEqual({ claude: 1, offline: 1, unknown: 1 });
  });
});

describe('hostWorkerHealth, the container healthcheck', () => {
  test('healthy when a ktrdr-agent worker on this host polled within two minutes', () => {
    const pollers = [
      { identity: workerIdentity('offline', 'other', 1), lastAccessTime: ago(1) },
      { identity: workerIdentity('offline', 'box', 9), lastAccessTime: ago(70) },
      { identity: workerIdentity('offline', 'box', 9), lastAccessTime: ago(40) },
    ];
    expect(hostWorkerHealth(pollers, 'q', 'box', now)).toEqual({ healthy: true, identity: '9@box ktrdr-agent offline', ageMs: 40_000 });
  });

  test('unhealthy when only other hosts’ workers poll, or this host’s stopped polling', () => {
    expect(hostWorkerHealth([{ identity: workerIdentity('claude', 'other', 1), lastAccessTime: ago(1) }], 'q', 'box', now)).toEqual({
      healthy: false,
      reason: "no ktrdr-agent worker on box is polling task queue 'q'",
    });
    expect(hostWorkerHealth([{ identity: workerIdentity('claude', 'box', 1), lastAccessTime: ago(121) }], 'q', 'box', now)).toEqual({
      healthy: false,
      reason: "the worker 1@box ktrdr-agent claude last polled task queue 'q' 121 s ago",
    });
  });

  test('a host whose name is a prefix of another’s is not mistaken for it', () => {
    expect(hostWorkerHealth([{ identity: workerIdentity('claude', 'box2', 1), lastAccessTime: ago(1) }], 'q', 'box', now).healthy).toBe(false);
  });
});
