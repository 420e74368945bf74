export const REDACTED = '[redacted]';

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/]+=*/gi;
const CARD_CANDIDATE = /\b\d(?:[ -]?\d){12,18}\b/g;
const SENSITIVE_KEYS = /^(authorization|cookie|set-cookie|proxy-authorization|x-api-key|api[-_]?key|password|passwd|secret|token|access[-_]?token|refresh[-_]?token|client[-_]?secret)$/i;

function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

export interface ScrubOptions {
  /** Exact values never to print (e.g. the Worker's secret values). */
  secretValues?: string[];
  /** Field names whose values are always redacted, besides the built-in ones (authorization, cookie, ...). */
  secretNames?: string[];
}

/** Redacts emails, bearer/basic credentials, card numbers (Luhn-valid) and known secret values in text. */
export function scrubText(text: string, options: ScrubOptions = {}): string {
  let out = text;
  for (const value of options.secretValues ?? []) {
    if (value && value.length >= 4) out = out.split(value).join(REDACTED);
  }
  out = out.replace(BEARER, (_m, scheme: string) => `${scheme} ${REDACTED}`);
  out = out.replace(EMAIL, REDACTED);
  out = out.replace(CARD_CANDIDATE, (match) => {
    const digits = match.replace(/[ -]/g, '');
    return digits.length >= 13 && digits.length <= 19 && luhn(digits) ? REDACTED : match;
  });
  return out;
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
