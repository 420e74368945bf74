// A fake of the part of the Cloudflare v4 API that `wrangler deploy`, `versions`/`rollback`,
// `secret`, `kv namespace`, `d1`, `r2 bucket` and `queues` call. Test fixture only: it never ships
// in a package. Start it, point wrangler at it with `fakeApiEnv(api)` (CLOUDFLARE_API_BASE_URL), run
// the real wrangler CLI, then assert on `api.requests` and `api.accounts`.
//
// Secret values are never stored or recorded: the fake keeps a sha256 digest per secret so a test can
// prove the right value arrived without the value itself appearing in any log or state dump.
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { FakeD1Data, splitStatements } from './fake-d1';
import { answerR2S3, type R2S3Request } from './fake-r2-s3';

export interface RecordedRequest {
  method: string;
  /** Path below /client/v4, e.g. /accounts/acc/workers/scripts/api-staging/versions */
  path: string;
  query: Record<string, string>;
  bodyBytes: number;
  /** Names of the multipart parts (uploads, settings), when the body was multipart. */
  parts?: string[];
  /** The route that answered (e.g. "POST scripts/:name/versions"), or "unmatched". */
  route: string;
  status: number;
  /** Milliseconds since the fake started; order is what matters, not the value. */
  at: number;
}

export interface RecordedResponse {
  /** "METHOD <pattern>", as routes() lists it. */
  route: string;
  status: number;
  body: unknown;
}

export interface FakeVersion {
  id: string;
  number: number;
  created_on: string;
  /** Names of the bindings uploaded with this version, by type (secrets by name only). */
  bindings: { type: string; name: string }[];
  /** Binding name → what it points at (a service binding's Worker, a D1/KV id, a bucket, a queue). */
  targets: Record<string, string>;
  /** Static asset paths uploaded with this version (`/index.html`, …). */
  assets?: string[];
  mainModule?: string;
  bytes: number;
  /** The Durable Object migrations the upload carried (wrangler sends only those after the script's tag). */
  migrations?: { old_tag?: string; new_tag?: string; steps?: unknown[] };
}

export interface FakeDeployment {
  id: string;
  created_on: string;
  source: string;
  versions: { version_id: string; percentage: number }[];
  message?: string;
}

export interface FakeScript {
  name: string;
  /** Set when the script lives in a Workers for Platforms dispatch namespace. */
  dispatchNamespace?: string;
  created_on: string;
  versions: FakeVersion[];
  /** Newest last. */
  deployments: FakeDeployment[];
  /** Secret name → sha256 hex of the value. */
  secrets: Map<string, string>;
  subdomainEnabled: boolean;
  /** The tag of the last Durable Object migration applied (the script list's `migration_tag`). */
  migrationTag?: string;
  /** Set by a deploy with `routes`. */
  routes?: { id: string; pattern: string; zone_name?: string; custom_domain?: boolean }[];
}

export interface FakeAccount {
  id: string;
  /** key: script name, or "<namespace>/<script name>" for dispatch namespace scripts. */
  scripts: Map<string, FakeScript>;
  kvNamespaces: { id: string; title: string }[];
  d1Databases: { uuid: string; name: string; created_at: string }[];
  r2Buckets: { name: string; creation_date: string }[];
  queues: { queue_id: string; queue_name: string; created_on: string }[];
  dispatchNamespaces: string[];
}

/** One trace event as Cloudflare's tail WebSocket (`trace-v1`) sends it. */
export interface TailEvent {
  scriptName: string;
  outcome: 'ok' | 'exception' | 'exceededCpu' | 'exceededMemory' | 'canceled' | 'unknown';
  eventTimestamp: number;
  event: { request: { url: string; method: string; headers: Record<string, string>; cf?: object }; response?: { status: number } } | null;
  logs: { message: unknown[]; level: string; timestamp: number }[];
  exceptions: { name: string; message: string; timestamp: number }[];
  diagnosticsChannelEvents: unknown[];
  scriptVersion?: { id: string };
}

/** A tail session as the API knows it: created by POST …/tails, gone after DELETE …/tails/:id. */
export interface FakeTail {
  id: string;
  script: string;
  /** The filters wrangler sent when creating it (`{ outcome }`, `{ method }`, `{ query }`, `{ sampling_rate }`, …). */
  filters: Record<string, unknown>[];
  created_on: string;
  /** Whether a client is connected to its WebSocket right now. */
  connected: boolean;
}

export interface FailureRule {
  method?: string;
  /** Matched against the path below /client/v4 (string: substring; RegExp: test). */
  path: string | RegExp;
  status?: number;
  /** Answer as a spent request budget does: 429, code 971, Retry-After (in seconds; default 1). */
  rateLimited?: boolean | { retryAfterSeconds: number };
  delayMs?: number;
  /** How many matching requests fail; default: every one. */
  times?: number;
  /** Called when a matching request arrives (before any delay): the moment to act on a request in flight. */
  onMatch?: () => void;
}

export interface FakeCloudflareApi {
  /** Runs SQL on a fake D1 database (by uuid), as a Worker would: to seed or read data in a test. */
  d1Query(uuid: string, sql: string): Promise<{ results: Record<string, unknown>[] }[]>;
  /** Runs a SQL file whole, as a D1 import does (a trigger's BEGIN … END; included). */
  d1Import(uuid: string, sql: string): Promise<unknown>;
  /** The database's export, as `wrangler d1 export` downloads it (Miniflare's dump code). */
  d1Export(uuid: string): Promise<string>;
  /** A KV namespace's keys and values (by id). */
  kv(namespaceId: string): Map<string, string>;
  /** An R2 bucket's objects (by name). */
  r2(bucket: string): Map<string, Buffer>;
  /** http://127.0.0.1:<port>/client/v4 — the value for CLOUDFLARE_API_BASE_URL. */
  url: string;
  port: number;
  accountId: string;
  /** The API token the fake accepts (Authorization: Bearer …); any other is refused as Cloudflare refuses it. */
  token: string;
  /** R2's S3-compatible endpoint of the fake (path-style), the value for NX_EDGE_R2_ENDPOINT. */
  r2Endpoint: string;
  /** Every request to the S3 endpoint. */
  s3Requests: R2S3Request[];
  /** The account's workers.dev subdomain: deployed URLs are https://<script>.<subdomain>.workers.dev */
  subdomain: string;
  requests: RecordedRequest[];
  /** With `recordResponses`: each routed answer's body (to check against Cloudflare's schema). */
  responses: RecordedResponse[];
  /** Every route the fake answers, as "METHOD /accounts/:account/…". */
  routes(): string[];
  accounts: Map<string, FakeAccount>;
  account(id?: string): FakeAccount;
  script(name: string, accountId?: string): FakeScript | undefined;
  /** Fails (or delays) matching requests until removed. Returns a remover. */
  inject(rule: FailureRule): () => void;
  /** Requests whose path contains `fragment` (and method, when given). */
  calls(fragment: string, method?: string): RecordedRequest[];
  digest(value: string): string;
  /** Tail sessions created and not deleted (a Ctrl-C that leaks one leaves it here). */
  openTails(): FakeTail[];
  /** Every tail session ever created, deleted ones included. */
  allTails(): FakeTail[];
  /** Sends an event to every connected tail of `event.scriptName` whose filters let it through; returns how many got it. */
  emitTail(event: TailEvent): number;
  close(): Promise<void>;
}

export const FAKE_ACCOUNT_ID = '0123456789abcdef0123456789abcdef';
export const FAKE_API_TOKEN = 'fake-token-for-tests';

/** Environment for a wrangler child process talking to the fake, hermetic apart from the dirs. */
export function fakeApiEnv(api: Pick<FakeCloudflareApi, 'url' | 'accountId' | 'token' | 'r2Endpoint'>): Record<string, string> {
  return {
    CLOUDFLARE_API_BASE_URL: api.url,
    CLOUDFLARE_API_TOKEN: api.token,
    NX_EDGE_R2_ENDPOINT: api.r2Endpoint,
    CLOUDFLARE_ACCOUNT_ID: api.accountId,
    WRANGLER_SEND_METRICS: 'false',
    CLOUDFLARE_CF_FETCH_ENABLED: 'false',
    WRANGLER_HIDE_BANNER: 'true',
    CI: 'true',
  };
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const hexId = () => randomUUID().replace(/-/g, '');

interface ParsedBody {
  bytes: number;
  json?: unknown;
  parts?: Map<string, string | { size: number; name: string }>;
}

async function readBody(req: IncomingMessage): Promise<{ raw: Buffer; parsed: ParsedBody }> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  const parsed: ParsedBody = { bytes: raw.length };
  const type = req.headers['content-type'] ?? '';
  if (raw.length === 0) return { raw, parsed };
  if (type.startsWith('multipart/form-data')) {
    const form = await new Request('http://fake.local/', { method: 'POST', headers: { 'content-type': type }, body: raw }).formData();
    parsed.parts = new Map();
    for (const [name, value] of form.entries()) {
      if (typeof value === 'string') parsed.parts.set(name, value);
      else parsed.parts.set(name, { size: value.size, name: value.name });
    }
  } else {
    try {
      parsed.json = JSON.parse(raw.toString('utf8'));
    } catch {
      // not JSON: only the size is recorded
    }
  }
  return { raw, parsed };
}

type Handler = (ctx: {
  account: FakeAccount;
  params: Record<string, string>;
  query: URLSearchParams;
  body: ParsedBody;
  headers: Record<string, string | string[] | undefined>;
  raw: Buffer;
}) => unknown;

interface Route {
  method: string;
  pattern: string;
  regex: RegExp;
  keys: string[];
  handler: Handler;
}

/**
 * wrangler sends its first tail message (`{"debug":false}`) as an unmasked frame, which Cloudflare
 * accepts and `ws` (rightly, per RFC 6455) refuses. This sets the mask bit with an all-zero key on the
 * client's unmasked frames as they arrive, so the fake accepts what the real edge accepts.
 */
function maskClientFrames(socket: Duplex): void {
  let header = Buffer.alloc(0);
  let payloadLeft = 0;
  const emit = socket.emit.bind(socket);
  const rewrite = (chunk: Buffer): Buffer => {
    const out: Buffer[] = [];
    let at = 0;
    while (at < chunk.length) {
      if (payloadLeft > 0) {
        const take = Math.min(payloadLeft, chunk.length - at);
        out.push(chunk.subarray(at, at + take));
        payloadLeft -= take;
        at += take;
        continue;
      }
      header = Buffer.concat([header, chunk.subarray(at, at + 1)]);
      at++;
      if (header.length < 2) continue;
      const short = header[1] & 0x7f;
      const lengthBytes = short === 126 ? 2 : short === 127 ? 8 : 0;
      const masked = (header[1] & 0x80) !== 0;
      if (header.length < 2 + lengthBytes + (masked ? 4 : 0)) continue;
      payloadLeft = lengthBytes === 0 ? short : lengthBytes === 2 ? header.readUInt16BE(2) : Number(header.readBigUInt64BE(2));
      out.push(masked ? header : Buffer.concat([Buffer.from([header[0], header[1] | 0x80]), header.subarray(2), Buffer.alloc(4)]));
      header = Buffer.alloc(0);
    }
    return Buffer.concat(out);
  };
  socket.emit = ((event: string, ...args: unknown[]) => (event === 'data' ? emit('data', rewrite(args[0] as Buffer)) : emit(event, ...args))) as typeof socket.emit;
}

/**
 * Cloudflare's API budget (developers.cloudflare.com/fundamentals/api/reference/limits): 1,200 requests per
 * five minutes per user; past it every call is answered 429 for five minutes. Tests lower the numbers.
 */
export interface RateLimit {
  requests: number;
  windowMs: number;
  blockMs: number;
}
export const CLOUDFLARE_RATE_LIMIT: RateLimit = { requests: 1200, windowMs: 300_000, blockMs: 300_000 };

/** A cursor-paged list (KV keys, R2 objects) as the handler returns it; the dispatcher pages it as Cloudflare does. */
const CURSOR_PAGED = Symbol('cursor-paged');
/** A handler's result sent as raw bytes (a KV value), not in the JSON envelope. */
const RAW_BODY = Symbol('raw-body');
const rawBody = (body: Buffer) => ({ [RAW_BODY]: body });
/** A handler's result answered with another HTTP status than 200 (D1's 202 for work in progress). */
const HTTP_STATUS = Symbol('http-status');
const withStatus = (status: number, result: object) => ({ ...result, [HTTP_STATUS]: status });
/** `result_info` of an object result (Worker versions: `result.items` with page info beside). */
const PAGE_INFO = Symbol('page-info');
interface CursorPaged {
  [CURSOR_PAGED]: { items: unknown[]; sizeParam: string; maxPerPage: number; truncatedFlag: boolean };
}
const cursorPaged = (items: unknown[], sizeParam: string, maxPerPage: number, truncatedFlag: boolean): CursorPaged => ({ [CURSOR_PAGED]: { items, sizeParam, maxPerPage, truncatedFlag } });
const isCursorPaged = (value: unknown): value is CursorPaged => typeof value === 'object' && value !== null && CURSOR_PAGED in value;

/**
 * `pageSize` caps every cursor list's page (KV keys, R2 objects, S3 listings: the server decides how many a page
 * holds) and is the default page size of page/per_page lists when the client names none (a `per_page` it
 * names is honoured, as Cloudflare does), so tests
 * cross page boundaries with a handful of items; Cloudflare's own maxima apply when it is not set.
 */
export async function startFakeCloudflareApi(
  options: { subdomain?: string; accountId?: string; token?: string; pageSize?: number; rateLimit?: RateLimit; recordResponses?: boolean; d1Polls?: number } = {},
): Promise<FakeCloudflareApi> {
  const startedAt = Date.now();
  const defaultAccountId = options.accountId ?? FAKE_ACCOUNT_ID;
  const apiToken = options.token ?? FAKE_API_TOKEN;
  // R2's S3 credentials from an API token (developers.cloudflare.com/r2/api/tokens): the token's id, and the
  // SHA-256 of its value.
  const apiTokenId = sha256(`id:${apiToken}`).slice(0, 32);
  const s3Credentials = { accessKeyId: apiTokenId, secretAccessKey: sha256(apiToken) };
  const s3Requests: R2S3Request[] = [];
  const s3Uploads = new Map<string, { bucket: string; key: string; parts: Map<number, Buffer> }>();
  const subdomain = options.subdomain ?? 'nx-edge-test';
  const accounts = new Map<string, FakeAccount>();
  const requests: RecordedRequest[] = [];
  const responses: RecordedResponse[] = [];
  const failures = new Set<FailureRule & { remaining: number }>();

  const account = (id = defaultAccountId): FakeAccount => {
    let acc = accounts.get(id);
    if (!acc) {
      acc = { id, scripts: new Map(), kvNamespaces: [], d1Databases: [], r2Buckets: [], queues: [], dispatchNamespaces: [] };
      accounts.set(id, acc);
    }
    return acc;
  };

  const routes: Route[] = [];
  const on = (method: string, pattern: string, handler: Handler) => {
    const keys: string[] = [];
    const regex = new RegExp(
      `^${pattern.replace(/:[a-z_]+/g, (m) => {
        keys.push(m.slice(1));
        return '([^/]+)';
      })}$`,
    );
    routes.push({ method, pattern, regex, keys, handler });
  };

  const now = () => new Date().toISOString();
  const scriptKey = (name: string, ns?: string) => (ns ? `${ns}/${name}` : name);
  const requireScript = (acc: FakeAccount, name: string, ns?: string): FakeScript => {
    const script = acc.scripts.get(scriptKey(name, ns));
    if (!script) throw new ApiError(404, 10007, `This Worker does not exist on your account. [workers.api.error.script_not_found] (${name})`);
    return script;
  };

  const versionFromUpload = (script: FakeScript, body: ParsedBody): FakeVersion => {
    let metadata: { main_module?: string; bindings?: ({ type: string; name: string } & Record<string, unknown>)[]; assets?: { jwt?: string }; migrations?: { old_tag?: string; new_tag?: string; steps?: unknown[] } } = {};
    const metaPart = body.parts?.get('metadata');
    if (typeof metaPart === 'string') metadata = JSON.parse(metaPart);
    const version: FakeVersion = {
      id: randomUUID(),
      number: script.versions.length + 1,
      created_on: now(),
      bindings: (metadata.bindings ?? []).map((b) => ({ type: b.type, name: b.name })),
      // What each binding points at: the Worker of a service binding, the D1/KV/R2/queue it names.
      targets: Object.fromEntries(
        (metadata.bindings ?? []).flatMap((b) => {
          const target = b.service ?? b.id ?? b.namespace_id ?? b.bucket_name ?? b.queue_name ?? b.script_name;
          return typeof target === 'string' ? [[b.name, target]] : [];
        }),
      ),
      mainModule: metadata.main_module,
      bytes: body.bytes,
      assets: metadata.assets?.jwt ? (assetSessions.get(metadata.assets.jwt) ?? []) : undefined,
      migrations: metadata.migrations,
    };
    if (metadata.migrations?.new_tag) script.migrationTag = metadata.migrations.new_tag;
    script.versions.push(version);
    return version;
  };

  const deploy = (script: FakeScript, versions: { version_id: string; percentage: number }[], source: string, message?: string): FakeDeployment => {
    for (const v of versions) {
      if (!script.versions.some((known) => known.id === v.version_id)) {
        throw new ApiError(404, 10230, `Version ${v.version_id} not found for ${script.name}`);
      }
    }
    const deployment: FakeDeployment = { id: randomUUID(), created_on: now(), source, versions, message };
    script.deployments.push(deployment);
    return deployment;
  };

  const newScript = (name: string, ns?: string): FakeScript => ({
    name,
    dispatchNamespace: ns,
    created_on: now(),
    versions: [],
    deployments: [],
    secrets: new Map(),
    subdomainEnabled: false,
  });

  const versionJson = (v: FakeVersion, script: FakeScript) => ({
    id: v.id,
    number: v.number,
    // has_preview: the version answers on https://<id prefix>-<script>.<subdomain>.workers.dev (wrangler prints it).
    metadata: { created_on: v.created_on, modified_on: v.created_on, source: 'wrangler', author_email: 'test@example.com', has_preview: script.subdomainEnabled },
    annotations: { 'workers/triggered_by': 'upload' },
    resources: {
      script: { etag: sha256(v.id), handlers: ['fetch'] },
      script_runtime: { usage_model: 'standard' },
      bindings: [...v.bindings, ...[...script.secrets.keys()].map((name) => ({ type: 'secret_text', name }))],
    },
  });

  const deploymentJson = (d: FakeDeployment) => ({
    id: d.id,
    created_on: d.created_on,
    source: d.source,
    strategy: 'percentage',
    author_email: 'test@example.com',
    annotations: d.message ? { 'workers/message': d.message } : {},
    versions: d.versions,
  });

  const uploadScript: Handler = ({ account: acc, params, body }) => {
    const ns = params.namespace;
    if (ns && !acc.dispatchNamespaces.includes(ns)) acc.dispatchNamespaces.push(ns);
    const key = scriptKey(params.name, ns);
    const script = acc.scripts.get(key) ?? newScript(params.name, ns);
    acc.scripts.set(key, script);
    const version = versionFromUpload(script, body);
    deploy(script, [{ version_id: version.id, percentage: 100 }], 'wrangler');
    return {
      id: params.name,
      etag: sha256(version.id),
      deployment_id: version.id,
      startup_time_ms: 1,
      handlers: ['fetch'],
      created_on: script.created_on,
      modified_on: version.created_on,
    };
  };

  const secretList = (script: FakeScript) => [...script.secrets.keys()].map((name) => ({ name, type: 'secret_text' }));
  // Cloudflare refuses secret edits while the latest version is not the one deployed at 100 % (code 10215).
  const requireLatestDeployed = (script: FakeScript) => {
    const latest = script.versions.at(-1);
    const live = script.deployments.at(-1)?.versions;
    if (latest && live && !(live.length === 1 && live[0].version_id === latest.id && live[0].percentage === 100)) {
      throw new ApiError(400, 10215, "Secret edit failed. You attempted to modify a secret, but the latest version of your Worker isn't currently deployed.");
    }
  };
  const putSecret: Handler = ({ account: acc, params, body }) => {
    const script = requireScript(acc, params.name, params.namespace);
    requireLatestDeployed(script);
    const { name, text } = (body.json ?? {}) as { name?: string; text?: string };
    if (!name || typeof text !== 'string') throw new ApiError(400, 10001, 'secret needs name and text');
    script.secrets.set(name, sha256(text));
    return { name, type: 'secret_text' };
  };
  const settings = (script: FakeScript) => ({
    bindings: [...script.secrets.keys()].map((name) => ({ type: 'secret_text', name })),
    compatibility_date: '2026-04-20',
    compatibility_flags: [],
    logpush: false,
    tail_consumers: [],
    usage_model: 'standard',
  });
  const patchSettings: Handler = ({ account: acc, params, body }) => {
    const script = requireScript(acc, params.name, params.namespace);
    const part = body.parts?.get('settings');
    const parsed = typeof part === 'string' ? (JSON.parse(part) as { bindings?: { type: string; name: string; text?: string }[] }) : {};
    if (parsed.bindings) {
      const next = new Map<string, string>();
      for (const binding of parsed.bindings) {
        if (binding.type !== 'secret_text') continue;
        if (typeof binding.text === 'string') next.set(binding.name, sha256(binding.text));
        else if (script.secrets.has(binding.name)) next.set(binding.name, script.secrets.get(binding.name)!);
      }
      script.secrets = next;
    }
    return settings(script);
  };

  // The token itself (what R2's S3 credentials are derived from).
  on('GET', '/user/tokens/verify', () => ({ id: apiTokenId, status: 'active' }));

  // Workers
  on('GET', '/accounts/:account/workers/subdomain', () => ({ subdomain }));
  on('GET', '/accounts/:account/workers/services/:name', ({ account: acc, params }) => {
    const script = acc.scripts.get(params.name);
    if (!script) throw new ApiError(404, 10090, 'workers.api.error.service_not_found');
    return {
      id: script.name,
      default_environment: {
        environment: 'production',
        created_on: script.created_on,
        modified_on: script.created_on,
        script: { id: script.name, tag: sha256(script.name).slice(0, 32), etag: 'etag', handlers: ['fetch'], last_deployed_from: 'wrangler' },
      },
      created_on: script.created_on,
      modified_on: script.created_on,
    };
  });
  // The Workers API wrangler 4.117+ reads a Worker's workers.dev settings from.
  on('GET', '/accounts/:account/workers/workers/:name', ({ account: acc, params }) => {
    const script = acc.scripts.get(params.name);
    if (!script) throw new ApiError(404, 10007, 'This Worker does not exist on your account.');
    return {
      id: script.name,
      name: script.name,
      created_on: script.created_on,
      updated_on: script.versions.at(-1)?.created_on ?? script.created_on,
      logpush: false,
      observability: { enabled: false },
      references: { dispatch_namespace_outbounds: [], domains: [], durable_objects: [], queues: [], workers: [] },
      subdomain: { enabled: script.subdomainEnabled, previews_enabled: script.subdomainEnabled },
      tags: [],
      tail_consumers: [],
    };
  });
  on('PUT', '/accounts/:account/workers/scripts/:name', uploadScript);
  on('GET', '/accounts/:account/workers/scripts', ({ account: acc }) =>
    [...acc.scripts.values()].filter((s) => !s.dispatchNamespace).map((s) => ({ id: s.name, created_on: s.created_on, ...(s.migrationTag ? { migration_tag: s.migrationTag } : {}) })),
  );
  on('DELETE', '/accounts/:account/workers/scripts/:name', ({ account: acc, params }) => {
    requireScript(acc, params.name);
    acc.scripts.delete(params.name);
    return null;
  });
  on('POST', '/accounts/:account/workers/scripts/:name/versions', ({ account: acc, params, body }) => {
    const script = requireScript(acc, params.name);
    const version = versionFromUpload(script, body);
    return { ...versionJson(version, script), startup_time_ms: 1 };
  });
  // Newest first, paged by page/per_page (V4PagePagination: `result.items` with page info beside).
  on('GET', '/accounts/:account/workers/scripts/:name/versions', ({ account: acc, params, query }) => {
    const script = requireScript(acc, params.name);
    const all = [...script.versions].reverse().map((v) => versionJson(v, script));
    const perPage = Math.max(1, Number(query.get('per_page') ?? options.pageSize ?? Math.max(all.length, 1)));
    const page = Math.max(1, Number(query.get('page') ?? 1));
    const items = all.slice((page - 1) * perPage, page * perPage);
    return { items, [PAGE_INFO]: { page, per_page: perPage, count: items.length, total_count: all.length } };
  });
  on('GET', '/accounts/:account/workers/scripts/:name/versions/:version', ({ account: acc, params }) => {
    const script = requireScript(acc, params.name);
    const version = script.versions.find((v) => v.id === params.version);
    if (!version) throw new ApiError(404, 10230, `version ${params.version} not found`);
    return versionJson(version, script);
  });
  on('GET', '/accounts/:account/workers/scripts/:name/deployments', ({ account: acc, params }) => {
    const script = requireScript(acc, params.name);
    return { deployments: [...script.deployments].reverse().map(deploymentJson) };
  });
  on('POST', '/accounts/:account/workers/scripts/:name/deployments', ({ account: acc, params, body }) => {
    const script = requireScript(acc, params.name);
    const payload = (body.json ?? {}) as { versions?: { version_id: string; percentage: number }[]; annotations?: Record<string, string> };
    if (!payload.versions?.length) throw new ApiError(400, 10001, 'a deployment needs versions');
    if (payload.versions.reduce((sum, v) => sum + v.percentage, 0) !== 100) throw new ApiError(400, 10001, 'the percentages of a deployment must add up to 100');
    return deploymentJson(deploy(script, payload.versions, 'api', payload.annotations?.['workers/message']));
  });
  on('GET', '/accounts/:account/workers/scripts/:name/settings', ({ account: acc, params }) => settings(requireScript(acc, params.name)));
  on('PATCH', '/accounts/:account/workers/scripts/:name/settings', patchSettings);
  on('PATCH', '/accounts/:account/workers/scripts/:name/script-settings', ({ account: acc, params }) => {
    requireScript(acc, params.name);
    return { logpush: false, tail_consumers: [], observability: { enabled: false } };
  });
  on('GET', '/accounts/:account/workers/scripts/:name/subdomain', ({ account: acc, params }) => {
    const script = requireScript(acc, params.name);
    return { enabled: script.subdomainEnabled, previews_enabled: script.subdomainEnabled };
  });
  on('POST', '/accounts/:account/workers/scripts/:name/subdomain', ({ account: acc, params, body }) => {
    const script = requireScript(acc, params.name);
    const payload = (body.json ?? {}) as { enabled?: boolean };
    script.subdomainEnabled = payload.enabled !== false;
    return { enabled: script.subdomainEnabled, previews_enabled: script.subdomainEnabled };
  });
  on('GET', '/accounts/:account/workers/scripts/:name/secrets', ({ account: acc, params }) => secretList(requireScript(acc, params.name)));
  on('PUT', '/accounts/:account/workers/scripts/:name/secrets', putSecret);
  // wrangler 4.117+'s `secret bulk`: one JSON merge patch (a null deletes that secret, others stay).
  on('PATCH', '/accounts/:account/workers/scripts/:name/secrets-bulk', ({ account: acc, params, body }) => {
    const script = requireScript(acc, params.name);
    requireLatestDeployed(script);
    const secrets = ((body.json ?? {}) as { secrets?: Record<string, { text?: string } | null> }).secrets ?? {};
    for (const [name, secret] of Object.entries(secrets)) {
      if (secret === null) script.secrets.delete(name);
      else if (typeof secret.text === 'string') script.secrets.set(name, sha256(secret.text));
      else throw new ApiError(400, 10001, `secret ${name} needs text`);
    }
    // Cloudflare answers the secrets now bound, as a map of name → binding (not a list).
    return Object.fromEntries(secretList(script).map((secret) => [secret.name, secret]));
  });
  on('DELETE', '/accounts/:account/workers/scripts/:name/secrets/:key', ({ account: acc, params }) => {
    const script = requireScript(acc, params.name);
    requireLatestDeployed(script);
    const key = decodeURIComponent(params.key);
    if (!script.secrets.delete(key)) throw new ApiError(404, 10056, `secret ${key} not found`);
    return null;
  });
  on('GET', '/accounts/:account/workers/scripts/:name/schedules', () => ({ schedules: [] }));
  on('PUT', '/accounts/:account/workers/scripts/:name/schedules', () => ({ schedules: [] }));

  // Static assets: a session lists the files to upload, uploads return the token the script upload carries.
  const assetSessions = new Map<string, string[]>(); // upload/completion token → asset paths
  const assetHashes = new Set<string>();
  const startAssetSession: Handler = ({ body }) => {
    const manifest = ((body.json ?? {}) as { manifest?: Record<string, { hash: string }> }).manifest ?? {};
    const token = `assets-upload-${hexId()}`;
    assetSessions.set(token, Object.keys(manifest).sort());
    const missing = Object.values(manifest).map((f) => f.hash).filter((h) => !assetHashes.has(h));
    // Everything already known: the upload token is the completion token.
    return { jwt: token, buckets: missing.length ? [missing] : [] };
  };
  on('POST', '/accounts/:account/workers/scripts/:name/assets-upload-session', startAssetSession);
  on('POST', '/accounts/:account/workers/dispatch/namespaces/:namespace/scripts/:name/assets-upload-session', startAssetSession);
  on('POST', '/accounts/:account/workers/assets/upload', ({ body, headers }) => {
    const upload = String(headers.authorization ?? '').replace(/^Bearer /, '');
    const paths = assetSessions.get(upload);
    if (!paths) throw new ApiError(401, 10001, 'unknown asset upload token');
    for (const hash of body.parts?.keys() ?? []) assetHashes.add(hash);
    const completion = `assets-complete-${hexId()}`;
    assetSessions.set(completion, paths);
    return { jwt: completion };
  });

  // Routes of a script (wrangler 4.86 sets them all with one PUT after the deployment).
  on('PUT', '/accounts/:account/workers/scripts/:name/routes', ({ account: acc, params, body }) => {
    const script = requireScript(acc, params.name);
    const list = Array.isArray(body.json) ? (body.json as { pattern: string; zone_name?: string; zone_id?: string; custom_domain?: boolean }[]) : [];
    script.routes = list.map((r) => ({ id: hexId(), pattern: r.pattern, zone_name: r.zone_name, custom_domain: r.custom_domain }));
    return script.routes;
  });
  on('GET', '/accounts/:account/workers/scripts/:name/routes', ({ account: acc, params }) => requireScript(acc, params.name).routes ?? []);
  // One zone, example.com; wrangler looks routes' zones up by name.
  const zoneCreated = now();
  const zones = [
    {
      id: '0f0e0d0c0b0a09080706050403020100',
      name: 'example.com',
      status: 'active',
      type: 'full',
      account: { id: defaultAccountId, name: 'Test account' },
      activated_on: zoneCreated,
      created_on: zoneCreated,
      modified_on: zoneCreated,
      development_mode: 0,
      meta: { step: 2, custom_certificate_quota: 0, page_rule_quota: 3, phishing_detected: false },
      name_servers: ['ada.ns.cloudflare.com', 'bob.ns.cloudflare.com'],
      original_dnshost: null,
      original_name_servers: null,
      original_registrar: null,
      owner: { id: defaultAccountId, name: 'Test account', type: 'organization' },
      plan: { id: '0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee', name: 'Free Website', price: 0, currency: 'USD', frequency: '', is_subscribed: false, can_subscribe: false, legacy_id: 'free', legacy_discount: false, externally_managed: false },
      paused: false,
      permissions: [],
    },
  ];
  on('GET', '/zones', ({ query }) => zones.filter((z) => !query.get('name') || z.name === query.get('name')));
  on('GET', '/zones/:zone/workers/routes', ({ account: acc, params }) =>
    params.zone === zones[0].id ? [...acc.scripts.values()].flatMap((s) => (s.routes ?? []).map((r) => ({ id: r.id, pattern: r.pattern, script: s.name }))) : [],
  );

  // Workers for Platforms
  on('GET', '/accounts/:account/workers/dispatch/namespaces/:namespace', ({ account: acc, params }) => {
    if (!acc.dispatchNamespaces.includes(params.namespace)) throw new ApiError(404, 100119, `namespace ${params.namespace} not found`);
    return { namespace_name: params.namespace, namespace_id: sha256(params.namespace).slice(0, 32) };
  });
  on('PUT', '/accounts/:account/workers/dispatch/namespaces/:namespace/scripts/:name', uploadScript);
  // wrangler 4.117+ asks whether the script exists before deploying into a namespace (10092: it does not).
  on('GET', '/accounts/:account/workers/dispatch/namespaces/:namespace/scripts/:name', ({ account: acc, params }) => {
    const script = acc.scripts.get(scriptKey(params.name, params.namespace));
    if (!script) throw new ApiError(404, 10092, `This script does not exist in namespace ${params.namespace}. [workers.api.error.script_not_found]`);
    return { created_on: script.created_on, modified_on: script.created_on, dispatch_namespace: params.namespace, script: { id: script.name, tag: sha256(script.name).slice(0, 32), handlers: ['fetch'] } };
  });
  on('GET', '/accounts/:account/workers/dispatch/namespaces/:namespace/scripts/:name/secrets', ({ account: acc, params }) =>
    secretList(requireScript(acc, params.name, params.namespace)),
  );
  on('PUT', '/accounts/:account/workers/dispatch/namespaces/:namespace/scripts/:name/secrets', putSecret);
  on('GET', '/accounts/:account/workers/dispatch/namespaces/:namespace/scripts/:name/settings', ({ account: acc, params }) =>
    settings(requireScript(acc, params.name, params.namespace)),
  );
  on('PATCH', '/accounts/:account/workers/dispatch/namespaces/:namespace/scripts/:name/settings', patchSettings);

  // Tail sessions: POST creates one and answers the WebSocket URL wrangler connects to (protocol trace-v1).
  on('POST', '/accounts/:account/workers/scripts/:name/tails', ({ account: acc, params, body }) => {
    requireScript(acc, params.name);
    const id = hexId();
    const filters = ((body.json ?? {}) as { filters?: Record<string, unknown>[] }).filters ?? [];
    const tail: FakeTail & { deleted: boolean; expires_at: string } = { id, script: params.name, filters, created_on: now(), connected: false, deleted: false, expires_at: new Date(Date.now() + 6 * 3600_000).toISOString() };
    tails.set(id, tail);
    return { id, url: `ws://127.0.0.1:${port}/tail/${id}`, expires_at: tail.expires_at };
  });
  // Cloudflare's schema answers this with one session object (the newest open one), not a list.
  on('GET', '/accounts/:account/workers/scripts/:name/tails', ({ params }) => {
    const open = [...tails.values()].filter((t) => !t.deleted && t.script === params.name).at(-1);
    if (!open) throw new ApiError(404, 10057, `no tail session for ${params.name}`);
    return { id: open.id, url: `ws://127.0.0.1:${port}/tail/${open.id}`, expires_at: open.expires_at };
  });
  on('DELETE', '/accounts/:account/workers/scripts/:name/tails/:id', ({ params }) => {
    const tail = tails.get(params.id);
    if (!tail || tail.deleted || tail.script !== params.name) throw new ApiError(404, 10057, `tail ${params.id} not found`);
    tail.deleted = true;
    for (const socket of tailSockets.get(params.id) ?? []) socket.close(1000, 'tail deleted');
    return null;
  });

  // KV
  on('GET', '/accounts/:account/storage/kv/namespaces', ({ account: acc }) => [...acc.kvNamespaces]);
  on('POST', '/accounts/:account/storage/kv/namespaces', ({ account: acc, body }) => {
    const title = (body.json as { title?: string } | undefined)?.title;
    if (!title) throw new ApiError(400, 10019, 'a namespace needs a title');
    if (acc.kvNamespaces.some((n) => n.title === title)) throw new ApiError(400, 10014, 'A namespace with this account ID and title already exists.');
    const ns = { id: hexId(), title };
    acc.kvNamespaces.push(ns);
    return ns;
  });
  on('DELETE', '/accounts/:account/storage/kv/namespaces/:id', ({ account: acc, params }) => {
    const index = acc.kvNamespaces.findIndex((n) => n.id === params.id);
    if (index < 0) throw new ApiError(404, 10013, 'namespace not found');
    acc.kvNamespaces.splice(index, 1);
    return null;
  });
  // D1
  on('DELETE', '/accounts/:account/d1/database/:id', ({ account: acc, params }) => {
    const index = acc.d1Databases.findIndex((db) => db.uuid === params.id);
    if (index < 0) throw new ApiError(404, 7404, 'The database could not be found');
    acc.d1Databases.splice(index, 1);
    return null;
  });
  on('GET', '/accounts/:account/d1/database', ({ account: acc, query }) => {
    const name = query.get('name');
    return acc.d1Databases.filter((db) => !name || db.name === name).map((db) => ({ ...db, version: 'production' }));
  });
  on('POST', '/accounts/:account/d1/database', ({ account: acc, body }) => {
    const name = (body.json as { name?: string } | undefined)?.name;
    if (!name) throw new ApiError(400, 7400, 'a database needs a name');
    if (acc.d1Databases.some((db) => db.name === name)) throw new ApiError(400, 7502, `A database with that name already exists`);
    const db = { uuid: randomUUID(), name, created_at: now() };
    acc.d1Databases.push(db);
    return { ...db, version: 'production' };
  });
  // D1 data: /query runs SQL, /export dumps to a signed URL, /import takes a SQL file uploaded to one.
  const d1Data = new FakeD1Data();
  const d1Exports = new Map<string, string>();
  const d1Uploads = new Map<string, string | undefined>();
  const requireDb = (acc: FakeAccount, id: string) => {
    const db = acc.d1Databases.find((d) => d.uuid === id);
    if (!db) throw new ApiError(404, 7404, 'The database could not be found');
    return db;
  };
  // D1 takes a database's name in place of its id here (wrangler's getDatabaseInfoFromIdOrName: `d1 info`, time travel).
  on('GET', '/accounts/:account/d1/database/:id', ({ account: acc, params }) => ({
    ...requireDb(acc, acc.d1Databases.find((d) => d.name === params.id)?.uuid ?? params.id),
    version: 'production',
    num_tables: 0,
    file_size: 0,
  }));
  on('POST', '/accounts/:account/d1/database/:id/query', async ({ account: acc, params, body }) => {
    requireDb(acc, params.id);
    const sql = (body.json as { sql?: string } | undefined)?.sql;
    if (!sql) throw new ApiError(400, 7400, 'a query needs sql');
    // An export or import in progress blocks the database's other requests until it ends (as D1 documents).
    await d1Busy.get(params.id);
    let answer;
    try {
      answer = await d1Data.query(params.id, sql);
    } catch (error) {
      throw new ApiError(400, 7500, `${(error as Error).message}: SQLITE_ERROR`);
    }
    if (splitStatements(sql).some((statement) => !/^\s*(select|pragma|explain)\b/i.test(statement))) await d1Snapshot(params.id);
    return answer;
  });

  // D1 Time Travel: the fake keeps the database's export after every write, each under a bookmark (ordered,
  // shaped like D1's); a timestamp finds the newest bookmark at or before it, and a restore makes the database
  // hold that export again and answers the bookmark before the restore (to undo it) and the one after.
  const d1Snapshots = new Map<string, { bookmark: string; at: number; dump: string }[]>();
  let bookmarkSeq = 0;
  const d1Snapshot = async (uuid: string) => {
    const list = d1Snapshots.get(uuid) ?? [];
    d1Snapshots.set(uuid, list);
    const entry = { bookmark: `${(++bookmarkSeq).toString(16).padStart(8, '0')}-00000001-00004c6d-${hexId()}`, at: Date.now(), dump: await d1Data.dump(uuid) };
    list.push(entry);
    return entry;
  };
  const d1Current = async (uuid: string) => d1Snapshots.get(uuid)?.at(-1) ?? (await d1Snapshot(uuid));
  const d1At = async (uuid: string, query: URLSearchParams) => {
    const timestamp = query.get('timestamp');
    if (!timestamp) return d1Current(uuid);
    const at = Date.parse(timestamp);
    if (Number.isNaN(at)) throw new ApiError(400, 7400, `invalid timestamp ${timestamp}`);
    const found = [...(d1Snapshots.get(uuid) ?? [])].reverse().find((snap) => snap.at <= at);
    if (!found) throw new ApiError(400, 7400, `no bookmark at or before ${timestamp}`);
    return found;
  };
  on('GET', '/accounts/:account/d1/database/:id/time_travel/bookmark', async ({ account: acc, params, query }) => {
    requireDb(acc, params.id);
    return { bookmark: (await d1At(params.id, query)).bookmark };
  });
  on('POST', '/accounts/:account/d1/database/:id/time_travel/restore', async ({ account: acc, params, query }) => {
    requireDb(acc, params.id);
    const bookmark = query.get('bookmark');
    const target = bookmark ? d1Snapshots.get(params.id)?.find((snap) => snap.bookmark === bookmark) : await d1At(params.id, query);
    if (!target) throw new ApiError(400, 7400, `bookmark ${bookmark} is not one of this database's`);
    await d1Busy.get(params.id);
    const previous = await d1Current(params.id);
    await d1Data.replaceWith(params.id, target.dump);
    const after = await d1Snapshot(params.id);
    return { bookmark: after.bookmark, previous_bookmark: previous.bookmark, message: `Database restored to bookmark ${target.bookmark}` };
  });

  // D1 export and import are asynchronous: the first answer is 202 `status: "active"` with a bookmark, and
  // wrangler asks again with `current_bookmark` until the answer is "complete" (or "error"). `d1Polls` sets how
  // many "active" answers come before the last.
  interface D1Job {
    kind: 'export' | 'import';
    db: string;
    activeAnswersLeft: number;
    done: Promise<{ ok: true; value: unknown } | { ok: false; error: string }>;
    settled?: { ok: true; value: unknown } | { ok: false; error: string };
  }
  const d1Jobs = new Map<string, D1Job>();
  const d1Busy = new Map<string, Promise<unknown>>();
  const startD1Job = (kind: D1Job['kind'], db: string, work: () => Promise<unknown>): string => {
    const bookmark = `0000000${d1Jobs.size + 1}-00000001-0000${hexId().slice(0, 4)}-${hexId()}`;
    const job: D1Job = { kind, db, activeAnswersLeft: options.d1Polls ?? 1, done: Promise.resolve({ ok: false, error: 'not started' }) };
    job.done = (d1Busy.get(db) ?? Promise.resolve())
      .then(work)
      .then((value) => ({ ok: true as const, value }), (error: Error) => ({ ok: false as const, error: error.message }))
      .then((settled) => (job.settled = settled));
    d1Busy.set(db, job.done);
    d1Jobs.set(bookmark, job);
    return bookmark;
  };
  /** The answer to a poll: active while the job runs (or while its "active" answers last), then its outcome. */
  const pollD1Job = (bookmark: string, kind: D1Job['kind'], complete: (value: unknown) => unknown) => {
    const job = d1Jobs.get(bookmark);
    if (!job || job.kind !== kind) throw new ApiError(400, 7400, `unknown bookmark ${bookmark}`);
    if (!job.settled || job.activeAnswersLeft > 0) {
      job.activeAnswersLeft--;
      return withStatus(202, { success: true, type: kind, status: 'active', at_bookmark: bookmark, messages: [kind === 'export' ? `Generating ${job.db}-${bookmark}.sql` : 'Import in progress'] });
    }
    d1Jobs.delete(bookmark);
    // wrangler reads an export's `error` and an import's `errors` (src/d1/export.ts, src/d1/execute.ts).
    if (!job.settled.ok) return { success: true, type: kind, status: 'error', at_bookmark: bookmark, error: job.settled.error, ...(kind === 'import' ? { errors: [job.settled.error] } : {}), messages: [] };
    return { success: true, type: kind, status: 'complete', at_bookmark: bookmark, ...(complete(job.settled.value) as object) };
  };
  on('POST', '/accounts/:account/d1/database/:id/export', ({ account: acc, params, body }) => {
    requireDb(acc, params.id);
    const payload = (body.json ?? {}) as { current_bookmark?: string; dump_options?: { no_schema?: boolean; no_data?: boolean; tables?: string[] } };
    const bookmark =
      payload.current_bookmark ??
      startD1Job('export', params.id, () =>
        d1Data.dump(params.id, { noSchema: payload.dump_options?.no_schema, noData: payload.dump_options?.no_data, tables: payload.dump_options?.tables }),
      );
    return pollD1Job(bookmark, 'export', (dump) => {
      const token = hexId();
      d1Exports.set(token, dump as string);
      return { messages: ['Uploaded part 1', 'Export complete'], result: { filename: `${params.id}.sql`, signed_url: `http://127.0.0.1:${port}/d1-export/${token}` } };
    });
  });
  on('POST', '/accounts/:account/d1/database/:id/import', ({ account: acc, params, body }) => {
    requireDb(acc, params.id);
    const payload = (body.json ?? {}) as { action?: string; filename?: string; current_bookmark?: string };
    if (payload.action === 'init') {
      const token = hexId();
      d1Uploads.set(token, undefined);
      return { success: true, type: 'import', filename: token, upload_url: `http://127.0.0.1:${port}/d1-upload/${token}` };
    }
    let bookmark = payload.current_bookmark;
    if (payload.action === 'ingest') {
      const sql = d1Uploads.get(payload.filename ?? '');
      if (sql === undefined) throw new ApiError(400, 7400, `nothing was uploaded as ${payload.filename}`);
      d1Uploads.delete(payload.filename ?? '');
      bookmark = startD1Job('import', params.id, async () => {
        const imported = await d1Data.importFile(params.id, sql);
        await d1Snapshot(params.id);
        return { ...imported, size: sql.length };
      });
    } else if (payload.action !== 'poll' || !bookmark) {
      throw new ApiError(400, 7400, `unknown import action ${payload.action}`);
    }
    return pollD1Job(bookmark, 'import', (value) => {
      const imported = value as { num_queries: number; rows_read: number; rows_written: number; size: number };
      return { messages: [`Imported ${imported.num_queries} queries`], result: { num_queries: imported.num_queries, final_bookmark: bookmark, meta: { duration: 1, rows_read: imported.rows_read, rows_written: imported.rows_written, size_after: imported.size } } };
    });
  });

  // KV data: keys and text values per namespace (what kv key/bulk commands read and write).
  const kvData = new Map<string, Map<string, string>>();
  const kvOf = (acc: FakeAccount, id: string) => {
    if (!acc.kvNamespaces.some((n) => n.id === id)) throw new ApiError(404, 10013, 'namespace not found');
    let data = kvData.get(id);
    if (!data) kvData.set(id, (data = new Map()));
    return data;
  };
  // Cursor pages of up to `limit` keys (default and most 1000); `result_info: { count, cursor }`, cursor "" on the last.
  on('GET', '/accounts/:account/storage/kv/namespaces/:id/keys', ({ account: acc, params, query }) =>
    cursorPaged([...kvOf(acc, params.id).keys()].filter((k) => k.startsWith(query.get('prefix') ?? '')).sort().map((name) => ({ name })), 'limit', 1000, false),
  );
  on('POST', '/accounts/:account/storage/kv/namespaces/:id/bulk/get', ({ account: acc, params, body }) => {
    const data = kvOf(acc, params.id);
    const keys = ((body.json ?? {}) as { keys?: string[] }).keys ?? [];
    if (keys.length > 100) throw new ApiError(400, 10001, 'at most 100 keys per bulk get');
    return { values: Object.fromEntries(keys.map((k) => [k, data.get(k) ?? null])) };
  });
  on('PUT', '/accounts/:account/storage/kv/namespaces/:id/bulk', ({ account: acc, params, body }) => {
    const data = kvOf(acc, params.id);
    const entries = Array.isArray(body.json) ? (body.json as { key: string; value: string; base64?: boolean }[]) : [];
    for (const e of entries) data.set(e.key, e.base64 ? Buffer.from(e.value, 'base64').toString('utf8') : e.value);
    return { successful_key_count: entries.length, unsuccessful_keys: [] };
  });
  on('DELETE', '/accounts/:account/storage/kv/namespaces/:id/bulk', ({ account: acc, params, body }) => {
    const data = kvOf(acc, params.id);
    const keys = Array.isArray(body.json) ? (body.json as string[]) : [];
    for (const key of keys) data.delete(key);
    return { successful_key_count: keys.length, unsuccessful_keys: [] };
  });
  on('PUT', '/accounts/:account/storage/kv/namespaces/:id/values/:key', ({ account: acc, params, body, raw }) => {
    const value = body.parts?.get('value');
    kvOf(acc, params.id).set(decodeURIComponent(params.key), typeof value === 'string' ? value : raw.toString('utf8'));
    return null;
  });
  // A value is answered as its bytes, not in the JSON envelope (`wrangler kv key get`).
  on('GET', '/accounts/:account/storage/kv/namespaces/:id/values/:key', ({ account: acc, params }) => {
    const value = kvOf(acc, params.id).get(decodeURIComponent(params.key));
    if (value === undefined) throw new ApiError(404, 10009, 'get: key not found');
    return rawBody(Buffer.from(value, 'utf8'));
  });
  on('DELETE', '/accounts/:account/storage/kv/namespaces/:id/values/:key', ({ account: acc, params }) => {
    kvOf(acc, params.id).delete(decodeURIComponent(params.key));
    return null;
  });

  // R2 objects: listed through the API (cursor pages), moved through the raw routes above.
  const r2Data = new Map<string, Map<string, Buffer>>();
  const r2Objects = (bucket: string) => {
    let objects = r2Data.get(bucket);
    if (!objects) r2Data.set(bucket, (objects = new Map()));
    return objects;
  };
  on('GET', '/accounts/:account/r2/buckets/:bucket/objects', ({ account: acc, params, query }) => {
    if (!acc.r2Buckets.some((b) => b.name === params.bucket)) throw new ApiError(404, 10006, 'The specified bucket does not exist.');
    // Cursor pages of up to `per_page` objects (most 1000); `result_info: { cursor, per_page, is_truncated }`.
    return cursorPaged(
      [...r2Objects(params.bucket).entries()]
        .filter(([key]) => key.startsWith(query.get('prefix') ?? ''))
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, body]) => ({ key, size: body.length, etag: createHash('md5').update(body).digest('hex'), last_modified: now() })),
      'per_page',
      1000,
      true,
    );
  });

  // R2
  on('GET', '/accounts/:account/r2/buckets', ({ account: acc }) => ({ buckets: [...acc.r2Buckets] }));
  on('GET', '/accounts/:account/r2/buckets/:bucket', ({ account: acc, params }) => {
    const bucket = acc.r2Buckets.find((b) => b.name === params.bucket);
    if (!bucket) throw new ApiError(404, 10006, 'The specified bucket does not exist.');
    return { ...bucket, location: 'weur', storage_class: 'Standard' };
  });
  on('DELETE', '/accounts/:account/r2/buckets/:bucket', ({ account: acc, params }) => {
    const index = acc.r2Buckets.findIndex((b) => b.name === params.bucket);
    if (index < 0) throw new ApiError(404, 10006, 'The specified bucket does not exist.');
    acc.r2Buckets.splice(index, 1);
    return {};
  });
  on('POST', '/accounts/:account/r2/buckets', ({ account: acc, body }) => {
    const name = (body.json as { name?: string } | undefined)?.name;
    if (!name) throw new ApiError(400, 10005, 'a bucket needs a name');
    if (acc.r2Buckets.some((b) => b.name === name)) throw new ApiError(409, 10004, 'The bucket you tried to create already exists, and you own it.');
    const bucket = { name, creation_date: now() };
    acc.r2Buckets.push(bucket);
    return {};
  });
  // Queues
  on('GET', '/accounts/:account/queues', ({ account: acc, query }) => {
    const names = query.getAll('name');
    return acc.queues
      .filter((q) => names.length === 0 || names.includes(q.queue_name))
      .map((q) => ({ ...q, modified_on: q.created_on, producers: [], consumers: [], producers_total_count: 0, consumers_total_count: 0 }));
  });
  on('POST', '/accounts/:account/queues', ({ account: acc, body }) => {
    const name = (body.json as { queue_name?: string } | undefined)?.queue_name;
    if (!name) throw new ApiError(400, 11000, 'a queue needs a name');
    if (acc.queues.some((q) => q.queue_name === name)) throw new ApiError(409, 11009, 'A queue with this name already exists');
    const queue = { queue_id: hexId(), queue_name: name, created_on: now() };
    acc.queues.push(queue);
    return { ...queue, modified_on: queue.created_on };
  });
  on('DELETE', '/accounts/:account/queues/:queue', ({ account: acc, params }) => {
    const index = acc.queues.findIndex((q) => q.queue_id === params.queue);
    if (index < 0) throw new ApiError(404, 11000, 'queue not found');
    acc.queues.splice(index, 1);
    return null;
  });
  on('GET', '/accounts/:account/queues/:queue', ({ account: acc, params }) => {
    const queue = acc.queues.find((q) => q.queue_id === params.queue);
    if (!queue) throw new ApiError(404, 11000, 'queue not found');
    return { ...queue, producers: [], consumers: [] };
  });

  const send = (res: ServerResponse, status: number, payload: unknown) => {
    const text = JSON.stringify(payload);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  // The request budget: every API call counts (one user's token); once spent, 429 with Retry-After until it lifts.
  const budget = options.rateLimit ?? CLOUDFLARE_RATE_LIMIT;
  let windowStart = Date.now();
  let spent = 0;
  let blockedUntil = 0;
  const overBudget = (): number | undefined => {
    const t = Date.now();
    if (t < blockedUntil) return blockedUntil - t;
    // A new window starts when the last one ended or the block lifted.
    if (blockedUntil || t - windowStart >= budget.windowMs) {
      blockedUntil = 0;
      windowStart = t;
      spent = 0;
    }
    if (++spent <= budget.requests) return undefined;
    blockedUntil = t + budget.blockMs;
    return budget.blockMs;
  };

  const handleApiRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname.replace(/^\/client\/v4/, '');
    const method = req.method ?? 'GET';
    let status = 200;
    let routeName = 'unmatched';
    let parsed: ParsedBody = { bytes: 0 };
    let raw: Buffer = Buffer.alloc(0);
    let matched: Route | undefined;
    let answered: unknown;
    const sendJson = (code: number, payload: unknown) => {
      answered = payload;
      send(res, code, payload);
    };
    try {
      ({ parsed, raw } = await readBody(req));
      const answerRateLimited = (waitMs: number) => {
        status = 429;
        routeName = 'rate limited';
        const text = JSON.stringify({ success: false, errors: [{ code: 971, message: 'Please wait and consider throttling your request speed' }], messages: [], result: null });
        res.writeHead(429, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'retry-after': String(Math.ceil(waitMs / 1000)) }).end(text);
      };
      const waitMs = url.pathname.startsWith('/client/v4/') ? overBudget() : undefined;
      if (waitMs !== undefined) return answerRateLimited(waitMs);
      // Cloudflare answers a token it does not accept, or an account the token cannot reach, with 403 and code
      // 10000 (wrangler prints its authentication help). Asset uploads carry their session's JWT instead.
      const accountInPath = /^\/accounts\/([^/]+)/.exec(path)?.[1];
      const tokenOk = req.headers.authorization === `Bearer ${apiToken}` || (path === '/accounts/' + accountInPath + '/workers/assets/upload');
      if (url.pathname.startsWith('/client/v4/') && (!tokenOk || (accountInPath !== undefined && !accounts.has(accountInPath)))) {
        status = 403;
        routeName = 'authentication error';
        sendJson(403, { success: false, errors: [{ code: 10000, message: 'Authentication error' }], messages: [], result: null });
        return;
      }
      // R2 object bodies are raw bytes (what wrangler r2 object get/put/delete move), not JSON.
      const object = /^\/accounts\/([^/]+)\/r2\/buckets\/([^/]+)\/objects\/(.+)$/.exec(path);
      if (object) {
        routeName = `${method} r2/buckets/:bucket/objects/:key`;
        const objects = account(object[1]).r2Buckets.some((b) => b.name === object[2]) ? r2Objects(object[2]) : undefined;
        const key = decodeURIComponent(object[3]);
        if (!objects) status = 404;
        else if (method === 'PUT') objects.set(key, raw);
        else if (method === 'DELETE') objects.delete(key);
        else if (method === 'GET' && objects.has(key)) {
          res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': objects.get(key)!.length }).end(objects.get(key));
          return;
        } else status = 404;
        sendJson(status, status === 200 ? { success: true, errors: [], messages: [], result: { key } } : { success: false, errors: [{ code: 10007, message: 'The specified key does not exist.' }], messages: [], result: null });
        return;
      }
      // R2's S3-compatible API: its own endpoint in the real service, outside the API's budget.
      if (url.pathname.startsWith('/r2-s3/')) {
        routeName = 'r2 s3';
        const [bucket = '', ...key] = url.pathname.slice('/r2-s3/'.length).split('/');
        status = await answerR2S3(req, res, url, url.pathname.slice('/r2-s3'.length), raw, { bucketExists: (b) => account().r2Buckets.some((x) => x.name === b), objects: r2Objects }, s3Credentials, s3Uploads, options.pageSize);
        s3Requests.push({ method, bucket, key: key.length ? decodeURIComponent(key.join('/')) : undefined, query: Object.fromEntries(url.searchParams), status });
        return;
      }
      // D1 export downloads and import uploads go to signed URLs (R2 in the real service), not the API.
      const signed = /^\/d1-(export|upload)\/([0-9a-f]+)$/.exec(url.pathname);
      if (signed) {
        routeName = `${method} d1-${signed[1]}`;
        if (signed[1] === 'export' && method === 'GET' && d1Exports.has(signed[2])) {
          res.writeHead(200, { 'content-type': 'application/sql' }).end(d1Exports.get(signed[2]));
        } else if (signed[1] === 'upload' && method === 'PUT' && d1Uploads.has(signed[2])) {
          d1Uploads.set(signed[2], raw.toString('utf8'));
          res.writeHead(200, { etag: `"${createHash('md5').update(raw).digest('hex')}"` }).end();
        } else {
          status = 404;
          res.writeHead(404).end();
        }
        return;
      }
      const failure = [...failures].find(
        (f) => (!f.method || f.method === method) && (typeof f.path === 'string' ? path.includes(f.path) : f.path.test(path)) && f.remaining > 0,
      );
      if (failure) {
        failure.remaining--;
        failure.onMatch?.();
        if (failure.delayMs) await new Promise((resolve) => setTimeout(resolve, failure.delayMs));
        if (failure.rateLimited) return answerRateLimited(typeof failure.rateLimited === 'object' ? failure.rateLimited.retryAfterSeconds * 1000 : 1000);
        if (failure.status) {
          status = failure.status;
          routeName = 'injected failure';
          sendJson(status, { success: false, errors: [{ code: 10013, message: `injected failure (${status})` }], messages: [], result: null });
          return;
        }
      }
      const route = routes.find((r) => r.method === method && r.regex.test(path));
      if (!route) {
        status = 404;
        sendJson(status, { success: false, errors: [{ code: 7003, message: `No route for that URI (fake API: ${method} ${path})` }], messages: [], result: null });
        return;
      }
      matched = route;
      routeName = `${method} ${route.pattern.replace('/accounts/:account/', '')}`;
      const match = route.regex.exec(path)!;
      const params = Object.fromEntries(route.keys.map((k, i) => [k, decodeURIComponent(match[i + 1])]));
      const result = await route.handler({ account: account(params.account), params, query: url.searchParams, body: parsed, headers: req.headers, raw });
      if (isCursorPaged(result)) {
        const { items, sizeParam, maxPerPage, truncatedFlag } = result[CURSOR_PAGED];
        const asked = Number(url.searchParams.get(sizeParam) ?? maxPerPage);
        const size = Math.min(Math.max(1, Number.isFinite(asked) ? asked : maxPerPage), maxPerPage, options.pageSize ?? maxPerPage);
        // The cursor is opaque to clients: here the offset of the next item, encoded.
        const from = url.searchParams.get('cursor') ? Number(Buffer.from(url.searchParams.get('cursor')!, 'base64url').toString('utf8')) : 0;
        const pageItems = items.slice(from, from + size);
        const more = from + size < items.length;
        const cursor = more ? Buffer.from(String(from + size)).toString('base64url') : '';
        const info = truncatedFlag ? { per_page: size, is_truncated: more, ...(more ? { cursor } : {}) } : { count: pageItems.length, cursor };
        sendJson(200, { success: true, errors: [], messages: [], result: pageItems, result_info: info });
        return;
      }
      if (Array.isArray(result)) {
        // Lists are paged like Cloudflare's: the SDK stops at the first empty page.
        const page = Math.max(1, Number(url.searchParams.get('page') ?? 1));
        // `per_page` as asked (Cloudflare honours it; wrangler stops paging at the first short page), else
        // `pageSize` (tests), else 100.
        const perPage = Math.max(1, Number(url.searchParams.get('per_page') ?? options.pageSize ?? 100));
        const items = result.slice((page - 1) * perPage, page * perPage);
        const info = { page, per_page: perPage, count: items.length, total_count: result.length, total_pages: Math.max(1, Math.ceil(result.length / perPage)) };
        sendJson(200, { success: true, errors: [], messages: [], result: items, result_info: info });
        return;
      }
      if (result && typeof result === 'object' && RAW_BODY in result) {
        const body = (result as { [RAW_BODY]: Buffer })[RAW_BODY];
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
        return;
      }
      if (result && typeof result === 'object' && HTTP_STATUS in result) {
        const { [HTTP_STATUS]: code, ...rest } = result as Record<string | symbol, unknown>;
        status = code as number;
        sendJson(status, { success: true, errors: [], messages: [], result: rest });
        return;
      }
      if (result && typeof result === 'object' && PAGE_INFO in result) {
        const { [PAGE_INFO]: info, ...rest } = result as Record<string | symbol, unknown>;
        sendJson(200, { success: true, errors: [], messages: [], result: rest, result_info: info });
        return;
      }
      sendJson(200, { success: true, errors: [], messages: [], result: result ?? null });
    } catch (error) {
      // A crash of the fake is a 500 with Cloudflare's generic code (never 10000, which wrangler reads as an
      // authentication error and then tries other routes).
      status = error instanceof ApiError ? error.status : 500;
      const code = error instanceof ApiError ? error.code : 10013;
      const message = error instanceof ApiError ? error.message : `An unknown error has occurred (fake API: ${(error as Error).message})`;
      sendJson(status, { success: false, errors: [{ code, message }], messages: [], result: null });
    } finally {
      if (matched && options.recordResponses) responses.push({ route: `${matched.method} ${matched.pattern}`, status, body: answered });
      requests.push({
        method,
        path,
        query: Object.fromEntries(url.searchParams),
        bodyBytes: parsed.bytes,
        parts: parsed.parts ? [...parsed.parts.keys()] : undefined,
        route: routeName,
        status,
        at: Date.now() - startedAt,
      });
    }
  };
  const server: Server = createServer((req, res) => void handleApiRequest(req, res));

  // Tail WebSockets: ws://127.0.0.1:<port>/tail/<id>, only for a tail that exists, only with trace-v1.
  const tails = new Map<string, FakeTail & { deleted: boolean; expires_at: string }>();
  const tailSockets = new Map<string, Set<WebSocket>>();
  const sockets = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => (protocols.has('trace-v1') ? 'trace-v1' : false) });
  server.on('upgrade', (req, socket, head) => {
    maskClientFrames(socket);
    const id = /^\/tail\/([0-9a-f]+)$/.exec(req.url ?? '')?.[1];
    const tail = id ? tails.get(id) : undefined;
    if (!tail || tail.deleted) {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(req, socket, head, (ws) => {
      const set = tailSockets.get(tail.id) ?? new Set();
      tailSockets.set(tail.id, set.add(ws));
      tail.connected = true;
      ws.on('close', () => {
        set.delete(ws);
        tail.connected = set.size > 0;
      });
    });
  });
  const passes = (filters: Record<string, unknown>[], event: TailEvent): boolean =>
    filters.every((f) => {
      if (Array.isArray(f.outcome)) return f.outcome.includes(event.outcome);
      if (Array.isArray(f.method)) return !!event.event && f.method.map(String).map((m) => m.toUpperCase()).includes(event.event.request.method.toUpperCase());
      if (typeof f.query === 'string') return event.logs.some((l) => JSON.stringify(l.message).includes(f.query as string));
      if (typeof f.sampling_rate === 'number') return Math.random() < f.sampling_rate;
      return true;
    });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  account();

  return {
    url: `http://127.0.0.1:${port}/client/v4`,
    port,
    accountId: defaultAccountId,
    token: apiToken,
    r2Endpoint: `http://127.0.0.1:${port}/r2-s3`,
    s3Requests,
    subdomain,
    requests,
    responses,
    routes: () => routes.map((r) => `${r.method} ${r.pattern}`),
    accounts,
    account,
    script: (name, accountId) => account(accountId).scripts.get(name),
    inject(rule) {
      const entry = { ...rule, remaining: rule.times ?? Number.POSITIVE_INFINITY };
      failures.add(entry);
      return () => failures.delete(entry);
    },
    calls: (fragment, method) => requests.filter((r) => r.path.includes(fragment) && (!method || r.method === method)),
    digest: sha256,
    d1Query: async (uuid, sql) => {
      const answer = await d1Data.query(uuid, sql);
      if (splitStatements(sql).some((statement) => !/^\s*(select|pragma|explain)\b/i.test(statement))) await d1Snapshot(uuid);
      return answer;
    },
    d1Import: async (uuid, sql) => {
      const imported = await d1Data.importFile(uuid, sql);
      await d1Snapshot(uuid);
      return imported;
    },
    d1Export: (uuid) => d1Data.dump(uuid),
    kv: (id) => kvOf(account(), id),
    r2: (bucket) => r2Objects(bucket),
    openTails: () => [...tails.values()].filter((t) => !t.deleted).map(({ deleted: _deleted, expires_at: _expires, ...t }) => t),
    allTails: () => [...tails.values()].map(({ deleted: _deleted, expires_at: _expires, ...t }) => t),
    emitTail(event) {
      let sent = 0;
      for (const tail of tails.values()) {
        if (tail.deleted || tail.script !== event.scriptName || !passes(tail.filters, event)) continue;
        for (const socket of tailSockets.get(tail.id) ?? []) {
          socket.send(JSON.stringify(event));
          sent++;
        }
      }
      return sent;
    },
    close: async () => {
      for (const set of tailSockets.values()) for (const socket of set) socket.terminate();
      sockets.close();
      server.closeAllConnections();
      // The D1 databases' workerd processes too: nothing may outlive the fake.
      await Promise.all([d1Data.dispose(), new Promise<void>((resolve) => server.close(() => resolve()))]);
    },
  };
}
