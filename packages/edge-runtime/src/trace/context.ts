import { AsyncLocalStorage } from 'node:async_hooks';
import { formatTraceparent, newSpanId, newTraceId, parseTraceIdHeader, parseTraceparent } from './traceparent.js';

/** What a request (or scheduled/queue event) carries through every await: its trace and span. */
export interface EdgeContext {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  sampled: boolean;
  /** Values never to print (secret values of this Worker), for the logger's scrubbing. */
  secretValues: string[];
  secretNames: string[];
}

const storage = new AsyncLocalStorage<EdgeContext>();

export function currentContext(): EdgeContext | undefined {
  return storage.getStore();
}

export function runWithContext<T>(context: EdgeContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** The context of an incoming request: continues its traceparent (or x-trace-id), else a new trace. */
export function contextFromHeaders(headers: Headers, base: Pick<EdgeContext, 'service' | 'secretValues' | 'secretNames'>): EdgeContext {
  const parent = parseTraceparent(headers.get('traceparent'));
  if (parent) return { ...base, traceId: parent.traceId, parentSpanId: parent.spanId, spanId: newSpanId(), sampled: parent.sampled };
  const traceId = parseTraceIdHeader(headers.get('x-trace-id')) ?? newTraceId();
  return { ...base, traceId, spanId: newSpanId(), sampled: true };
}

export function newRootContext(base: Pick<EdgeContext, 'service' | 'secretValues' | 'secretNames'>): EdgeContext {
  return { ...base, traceId: newTraceId(), spanId: newSpanId(), sampled: true };
}

/**
 * Headers for an outgoing call made inside `context`: this span goes on the wire as the parent of
 * the callee's span, so the chain reads caller.span_id = callee.parent_span_id. An explicit
 * traceparent set by the caller is kept.
 */
export function outgoingHeaders(headers: HeadersInit | undefined, context: EdgeContext): Headers {
  const out = new Headers(headers);
  if (!out.has('traceparent')) out.set('traceparent', formatTraceparent(context.traceId, context.spanId, context.sampled));
  if (!out.has('x-trace-id')) out.set('x-trace-id', context.traceId);
  return out;
}
