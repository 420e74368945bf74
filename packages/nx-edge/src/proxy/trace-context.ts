import { randomFillSync } from 'node:crypto';

// Trace and span ids need to be unique, not secret: sliced from 4 KiB of random bytes turned to hex at once
// (one randomBytes call per request was 5 % of the proxy's time; a Buffer view and a hex encoding per id, measured
// in the proxy's front, still 10 % of its CPU per request).
const pool = Buffer.alloc(4096);
let hex = '';
let used = 0;
export function pooledRandomHex(chars: number): string {
  if (used + chars > hex.length) {
    randomFillSync(pool);
    hex = pool.toString('hex');
    used = 0;
  }
  used += chars;
  return hex.slice(used - chars, used);
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** A W3C traceparent is valid when its fields have the right shape and ids are not all zeros. */
export function isValidTraceparent(value: string | undefined): boolean {
  return !!parseTraceparent(value);
}

/** A valid traceparent's fields (version, trace id, parent id, flags), or null. */
function parseTraceparent(value: string | undefined): RegExpExecArray | null {
  const m = value ? TRACEPARENT.exec(value.trim()) : null;
  return m && m[1] !== 'ff' && !/^0+$/.test(m[2]) && !/^0+$/.test(m[3]) ? m : null;
}

export function newTraceparent(): string {
  return `00-${pooledRandomHex(32)}-${pooledRandomHex(16)}-01`;
}

export function traceIdOf(traceparent: string): string {
  return traceparent.split('-')[1];
}

/**
 * The proxy's own span for a request it routes: the incoming traceparent (a caller's span) is its
 * parent, or a new trace starts; the Worker sees the proxy's span as its parent.
 */
export function proxySpanIds(incoming: string | undefined): { traceId: string; spanId: string; parentSpanId: string | undefined; traceparent: string } {
  const m = parseTraceparent(incoming);
  const spanId = pooledRandomHex(16);
  if (!m) {
    const traceId = pooledRandomHex(32);
    return { traceId, spanId, parentSpanId: undefined, traceparent: `00-${traceId}-${spanId}-01` };
  }
  return { traceId: m[2], spanId, parentSpanId: m[3], traceparent: `00-${m[2]}-${spanId}-${m[4]}` };
}
