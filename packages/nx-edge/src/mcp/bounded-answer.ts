import { inertText } from '../logs/inert-text';
import { scrubSecrets } from '../local/dev-vars';

/** The most characters one tool answer holds: an agent's context is the scarce thing, not our bytes. */
export const MAX_ANSWER_CHARS = 20_000;

/**
 * What an MCP tool answers, made safe to hand to an agent: every string inert (no ESC, CR, bidi override —
 * JSON alone escapes only C0), `.dev.vars` values redacted, and the JSON cut to `maxChars`: a list keeps
 * its first items that fit and says how many more there are; a long string is cut with its length said.
 */
export function boundedAnswer(value: unknown, opts: { secrets?: string[]; maxChars?: number } = {}): string {
  const maxChars = opts.maxChars ?? MAX_ANSWER_CHARS;
  const clean = (v: unknown): unknown => {
    if (typeof v === 'string') return inertText(scrubSecrets(v, opts.secrets));
    if (Array.isArray(v)) return v.map(clean);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [inertText(k), clean(x)]));
    return v;
  };
  const cleaned = clean(value);
  const whole = JSON.stringify(cleaned, null, 1);
  if (whole.length <= maxChars) return whole;
  return JSON.stringify(fit(cleaned, maxChars), null, 1);
}

/** The value with its lists cut (and counted) and its strings shortened until its JSON fits. */
function fit(value: unknown, maxChars: number): unknown {
  const size = (v: unknown) => JSON.stringify(v, null, 1).length;
  if (Array.isArray(value)) {
    const kept: unknown[] = [];
    let used = 40;
    for (const item of value) {
      const itemSize = size(item) + 2;
      if (used + itemSize > maxChars) break;
      kept.push(item);
      used += itemSize;
    }
    if (kept.length === value.length) return kept;
    if (kept.length === 0 && value.length > 0) kept.push(fit(value[0], maxChars - 80));
    return { items: kept, more: `${value.length - kept.length} more not shown (narrow the query or lower limit)` };
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    // The largest member gives way first, to what is left of the budget.
    const sizes = entries.map(([k, v]) => [k, size(v)] as const).sort((a, b) => b[1] - a[1]);
    const out: Record<string, unknown> = Object.fromEntries(entries);
    let total = size(out);
    for (const [key, memberSize] of sizes) {
      if (total <= maxChars) break;
      const room = Math.max(200, memberSize - (total - maxChars) - 40);
      out[key] = fit(out[key], room);
      total = size(out);
    }
    return out;
  }
  if (typeof value === 'string' && value.length > maxChars - 60) {
    const keep = Math.max(0, maxChars - 60);
    return `${value.slice(0, keep)}… [${value.length - keep} more characters]`;
  }
  return value;
}
