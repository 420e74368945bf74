import { describe, expect, it } from 'vitest';
import type { ProxySpanTuple } from '../proxy/proxy-span';
import { createTraceStore, parseSpanLine, percentile, type Span } from './trace-store';

const span = (over: Partial<Span>): Span => ({ traceId: 'a'.repeat(32), spanId: '1'.repeat(16), service: 'gateway', kind: 'server', name: 'GET /', start: 1000, durationMs: 10, ...over });

describe('trace store', () => {
  it('summarizes a trace across services from its root (the proxy span when the proxy routed it)', () => {
    const store = createTraceStore();
    store.add(span({ service: 'gateway', kind: 'proxy', spanId: 'p'.repeat(16), name: 'GET /orders', start: 1000, durationMs: 50, status: 200 }));
    store.add(span({ service: 'gateway', spanId: 'g'.repeat(16), parentSpanId: 'p'.repeat(16), name: 'GET /orders', start: 1002, durationMs: 45, status: 200 }));
    store.add(span({ service: 'gateway', kind: 'client', spanId: 'c'.repeat(16), parentSpanId: 'g'.repeat(16), name: 'GET USERS /7', start: 1005, durationMs: 20 }));
    store.add(span({ service: 'users', spanId: 'u'.repeat(16), parentSpanId: 'c'.repeat(16), name: 'GET /7', start: 1006, durationMs: 18, status: 500, error: true }));
    expect(store.list()).toEqual([
      { traceId: 'a'.repeat(32), rootService: 'gateway', route: 'GET /orders', start: 1000, durationMs: 50, status: 200, error: true, spanCount: 4, services: ['gateway', 'users'] },
    ]);
    expect(store.list({ service: 'users' })).toHaveLength(1);
    expect(store.list({ service: 'orders' })).toHaveLength(0);
    expect(store.list({ search: 'ORDERS' })).toHaveLength(1);
    expect(store.get('A'.repeat(32))!.map((s) => s.spanId[0])).toEqual(['p', 'g', 'c', 'u']);
  });

  it('keeps the newest traces only, dropping the oldest whole', () => {
    const store = createTraceStore({ maxTraces: 3 });
    for (let i = 0; i < 5; i++) store.add(span({ traceId: String(i).repeat(32), start: i }));
    expect(store.size()).toBe(3);
    expect(store.list().map((t) => t.traceId[0])).toEqual(['4', '3', '2']);
    expect(store.get('0'.repeat(32))).toBeUndefined();
    // Long after it filled (the arrival list is compacted as it goes): still exactly the newest.
    const busy = createTraceStore({ maxTraces: 100 });
    for (let i = 0; i < 20_000; i++) busy.add(span({ traceId: i.toString(16).padStart(32, '0'), start: i }));
    expect(busy.size()).toBe(100);
    expect(busy.list({ limit: 100 }).map((t) => parseInt(t.traceId, 16))).toEqual(Array.from({ length: 100 }, (_, i) => 19_999 - i));
  });

  it("computes rate, error rate and percentiles per service from its own spans, else the proxy's", () => {
    let clock = 1_000_000;
    const store = createTraceStore({ now: () => clock });
    for (let i = 1; i <= 100; i++) store.add(span({ traceId: i.toString(16).padStart(32, '0'), start: clock - 30_000, durationMs: i, status: i > 90 ? 503 : 200 }));
    store.add(span({ traceId: 'f'.repeat(32), kind: 'proxy', start: clock - 1000, durationMs: 999 }));
    store.add(span({ traceId: 'e'.repeat(32), service: 'mailer', kind: 'proxy', start: clock - 1000, durationMs: 7 }));
    const [gateway, mailer] = store.metrics();
    expect(gateway).toMatchObject({ service: 'gateway', count: 100, rps: 1.67, errorRate: 0.1, p50: 50, p95: 95, p99: 99 });
    expect(gateway.series).toHaveLength(30);
    expect(gateway.series.reduce((n, b) => n + b.requests, 0)).toBe(100);
    expect(mailer).toMatchObject({ service: 'mailer', count: 1, p50: 7 });
    clock += 10 * 60_000;
    expect(store.metrics()[0]).toMatchObject({ count: 0, rps: 0, p95: 0 });
    expect(percentile([], 50)).toBe(0);
  });

  it("keeps the proxy's spans as the front's tuples and reads them as spans, with a Worker's own spans, when asked", () => {
    const clock = 1_000_000;
    const store = createTraceStore({ now: () => clock });
    const proxied = (i: number, status: number): ProxySpanTuple => [i.toString(16).padStart(32, '0'), 'p'.repeat(16), '', 'users', 'GET', `/u/${i}`, 'users.localhost:7080', clock - 2000, i, status, status >= 500 || status === -1 ? 1 : 0];
    store.add(proxied(1, 200));
    store.add(span({ traceId: proxied(1, 200)[0], spanId: 'w'.repeat(16), parentSpanId: 'p'.repeat(16), service: 'users', name: 'GET /u/1', start: clock - 1999, durationMs: 0.5 }));
    store.add(proxied(2, -1));
    expect(store.get(proxied(1, 200)[0])).toEqual([
      { traceId: proxied(1, 200)[0], spanId: 'p'.repeat(16), parentSpanId: undefined, service: 'users', kind: 'proxy', name: 'GET /u/1', start: clock - 2000, durationMs: 1, status: 200, error: false, attributes: { method: 'GET', path: '/u/1', host: 'users.localhost:7080' } },
      expect.objectContaining({ spanId: 'w'.repeat(16), kind: 'server' }),
    ]);
    // A client gone before the answer: no status, an error.
    expect(store.list()).toEqual([
      { traceId: proxied(2, -1)[0], rootService: 'users', route: 'GET /u/2', start: clock - 2000, durationMs: 2, status: undefined, error: true, spanCount: 1, services: ['users'] },
      expect.objectContaining({ traceId: proxied(1, 200)[0], route: 'GET /u/1', spanCount: 2, status: 200, error: false }),
    ]);
    // The Worker's own span counts for it once it has one; the proxy's only for a service without.
    expect(store.metrics()).toEqual([expect.objectContaining({ service: 'users', count: 1, p50: 0.5, errorRate: 0 })]);
    const onlyProxied = createTraceStore({ now: () => clock });
    onlyProxied.add(proxied(3, 200));
    onlyProxied.add(proxied(4, 503));
    expect(onlyProxied.metrics()).toEqual([expect.objectContaining({ service: 'users', count: 2, errorRate: 0.5, p50: 3, p99: 4 })]);
  });

  it("keeps a busy service's newest 20,000 requests for its figures", () => {
    let clock = 1_000_000;
    const store = createTraceStore({ now: () => clock, maxTraces: 10 });
    // 25,000 requests, the newest ones slowest: the figures show the newest 20,000 (durations 5,000–24,999).
    for (let i = 0; i < 25_000; i++) store.add(span({ traceId: i.toString(16).padStart(32, '0'), kind: 'proxy', start: clock - 60_000 + i, durationMs: i }));
    clock += 1;
    const [figures] = store.metrics();
    expect(figures).toMatchObject({ count: 20_000, p50: 14_999, p99: 24_799 });
    expect(figures.series.reduce((n, b) => n + b.requests, 0)).toBe(20_000);
  });

  it('reads the span lines the runtime prints, and nothing else', () => {
    const line = JSON.stringify({ nx_edge_span: { trace_id: 'b'.repeat(32), span_id: '2'.repeat(16), parent_span_id: '3'.repeat(16), service: 'users-worker', kind: 'client', name: 'GET DB /x', start: 5, duration_ms: 3, status_code: 201, attributes: { binding: 'DB' } } });
    expect(parseSpanLine(line, 'users')).toEqual({ traceId: 'b'.repeat(32), spanId: '2'.repeat(16), parentSpanId: '3'.repeat(16), service: 'users', kind: 'client', name: 'GET DB /x', start: 5, durationMs: 3, status: 201, error: false, attributes: { binding: 'DB' } });
    expect(parseSpanLine('{"level":"info","message":"hi"}', 'users')).toBeUndefined();
    expect(parseSpanLine('{"nx_edge_span": {"trace_id": 1}}', 'users')).toBeUndefined();
  });
});
