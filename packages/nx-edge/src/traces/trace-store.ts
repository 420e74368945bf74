import { decodeProxySpan, type ProxySpanTuple } from '../proxy/proxy-span';
import type { Span } from './span';

/**
 * The dev session's traces: spans from @aero/edge-runtime (Workers using withEdge) and from the dev
 * proxy (every request it routes), grouped by W3C trace id. Bounded like .NET Aspire's dashboard:
 * the newest `maxTraces` traces are kept, the oldest dropped whole. Per-service metrics (rate, error
 * rate, latency percentiles) are computed from the same spans.
 */
export type { Span, SpanKind } from './span';

export interface TraceSummary {
  traceId: string;
  rootService: string;
  /** The root span's name, e.g. `GET /orders`. */
  route: string;
  start: number;
  durationMs: number;
  status?: number;
  error: boolean;
  spanCount: number;
  services: string[];
}

export interface TraceFilter {
  service?: string;
  errorsOnly?: boolean;
  /** Substring of the route or trace id. */
  search?: string;
  limit?: number;
}

export interface ServiceMetrics {
  service: string;
  /** Requests per second over the last minute. */
  rps: number;
  /** Share of requests answered ≥ 500 (or failed) over the last five minutes. */
  errorRate: number;
  p50: number;
  p95: number;
  p99: number;
  /** Requests in the last five minutes. */
  count: number;
  /** Ten-second buckets over the last five minutes, oldest first. */
  series: { requests: number; errors: number; p95: number }[];
}

/**
 * A span as the store keeps it. The proxy's spans stay the tuples the front sent (see proxy-span.ts) and are read
 * as Spans only when asked for: a Span object, its attributes and its name per request cost the hub more in GC
 * than the rest of its intake, and the front's throughput with it (docs/architecture.md, `traces/`).
 */
export type StoredSpan = Span | ProxySpanTuple;

export interface TraceStore {
  add(span: StoredSpan): void;
  list(filter?: TraceFilter): TraceSummary[];
  get(traceId: string): Span[] | undefined;
  metrics(): ServiceMetrics[];
  /** Called with the summary of each trace a span was added to (batched by the caller). */
  subscribe(onTrace: (summary: TraceSummary) => void): () => void;
  size(): number;
}

export const DEFAULT_MAX_TRACES = 10_000;
const MAX_SPANS_PER_TRACE = 500;
const METRICS_WINDOW_MS = 5 * 60_000;
const RATE_WINDOW_MS = 60_000;
const BUCKET_MS = 10_000;
const MAX_SAMPLES_PER_SERVICE = 20_000;

const ERROR = 1;
/** A Worker's own span (withEdge) rather than the proxy's: preferred when a service has both. */
const OWN = 2;

/**
 * A service's newest requests (end, duration, flags), oldest first, in typed arrays that grow up to `max`: no
 * object per request for the GC to copy and keep.
 */
class SampleRing {
  private ends = new Float64Array(64);
  private durations = new Float64Array(64);
  private flags = new Uint8Array(64);
  /** Where the next sample goes; once full, also the oldest. */
  private next = 0;
  length = 0;

  constructor(private readonly max: number) {}

  push(end: number, durationMs: number, flags: number): void {
    if (this.length === this.ends.length && this.length < this.max) this.grow();
    const i = this.next;
    this.ends[i] = end;
    this.durations[i] = durationMs;
    this.flags[i] = flags;
    this.next = (i + 1) % this.ends.length;
    if (this.length < this.ends.length) this.length++;
  }

  /** Calls `fn` with each sample, oldest first. */
  forEach(fn: (end: number, durationMs: number, flags: number) => void): void {
    const capacity = this.ends.length;
    const first = this.length < capacity ? 0 : this.next;
    for (let k = 0; k < this.length; k++) {
      const i = (first + k) % capacity;
      fn(this.ends[i], this.durations[i], this.flags[i]);
    }
  }

  private grow(): void {
    // Only ever grown while not yet wrapped: the samples are in order from 0.
    const capacity = Math.min(this.max, this.ends.length * 2);
    this.ends = widened(this.ends, new Float64Array(capacity));
    this.durations = widened(this.durations, new Float64Array(capacity));
    this.flags = widened(this.flags, new Uint8Array(capacity));
    this.next = this.length;
  }
}

/** `to` (the larger array) holding what `from` held. */
function widened<T extends Float64Array | Uint8Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

const isTuple = (span: StoredSpan): span is ProxySpanTuple => Array.isArray(span);
/** The stored span as a Span (a proxy tuple is decoded: only when someone reads it). */
const asSpan = (span: StoredSpan): Span => (isTuple(span) ? decodeProxySpan(span) : span);

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function createTraceStore(opts: { maxTraces?: number; now?: () => number } = {}): TraceStore {
  const maxTraces = opts.maxTraces ?? DEFAULT_MAX_TRACES;
  const now = opts.now ?? Date.now;
  // Insertion order = first seen: the first key is the oldest trace.
  const traces = new Map<string, StoredSpan[]>();
  const arrival: string[] = [];
  let oldest = 0;
  const samples = new Map<string, SampleRing>();
  const subscribers = new Set<(summary: TraceSummary) => void>();

  function summarize(traceId: string, stored: StoredSpan[]): TraceSummary {
    const spans = stored.map(asSpan);
    const ids = new Set(spans.map((s) => s.spanId));
    // The root: a span whose parent is not in this trace, the earliest such (the proxy's, when it routed it).
    const roots = spans.filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId));
    const root = roots.reduce((a, b) => (b.start < a.start || (b.start === a.start && b.kind === 'proxy') ? b : a), roots[0] ?? spans[0]);
    const start = Math.min(...spans.map((s) => s.start));
    const end = Math.max(...spans.map((s) => s.start + s.durationMs));
    return {
      traceId,
      rootService: root.service,
      route: root.name,
      start,
      durationMs: end - start,
      status: root.status,
      error: spans.some((s) => s.error),
      spanCount: spans.length,
      services: [...new Set(spans.map((s) => s.service))],
    };
  }

  /** A request a service answered: its server span (a Worker's own, or the proxy's for any service). */
  function sample(service: string, end: number, durationMs: number, flags: number): void {
    let ring = samples.get(service);
    if (!ring) samples.set(service, (ring = new SampleRing(MAX_SAMPLES_PER_SERVICE)));
    ring.push(end, durationMs, flags);
  }

  return {
    add(span) {
      const tuple = isTuple(span);
      const traceId = tuple ? span[0] : span.traceId;
      let spans = traces.get(traceId);
      if (!spans) {
        traces.set(traceId, (spans = []));
        arrival.push(traceId);
        // The oldest by arrival: V8's Map iterator walks past every deleted slot, so asking the Map
        // for its first key cost 6 µs per request once it was full.
        if (traces.size > maxTraces) traces.delete(arrival[oldest++]);
        if (oldest > 4096) {
          arrival.splice(0, oldest);
          oldest = 0;
        }
      }
      if (spans.length >= MAX_SPANS_PER_TRACE) return;
      spans.push(span);
      if (tuple) {
        const [, , , service, , , , start, durationMs, status, error] = span;
        sample(service, start + durationMs, durationMs, error === 1 || status >= 500 ? ERROR : 0);
      } else if (span.kind !== 'client') {
        const error = !!span.error || (span.status ?? 0) >= 500;
        sample(span.service, span.start + span.durationMs, span.durationMs, (error ? ERROR : 0) | (span.kind === 'proxy' ? 0 : OWN));
      }
      if (subscribers.size) {
        const summary = summarize(traceId, spans);
        for (const fn of subscribers) fn(summary);
      }
    },
    list(filter = {}) {
      const out: TraceSummary[] = [];
      const search = filter.search?.toLowerCase();
      const limit = filter.limit ?? 500;
      const ids = [...traces.keys()];
      for (let i = ids.length - 1; i >= 0 && out.length < limit; i--) {
        const summary = summarize(ids[i], traces.get(ids[i])!);
        if (filter.service && !summary.services.includes(filter.service)) continue;
        if (filter.errorsOnly && !summary.error) continue;
        if (search && !summary.route.toLowerCase().includes(search) && !summary.traceId.includes(search)) continue;
        out.push(summary);
      }
      return out;
    },
    get(traceId) {
      const spans = traces.get(traceId.toLowerCase());
      return spans ? spans.map(asSpan).sort((a, b) => a.start - b.start) : undefined;
    },
    metrics() {
      const at = now();
      const out: ServiceMetrics[] = [];
      for (const [service, ring] of samples) {
        // One pass over the samples (a busy service has 20,000): windowed, bucketed, then sorted once each.
        const from = at - METRICS_WINDOW_MS;
        const bucketCount = METRICS_WINDOW_MS / BUCKET_MS;
        let own = 0;
        ring.forEach((end, _durationMs, flags) => {
          if (flags & OWN && end > from) own = OWN;
        });
        const buckets = Array.from({ length: bucketCount }, () => ({ durations: [] as number[], errors: 0 }));
        const durations: number[] = [];
        let errors = 0;
        let lastMinute = 0;
        ring.forEach((end, durationMs, flags) => {
          if (end <= from || (flags & OWN) !== own) return;
          const error = flags & ERROR;
          durations.push(durationMs);
          if (error) errors++;
          if (end > at - RATE_WINDOW_MS) lastMinute++;
          const bucket = buckets[Math.min(bucketCount - 1, Math.ceil((end - from) / BUCKET_MS) - 1)];
          bucket.durations.push(durationMs);
          if (error) bucket.errors++;
        });
        const byValue = (a: number, b: number) => a - b;
        durations.sort(byValue);
        const series = buckets.map((b) => ({ requests: b.durations.length, errors: b.errors, p95: percentile(b.durations.sort(byValue), 95) }));
        out.push({
          service,
          rps: Math.round((lastMinute / (RATE_WINDOW_MS / 1000)) * 100) / 100,
          errorRate: durations.length ? errors / durations.length : 0,
          p50: percentile(durations, 50),
          p95: percentile(durations, 95),
          p99: percentile(durations, 99),
          count: durations.length,
          series,
        });
      }
      return out.sort((a, b) => a.service.localeCompare(b.service));
    },
    subscribe(onTrace) {
      subscribers.add(onTrace);
      return () => subscribers.delete(onTrace);
    },
    size: () => traces.size,
  };
}

/** A span line printed by @aero/edge-runtime (`{"nx_edge_span": {...}}`), as the store keeps it; undefined when the line is not one. */
export function parseSpanLine(line: string, service: string): Span | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{"nx_edge_span"')) return undefined;
  try {
    const raw = (JSON.parse(trimmed) as { nx_edge_span?: Record<string, unknown> }).nx_edge_span;
    if (!raw || typeof raw.trace_id !== 'string' || typeof raw.span_id !== 'string' || typeof raw.start !== 'number') return undefined;
    const kind = raw.kind === 'client' || raw.kind === 'consumer' ? raw.kind : 'server';
    return {
      traceId: raw.trace_id,
      spanId: raw.span_id,
      parentSpanId: typeof raw.parent_span_id === 'string' ? raw.parent_span_id : undefined,
      service,
      kind,
      name: typeof raw.name === 'string' ? raw.name : kind,
      start: raw.start,
      durationMs: typeof raw.duration_ms === 'number' ? raw.duration_ms : 0,
      status: typeof raw.status_code === 'number' ? raw.status_code : undefined,
      error: raw.error === true,
      attributes: raw.attributes && typeof raw.attributes === 'object' ? (raw.attributes as Record<string, string | number>) : undefined,
    };
  } catch {
    return undefined;
  }
}
