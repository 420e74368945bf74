/**
 * Text that came from a Worker or an API, made inert for a terminal: C0 controls (ESC, CR, BS, BEL, …, and
 * LF — one record prints as one line, so nobody can forge the next), DEL, C1 controls (U+0080–U+009F: a
 * lone U+009B is CSI on many terminals) and the bidirectional overrides that reorder what is shown are
 * written as escapes (`\x1b[2J`, `\u202e`). Tab stays. Linear time, one pass; text without any of them is
 * returned as it is. Our own colours are added after this, so they survive.
 */
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function inertText(text: string): string {
  CONTROL.lastIndex = 0;
  if (!CONTROL.test(text)) return text;
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    if (code === 10) return '\\n';
    if (code === 13) return '\\r';
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
