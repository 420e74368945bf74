import { describe, expect, it } from 'vitest';
import { formatTraceparent, newSpanId, newTraceId, parseTraceIdHeader, parseTraceparent } from './traceparent';
import { contextFromHeaders, outgoingHeaders } from './context';

const base = { service: 's', secretNames: [], secretValues: [] };

describe('traceparent', () => {
  it('round-trips a valid header and reads the sampled flag', () => {
    const header = formatTraceparent('4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7', true);
    expect(header).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    expect(parseTraceparent(header)).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', sampled: true });
    expect(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00')!.sampled).toBe(false);
  });

  it('ignores invalid headers (all-zero ids, version ff, wrong lengths)', () => {
    for (const bad of ['', 'nonsense', '00-00000000000000000000000000000000-00f067aa0ba902b7-01', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', '00-4bf92f35-00f067aa0ba902b7-01']) {
      expect(parseTraceparent(bad)).toBeUndefined();
    }
  });

  it('makes random ids of the right size', () => {
    expect(newTraceId()).toMatch(/^[0-9a-f]{32}$/);
    expect(newSpanId()).toMatch(/^[0-9a-f]{16}$/);
    expect(newTraceId()).not.toBe(newTraceId());
    expect(parseTraceIdHeader('4BF92F3577B34DA6A3CE929D0E0E4736')).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });
});

describe('trace context', () => {
  it('continues an incoming trace with a new span whose parent is the caller span', () => {
    const ctx = contextFromHeaders(new Headers({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }), base);
    expect(ctx).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', parentSpanId: '00f067aa0ba902b7' });
    expect(ctx.spanId).not.toBe('00f067aa0ba902b7');
  });

  it('takes x-trace-id when there is no traceparent, else starts a trace', () => {
    expect(contextFromHeaders(new Headers({ 'x-trace-id': 'a'.repeat(32) }), base).traceId).toBe('a'.repeat(32));
    const fresh = contextFromHeaders(new Headers(), base);
    expect(fresh.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(fresh.parentSpanId).toBeUndefined();
  });

  it('puts this span on outgoing calls as their parent, keeping an explicit traceparent', () => {
    const ctx = contextFromHeaders(new Headers(), base);
    const headers = outgoingHeaders({ accept: 'application/json' }, ctx);
    expect(headers.get('traceparent')).toBe(`00-${ctx.traceId}-${ctx.spanId}-01`);
    expect(headers.get('accept')).toBe('application/json');
    expect(outgoingHeaders({ traceparent: 'keep' }, ctx).get('traceparent')).toBe('keep');
  });
});
