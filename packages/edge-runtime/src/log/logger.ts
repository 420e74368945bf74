import { currentContext } from '../trace/context.js';
import { scrubText, scrubValue } from './scrub.js';

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
    message: scrubText(message, scrub),
  };
  const scrubbed = scrubValue(fields, scrub) as Record<string, unknown>;
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
    else parts.push(typeof arg === 'object' ? JSON.stringify(arg) : String(arg));
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
