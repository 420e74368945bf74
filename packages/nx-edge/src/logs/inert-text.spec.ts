import { describe, expect, it } from 'vitest';
import { inertText } from './inert-text';
import { formatLogLine } from './log-line';
import { formatStatusTable } from '../cli/status-table';

// What an attacker puts in a log line to act on the developer's terminal.
const TITLE = '\u001b]0;pwned\u0007';
const CLEAR = '\u001b[2J\u001b[H';
const HIDE_PREVIOUS = '\u001b[1A\u001b[2K';
const LINK = '\u001b]8;;https://evil.example\u001b\\click\u001b]8;;\u001b\\';
const C1_CSI = '\u009b31m';
const BIDI = 'abc\u202edcba';

describe('inertText', () => {
  it('shows every C0/C1 control, DEL and bidi override as an escape, leaving no control character', () => {
    for (const attack of [TITLE, CLEAR, HIDE_PREVIOUS, LINK, C1_CSI, BIDI, 'a\rb', 'a\bb', 'x\u007fy', 'line\nforged']) {
      const out = inertText(attack);
      expect(out, JSON.stringify(attack)).not.toMatch(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e]/);
    }
    expect(inertText(CLEAR)).toBe('\\x1b[2J\\x1b[H');
    expect(inertText(TITLE)).toBe('\\x1b]0;pwned\\x07');
    expect(inertText(C1_CSI)).toBe('\\x9b31m');
    expect(inertText(BIDI)).toBe('abc\\u202edcba');
    expect(inertText('a\nb\r')).toBe('a\\nb\\r');
  });

  it('returns ordinary text as it is (tabs, unicode, emoji included)', () => {
    const text = 'GET /users?q=ü\tok ✓ 🚀 "quoted" \\ back';
    expect(inertText(text)).toBe(text);
  });

  it('takes linear time on 2 MB of controls', () => {
    const out = inertText('\u001b'.repeat(2_000_000));
    expect(out.length).toBe(8_000_000);
  });
});

describe('what dev, logs and tail print', () => {
  it('formatLogLine prints a hostile message, service name, field and trace inert, keeping its own colours', () => {
    const line = formatLogLine(
      { time: 0, service: `users${TITLE}`, stream: 'stdout', level: 'error', message: `boom${CLEAR}${HIDE_PREVIOUS}`, fields: { [`k${C1_CSI}`]: `v${LINK}` }, trace_id: `abc${CLEAR}` },
      { color: true },
    );
    const withoutOurColours = line.replace(/\u001b\[\d+m/g, '');
    expect(withoutOurColours).not.toMatch(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/);
    expect(line).toContain('boom\\x1b[2J\\x1b[H\\x1b[1A\\x1b[2K');
    expect(line).toContain('\u001b[31merror\u001b[0m'); // our red level survives
  });

  it('the status table shows a Worker-supplied health reason inert and aligned', () => {
    const table = formatStatusTable([{ service: 'users', state: 'unhealthy', restarts: 0, health: `500 ${CLEAR}` } as never], 0);
    expect(table).not.toContain('\u001b');
    expect(table).toContain('500 \\x1b[2J\\x1b[H');
  });
});
