/** W3C Trace Context (https://www.w3.org/TR/trace-context/): `00-<trace-id>-<parent-id>-<flags>`. */
export interface TraceParent {
  traceId: string; // 32 lowercase hex, not all zeros
  spanId: string; // 16 lowercase hex, not all zeros
  sampled: boolean;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const TRACE_ID = /^[0-9a-f]{32}$/;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function randomHex(bytes: number): string {
  const buffer = crypto.getRandomValues(new Uint8Array(bytes));
  let hex = '';
  let zero = true;
  for (let i = 0; i < bytes; i++) {
    hex += HEX[buffer[i]];
    if (buffer[i] !== 0) zero = false;
  }
  return zero ? randomHex(bytes) : hex;
}

export const newTraceId = (): string => randomHex(16);
export const newSpanId = (): string => randomHex(8);

/** A valid traceparent header, or undefined (invalid ones are ignored, as the spec asks). */
export function parseTraceparent(header: string | null | undefined): TraceParent | undefined {
  if (!header) return undefined;
  const match = TRACEPARENT.exec(header.trim().toLowerCase());
  if (!match) return undefined;
  const [, version, traceId, spanId, flags] = match;
  if (version === 'ff' || /^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 };
}

export function formatTraceparent(traceId: string, spanId: string, sampled = true): string {
  return `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`;
}

/** `x-trace-id` as some clients send it: accepted when it is a 32-hex trace id. */
export function parseTraceIdHeader(header: string | null | undefined): string | undefined {
  const value = header?.trim().toLowerCase();
  return value && TRACE_ID.test(value) && !/^0+$/.test(value) ? value : undefined;
}
