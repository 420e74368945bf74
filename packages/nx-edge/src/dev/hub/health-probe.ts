import { request } from 'node:http';
import { connect } from 'node:net';
import { systemClock, type Clock } from '../../utils/clock';
import type { HealthProbe, ProbeResult } from '../protocol';

export interface ProbeTarget {
  host: string;
  port: number;
}

const DEFAULT_TIMEOUT_MS = 2000;
const DEFAULT_INTERVAL_MS = 250;

/**
 * A Worker needs no configuration: workerd loaded it (a load error fails the load), so its port
 * accepting connections means up. No request is sent, so no handler runs for a probe.
 */
export const DEFAULT_WORKER_PROBE: HealthProbe = { type: 'tcp' };

/**
 * The probe a service gets: its own, else a tcp probe when it has a port. A service without a port
 * and without a probe has nothing to probe (undefined): it counts as healthy once it has stayed up.
 */
export function resolveProbe(probe: HealthProbe | undefined, kind: 'worker' | 'service', hasPort: boolean): HealthProbe | undefined {
  if (probe) return probe;
  if (kind === 'worker') return DEFAULT_WORKER_PROBE;
  return hasPort ? { type: 'tcp' } : undefined;
}

function errorText(error: unknown): string {
  const e = error as NodeJS.ErrnoException & { address?: string; port?: number };
  return e.code && e.syscall ? `${e.syscall} ${e.code}${e.address ? ` ${e.address}:${e.port}` : ''}` : (e.message ?? String(error));
}

export function probeOnce(target: ProbeTarget, probe: HealthProbe, signal?: AbortSignal): Promise<ProbeResult> {
  const timeoutMs = probe.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const started = Date.now();
  if (probe.type === 'tcp') {
    const label = `tcp ${target.host}:${target.port}`;
    return new Promise((resolve) => {
      const socket = connect({ host: target.host, port: target.port });
      const done = (result: ProbeResult) => {
        socket.destroy();
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(result);
      };
      const onAbort = () => done({ ok: false, observation: `${label} → aborted` });
      const timer = setTimeout(() => done({ ok: false, observation: `${label} → timed out after ${timeoutMs} ms` }), timeoutMs);
      signal?.addEventListener('abort', onAbort);
      socket.once('connect', () => done({ ok: true, observation: `${label} → open` }));
      socket.once('error', (error) => done({ ok: false, observation: `${label} → ${errorText(error)}` }));
    });
  }
  const path = probe.path ?? '/';
  const label = `GET ${path}`;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      req.destroy();
      resolve(result);
    };
    const req = request({ host: target.host, port: target.port, path, headers: { 'user-agent': 'nx-edge-health', host: 'localhost', connection: 'close' } }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      const ok = probe.status !== undefined ? status === probe.status : status < 500;
      finish({ ok, observation: `${label} → ${status} (${Date.now() - started} ms)` });
    });
    const onAbort = () => finish({ ok: false, observation: `${label} → aborted` });
    const timer = setTimeout(() => finish({ ok: false, observation: `${label} → timed out after ${timeoutMs} ms` }), timeoutMs);
    signal?.addEventListener('abort', onAbort);
    req.on('error', (error) => finish({ ok: false, observation: `${label} → ${errorText(error)}` }));
    req.end();
  });
}

export interface WaitOptions {
  clock?: Clock;
  signal?: AbortSignal;
  onAttempt?: (result: ProbeResult) => void;
  /** Injected for tests. */
  probe?: typeof probeOnce;
}

/** Probes until healthy; rejects with the last observation when the retries run out or on abort. */
export async function waitUntilHealthy(target: ProbeTarget, probe: HealthProbe, opts: WaitOptions = {}): Promise<ProbeResult> {
  const clock = opts.clock ?? systemClock;
  const interval = probe.intervalMs ?? DEFAULT_INTERVAL_MS;
  const retries = probe.retries ?? Math.ceil(60_000 / interval);
  const once = opts.probe ?? probeOnce;
  let last: ProbeResult = { ok: false, observation: 'not probed yet' };
  for (let attempt = 0; attempt < retries; attempt++) {
    if (opts.signal?.aborted) break;
    last = await once(target, probe, opts.signal);
    opts.onAttempt?.(last);
    if (last.ok) return last;
    if (attempt < retries - 1) await new Promise((r) => clock.setTimeout(() => r(undefined), interval));
  }
  throw new Error(opts.signal?.aborted ? `probe aborted; last: ${last.observation}` : `not healthy after ${retries} attempts; last: ${last.observation}`);
}
