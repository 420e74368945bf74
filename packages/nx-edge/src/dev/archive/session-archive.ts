import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogStore, type LogRecord, type LogStore } from '../../logs/log-store';
import { isProxySpanTuple } from '../../proxy/proxy-span';
import { createTraceStore, type Span, type StoredSpan, type TraceStore } from '../../traces/trace-store';
import { ensurePrivateDir, stateDir } from '../../utils/private-state';
import { ARCHIVE_FLUSH_BYTES as FLUSH_BYTES, ARCHIVE_FLUSH_EVERY_MS as FLUSH_EVERY_MS, MAX_ARCHIVE_FILE_BYTES, openArchiveFile } from './archive-file';

export { MAX_ARCHIVE_FILE_BYTES } from './archive-file';
import type { ServiceGraph } from '../hub/session-view';

/**
 * Past dev sessions, kept so a trace can be compared before and after a change: each hub appends its
 * session's spans and log lines (already scrubbed of `.dev.vars` values, as the hub stores them) under
 * `.nx-edge/sessions/<id>/` (0700, files 0600), bounded per file, and keeps the newest SESSIONS_KEPT.
 * Read back read-only, by the dashboard (through the running hub) and by `nx-edge mcp` (from disk).
 */
export const SESSIONS_KEPT = 10;
/**
 * The proxy's front writes the spans of the requests it relays to a file of its own, a line per batch (a JSON
 * array of span tuples, see proxy-span.ts), so the hub takes none of them while nobody reads traces.
 */
export const PROXY_SPANS_FILE = 'proxy-spans.jsonl';
/** `20261202T204501Z-12345`: a UTC start time and the hub's pid; anything else is refused as a path. */
const SESSION_ID = /^\d{8}T\d{6}Z-\d{1,10}$/;

export interface SessionMeta {
  id: string;
  startedAt: number;
  /** Absent while the session runs, or when its hub died without closing it (then `lastWrittenAt` stands). */
  endedAt?: number;
  lastWrittenAt?: number;
  services: string[];
  graph?: ServiceGraph;
  /** Set when a file reached MAX_ARCHIVE_FILE_BYTES: what came after was not recorded. */
  truncated?: ('spans' | 'logs')[];
}

export const sessionsDir = (workspaceRoot: string) => stateDir(workspaceRoot, 'sessions');
export const isSessionId = (id: string) => SESSION_ID.test(id);

export function sessionIdFor(startedAt: number, pid: number): string {
  return `${new Date(startedAt).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${pid}`;
}

function writeMeta(dir: string, meta: SessionMeta): void {
  const file = join(dir, 'meta.json');
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(meta), { mode: 0o600 });
  renameSync(tmp, file);
}

export interface SessionRecorder {
  id: string;
  /**
   * Where the proxy's front appends the spans of the requests it relays itself (it writes them, not the hub), its
   * bound, and what it reports when it reached it (the meta says the session's spans were cut).
   */
  proxySpans: { file: string; maxBytes: number; cut(): void };
  /** A proxy span is written as the tuple it came as (a line that is a JSON array). */
  span(span: StoredSpan): void;
  log(record: LogRecord): void;
  /** The services and graph the meta shows (written with the next flush). */
  describe(services: string[], graph: ServiceGraph): void;
  close(endedAt?: number): void;
}

/** Starts recording this hub's session, and removes the oldest sessions beyond SESSIONS_KEPT. */
export function recordSession(workspaceRoot: string, opts: { startedAt: number; pid: number; maxFileBytes?: number; now?: () => number }): SessionRecorder {
  const now = opts.now ?? Date.now;
  const maxBytes = opts.maxFileBytes ?? MAX_ARCHIVE_FILE_BYTES;
  const id = sessionIdFor(opts.startedAt, opts.pid);
  const dir = ensurePrivateDir(join(sessionsDir(workspaceRoot), id));
  const meta: SessionMeta = { id, startedAt: opts.startedAt, services: [] };
  writeMeta(dir, meta);
  for (const old of listSessionIds(workspaceRoot).slice(0, -SESSIONS_KEPT)) rmSync(join(sessionsDir(workspaceRoot), old), { recursive: true, force: true });

  const files = {
    spans: openArchiveFile(join(dir, 'spans.jsonl'), { maxBytes, flushBytes: FLUSH_BYTES, onCut: () => markCut('spans') }),
    logs: openArchiveFile(join(dir, 'logs.jsonl'), { maxBytes, flushBytes: FLUSH_BYTES, onCut: () => markCut('logs') }),
  };
  let metaChanged = false;
  function markCut(kind: 'spans' | 'logs'): void {
    if (meta.truncated?.includes(kind)) return;
    (meta.truncated ??= []).push(kind);
    metaChanged = true;
  }
  /** `.nx-edge/` deleted while the session runs (the hub recreates its own files too): the archive starts again. */
  const reopenIfGone = () => {
    if (existsSync(join(dir, 'meta.json'))) return;
    ensurePrivateDir(dir);
    for (const f of Object.values(files)) f.reopen();
    metaChanged = true;
  };
  // Never throws: the archive is a record on the side, and the hub must stop (and exit) whatever happens to it.
  // A full buffer writes its lines only (ArchiveFile); the folder check and the meta (a write and a rename) wait
  // for the timer's flush: under load (thousands of spans a second) they cost the proxy's throughput.
  const flush = () => {
    try {
      reopenIfGone();
      files.spans.flush();
      files.logs.flush();
      if (metaChanged) {
        meta.lastWrittenAt = now();
        writeMeta(dir, meta);
        metaChanged = false;
      }
    } catch {
      // a full disk or a folder taken away mid-write: this flush is lost, the next one tries again
    }
  };
  const timer = setInterval(() => flush(), FLUSH_EVERY_MS);
  timer.unref();
  const append = (kind: 'spans' | 'logs', value: unknown) => {
    try {
      files[kind].append(JSON.stringify(value) + '\n');
    } catch {
      // as flush: never a throw into the hub
    }
    metaChanged = true;
  };
  return {
    id,
    proxySpans: { file: join(dir, PROXY_SPANS_FILE), maxBytes, cut: () => markCut('spans') },
    span: (span) => append('spans', span),
    log: (record) => append('logs', record),
    describe(services, graph) {
      meta.services = services;
      meta.graph = graph;
      metaChanged = true;
    },
    close(endedAt = now()) {
      clearInterval(timer);
      meta.endedAt = endedAt;
      metaChanged = true;
      flush();
      for (const f of Object.values(files)) f.close();
    },
  };
}

/** The ids of the recorded sessions, oldest first. */
export function listSessionIds(workspaceRoot: string): string[] {
  const dir = sessionsDir(workspaceRoot);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter(isSessionId).sort();
}

export function readSessionMeta(workspaceRoot: string, id: string): SessionMeta | undefined {
  if (!isSessionId(id)) return undefined;
  try {
    return JSON.parse(readFileSync(join(sessionsDir(workspaceRoot), id, 'meta.json'), 'utf8')) as SessionMeta;
  } catch {
    return undefined;
  }
}

/** The recorded sessions, newest first. */
export function listSessions(workspaceRoot: string): SessionMeta[] {
  return listSessionIds(workspaceRoot)
    .reverse()
    .map((id) => readSessionMeta(workspaceRoot, id))
    .filter((m): m is SessionMeta => !!m);
}

export interface OpenedSession {
  meta: SessionMeta;
  traces: TraceStore;
  logs: LogStore;
}

/** Each JSON line of a file, linearly; a torn or foreign line is skipped. */
function eachLine(file: string, fn: (value: unknown) => void): void {
  if (!existsSync(file)) return;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    try {
      fn(JSON.parse(line));
    } catch {
      // a line cut by a crash
    }
  }
}

/** A past session as stores the dashboard and MCP already know how to query (read-only: nothing writes them back). */
export function openSession(workspaceRoot: string, id: string): OpenedSession | undefined {
  const meta = readSessionMeta(workspaceRoot, id);
  if (!meta) return undefined;
  const dir = join(sessionsDir(workspaceRoot), id);
  const traces = createTraceStore();
  const logs = createLogStore({});
  eachLine(join(dir, 'spans.jsonl'), (span) => {
    if (isProxySpanTuple(span)) return traces.add(span);
    const s = span as Span;
    if (s && typeof s.traceId === 'string' && typeof s.spanId === 'string' && typeof s.start === 'number') traces.add(s);
  });
  eachLine(join(dir, PROXY_SPANS_FILE), (batch) => {
    if (Array.isArray(batch)) for (const span of batch) if (isProxySpanTuple(span)) traces.add(span);
  });
  eachLine(join(dir, 'logs.jsonl'), (record) => {
    const r = record as LogRecord;
    if (r && typeof r.service === 'string' && typeof r.time === 'number' && typeof r.message === 'string') logs.append(r);
  });
  return { meta, traces, logs };
}

/** How long an opened past session stays in memory (the dashboard asks for it once per view). */
const OPEN_SESSION_TTL_MS = 60_000;

/** The hub's view of its workspace's past sessions: the list, and one opened at a time, kept a minute. */
export function createPastSessions(workspaceRoot: string, current: string): { current: string; list(): SessionMeta[]; open(id: string): OpenedSession | undefined } {
  let cached: { id: string; at: number; session: OpenedSession } | undefined;
  return {
    current,
    list: () => listSessions(workspaceRoot),
    open(id) {
      // The session being recorded is the live one: it is read from the hub's own stores, not from here.
      if (id === current) return undefined;
      if (cached?.id === id && Date.now() - cached.at < OPEN_SESSION_TTL_MS) return cached.session;
      const session = openSession(workspaceRoot, id);
      cached = session ? { id, at: Date.now(), session } : undefined;
      return session;
    },
  };
}
