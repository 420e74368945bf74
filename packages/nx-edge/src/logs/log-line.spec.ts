import { describe, expect, it } from 'vitest';
import { createLineSplitter, formatLogLine, parseLogLine, serviceColour, shouldColour } from './log-line';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const at = new Date(2026, 10, 24, 8, 5, 7, 42).getTime();

describe('parseLogLine', () => {
  it('keeps the structure of a JSON line from the edge-runtime logger', () => {
    const line = JSON.stringify({ time: at, level: 'warn', service: 'users', trace_id: TRACE, span_id: '00f067aa0ba902b7', message: 'slow query', ms: 812 });
    expect(parseLogLine('users', 'stdout', line, 1)).toEqual({
      time: at, service: 'users', stream: 'stdout', level: 'warn', message: 'slow query', trace_id: TRACE, span_id: '00f067aa0ba902b7', fields: { ms: 812 },
    });
  });

  it('accepts ISO times and keeps the text of a non-JSON line', () => {
    expect(parseLogLine('a', 'stdout', '{"time":"2026-11-24T08:00:00.000Z","message":"x"}', 1).time).toBe(Date.parse('2026-11-24T08:00:00.000Z'));
    expect(parseLogLine('a', 'stderr', '{not json}', 5)).toMatchObject({ message: '{not json}', level: 'info', stream: 'stderr', time: 5 });
  });

  it('finds a trace id in plain text, as trace=<id> or a traceparent', () => {
    expect(parseLogLine('a', 'stdout', `GET /orders 200 trace=${TRACE}`, 1).trace_id).toBe(TRACE);
    expect(parseLogLine('a', 'stdout', `in 00-${TRACE}-00f067aa0ba902b7-01 out`, 1)).toMatchObject({ trace_id: TRACE, span_id: '00f067aa0ba902b7' });
    expect(parseLogLine('a', 'stdout', 'no trace here', 1).trace_id).toBeUndefined();
  });

  it('takes the level from a leading level word, else info (stderr alone is not an error)', () => {
    expect(parseLogLine('a', 'stdout', 'WARN disk almost full', 1).level).toBe('warn');
    expect(parseLogLine('a', 'stderr', '[error] boom', 1).level).toBe('error');
    expect(parseLogLine('a', 'stderr', 'compiling…', 1).level).toBe('info');
  });
});

describe('formatLogLine', () => {
  it('prints HH:MM:SS.mmm [service] level message fields trace=<id> without colour', () => {
    const line = formatLogLine({ time: at, service: 'users', stream: 'stdout', level: 'info', message: 'hello', trace_id: TRACE, fields: { path: '/x', n: 2 } }, { color: false });
    expect(line).toBe(`08:05:07.042 [users] info hello path=/x n=2 trace=${TRACE}`);
  });

  it('colours a service the same way every time, with ANSI codes only when asked', () => {
    const r = { time: at, service: 'orders', stream: 'stdout' as const, level: 'error' as const, message: 'x' };
    expect(formatLogLine(r, { color: true })).toContain(`\u001b[${serviceColour('orders')}m[orders]`);
    expect(formatLogLine(r, { color: true })).toBe(formatLogLine(r, { color: true }));
    expect(formatLogLine(r, { color: false })).not.toContain('\u001b');
  });

  it('respects NO_COLOR and FORCE_COLOR', () => {
    expect(shouldColour({ NO_COLOR: '1' }, true)).toBe(false);
    expect(shouldColour({ FORCE_COLOR: '1' }, false)).toBe(true);
    expect(shouldColour({ FORCE_COLOR: '0' }, true)).toBe(false);
    expect(shouldColour({}, true)).toBe(true);
    expect(shouldColour({}, false)).toBe(false);
  });
});

describe('createLineSplitter', () => {
  it('joins lines split across chunks, handles CRLF and flushes a final partial line', () => {
    const lines: string[] = [];
    const split = createLineSplitter((l) => lines.push(l));
    split.write('one\r\ntw');
    split.write(Buffer.from('o\nthr'));
    expect(lines).toEqual(['one', 'two']);
    split.write('ee');
    split.end();
    expect(lines).toEqual(['one', 'two', 'three']);
  });

  it('does not break a multi-byte character split between chunks', () => {
    const lines: string[] = [];
    const split = createLineSplitter((l) => lines.push(l));
    const bytes = Buffer.from('héllo ✓\n');
    split.write(bytes.subarray(0, 2));
    split.write(bytes.subarray(2, 9));
    split.write(bytes.subarray(9));
    expect(lines).toEqual(['héllo ✓']);
  });
});

describe('createLineSplitter on hostile input', () => {
  it('splits a 4 MB line arriving in 64 KiB chunks in linear time, whole', () => {
    const lines: string[] = [];
    const splitter = createLineSplitter((line) => void lines.push(line));
    const chunk = Buffer.alloc(65_536, 'x');
    for (let i = 0; i < 64; i++) splitter.write(chunk);
    splitter.write('\nnext\n');
    expect(lines.map((l) => l.length)).toEqual([64 * 65_536, 4]);
  });
});
