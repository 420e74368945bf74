import { describe, expect, it } from 'vitest';
import { proxySpanIds } from './trace-context';

describe("the proxy's span ids", () => {
  it('are distinct across pool refills, well-formed, and continue an incoming trace', () => {
    const ids = Array.from({ length: 5000 }, () => proxySpanIds(undefined)); // 48 hex digits each: ~30 refills of the 4 KiB pool
    expect(new Set(ids.map((i) => i.traceId)).size).toBe(5000);
    expect(new Set(ids.map((i) => i.spanId)).size).toBe(5000);
    for (const i of ids.slice(0, 50)) expect(i.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const child = proxySpanIds('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    expect(child).toMatchObject({ traceId: '0af7651916cd43dd8448eb211c80319c', parentSpanId: 'b7ad6b7169203331' });
    expect(child.spanId).not.toBe('b7ad6b7169203331');
  });
});
