import { randomFillSync } from 'node:crypto';

// Trace and span ids need to be unique, not secret: taken from a pool refilled 4 KiB at a time
// (one randomBytes call per request was 5 % of the proxy's time).
const pool = Buffer.alloc(4096);
let used = pool.length;
export function pooledRandomBytes(n: number): Buffer {
  if (used + n > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  used += n;
  return pool.subarray(used - n, used);
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** A W3C traceparent is valid when its fields have the right shape and ids are not all zeros. */
export function isValidTraceparent(value: string | undefined): boolean {
  const m = value ? TRACEPARENT.exec(value.trim()) : null;
  return !!m && m[1] !== 'ff' && !/^0+$/.test(m[2]) && !/^0+$/.test(m[3]);
}

export function newTraceparent(random: (n: number) => Buffer = pooledRandomBytes): string {
  return `00-${random(16).toString('hex')}-${random(8).toString('hex')}-01`;
}

export function traceIdOf(traceparent: string): string {
  return traceparent.split('-')[1];
}

/**
 * The proxy's own span for a request it routes: the incoming traceparent (a caller's span) is its
 * parent, or a new trace starts; the Worker sees the proxy's span as its parent.
 */
export function proxySpanIds(incoming: string | undefined, random: (n: number) => Buffer = pooledRandomBytes): { traceId: string; spanId: string; parentSpanId?: string; traceparent: string } {
  const m = incoming && isValidTraceparent(incoming) ? TRACEPARENT.exec(incoming.trim()) : null;
  const traceId = m ? m[2] : random(16).toString('hex');
  const spanId = random(8).toString('hex');
  return { traceId, spanId, parentSpanId: m ? m[3] : undefined, traceparent: `00-${traceId}-${spanId}-${m ? m[4] : '01'}` };
}
