import { describe, expect, it } from 'vitest';
import { boundedAnswer } from './bounded-answer';

describe('boundedAnswer', () => {
  it('makes terminal control characters and bidi overrides inert, keys too', () => {
    const text = boundedAnswer({ line: 'red \x1b[31mALERT\x1b[0m \u009b2J \u202egnp.exe', ['k\x1b']: 1 });
    expect(text).not.toMatch(/[\x1b\u009b\u202e]/);
    expect(text).toContain('\\\\x1b[31mALERT');
    expect(text).toContain('\\\\u202e');
  });

  it('redacts .dev.vars values wherever they appear', () => {
    const text = boundedAnswer({ body: 'token=sk_live_abcdef123 ok', nested: [{ h: 'Bearer sk_live_abcdef123' }] }, { secrets: ['sk_live_abcdef123'] });
    expect(text).not.toContain('sk_live_abcdef123');
    expect(text.match(/\[redacted\]/g)).toHaveLength(2);
  });

  it('keeps a long list to what fits and says how many more there are', () => {
    const rows = Array.from({ length: 5000 }, (_, i) => ({ i, message: `line ${i} ${'x'.repeat(40)}` }));
    const text = boundedAnswer({ logs: rows }, { maxChars: 5000 });
    expect(text.length).toBeLessThanOrEqual(5000);
    const parsed = JSON.parse(text) as { logs: { items: { i: number }[]; more: string } };
    expect(parsed.logs.items[0].i).toBe(0);
    expect(parsed.logs.more).toBe(`${5000 - parsed.logs.items.length} more not shown (narrow the query or lower limit)`);
  });

  it('cuts one huge string and says by how much', () => {
    const text = boundedAnswer({ body: 'y'.repeat(100_000) }, { maxChars: 3000 });
    expect(text.length).toBeLessThanOrEqual(3000);
    expect(text).toMatch(/… \[\d+ more characters\]/);
  });
});
