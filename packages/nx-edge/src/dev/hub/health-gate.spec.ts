import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogStore } from '../../logs/log-store';
import { createFakeClock } from '../fake-clock';
import type { ServiceSpec } from '../types';
import { DevHub, type HubEvent } from './dev-hub';

// The health gate with an injected clock: no waiting on real timers; the services are real processes.

const service = (ws: string, name: string, upstream: string[]): ServiceSpec => ({
  service: name,
  kind: 'service',
  root: ws,
  upstream,
  watch: [],
  // No port, so no probe: healthy once it has stayed up for 500 ms of the (fake) clock.
  command: { command: `node -e "setInterval(() => {}, 1000)"`, cwd: ws, env: {} },
});

describe('health gate (fake clock)', () => {
  let ws: string;
  let hub: DevHub | undefined;
  afterEach(async () => {
    await hub?.shutdown();
    hub = undefined;
    rmSync(ws, { recursive: true, force: true });
  });

  it('holds a dependent pending until its upstream is healthy, and fails one whose upstream never comes, naming it', async () => {
    ws = mkdtempSync(join(tmpdir(), 'nx-edge-gate-'));
    const clock = createFakeClock(1_000_000);
    const logs = createLogStore({});
    hub = new DevHub({ workspaceRoot: ws, proxyPort: 0, logs, clock, onIdle: () => undefined, gateTimeoutMs: 60_000 });
    await hub.start();
    const events: Record<string, HubEvent[]> = { db: [], api: [], web: [] };
    const client = (name: string) => ({ send: (e: HubEvent) => events[name].push(e) });
    const state = (name: string) => hub!.statuses().find((s) => s.service === name)?.state;

    hub.attach(service(ws, 'api', ['db']), client('api'));
    hub.attach(service(ws, 'web', ['auth']), client('web')); // auth never joins this session
    expect(state('api')).toBe('pending');
    hub.attach(service(ws, 'db', []), client('db'));
    expect(state('db')).toBe('starting');
    expect(state('api')).toBe('pending'); // db is not healthy yet

    clock.advance(500);
    await new Promise((r) => setImmediate(r));
    expect(state('db')).toBe('healthy');
    expect(state('api')).toBe('starting'); // the gate opened on db's health, not before
    clock.advance(500);
    await new Promise((r) => setImmediate(r));
    expect(state('api')).toBe('healthy');

    expect(state('web')).toBe('pending');
    clock.advance(59_000);
    expect(state('web')).toBe('failed');
    const fatal = events.web.find((e) => e.type === 'fatal') as { message: string };
    expect(fatal.message).toBe('web did not start: upstream not healthy after 60 s: auth is not running in this dev session (start it: nx run auth:dev)');
  }, 30_000);
});
