import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildRecord, captureConsole, log, MAX_LOG_FIELDS_CHARS, MAX_LOG_MESSAGE_CHARS, setLogSink } from './logger';
import { scrubText } from './scrub';
import { runWithContext, type EdgeContext } from '../trace/context';

const context: EdgeContext = {
  service: 'users',
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  parentSpanId: '1111111111111111',
  sampled: true,
  secretNames: ['STRIPE_KEY'],
  secretValues: ['sk_live_very_secret_value'],
};

describe('scrubText', () => {
  it('redacts emails, bearer tokens, Luhn-valid card numbers and secret values', () => {
    const text = 'user ada@example.com paid with 4111 1111 1111 1111 using Bearer abc.def.ghi and sk_live_very_secret_value; order 1234567890123';
    const out = scrubText(text, { secretValues: ['sk_live_very_secret_value'] });
    expect(out).toBe('user [redacted] paid with [redacted] using Bearer [redacted] and [redacted]; order 1234567890123');
  });
});

describe('log', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes one JSON line with time, level, service, trace and span ids and fields', () => {
    const record = runWithContext(context, () => buildRecord('info', 'listed users', { count: 3 }, new Date('2026-11-24T10:00:00Z')));
    expect(record).toEqual({
      time: '2026-11-24T10:00:00.000Z',
      level: 'info',
      service: 'users',
      trace_id: context.traceId,
      span_id: context.spanId,
      parent_span_id: context.parentSpanId,
      message: 'listed users',
      count: 3,
    });
  });

  it('never lets a secret value, an Authorization header or a cookie reach the output', () => {
    const lines: string[] = [];
    const restore = setLogSink((_level, line) => void lines.push(line));
    runWithContext(context, () =>
      log.info('calling stripe with sk_live_very_secret_value', {
        headers: { Authorization: 'Bearer xyz', cookie: 'session=abc', accept: 'json' },
        STRIPE_KEY: 'sk_live_very_secret_value',
        nested: { note: 'key sk_live_very_secret_value' },
      }),
    );
    restore();
    expect(lines).toHaveLength(1);
    const printed = lines.join('\n');
    expect(JSON.parse(printed).headers).toEqual({ Authorization: '[redacted]', cookie: '[redacted]', accept: 'json' });
    expect(printed).not.toContain('sk_live_very_secret_value');
    expect(printed).not.toContain('xyz');
  });

  it('captures console.log inside a request as structured JSON with the trace id', () => {
    const lines: string[] = [];
    const restore = setLogSink((_level, line) => void lines.push(line));
    captureConsole();
    runWithContext(context, () => console.log('hello', { user: 'ada@example.com' }));
    restore();
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0]);
    expect(record).toMatchObject({ level: 'info', message: 'hello', trace_id: context.traceId, user: '[redacted]' });
  });
});

describe('log record size', () => {
  it('cuts a 2 MB message to the cap with a note of how much was cut, still scrubbing across the cut', () => {
    const lines: string[] = [];
    const restore = setLogSink((_level, line) => void lines.push(line));
    // The secret straddles the cut: neither half may be printed.
    const message = `${'x'.repeat(MAX_LOG_MESSAGE_CHARS - 5)}sk_live_very_secret_value${'y'.repeat(2_000_000)}`;
    runWithContext(context, () => log.info(message, { body: 'z'.repeat(100_000) }));
    restore();
    const record = JSON.parse(lines[0]);
    expect(record.message.startsWith('x'.repeat(MAX_LOG_MESSAGE_CHARS - 5) + '[red')).toBe(true);
    expect(record.message).toMatch(/… \[truncated: 2000020 more characters\]$/);
    expect(lines[0]).not.toContain('sk_live');
    expect(record.fields).toMatch(/^\{"body":"z+… \[truncated: \d+ more characters\]$/);
    expect(lines[0].length).toBeLessThan(MAX_LOG_MESSAGE_CHARS + MAX_LOG_FIELDS_CHARS + 1000);
  });

  it('keeps a record under the caps exactly as logged', () => {
    const record = runWithContext(context, () => buildRecord('info', 'short', { n: 1 }));
    expect(record.message).toBe('short');
    expect(record.n).toBe(1);
  });
});
