import { currentContext } from '../trace/context.js';
import { scrubText, scrubValue, type ScrubOptions } from './scrub.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** One log line, as JSON: the shape the nx-edge dev log merger reads. */
export interface LogRecord {
  time: string;
  level: LogLevel;
  service?: string;
  trace_id?: string;
  span_id?: string;
  parent_span_id?: string;
  message: string;
  [field: string]: unknown;
}

const RESERVED = new Set(['time', 'level', 'service', 'trace_id', 'span_id', 'parent_span_id', 'message']);

export type LogSink = (level: LogLevel, line: string) => void;

/** The original console methods: the logger writes through them even while console is captured. */
const rawConsole = { log: console.log.bind(console), warn: console.warn.bind(console), error: console.error.bind(console) };
const consoleSink: LogSink = (level, line) => (level === 'error' ? rawConsole.error : level === 'warn' ? rawConsole.warn : rawConsole.log)(line);
let sink: LogSink = consoleSink;

/** Where log lines go (default: the console, one line each). Returns a function restoring the previous sink. */
export function setLogSink(next: LogSink): () => void {
  const previous = sink;
  sink = next;
  return () => {
    sink = previous;
  };
}

/**
 * The most characters of message, and of its fields as JSON, one record carries: a Worker may log what an
 * attacker sent (a 2 MB body), and every character costs CPU to scrub and to ship. Cloudflare keeps far less
 * of one invocation's logs anyway.
 */
export const MAX_LOG_MESSAGE_CHARS = 16 * 1024;
export const MAX_LOG_FIELDS_CHARS = 16 * 1024;
/** How far past the cut text is still scrubbed, so a secret or address straddling the cut is redacted, never half-shown. */
const SCRUB_MARGIN_CHARS = 4096;

/** `text` scrubbed and cut to `max` characters, with a note of how many were cut; work bounded by `max`, not by the text. */
export function scrubAndLimit(text: string, max: number, scrub: ScrubOptions): string {
  if (text.length <= max) return scrubText(text, scrub);
  const longestSecret = Math.max(0, ...(scrub.secretValues ?? []).map((v) => v.length));
  const window = scrubText(text.slice(0, max + SCRUB_MARGIN_CHARS + longestSecret), scrub);
  return `${window.slice(0, max)}… [truncated: ${text.length - max} more characters]`;
}

export function buildRecord(level: LogLevel, message: string, fields: Record<string, unknown> = {}, now = new Date()): LogRecord {
  const context = currentContext();
  const scrub = { secretValues: context?.secretValues, secretNames: context?.secretNames };
  const record: LogRecord = {
    time: now.toISOString(),
    level,
    service: context?.service,
    trace_id: context?.traceId,
    span_id: context?.spanId,
    parent_span_id: context?.parentSpanId,
    message: scrubAndLimit(message, MAX_LOG_MESSAGE_CHARS, scrub),
  };
  let scrubbed = scrubValue(fields, scrub) as Record<string, unknown>;
  const fieldsJson = JSON.stringify(scrubbed) ?? '{}';
  if (fieldsJson.length > MAX_LOG_FIELDS_CHARS) {
    // Too big to keep as structure: the start of it as text (already scrubbed), and how much was cut.
    scrubbed = { fields: `${fieldsJson.slice(0, MAX_LOG_FIELDS_CHARS)}… [truncated: ${fieldsJson.length - MAX_LOG_FIELDS_CHARS} more characters]` };
  }
  for (const [key, value] of Object.entries(scrubbed)) record[RESERVED.has(key) ? `field_${key}` : key] = value;
  for (const key of Object.keys(record)) if (record[key] === undefined) delete record[key];
  return record;
}

function write(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
  sink(level, JSON.stringify(buildRecord(level, message, fields)));
}

/** Structured logger: one JSON object per line with trace and span ids of the current request. */
export const log = {
  debug: (message: string, fields?: Record<string, unknown>) => write('debug', message, fields),
  info: (message: string, fields?: Record<string, unknown>) => write('info', message, fields),
  warn: (message: string, fields?: Record<string, unknown>) => write('warn', message, fields),
  error: (message: string, fields?: Record<string, unknown>) => write('error', message, fields),
};

function formatArgs(args: unknown[]): { message: string; fields?: Record<string, unknown> } {
  const parts: string[] = [];
  let fields: Record<string, unknown> | undefined;
  for (const arg of args) {
    if (typeof arg === 'string') parts.push(arg);
    else if (arg instanceof Error) parts.push(`${arg.name}: ${arg.message}`);
    else if (arg && typeof arg === 'object' && !fields) fields = arg as Record<string, unknown>;
    else if (typeof arg === 'object') parts.push(JSON.stringify(arg));
    else if (typeof arg === 'string') parts.push(arg);
    else if (typeof arg === 'number' || typeof arg === 'boolean' || typeof arg === 'bigint' || typeof arg === 'symbol') parts.push(arg.toString());
    else if (typeof arg === 'function') parts.push(Function.prototype.toString.call(arg));
    else parts.push('undefined');
  }
  return { message: parts.join(' '), fields };
}

let captured = false;

/**
 * console.log/info/debug/warn/error inside a request go through the logger (same JSON shape, same
 * trace, same scrubbing); outside a request they print as they are. Installed once per isolate.
 */
export function captureConsole(): void {
  if (captured) return;
  captured = true;
  const levels: [keyof Console, LogLevel][] = [['log', 'info'], ['info', 'info'], ['debug', 'debug'], ['warn', 'warn'], ['error', 'error']];
  for (const [method, level] of levels) {
    const original = (console[method] as (...a: unknown[]) => void).bind(console);
    (console as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      if (!currentContext()) return original(...args);
      const { message, fields } = formatArgs(args);
      write(level, message, fields);
    };
  }
}
