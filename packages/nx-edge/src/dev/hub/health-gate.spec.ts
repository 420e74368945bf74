import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogStore } from '../../logs/log-store';
import { createFakeClock } from '../../../../../test-support/fake-clock';
import type { HubEvent, ServiceSpec } from '../protocol';
import { DevHub } from './dev-hub';

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

  it('holds a dependent pending until its upstream is healthy; one whose upstream never comes is blocked, naming it, and starts once it does', async () => {
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
    // Not failed: still waiting, named, and it would start as soon as auth joined and were healthy.
    expect(state('web')).toBe('blocked');
    expect(hub.statuses().find((s) => s.service === 'web')?.health).toBe(
      'waiting for auth, which is not running in this dev session (start it: nx run auth:dev) — not healthy after 60 s',
    );
    expect(events.web.some((e) => e.type === 'fatal')).toBe(false);
    hub.attach(service(ws, 'auth', []), client('web'));
    clock.advance(500);
    await new Promise((r) => setImmediate(r));
    expect(state('auth')).toBe('healthy');
    expect(state('web')).toBe('starting');
  }, 30_000);
});
