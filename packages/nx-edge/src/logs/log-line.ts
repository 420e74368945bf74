import { StringDecoder } from 'node:string_decoder';
import type { LogLevel, LogRecord } from './log-record';
import { inertText } from './inert-text';

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
const TRACE_IN_TEXT = /\btrace(?:_id)?[=:]\s*"?([0-9a-f]{32})\b/i;
const TRACEPARENT_IN_TEXT = /\b[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}\b/i;
const LEVEL_WORD = /^\s*(?:\[)?(debug|info|warn(?:ing)?|error|fatal)\b/i;

function normaliseLevel(value: unknown): LogLevel | undefined {
  if (typeof value !== 'string') return undefined;
  const lower = value.toLowerCase();
  if (lower === 'warning') return 'warn';
  if (lower === 'fatal') return 'error';
  return (LEVELS as readonly string[]).includes(lower) ? (lower as LogLevel) : undefined;
}

export function levelRank(level: LogLevel): number {
  return LEVELS.indexOf(level);
}

export function isLogLevel(value: string): value is LogLevel {
  return (LEVELS as readonly string[]).includes(value);
}

/**
 * One line of a service's output → a record. JSON lines from @aero/edge-runtime's logger keep their
 * structure; plain lines keep their text. Level of a plain line: a leading level word if present
 * ("WARN ...", "[error] ..."), else 'info' — stderr alone does not mean error (many tools log there).
 */
export function parseLogLine(service: string, stream: 'stdout' | 'stderr', line: string, now: number): LogRecord {
  const trimmed = line.trim();
  if (trimmed.startsWith('{') && trimmed.endsWith('}')) {
    try {
      const parsed = JSON.parse(trimmed) as Record<string, unknown>;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return fromJson(service, stream, parsed, now);
    } catch {
      // not JSON after all: keep as text
    }
  }
  const record: LogRecord = { time: now, service, stream, level: normaliseLevel(LEVEL_WORD.exec(line)?.[1]) ?? 'info', message: line };
  const trace = TRACE_IN_TEXT.exec(line);
  if (trace) record.trace_id = trace[1].toLowerCase();
  else {
    const parent = TRACEPARENT_IN_TEXT.exec(line);
    if (parent) {
      record.trace_id = parent[1].toLowerCase();
      record.span_id = parent[2].toLowerCase();
    }
  }
  return record;
}

function fromJson(service: string, stream: 'stdout' | 'stderr', json: Record<string, unknown>, now: number): LogRecord {
  const { time, level, service: jsonService, trace_id, span_id, message, msg, ...rest } = json;
  const parsedTime = typeof time === 'number' ? time : typeof time === 'string' ? Date.parse(time) : NaN;
  const record: LogRecord = {
    time: Number.isFinite(parsedTime) ? parsedTime : now,
    // The process we read from is the truth for attribution; a Worker hub may carry several services
    // in one stream, so the logger's own `service` wins when present.
    service: typeof jsonService === 'string' && jsonService ? jsonService : service,
    stream,
    level: normaliseLevel(level) ?? 'info',
    message: typeof message === 'string' ? message : typeof msg === 'string' ? msg : '',
  };
  if (typeof trace_id === 'string' && trace_id) record.trace_id = trace_id;
  if (typeof span_id === 'string' && span_id) record.span_id = span_id;
  if (Object.keys(rest).length > 0) record.fields = rest;
  return record;
}

// Colours that read on dark and light terminals; red is kept for the error level.
const SERVICE_COLOURS = [36, 32, 35, 33, 34, 96, 92, 95, 93, 94];

export function serviceColour(service: string): number {
  let hash = 0;
  for (let i = 0; i < service.length; i++) hash = (hash * 31 + service.charCodeAt(i)) >>> 0;
  return SERVICE_COLOURS[hash % SERVICE_COLOURS.length];
}

/** Colour on when FORCE_COLOR asks, off when NO_COLOR is set, else when the stream is a TTY. */
export function shouldColour(env: NodeJS.ProcessEnv = process.env, isTTY = !!process.stdout.isTTY): boolean {
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR === '0' || env.FORCE_COLOR === 'false') return false;
  return isTTY;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

export function formatClock(time: number): string {
  const d = new Date(time);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

function formatField(value: unknown): string {
  if (typeof value === 'string') return /[\s="]/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value) ?? String(value);
}

/**
 * `HH:MM:SS.mmm [service] level message key=value … trace=<id>` — the one format dev, `nx-edge logs` and
 * `nx-edge tail` print. Every part that came from a Worker is made inert (inertText) before our colours
 * are added; the JSONL file keeps the exact text.
 */
export function formatLogLine(r: LogRecord, opts: { color: boolean }): string {
  const paint = (code: number, text: string) => (opts.color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const levelCode = r.level === 'error' ? 31 : r.level === 'warn' ? 33 : r.level === 'debug' ? 90 : 0;
  const parts = [paint(90, formatClock(r.time)), paint(serviceColour(r.service), `[${inertText(r.service)}]`)];
  parts.push(levelCode ? paint(levelCode, r.level) : inertText(r.level));
  parts.push(inertText(r.message));
  for (const [key, value] of Object.entries(r.fields ?? {})) parts.push(inertText(`${key}=${formatField(value)}`));
  if (r.trace_id) parts.push(paint(90, `trace=${inertText(r.trace_id)}`));
  return parts.join(' ');
}

/**
 * Splits a byte stream into whole lines (LF or CRLF). A partial line waits for the next chunk, so two
 * streams merged line by line never interleave mid-line; `end()` flushes a final unterminated line.
 */
export function createLineSplitter(onLine: (line: string) => void): { write(chunk: Buffer | string): void; end(): void } {
  let pending = '';
  const decoder = new StringDecoder('utf8');
  return {
    write(chunk) {
      // Only the new text is searched for a newline: a long line arriving in many chunks stays linear.
      const searchFrom = pending.length;
      pending += typeof chunk === 'string' ? chunk : decoder.write(chunk);
      let start = 0;
      let newline: number;
      while ((newline = pending.indexOf('\n', start === 0 ? searchFrom : start)) !== -1) {
        const end = newline > start && pending.charCodeAt(newline - 1) === 13 ? newline - 1 : newline;
        onLine(pending.slice(start, end));
        start = newline + 1;
      }
      pending = pending.slice(start);
    },
    end() {
      pending += decoder.end();
      if (pending.length > 0) {
        onLine(pending.endsWith('\r') ? pending.slice(0, -1) : pending);
        pending = '';
      }
    },
  };
}
