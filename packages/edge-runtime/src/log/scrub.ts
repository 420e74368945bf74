export const REDACTED = '[redacted]';

// Every pattern here runs in time linear in the text: one a Worker logs may be attacker-sized (a request path,
// a body), and a backtracking regex over it spends the Worker's CPU (and, in dev, the shared workerd's).
// Bearer/Basic: the credential class excludes whitespace and '=', so the engine never backtracks.
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/]+=*/gi;
const SENSITIVE_KEYS = /^(authorization|cookie|set-cookie|proxy-authorization|x-api-key|api[-_]?key|password|passwd|secret|token|access[-_]?token|refresh[-_]?token|client[-_]?secret)$/i;

/** Luhn check of the digits of `text` at `positions[0..count)`. */
function luhn(text: string, positions: number[], count: number): boolean {
  let sum = 0;
  let double = false;
  for (let i = count - 1; i >= 0; i--) {
    let d = text.charCodeAt(positions[i]) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isDigit = (c: number) => c >= 48 && c <= 57;
/** [A-Za-z0-9._%+-] */
const isLocalChar = (c: number) => isLetter(c) || isDigit(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45;
/** [A-Za-z0-9.-] */
const isDomainChar = (c: number) => isLetter(c) || isDigit(c) || c === 46 || c === 45;

/**
 * Email addresses (`local@domain.tld`, local part [A-Za-z0-9._%+-]+, domain [A-Za-z0-9.-]+ ending in a dot and
 * two or more letters) replaced, in one pass: the local part of an '@' is scanned back no further than the
 * previous '@' or match, its domain forward no further than the next '@', so no character is read more than
 * three times. Same matches as the regex it replaces, without its quadratic backtracking on text with no '@'.
 */
export function redactEmails(text: string): string {
  let at = text.indexOf('@');
  if (at === -1) return text;
  let out = '';
  let copied = 0; // text before this index is in `out` already
  let floor = 0; // a local part never starts before this (a previous match's end or '@')
  while (at !== -1) {
    let start = at;
    while (start > floor && isLocalChar(text.charCodeAt(start - 1))) start--;
    let domainEnd = at + 1;
    while (domainEnd < text.length && isDomainChar(text.charCodeAt(domainEnd))) domainEnd++;
    let end = -1;
    if (start < at) {
      // The regex's greedy domain gives back characters until "\.[A-Za-z]{2,}" fits: the rightmost such dot
      // (with at least one domain character before it), then every letter after it.
      for (let dot = domainEnd - 3; dot > at + 1; dot--) {
        if (text.charCodeAt(dot) === 46 && isLetter(text.charCodeAt(dot + 1)) && isLetter(text.charCodeAt(dot + 2))) {
          end = dot + 3;
          while (end < domainEnd && isLetter(text.charCodeAt(end))) end++;
          break;
        }
      }
    }
    if (end !== -1) {
      out += text.slice(copied, start) + REDACTED;
      copied = end;
      floor = end;
      at = text.indexOf('@', end);
    } else {
      floor = at + 1;
      at = text.indexOf('@', at + 1);
    }
  }
  return out + text.slice(copied);
}

const isWordChar = (c: number) => isLetter(c) || isDigit(c) || c === 95;
const isCardSeparator = (c: number) => c === 32 || c === 45;
/** Where a card candidate may start: a digit at a word boundary (found natively, so long text without one is cheap). */
const CARD_START = /\b\d/g;

/**
 * Luhn-valid card numbers replaced: 13–19 digits with at most one space or dash between digits, starting and
 * ending at a word boundary (the regex `\b\d(?:[ -]?\d){12,18}\b`, longest fit first). At most 37 characters
 * are read per candidate start, and candidates start only at word boundaries.
 */
export function redactCards(text: string): string {
  let out = '';
  let copied = 0;
  const positions: number[] = []; // where each digit of the candidate is
  CARD_START.lastIndex = 0;
  for (let found = CARD_START.exec(text); found; found = CARD_START.exec(text)) {
    const start = found.index;
    positions.length = 0;
    let i = start;
    while (positions.length < 19) {
      if (isDigit(text.charCodeAt(i))) positions.push(i++);
      else if (positions.length > 0 && isCardSeparator(text.charCodeAt(i)) && isDigit(text.charCodeAt(i + 1))) i++;
      else break;
    }
    for (let count = positions.length; count >= 13; count--) {
      const end = positions[count - 1] + 1;
      if (end < text.length && isWordChar(text.charCodeAt(end))) continue;
      if (luhn(text, positions, count)) {
        out += text.slice(copied, start) + REDACTED;
        copied = end;
      }
      // Like a regex replace, a candidate is consumed whether or not it passes Luhn.
      CARD_START.lastIndex = end;
      break;
    }
  }
  return copied === 0 ? text : out + text.slice(copied);
}

export interface ScrubOptions {
  /** Exact values never to print (e.g. the Worker's secret values). */
  secretValues?: string[];
  /** Field names whose values are always redacted, besides the built-in ones (authorization, cookie, ...). */
  secretNames?: string[];
}

/** Redacts emails, bearer/basic credentials, card numbers (Luhn-valid) and known secret values in text, in linear time. */
export function scrubText(text: string, options: ScrubOptions = {}): string {
  let out = text;
  for (const value of options.secretValues ?? []) {
    if (value && value.length >= 4 && out.includes(value)) out = out.split(value).join(REDACTED);
  }
  out = out.replace(BEARER, (_m, scheme: string) => `${scheme} ${REDACTED}`);
  out = redactEmails(out);
  return redactCards(out);
}

/** Deep copy of `value` with sensitive keys and sensitive text redacted. Cycles become "[circular]". */
export function scrubValue(value: unknown, options: ScrubOptions = {}, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return scrubText(value, options);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (value instanceof Error) return { name: value.name, message: scrubText(value.message, options), stack: value.stack ? scrubText(value.stack, options) : undefined };
  if (value instanceof Headers) return scrubValue(Object.fromEntries(value.entries()), options, seen);
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, options, seen));
  const names = new Set((options.secretNames ?? []).map((n) => n.toLowerCase()));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = SENSITIVE_KEYS.test(key) || names.has(key.toLowerCase()) ? REDACTED : scrubValue(v, options, seen);
  }
  return out;
}
