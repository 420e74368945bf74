import { parseLogLine } from '../logs/log-line';
import type { LogLevel, LogRecord } from '../logs/log-record';

/** One event of Cloudflare's tail stream (`trace-v1`), as `wrangler tail --format json` prints it. */
export interface TailEvent {
  scriptName?: string;
  outcome?: string;
  eventTimestamp?: number;
  event?: {
    request?: { url?: string; method?: string; headers?: Record<string, string> };
    response?: { status?: number };
    cron?: string;
    queue?: string;
    batchSize?: number;
  } | null;
  logs?: { message?: unknown[]; level?: string; timestamp?: number }[];
  exceptions?: { name?: string; message?: unknown; timestamp?: number }[];
  scriptVersion?: { id?: string };
}

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/i;
const CONSOLE_LEVEL: Record<string, LogLevel> = { log: 'info', info: 'info', debug: 'debug', warn: 'warn', error: 'error' };

function headerOf(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key ? headers[key] : undefined;
}

function text(parts: unknown[] | undefined): string {
  return (parts ?? []).map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join(' ');
}

/** The first line of an event: what invoked the Worker and how it ended. */
function invocation(event: TailEvent): { message: string; level: LogLevel; fields?: Record<string, unknown> } {
  const e = event.event ?? {};
  const outcome = event.outcome ?? 'unknown';
  const failed = outcome !== 'ok';
  const fields = failed ? { outcome } : undefined;
  if (e.request) {
    const url = e.request.url ?? '';
    let path = url;
    try {
      const parsed = new URL(url);
      path = parsed.pathname + parsed.search;
    } catch {
      // not a URL: print it as it came
    }
    const status = e.response?.status;
    const level: LogLevel = failed || (status ?? 0) >= 500 ? 'error' : (status ?? 0) >= 400 ? 'warn' : 'info';
    return { message: `${e.request.method ?? 'GET'} ${path} → ${status ?? outcome}`, level, fields };
  }
  const what = e.cron !== undefined ? `scheduled "${e.cron}"` : e.queue !== undefined ? `queue ${e.queue}${e.batchSize ? ` (${e.batchSize} messages)` : ''}` : 'invocation';
  return { message: `${what} → ${outcome}`, level: failed ? 'error' : 'info', fields };
}

/**
 * One tail event → log records in the shape `nx-edge logs` uses: the invocation line, each console
 * line (the runtime's JSON lines keep their fields) and each uncaught exception, all tagged with the
 * service and with the event's trace id — from the `traceparent` the request carried, else from the
 * first of its log lines that has one (the entry Worker starts the trace itself).
 */
export function recordsFromTailEvent(event: TailEvent, service: string): LogRecord[] {
  const time = event.eventTimestamp ?? Date.now();
  const parent = TRACEPARENT.exec(headerOf(event.event?.request?.headers, 'traceparent') ?? '');
  const records: LogRecord[] = [];
  const head = invocation(event);
  records.push({ time, service, stream: 'stdout', level: head.level, message: head.message, ...(head.fields ? { fields: head.fields } : {}) });
  for (const line of event.logs ?? []) {
    const raw = text(line.message);
    const record = parseLogLine(service, 'stdout', raw, line.timestamp ?? time);
    record.service = service;
    // A plain console line has no level of its own: console.error is an error, console.log info.
    if (!raw.trim().startsWith('{') || !/"level"\s*:/.test(raw)) record.level = CONSOLE_LEVEL[line.level ?? 'log'] ?? record.level;
    records.push(record);
  }
  for (const exception of event.exceptions ?? []) {
    const message = typeof exception.message === 'string' ? exception.message : JSON.stringify(exception.message);
    records.push({ time: exception.timestamp ?? time, service, stream: 'stderr', level: 'error', message: `${exception.name ?? 'Error'}: ${message}` });
  }
  const traceId = parent?.[1].toLowerCase() ?? records.find((r) => r.trace_id)?.trace_id;
  if (traceId) for (const r of records) r.trace_id ??= traceId;
  if (parent && !records[0].span_id) records[0].span_id = parent[2].toLowerCase();
  return records;
}

/**
 * `wrangler tail --format json` prints each event as JSON indented by 4 spaces: a top-level object
 * opens with "{" alone on a line and closes with "}" alone on a line (nested lines are indented and
 * JSON strings hold no raw newlines). Other lines (warnings, errors) go to `onText`.
 */
export function createTailEventReader(onEvent: (event: TailEvent) => void, onText: (line: string) => void): (line: string) => void {
  let pending: string[] | undefined;
  return (line) => {
    if (pending) {
      pending.push(line);
      if (line !== '}') return;
      const joined = pending.join('\n');
      pending = undefined;
      try {
        onEvent(JSON.parse(joined) as TailEvent);
      } catch {
        for (const l of joined.split('\n')) onText(l);
      }
      return;
    }
    if (line === '{') {
      pending = [line];
      return;
    }
    const trimmed = line.trim();
    if (trimmed.startsWith('{') && trimmed.endsWith('}')) {
      try {
        onEvent(JSON.parse(trimmed) as TailEvent);
        return;
      } catch {
        // not an event: plain text
      }
    }
    if (trimmed) onText(line);
  };
}
