import type { EdgeContext } from './context.js';
import { newSpanId } from './traceparent.js';

/**
 * Set to `true` by nx-edge's dev bundles (esbuild define): spans are printed for the dev dashboard
 * only there — production builds and tests print none.
 */
declare const __NX_EDGE_DEV_SPANS__: boolean | undefined;
const DEV_SPANS = typeof __NX_EDGE_DEV_SPANS__ === 'boolean' && __NX_EDGE_DEV_SPANS__;

/** One finished span, the shape the nx-edge dev hub reads (a JSON line `{"nx_edge_span": …}`). */
export interface SpanRecord {
  trace_id: string;
  span_id: string;
  parent_span_id?: string;
  service: string;
  /** server: a request this Worker answered; client: a call it made; consumer: a queue batch or cron run. */
  kind: 'server' | 'client' | 'consumer';
  name: string;
  /** Epoch milliseconds. */
  start: number;
  duration_ms: number;
  status_code?: number;
  error?: boolean;
  attributes?: Record<string, string | number>;
}

export type SpanSink = (span: SpanRecord) => void;

// The console as it is when this module loads (before console capture): one line per span.
const rawLog = console.log.bind(console);
let sink: SpanSink | undefined = DEV_SPANS ? (span) => rawLog(JSON.stringify({ nx_edge_span: span })) : undefined;

/** Where finished spans go (tests); `undefined` turns them off. Returns a function restoring the previous sink. */
export function setSpanSink(next: SpanSink | undefined): () => void {
  const previous = sink;
  sink = next;
  return () => {
    sink = previous;
  };
}

export function spansEnabled(): boolean {
  return sink !== undefined;
}

export interface OpenSpan {
  spanId: string;
  end(result?: { status?: number; error?: boolean; attributes?: Record<string, string | number> }): void;
}

/**
 * A span that starts now. Its id goes on the wire for client spans (the callee's server span is its
 * child); server spans reuse the request context's own span id.
 */
export function startSpan(
  context: EdgeContext,
  kind: SpanRecord['kind'],
  name: string,
  attributes: Record<string, string | number> = {},
  ids: { spanId?: string; parentSpanId?: string } = {},
): OpenSpan {
  const spanId = ids.spanId ?? newSpanId();
  const parentSpanId = 'parentSpanId' in ids ? ids.parentSpanId : context.spanId;
  const start = Date.now();
  let ended = false;
  return {
    spanId,
    end(result = {}) {
      if (ended || !sink) return;
      ended = true;
      const span: SpanRecord = { trace_id: context.traceId, span_id: spanId, service: context.service, kind, name, start, duration_ms: Math.max(0, Date.now() - start) };
      if (parentSpanId) span.parent_span_id = parentSpanId;
      if (result.status !== undefined) span.status_code = result.status;
      if (result.error || (result.status !== undefined && result.status >= 500)) span.error = true;
      const merged = { ...attributes, ...result.attributes };
      if (Object.keys(merged).length) span.attributes = merged;
      try {
        sink(span);
      } catch {
        // a span is never worth failing the request
      }
    },
  };
}

/** Ends `span` when `result` settles (as an error when it rejects); returns `result` itself untouched. */
export function endWhenSettled<T>(span: OpenSpan, result: T, status?: (value: Awaited<T>) => number | undefined): T {
  Promise.resolve(result).then(
    (value) => span.end({ status: status?.(value) }),
    () => span.end({ error: true }),
  );
  return result;
}
