// The dev hub process: `node hub-main.js <workspaceRoot> <proxyPort>`, started detached by
// hub-launch.js for the first dev client of a workspace (see ../client/hub-client.ts), so it is
// nobody's child and stops what it runs itself, in order. It serves a control
// endpoint on 127.0.0.1 for this user's dev clients only (token in the 0600 hub.json); it exits once
// the last client has gone.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createLogStore, DEFAULT_MAX_TOTAL, type LogStore } from '../../logs/log-store';
import { createTraceStore, DEFAULT_MAX_TRACES, type TraceStore } from '../../traces/trace-store';
import { createPastSessions, recordSession } from '../archive/session-archive';
import { isProxySpanTuple } from '../../proxy/proxy-span';
import { DEV_LOG_RELATIVE_PATH } from '../../logs/log-reader';
import { UserError } from '../../utils/user-error';
import { ensurePrivateDevDir, hubFile, removeHub, writeHub, type HubInfo } from '../hub-registry';
import type { AttachRequest, HubClient, HubEvent } from '../protocol';
import { DevHub, HUB_LOG_NAME } from './dev-hub';
import { hubErrorFile } from '../hub-error';

export const CONTROL_TOKEN_HEADER = 'x-nx-edge-token';
/** Unread bytes an attached terminal may hold before its log lines are skipped (with a note). */
export const MAX_CLIENT_BUFFER = 1024 * 1024;
const MAX_BODY = 1024 * 1024;

/** A positive whole number from the environment, else the default. */
function positiveInt(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > MAX_BODY) req.destroy(new Error('body too large'));
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

/**
 * Why a control request is refused, or undefined when it may proceed: it must carry the session token,
 * must not come from a browser (an `Origin` header), and a POST must be `application/json` (a page's
 * form or "simple" fetch can only send text/plain, urlencoded or multipart without a preflight).
 */
export function refusalOf(req: IncomingMessage, token: string): string | undefined {
  if (req.headers.origin !== undefined) return `a request from a web page (Origin: ${req.headers.origin})`;
  const given = req.headers[CONTROL_TOKEN_HEADER];
  const a = Buffer.from(typeof given === 'string' ? given : '');
  const b = Buffer.from(token);
  if (a.length !== b.length || !timingSafeEqual(a, b)) return 'a request without the session token';
  if (req.method === 'POST' && (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase() !== 'application/json') {
    return `a request with content-type "${req.headers['content-type'] ?? ''}"`;
  }
  return undefined;
}

/** A client's stream, bounded: log lines it cannot take are skipped and counted, never buffered without end. */
function streamClient(res: ServerResponse): HubClient {
  let skipped = 0;
  const write = (event: HubEvent) => res.write(`${JSON.stringify(event)}\n`);
  res.on('drain', () => {
    if (skipped === 0) return;
    const message = `${skipped} log line${skipped === 1 ? ' was' : 's were'} not shown here (this terminal was not reading); nx-edge logs has them`;
    skipped = 0;
    write({ type: 'log', record: { time: Date.now(), service: HUB_LOG_NAME, stream: 'system', level: 'warn', message } });
  });
  return {
    send: (event) => {
      if (res.destroyed || res.writableEnded) return;
      if (event.type === 'log' && res.writableLength > MAX_CLIENT_BUFFER) {
        skipped++;
        return;
      }
      write(event);
    },
    end: () => {
      if (!res.destroyed && !res.writableEnded) res.end();
    },
  };
}

export function startControlServer(hub: DevHub, token: string): Promise<Server> {
  const clients = new Map<string, HubClient>();
  const handleControlRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const refusal = refusalOf(req, token);
    if (refusal) {
      hub.log(HUB_LOG_NAME, 'system', `WARN refused ${req.method} ${req.url} on the control port: ${refusal}`, 'warn');
      res.writeHead(403, { 'content-type': 'text/plain' }).end('forbidden\n');
      req.resume();
      return;
    }
    if (req.method === 'GET' && req.url === '/status') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ pid: process.pid, services: hub.statuses() }));
      return;
    }
    if (req.method === 'POST' && req.url === '/leave') {
      let clientId: string | undefined;
      try {
        clientId = (JSON.parse(await readBody(req)) as { clientId?: string }).clientId;
      } catch {
        // answered below
      }
      const client = clientId ? clients.get(clientId) : undefined;
      if (client) hub.leave(client);
      res.writeHead(client ? 202 : 404).end();
      return;
    }
    if (req.method !== 'POST' || req.url !== '/attach') {
      res.writeHead(404).end();
      return;
    }
    let attach: AttachRequest;
    try {
      attach = JSON.parse(await readBody(req)) as AttachRequest;
      if (!attach.spec?.service) throw new Error('no spec');
    } catch {
      res.writeHead(400).end('bad attach request');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
    res.flushHeaders();
    // A client that went away mid-write must not take the hub down.
    res.on('error', () => undefined);
    const client = streamClient(res);
    const clientId = attach.clientId ?? randomBytes(8).toString('hex');
    clients.set(clientId, client);
    // The client's process ending (Ctrl-C, Nx killed) closes this request: that is the detach.
    res.on('close', () => {
      clients.delete(clientId);
      hub.detach(client);
    });
    const closure = Array.isArray(attach.closure) ? attach.closure : [];
    if (attach.plan?.length || closure.length) hub.prewarm([...(attach.plan ?? []), ...closure]);
    hub.attach(attach.spec, client, closure);
  };
  const server = createServer((req, res) => void handleControlRequest(req, res));
  server.keepAliveTimeout = 0;
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

async function main(): Promise<void> {
  const [workspaceRoot, proxyPortArg] = process.argv.slice(2);
  ensurePrivateDevDir(workspaceRoot);
  rmSync(hubErrorFile(workspaceRoot), { force: true });
  // The hub leads its own process group (detached): workerd, which Miniflare starts, is in it.
  const startedAt = Math.floor(Date.now() - process.uptime() * 1000);
  const token = randomBytes(32).toString('hex');
  const dashboardToken = randomBytes(24).toString('hex');
  // Kept in memory for the dashboard (the JSONL file keeps every line): .NET Aspire's defaults.
  const sessionLogs = createLogStore({ jsonlPath: join(workspaceRoot, DEV_LOG_RELATIVE_PATH), maxTotal: positiveInt(process.env.NX_EDGE_DEV_LOG_LINES, DEFAULT_MAX_TOTAL) });
  const sessionTraces = createTraceStore({ maxTraces: positiveInt(process.env.NX_EDGE_DEV_TRACES, DEFAULT_MAX_TRACES) });
  // Every span and line of this session also goes to its archive, for opening it after the session ends.
  const recorder = recordSession(workspaceRoot, { startedAt, pid: process.pid });
  const logs: LogStore = { ...sessionLogs, append: (record) => (sessionLogs.append(record), recorder.log(record)) };
  // The front's spans (tuples) are in the archive already: the front writes them itself (proxy/front-spans.ts).
  const traces: TraceStore = {
    ...sessionTraces,
    add: (span) => {
      sessionTraces.add(span);
      if (!isProxySpanTuple(span)) recorder.span(span);
    },
  };
  const pastSessions = createPastSessions(workspaceRoot, recorder.id);
  let exiting = false;
  let control: Server | undefined;
  let info: HubInfo | undefined;
  const exit = async (code: number) => {
    if (exiting) return;
    exiting = true;
    await hub.shutdown().catch(() => undefined);
    try {
      describeSession();
      recorder.close();
    } catch (error) {
      console.error(`nx-edge dev hub: the session archive could not be closed: ${(error as Error).message}`);
    }
    control?.close();
    removeHub(workspaceRoot, process.pid);
    logs.close();
    // Let the last "stopped" events reach the clients that asked to leave.
    setTimeout(() => process.exit(code), 100).unref();
  };
  const hub: DevHub = new DevHub({
    workspaceRoot,
    proxyPort: Number(proxyPortArg),
    proxyFront: true,
    frontArchive: recorder.proxySpans,
    logs,
    traces,
    sessions: pastSessions,
    dashboardToken,
    onIdle: () => void exit(0),
    onProcessesChanged: (groups) => {
      if (!info || exiting) return;
      info = { ...info, serviceGroups: groups };
      writeHub(workspaceRoot, info);
    },
  });
  // Whatever goes wrong, the registry entry must not outlive the hub (clients would wait on a dead one).
  const describeSession = () => recorder.describe(hub.statuses().map((s) => s.service), hub.graph());
  setInterval(describeSession, 5000).unref();
  process.on('uncaughtException', (error) => {
    console.error(`nx-edge dev hub: unexpected error: ${error.stack ?? error}`);
    if (!exiting) return;
    removeHub(workspaceRoot, process.pid);
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => console.error(`nx-edge dev hub: unexpected error: ${reason instanceof Error ? reason.stack : String(reason)}`));
  process.on('exit', () => removeHub(workspaceRoot, process.pid));
  process.on('SIGTERM', () => void exit(0));
  process.on('SIGINT', () => void exit(0));
  process.on('SIGHUP', () => void exit(0));
  try {
    await hub.start();
    control = await startControlServer(hub, token);
  } catch (error) {
    const message = error instanceof UserError ? error.message : `the nx-edge dev hub could not start: ${error instanceof Error ? error.stack : String(error)}`;
    writeFileSync(hubErrorFile(workspaceRoot), message, { mode: 0o600 });
    await hub.shutdown().catch(() => undefined);
    logs.close();
    process.exit(1);
  }
  const address = control.address();
  info = {
    pid: process.pid,
    controlPort: typeof address === 'object' && address ? address.port : 0,
    token,
    dashboardToken,
    proxyPort: hub.proxyPort ?? Number(proxyPortArg),
    startedAt,
    workspaceRoot,
  };
  writeHub(workspaceRoot, info);
  // Miniflare (≈ 0.35 s of synchronous loading) now, while the first client reads hub.json and attaches, rather
  // than in the middle of bundling its Workers, whose esbuild plugins call back into this thread.
  setImmediate(() => hub.preload());
  // `.nx-edge/` deleted while the session runs (by hand, by `git clean`): recreate what this session needs, so
  // `nx-edge status`/`logs` and new dev tasks still find it, and say so.
  setInterval(() => {
    if (exiting || !info) return;
    const recreated: string[] = [];
    if (!existsSync(hubFile(workspaceRoot))) {
      writeHub(workspaceRoot, info);
      recreated.push('.nx-edge/dev/hub.json');
    }
    if (logs.reopenIfMissing()) recreated.push(DEV_LOG_RELATIVE_PATH);
    if (recreated.length) {
      const message = `recreated ${recreated.join(' and ')}: .nx-edge/ was deleted while this dev session ran`;
      console.error(`nx-edge dev hub: ${message}`);
      logs.append({ time: Date.now(), service: 'nx-edge', stream: 'system', level: 'warn', message });
    }
  }, 1000).unref();
  // Nobody attached (the spawning client died early): don't linger.
  setTimeout(() => {
    if (hub.statuses().length === 0) void exit(0);
  }, 30_000).unref();
}

if (require.main === module) void main();
