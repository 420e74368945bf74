import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { parseDevVars } from '../local/dev-vars';
import { readFileSync } from 'node:fs';
import { boundedAnswer } from './bounded-answer';
import type { SessionApi } from './hub-session';
import { parsedLines, type CliResult, type CliRunner } from './cli-runner';
import type { WorkerView } from './workspace-view';
import type { OpenedSession, SessionMeta } from '../dev/archive/session-archive';
import { logFilterFromQuery } from '../proxy/dev-proxy';

/** What the MCP server reads and runs, injected (the real ones in mcp-main; fakes in its spec). */
export interface McpDeps {
  workspaceRoot: string;
  version: string;
  /** The running dev session, or undefined when none runs. */
  session(): SessionApi | undefined;
  /** `nx-edge <args>` in its own process. */
  run: CliRunner;
  workspace(): { workers: WorkerView[]; edges: { from: string; to: string }[] };
  /** Past dev sessions, read from disk (no hub needed). */
  past: { list(): SessionMeta[]; open(id: string): OpenedSession | undefined };
}

const NO_SESSION = (root: string) =>
  `No nx-edge dev session is running in ${root}. Start one in a terminal with \`nx run-many -t dev\` (every service) or \`nx run <worker>:dev\` (one Worker and what it calls), then ask again.`;
const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
const SESSION_ID = z.string().regex(/^\d{8}T\d{6}Z-\d{1,10}$/, 'a session id from `sessions`');
const TRACE_ID = z.string().regex(/^[0-9a-fA-F]{32}$/, 'a trace id: 32 hex digits');
/** The longest a `tail` window may be: an agent waits for the whole of it. */
export const MAX_TAIL_SECONDS = 60;
const MAX_BODY_CHARS = 4000;

type Answer = { content: { type: 'text'; text: string }[]; isError?: boolean };

/** Every value of every `.dev.vars*` file of the session's Workers: redacted from every answer. */
function secretValues(workspaceRoot: string, roots: string[]): string[] {
  const values = new Set<string>();
  for (const root of roots) {
    const dir = join(workspaceRoot, root);
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir)) {
      if (file !== '.dev.vars' && !file.startsWith('.dev.vars.') && file !== '.env' && !file.startsWith('.env.')) continue;
      if (file.endsWith('.example')) continue;
      try {
        for (const value of Object.values(parseDevVars(readFileSync(join(dir, file), 'utf8')))) if (value) values.add(value);
      } catch {
        // unreadable: nothing of it can be in an answer we make from it
      }
    }
  }
  return [...values];
}

/**
 * `nx-edge mcp`: the dev session, the workspace's Workers and the deployed envs as MCP tools. Every answer
 * is bounded, inert and free of `.dev.vars` values; tools that change something say so (annotations and
 * description) so a client asks its user first.
 */
export function createMcpServer(deps: McpDeps): McpServer {
  const server = new McpServer({ name: 'nx-edge', version: deps.version }, { instructions: 'Tools over an nx-edge workspace of Cloudflare Workers: its running dev session (services, logs, traces, requests, restarts), its Workers and bindings, and its deployed envs (history, monitor, tail).' });
  // The SDK's registerTool infers each handler's arguments from the zod shape through its zod v3/v4
  // compatibility types, which sends the type checker out of memory with a dozen tools: registered through
  // a plain signature (the SDK still validates every call against the schema at run time).
  const tool = server.registerTool.bind(server) as unknown as (
    name: string,
    config: { title: string; description: string; inputSchema?: Record<string, z.ZodTypeAny>; annotations: Record<string, boolean> },
    handler: (args: never) => Promise<Answer>,
  ) => void;
  let rootsCache: { at: number; secrets: string[] } | undefined;

  /** The workspace's Workers, read at most every 5 s (a graph of 100 projects, or `nx graph` without a cache). */
  let workspaceCache: { at: number; view: ReturnType<McpDeps['workspace']> } | undefined;
  function workspace(): ReturnType<McpDeps['workspace']> {
    if (!workspaceCache || Date.now() - workspaceCache.at > 5000) workspaceCache = { at: Date.now(), view: deps.workspace() };
    return workspaceCache.view;
  }

  /** Values to redact: every `.dev.vars*` of the workspace's Workers and of the session's services, re-read every 5 s. */
  async function secrets(session: SessionApi | undefined): Promise<string[]> {
    if (rootsCache && Date.now() - rootsCache.at <= 5000) return rootsCache.secrets;
    const roots = new Set<string>();
    try {
      for (const w of workspace().workers) roots.add(w.root);
    } catch {
      // no project graph: the session's own roots below still count
    }
    if (session) {
      const status = (await session.get('/__nx-edge/status').catch(() => [])) as { service: string }[];
      // Asked together: one after another, 100 services cost 100 round trips before the answer.
      const details = await Promise.all(
        (Array.isArray(status) ? status : []).map((row) => session.get(`/__nx-edge/services/${encodeURIComponent(row.service)}`).catch(() => undefined) as Promise<{ root?: string } | undefined>),
      );
      for (const d of details) if (typeof d?.root === 'string') roots.add(d.root);
    }
    rootsCache = { at: Date.now(), secrets: secretValues(deps.workspaceRoot, [...roots]) };
    return rootsCache.secrets;
  }

  const answer = async (value: unknown, session?: SessionApi, isError = false): Promise<Answer> => ({
    content: [{ type: 'text', text: boundedAnswer(value, { secrets: await secrets(session) }) }],
    ...(isError ? { isError: true } : {}),
  });
  const failed = (message: string): Answer => ({ content: [{ type: 'text', text: boundedAnswer({ error: message }) }], isError: true });

  /** A session tool: runs against the hub, or says how to start a session. */
  function sessionTool<A>(fn: (session: SessionApi, args: A) => Promise<unknown>) {
    return async (args: A): Promise<Answer> => {
      const session = deps.session();
      if (!session) return failed(NO_SESSION(deps.workspaceRoot));
      try {
        return await answer(await fn(session, args), session);
      } catch (error) {
        return failed(`The dev session's hub did not answer (${(error as Error).message}); is it still running? \`nx-edge status\` shows it.`);
      }
    };
  }
  /** A tool over the running session, or over a past one when `session` names it (read from disk). */
  function liveOrPast<A extends { session?: string }>(fn: (from: { live: SessionApi; past?: undefined } | { live?: undefined; past: OpenedSession }, args: A) => Promise<unknown>) {
    return async (args: A): Promise<Answer> => {
      if (!args.session) return sessionTool<A>((live, a) => fn({ live }, a))(args);
      const past = deps.past.open(args.session);
      if (!past) return failed(`No past session "${args.session}" in ${deps.workspaceRoot}; \`sessions\` lists them.`);
      return answer(await fn({ past }, args));
    };
  }
  const query = (params: Record<string, string | number | boolean | undefined>) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '' && v !== false) q.set(k, String(v));
    const s = q.toString();
    return s ? `?${s}` : '';
  };
  const readOnly = { readOnlyHint: true, openWorldHint: false } as const;

  // — the running dev session —
  tool('services', { title: 'Dev services', description: 'The services of the running dev session, as `nx-edge status` shows them: state, port, URL, health, restarts, uptime, proxy host names.', annotations: readOnly },
    sessionTool(async (s) => s.get('/__nx-edge/status')));
  tool('graph', { title: 'Service graph', description: 'The session\'s service graph: nodes (Workers and services) and edges (service bindings, queues, Durable Objects, libs, Nx dependencies).', annotations: readOnly },
    sessionTool(async (s) => s.get('/__nx-edge/graph')));
  tool('logs', {
    title: 'Dev logs',
    description: 'The merged log of the dev session, newest last, filtered. Each record has time, service, level, message and the trace id of the request that wrote it.',
    inputSchema: {
      service: z.array(z.string()).optional().describe('only these services'),
      level: z.enum(LEVELS).optional().describe('the lowest level returned'),
      trace: TRACE_ID.optional().describe('only the lines of one trace'),
      since: z.string().optional().describe('only lines from then on: 30s, 5m, 2h or an ISO time'),
      search: z.string().max(200).optional().describe('only lines whose message contains this text (case-insensitive)'),
      limit: z.number().int().min(1).max(1000).optional().describe('the newest n lines (default 100)'),
      session: SESSION_ID.optional().describe('a past session (from `sessions`) instead of the running one'),
    },
    annotations: readOnly,
  }, liveOrPast(async (from, a: { session?: string; service?: string[]; level?: string; trace?: string; since?: string; search?: string; limit?: number }) => {
    const limit = a.limit ?? 100;
    // A search is applied here, over the newest 1000 lines matching the rest.
    const params = query({ service: a.service?.join(','), level: a.level, trace: a.trace, since: a.since, limit: a.search ? 1000 : limit });
    const records = (from.live ? await from.live.get(`/__nx-edge/logs${params}`) : from.past.logs.query(logFilterFromQuery(new URLSearchParams(params.slice(1))))) as { message?: string }[];
    const needle = a.search?.toLowerCase();
    const matched = needle ? records.filter((r) => String(r.message ?? '').toLowerCase().includes(needle)) : records;
    return matched.slice(-limit);
  }));
  tool('traces', {
    title: 'Traces',
    description: 'Recent traces of the session (newest first): root service, route, duration, status, services touched, span count. Open one with `trace`.',
    inputSchema: {
      service: z.string().optional().describe('only traces touching this service'),
      errorsOnly: z.boolean().optional().describe('only traces with an error (status ≥ 500 or an exception)'),
      search: z.string().max(200).optional().describe('a substring of the route or trace id'),
      limit: z.number().int().min(1).max(500).optional().describe('at most n traces (default 50)'),
      session: SESSION_ID.optional().describe('a past session (from `sessions`) instead of the running one'),
    },
    annotations: readOnly,
  }, liveOrPast(async (from, a: { session?: string; service?: string; errorsOnly?: boolean; search?: string; limit?: number }) =>
    from.live
      ? from.live.get(`/__nx-edge/traces${query({ service: a.service, errors: a.errorsOnly ? 1 : undefined, q: a.search, limit: a.limit ?? 50 })}`)
      : from.past.traces.list({ service: a.service, errorsOnly: a.errorsOnly, search: a.search, limit: a.limit ?? 50 })));
  tool('trace', {
    title: 'One trace',
    description: 'One trace: every span (proxy, each Worker, each call between them) in start order, and the log lines written under it.',
    inputSchema: {
      traceId: TRACE_ID.describe('the trace id (from `request`, `traces` or a log line)'),
      session: SESSION_ID.optional().describe('a past session (from `sessions`) instead of the running one'),
    },
    annotations: readOnly,
  }, liveOrPast(async (from, a: { session?: string; traceId: string }) => {
    if (from.live) return from.live.get(`/__nx-edge/traces/${a.traceId.toLowerCase()}`);
    const spans = from.past.traces.get(a.traceId);
    return spans ? { traceId: a.traceId.toLowerCase(), spans, logs: from.past.logs.query({ trace: a.traceId, limit: 2000 }) } : { error: `no trace ${a.traceId} in session ${from.past.meta.id}` };
  }));
  tool('sessions', {
    title: 'Past dev sessions',
    description: 'The last dev sessions of this workspace (kept on disk, newest first): id, start, end, services. Pass an id as `session` to `traces`, `trace` or `logs` to read that session (read-only), e.g. to compare a trace before and after a change.',
    annotations: readOnly,
  }, async () => answer(deps.past.list().map(({ graph: _graph, ...meta }) => ({ ...meta, startedAtIso: new Date(meta.startedAt).toISOString() }))));
  tool('metrics', { title: 'Service metrics', description: 'Per service over the last minutes: requests per second, error rate, p50/p95/p99 latency (ms), request count.', annotations: readOnly },
    sessionTool(async (s) => ((await s.get('/__nx-edge/metrics')) as Record<string, unknown>[]).map(({ series: _series, ...m }) => m)));
  tool('service_details', {
    title: 'Service details',
    description: 'One service\'s config as the dashboard shows it: config file, env, bindings and their local backing, vars (secret values masked), ports, command, upstream services.',
    inputSchema: { service: z.string().describe('the service (project) name') },
    annotations: readOnly,
  }, sessionTool(async (s, a: { service: string }) => s.get(`/__nx-edge/services/${encodeURIComponent(a.service)}`)));
  tool('request', {
    title: 'Send a request to a Worker',
    description: 'Sends an HTTP request to a Worker of the session through the dev proxy (as a browser would reach it) and returns its status, headers, the start of its body and the trace id it produced (open it with `trace`). The Worker runs whatever the request asks: a POST may change its local data.',
    inputSchema: {
      service: z.string().describe('the Worker (project) name'),
      method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).optional().describe('default GET'),
      path: z.string().max(4096).regex(/^\//, 'a path starting with /').optional().describe('path and query, default /'),
      headers: z.record(z.string()).optional().describe('request headers'),
      body: z.string().max(1024 * 1024).optional().describe('the request body (JSON as text)'),
    },
    annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: false },
  }, sessionTool(async (s, a: { service: string; method?: string; path?: string; headers?: Record<string, string>; body?: string }) => {
    const rows = (await s.get('/__nx-edge/status')) as { service: string; hosts?: string[] }[];
    const row = rows.find((r) => r.service === a.service);
    if (!row) return { error: `no service "${a.service}" in this session`, services: rows.map((r) => r.service) };
    // Host, traceparent, content-length and the hop mark are the proxy request's own (sendThroughProxy drops any given).
    const res = await s.send(row.hosts?.[0] ?? a.service, { method: a.method ?? 'GET', path: a.path ?? '/', headers: a.headers, body: a.body });
    const cut = res.body.length > MAX_BODY_CHARS;
    return {
      status: res.status,
      traceId: res.traceId,
      headers: res.headers,
      body: cut ? res.body.slice(0, MAX_BODY_CHARS) : res.body,
      ...(cut || res.truncatedBytes ? { bodyNote: `body cut: ${res.body.length - MAX_BODY_CHARS + res.truncatedBytes} more characters not shown` } : {}),
    };
  }));
  for (const [action, says] of [
    ['restart', 'Restarts a service of the dev session (a Worker is rebuilt and reloaded; a process is stopped and started). Changes the running session.'],
    ['reload', 'Rebuilds a Worker and swaps its new code in. Changes the running session.'],
    ['stop', 'Stops a service of the dev session (its dependents are blocked until it starts again). Changes the running session.'],
    ['start', 'Starts a stopped service of the dev session. Changes the running session.'],
  ] as const) {
    tool(action, {
      title: `${action[0].toUpperCase()}${action.slice(1)} a service`,
      description: says,
      inputSchema: { service: z.string().describe('the service (project) name') },
      annotations: { readOnlyHint: false, destructiveHint: action === 'stop', idempotentHint: false, openWorldHint: false },
    }, sessionTool(async (s, a: { service: string }) => {
      const result = await s.act(a.service, action);
      return { ok: result.status < 300, ...(result.body as object) };
    }));
  }

  // — the workspace —
  tool('workers', {
    title: 'Workers of the workspace',
    description: 'Every Worker project of the Nx workspace: root, wrangler config, name, envs, binding names by kind, var names (never values), the Workers and queues it names, and the Nx graph edges between projects.',
    annotations: readOnly,
  }, async () => {
    try {
      return await answer(workspace(), deps.session());
    } catch (error) {
      return failed(`Could not read the workspace's project graph: ${(error as Error).message}`);
    }
  });
  tool('validate', {
    title: 'Validate the workspace',
    description: 'Runs `nx-edge validate --json`: config problems of every Worker (missing bindings, env isolation, template configs, ports).',
    annotations: readOnly,
  }, async () => cliAnswer(await deps.run(['validate', '--json'])));

  // — the deployed envs —
  tool('history', {
    title: 'Deployment history',
    description: 'The deployments nx-edge made from this workspace (`nx-edge history --json`), newest first.',
    inputSchema: {
      env: z.string().optional().describe('only this env'),
      service: z.string().optional().describe('only this project'),
      limit: z.number().int().min(1).max(500).optional().describe('the newest n (default 20)'),
    },
    annotations: readOnly,
  }, async (a: { env?: string; service?: string; limit?: number }) =>
    cliAnswer(await deps.run(['history', '--json', ...(a.env ? ['--env', a.env] : []), ...(a.service ? ['--service', a.service] : []), '--limit', String(a.limit ?? 20)])));
  tool('monitor', {
    title: 'Deployed health',
    description: 'One check of every deployed Worker of an env (`nx-edge monitor -c <env> --json`): /health, /ready, latency, live version.',
    inputSchema: {
      env: z.string().describe('the env (configuration) to check, e.g. staging'),
      projects: z.array(z.string()).optional().describe('only these projects'),
    },
    annotations: { readOnlyHint: true, openWorldHint: true },
  }, async (a: { env: string; projects?: string[] }) =>
    cliAnswer(await deps.run(['monitor', '-c', a.env, '--json', ...(a.projects?.length ? ['--projects', a.projects.join(',')] : [])], { timeoutMs: 120_000 })));
  tool('tail', {
    title: 'Deployed live logs',
    description: `The live logs of an env's deployed Workers for a bounded window (\`nx-edge tail -c <env> --json\`, stopped after \`seconds\`, at most ${MAX_TAIL_SECONDS}), with its filters.`,
    inputSchema: {
      env: z.string().describe('the env (configuration), e.g. staging'),
      seconds: z.number().int().min(1).max(MAX_TAIL_SECONDS).optional().describe('how long to listen (default 10)'),
      projects: z.array(z.string()).optional().describe('only these projects'),
      trace: TRACE_ID.optional().describe('only one trace'),
      status: z.array(z.enum(['ok', 'error', 'canceled'])).optional().describe('only requests with this outcome'),
      method: z.array(z.string()).optional().describe('only these HTTP methods'),
      search: z.string().max(200).optional().describe('only log lines containing this text'),
      level: z.enum(LEVELS).optional().describe('the lowest level'),
    },
    annotations: { readOnlyHint: true, openWorldHint: true },
  }, async (a: { env: string; seconds?: number; projects?: string[]; trace?: string; status?: string[]; method?: string[]; search?: string; level?: string }) => {
    const args = ['tail', '-c', a.env, '--json'];
    if (a.projects?.length) args.push('--projects', a.projects.join(','));
    if (a.trace) args.push('--trace', a.trace);
    if (a.status?.length) args.push('--status', a.status.join(','));
    if (a.method?.length) args.push('--method', a.method.join(','));
    if (a.search) args.push('--search', a.search);
    if (a.level) args.push('--level', a.level);
    return cliAnswer(await deps.run(args, { windowMs: (a.seconds ?? 10) * 1000 }), true);
  });

  async function cliAnswer(result: CliResult, windowed = false): Promise<Answer> {
    const records = parsedLines(result);
    // A windowed command stopped by us ended as asked; any other non-zero exit is the command's failure.
    const failedRun = !(windowed && result.stopped) && result.exitCode !== 0;
    const value = {
      ...(failedRun ? { exitCode: result.exitCode, error: result.stderr || 'the command failed without saying why' } : {}),
      records,
      ...(result.moreLines ? { more: `${result.moreLines} more records not shown` } : {}),
      ...(!failedRun && result.stderr ? { notes: result.stderr } : {}),
    };
    return answer(value, undefined, failedRun);
  }

  return server;
}
