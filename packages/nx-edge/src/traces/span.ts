/**
 * A span as nx-edge reads it: a Worker's own (from @aero/edge-runtime) or the dev proxy's. In a file of its own:
 * the proxy's span tuple (proxy/proxy-span.ts) decodes into it, and the trace store keeps both.
 */
export type SpanKind = 'server' | 'client' | 'consumer' | 'proxy';

export interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  /** The project (session service) that recorded it. */
  service: string;
  kind: SpanKind;
  name: string;
  /** Epoch ms. */
  start: number;
  durationMs: number;
  status?: number;
  error?: boolean;
  attributes?: Record<string, string | number>;
}
