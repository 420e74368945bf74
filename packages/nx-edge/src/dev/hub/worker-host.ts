import { ensurePrivateDir, stateDir } from '../../utils/private-state';
import { existsSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { bundleWorker, disposeBundleContexts, type BundleContexts } from '../../build/bundle-worker';
import { readWranglerConfig, resolveEnvironment, type WorkerConfig } from '../../config/wrangler-config';
import { applyD1Migrations } from '../../local/d1-migrations';
import { loadMiniflare } from '../../wrangler/miniflare';
import { shareNoopCache } from '../../wrangler/noop-cache';
import { UserError } from '../../utils/user-error';
import { remoteOnlyBindings, remoteOnlyMessage, remoteOnlyStubScript, type RemoteOnlyBinding } from './remote-only';
import type { ServiceSpec } from '../protocol';
import { devVarsFileFor, readDevVars } from '../../local/dev-vars';
import { localWorkerOptions } from '../../local/worker-options';
import { attributeWorkerLine, consoleTagBanner } from './worker-logs';
import { sharedOutboundWorker, throughSharedOutbound, usesCacheApi } from './helper-isolates';
import { EVAL_BINDING, SHELL_FILE, SWAP_ENTRYPOINT, SWAP_TOKEN_HEADER, shellModule, swapPlan, swappableScript, type SwapPlan } from './code-swap';

type MiniflareModule = typeof import('miniflare');
type Miniflare = InstanceType<MiniflareModule['Miniflare']>;

export interface HostedWorker {
  service: string;
  /** The wrangler `name`: what service bindings and Miniflare call it. */
  workerName: string;
  config: WorkerConfig;
  options: Record<string, unknown>;
  /** Every file esbuild read, for precise reloads. */
  inputs: string[];
  /** Bindings only Cloudflare provides: each gets a stand-in that fails naming it. */
  remoteOnly: RemoteOnlyBinding[];
  /** `.dev.vars` names and values: values are scrubbed from logs and traces, never sent to the dashboard. */
  secretNames: string[];
  secretValues: string[];
  /** Whether a new version can be swapped in without restarting workerd (and why not). */
  swap: SwapPlan;
  /** The bundle module (path and contents) inside `options.modules`. */
  bundlePath: string;
  /**
   * When the hub began reading this version (wall clock, as file times are) and the files it read besides
   * `inputs`: wrangler config, `.dev.vars`. A file of either changed since is a save this version may not hold.
   */
  read?: { at: number; configFiles: string[] };
}

/** What must match for a new version to be swapped into the running one: everything but the bundle's code. */
function shapeOf(w: HostedWorker): string {
  const modules = (w.options.modules as { path: string; contents: string }[]).map((m) => (m.path === w.bundlePath ? { ...m, contents: '' } : m));
  return JSON.stringify({ name: w.workerName, options: { ...w.options, modules } });
}

/** A reload that cannot be a swap restarts workerd; this says why. */
export class NotSwappable extends Error {}

export interface WorkerHostOptions {
  workspaceRoot: string;
  /** Miniflare persistence root (KV, D1, R2, DO, cache), shared by every Worker as remote resources are. */
  persistRoot: string;
  onLine(service: string, stream: 'stdout' | 'stderr', line: string): void;
  /** workerd ended without being asked to (crash, kill). */
  onRuntimeExit(pid: number): void;
  /** Where bundles go; default `<workspace>/.nx-edge/dev/workers`. */
  outRoot?: string;
  /** isSettled() may have changed (the proxy's front must hold requests while workerd is reconfigured). */
  onSettledChange?(): void;
}

function workerdChildPid(): number | undefined {
  // Miniflare does not expose workerd's pid; the hub's own children tell it (Linux /proc).
  try {
    const children = readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    for (const pid of children.reverse()) {
      try {
        if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'workerd') return pid;
      } catch {
        // exited meanwhile
      }
    }
  } catch {
    // not Linux: no pid shown
  }
  return undefined;
}

const remoteStubName = (worker: string, binding: string) => `__nx-edge-remote-only-${worker}-${binding}`;

/**
 * Every Worker of a dev session in ONE workerd (one Miniflare): adding, replacing or removing a
 * Worker re-applies the whole set, which restarts workerd in a few hundred ms while ports stay put.
 */
export class WorkerHost {
  private readonly workers = new Map<string, HostedWorker>();
  private mf: Miniflare | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private expectingExit = false;
  /** True while workerd is being (re)configured: its ports are briefly closed. */
  busy = false;
  private watchedPid: number | undefined;
  private pidTimer: NodeJS.Timeout | undefined;
  private readonly migrated = new Set<string>();
  private miniflareModule: MiniflareModule | undefined;
  /** Each Worker as workerd runs it now (set by apply and by swaps). */
  private running = new Map<string, HostedWorker>();
  private readonly swapToken = randomBytes(24).toString('hex');
  /** One esbuild context per Worker: a save rebuilds incrementally. */
  private readonly bundleContexts: BundleContexts = new Map();

  constructor(private readonly opts: WorkerHostOptions) {}

  /**
   * Miniflare takes ~0.4 s to load: loaded on first use, or by preload() while esbuild bundles in its
   * own process, so the hub answers its first client sooner.
   */
  private get miniflare(): MiniflareModule {
     
    this.miniflareModule ??= shareNoopCache(loadMiniflare(this.opts.workspaceRoot));
    return this.miniflareModule;
  }

  preload(): void {
    try {
      void this.miniflare;
    } catch {
      // No usable Miniflare (a session of commands only, a broken install): the first Worker's start says why.
    }
  }

  get pid(): number | undefined {
    return this.watchedPid;
  }

  has(service: string): boolean {
    return this.workers.has(service);
  }

  get(service: string): HostedWorker | undefined {
    return this.workers.get(service);
  }

  /** Each Worker's direct URL as of the last successful apply. */
  currentUrls(): Map<string, string> {
    return new Map(this.lastUrls);
  }
  private lastUrls = new Map<string, string>();
  private lastOrder: string[] = [];

  hosted(): HostedWorker[] {
    return [...this.workers.values()];
  }

  /** Bundles the Worker from its sources (not yet applied). Throws UserError on config/build errors. */
  async prepare(spec: ServiceSpec): Promise<HostedWorker> {
    if (spec.kind !== 'worker') throw new Error(`${spec.service} is not a Worker`);
    const readAt = Date.now();
    const { config: raw } = readWranglerConfig(spec.worker.configPath);
    const config = resolveEnvironment(raw, spec.worker.environment);
    const workerName = config.name ?? spec.service;
    const outDir = this.opts.outRoot ? join(this.opts.outRoot, spec.service) : ensurePrivateDir(stateDir(this.opts.workspaceRoot, 'dev', 'workers', spec.service));
    const bundle = await bundleWorker({
      workspaceRoot: this.opts.workspaceRoot,
      projectRoot: spec.root,
      configFile: spec.worker.configPath,
      config,
      outDir,
      sourcemap: true,
      // Dev bundles print spans for the dashboard's traces (@aero/edge-runtime reads this define).
      define: { 'process.env.NODE_ENV': '"development"', __NX_EDGE_DEV_SPANS__: 'true' },
      banner: consoleTagBanner(spec.service),
      contexts: this.bundleContexts,
      sizes: false,
    });
    const devVars = readDevVars(spec.root, spec.worker.environment);
    const { scriptPath, ...rest } = localWorkerOptions(config, { scriptPath: bundle.entry, modulesRoot: outDir, projectRoot: spec.root }, devVars);
    // Listed explicitly: Miniflare's module walker refuses bundles with dynamic import().
    const bundleModule = { type: 'ESModule', path: scriptPath, contents: readFileSync(scriptPath, 'utf8') };
    const swap = swapPlan(config, bundle.metafile, scriptPath);
    const cache = usesCacheApi(bundleModule.contents) ? {} : { cache: false };
    const options: Record<string, unknown> = swap.swappable
      ? {
          ...rest,
          ...cache,
          modules: [{ type: 'ESModule', path: join(outDir, SHELL_FILE), contents: shellModule(swap, scriptPath, this.swapToken, spec.service) }, bundleModule],
          unsafeEvalBinding: EVAL_BINDING,
          unsafeDirectSockets: [{ host: '127.0.0.1', port: spec.port ?? 0 }, { host: '127.0.0.1', port: 0, entrypoint: SWAP_ENTRYPOINT }],
        }
      : { ...rest, ...cache, modules: [bundleModule], unsafeDirectSockets: [{ host: '127.0.0.1', port: spec.port ?? 0 }] };
    const remoteOnly = remoteOnlyBindings(config);
    const devVarsFile = devVarsFileFor(spec.root, spec.worker.environment);
    const read = { at: readAt, configFiles: [spec.worker.configPath, ...(devVarsFile ? [devVarsFile] : [])] };
    return { service: spec.service, workerName, config, options, inputs: bundle.inputs, remoteOnly, secretNames: Object.keys(devVars), secretValues: Object.values(devVars), swap, bundlePath: scriptPath, read };
  }

  /** Where a running swappable Worker takes new code (token-gated), for diagnostics and tests. */
  async swapUrl(service: string): Promise<URL | undefined> {
    const running = this.running.get(service);
    if (!this.mf || !running?.swap.swappable) return undefined;
    return this.mf.unsafeGetDirectURL(running.workerName, SWAP_ENTRYPOINT);
  }

  /**
   * The shell's RPC explorer route of a running swappable Worker (token-gated like a swap): GET lists its
   * WorkerEntrypoint classes and methods, POST calls one. Undefined when it is not swappable (it hosts a
   * Durable Object or Workflow, or is not running). The answer is read up to 1 MiB.
   */
  async shellRpc(service: string, body?: string): Promise<{ status: number; text: string } | undefined> {
    const url = await this.swapUrl(service);
    if (!url) return undefined;
    const response = await fetch(new URL('/rpc', url), { method: body === undefined ? 'GET' : 'POST', headers: { [SWAP_TOKEN_HEADER]: this.swapToken, 'content-type': 'application/json' }, body });
    const reader = response.body?.getReader() as ReadableStreamDefaultReader<Uint8Array> | undefined;
    const chunks: Uint8Array[] = [];
    let size = 0;
    while (reader) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > 1024 * 1024) {
        await reader.cancel();
        return { status: 413, text: JSON.stringify({ error: 'the answer is over 1 MiB' }) };
      }
      chunks.push(value);
    }
    return { status: response.status, text: Buffer.concat(chunks).toString('utf8') };
  }

  /**
   * Swaps a new version of a running Worker in place (serialised with applies): the new bundle is
   * evaluated in the Worker's isolate, workerd keeps running and no other Worker is touched. Throws
   * NotSwappable when it needs a restart instead, or the new version's load error (the previous
   * version keeps serving).
   */
  swapIn(worker: HostedWorker): Promise<void> {
    const run = this.queue.then(async () => {
      const running = this.running.get(worker.service);
      if (!worker.swap.swappable) throw new NotSwappable(worker.swap.reason);
      if (!this.mf || !running || this.watchedPid === undefined) throw new NotSwappable('workerd is not running it');
      if (running.options.cache !== worker.options.cache) throw new NotSwappable(worker.options.cache === false ? 'it no longer uses the Cache API' : 'it now uses the Cache API');
      if (shapeOf(running) !== shapeOf(worker)) throw new NotSwappable('its config, exports or imports changed');
      const bundle = (worker.options.modules as { path: string; contents: string }[]).find((m) => m.path === worker.bundlePath);
      const prepared = await swappableScript(bundle?.contents ?? '');
      if ('reason' in prepared) throw new NotSwappable(prepared.reason);
      const url = await this.mf.unsafeGetDirectURL(worker.workerName, SWAP_ENTRYPOINT);
      const response = await fetch(url, { method: 'POST', headers: { [SWAP_TOKEN_HEADER]: this.swapToken }, body: prepared.script });
      const answer = await response.text();
      if (!response.ok) throw new Error(answer);
      this.workers.set(worker.service, worker);
      this.running.set(worker.service, worker);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  set(worker: HostedWorker): void {
    for (const other of this.workers.values()) {
      if (other.service !== worker.service && other.workerName === worker.workerName) {
        throw new UserError(`${worker.service} and ${other.service} both name their Worker "${worker.workerName}" in their wrangler config; Worker names must be unique in a dev session.`);
      }
    }
    this.workers.set(worker.service, worker);
  }

  remove(service: string): boolean {
    const worker = this.workers.get(service);
    if (worker) void disposeBundleContexts(this.bundleContexts, dirname(worker.bundlePath));
    return this.workers.delete(service);
  }

  private holding = 0;
  private released: Promise<void> = Promise.resolve();
  private release: (() => void) | undefined;

  /** Runs a reconfiguration of several applies (e.g. a swap and its restore) as one, for settled(). */
  async during<T>(work: () => Promise<T>): Promise<T> {
    if (this.holding++ === 0) this.released = new Promise((resolve) => (this.release = resolve));
    this.opts.onSettledChange?.();
    try {
      return await work();
    } finally {
      if (--this.holding === 0) this.release?.();
      this.opts.onSettledChange?.();
    }
  }

  private applying = 0;

  /** True when workerd is not being reconfigured (the proxy's fast path: no promise, no timer). */
  isSettled(): boolean {
    return this.applying === 0 && this.holding === 0 && !this.busy;
  }

  /** Resolves once workerd is not being reconfigured: the proxy holds requests until then. */
  async settled(): Promise<void> {
    for (;;) {
      const queue = this.queue;
      await Promise.all([queue, this.released]);
      if (queue === this.queue && this.holding === 0 && !this.busy) return;
    }
  }

  /** Applies the current set to workerd (serialised). Resolves with each hosted Worker's direct URL. */
  apply(): Promise<Map<string, string>> {
    this.applying++;
    this.opts.onSettledChange?.();
    const run = this.queue
      .then(() => this.applyNow())
      .finally(() => {
        this.applying--;
        this.opts.onSettledChange?.();
      });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private miniflareOptions(applied: HostedWorker[]): Record<string, unknown> {
    const names = new Set(applied.map((w) => w.workerName));
    let sharesOutbound = false;
    const workers = applied.map((w) => {
      const options: Record<string, unknown> = { ...w.options, name: w.workerName };
      if (throughSharedOutbound(options, w.workerName)) sharesOutbound = true;
      const services = options.serviceBindings as Record<string, string | { name: string; entrypoint: string }> | undefined;
      if (services) {
        // A binding to a Worker outside the session answers 503 saying how to start it.
        options.serviceBindings = Object.fromEntries(
          Object.entries(services).map(([binding, bound]) => [binding, bound, typeof bound === 'string' ? bound : bound.name] as const).map(([binding, bound, target]) => [
            binding,
            names.has(target)
              ? bound
              : () => new Response(`nx-edge dev: ${w.service}'s service binding ${binding} points at Worker "${target}", which is not running in this dev session. Start it too (nx run-many -t dev).`, { status: 503 }),
          ]),
        );
      }
      if (w.remoteOnly.length) {
        const stubs = Object.fromEntries(w.remoteOnly.map((b) => [b.binding, remoteStubName(w.workerName, b.binding)]));
        options.serviceBindings = { ...(options.serviceBindings as Record<string, unknown> | undefined), ...stubs };
      }
      const dos = options.durableObjects as Record<string, string | { className: string; scriptName?: string }> | undefined;
      if (dos) {
        // A Durable Object hosted by a Worker outside the session cannot be bound; leave it out rather than fail everyone.
        options.durableObjects = Object.fromEntries(Object.entries(dos).filter(([, d]) => typeof d === 'string' || !d.scriptName || names.has(d.scriptName)));
      }
      return options;
    });
    const persist = this.opts.persistRoot;
    const stubs = applied.flatMap((w) =>
      w.remoteOnly.map((b) => ({
        name: remoteStubName(w.workerName, b.binding),
        modules: true,
        script: remoteOnlyStubScript(remoteOnlyMessage(w.service, b)),
        compatibilityDate: '2025-01-01',
      })),
    );
    return {
      workers: [...workers, ...stubs, ...(sharesOutbound ? [sharedOutboundWorker()] : [])],
      cf: false,
      host: '127.0.0.1',
      port: 0,
      // No Local Explorer: it answers only on workerd's own port (not through our proxy), and there it granted
      // reflected CORS to any page of another local origin, including writes to KV and D1 (docs/dev.md#security).
      unsafeLocalExplorer: false,
      kvPersist: join(persist, 'kv'),
      d1Persist: join(persist, 'd1'),
      r2Persist: join(persist, 'r2'),
      durableObjectsPersist: join(persist, 'do'),
      cachePersist: join(persist, 'cache'),
      // Structured logs, not raw stdio: the one log channel Miniflare 4 and 5 both offer.
      handleStructuredLogs: (log: { level: string; message: string }) => this.onStructuredLog(log),
    };
  }

  private lastLogService: string | undefined;
  private onStructuredLog({ level, message }: { level: string; message: string }): void {
    const stream = level === 'error' || level === 'warn' ? 'stderr' : 'stdout';
    for (const line of message.replace(/\r?\n$/, '').split(/\r?\n/)) {
      const { service, text } = attributeWorkerLine(line, this.serviceOfWorker, this.lastLogService);
      if (service) this.lastLogService = service;
      this.opts.onLine(service ?? 'workerd', stream, text);
    }
  }

  private readonly serviceOfWorker = (name: string): string | undefined => {
    if (this.workers.has(name)) return name;
    for (const w of this.workers.values()) if (w.workerName === name) return w.service;
    return undefined;
  };

  private async applyNow(): Promise<Map<string, string>> {
    this.expectingExit = true;
    this.busy = true;
    try {
      if (this.workers.size === 0) {
        this.lastUrls = new Map();
        await this.disposeRuntime();
        return new Map();
      }
      // Workers set while this runs wait for the next apply (queued behind this one).
      const applied = [...this.workers.values()];
      const options = this.miniflareOptions(applied);
      if (!this.mf) {
        this.lastUrls = new Map(); // a new instance picks new ports
        this.mf = new this.miniflare.Miniflare(options as never);
        try {
          await this.mf.ready;
        } catch (error) {
          const mf = this.mf;
          this.mf = undefined;
          await mf.dispose().catch(() => undefined);
          throw error;
        }
      } else {
        try {
          await this.mf.setOptions(options as never);
        } catch (error) {
          // workerd is down until the next apply: that is ours to report, not a crash.
          this.watchedPid = undefined;
          this.running = new Map();
          throw error;
        }
      }
      this.running = new Map(applied.map((w) => [w.service, w]));
      await this.migrate(applied);
      const urls = new Map<string, string>();
      // A Worker's direct port survives a workerd restart while the Workers before it stay (Miniflare keys its
      // sockets by position): ask only about Workers new to this set, unless one before them left.
      const order = applied.map((w) => w.service);
      const kept = this.lastOrder.every((service, i) => order[i] === service);
      for (const w of applied) urls.set(w.service, (kept && this.lastUrls.get(w.service)) || (await this.mf.unsafeGetDirectURL(w.workerName)).origin);
      this.watchPid();
      this.lastUrls = urls;
      this.lastOrder = order;
      return new Map(urls);
    } finally {
      this.expectingExit = false;
      this.busy = false;
    }
  }

  /** Pending D1 migrations of every hosted Worker, tracked in wrangler's own `d1_migrations` table. */
  private async migrate(applied: HostedWorker[]): Promise<void> {
    for (const w of applied) {
      for (const db of w.config.d1_databases ?? []) {
        const dir = join(this.rootOf(w), db.migrations_dir ?? 'migrations');
        const key = `${w.workerName}:${db.binding}:${dir}`;
        if (this.migrated.has(key) || !existsSync(dir)) continue;
        const d1 = await this.mf!.getD1Database(db.binding, w.workerName);
        try {
          const files = await applyD1Migrations(d1, dir, db.binding, db.migrations_table);
          for (const file of files) this.opts.onLine(w.service, 'stdout', `applied D1 migration ${file} to ${db.binding}`);
        } catch (error) {
          this.opts.onLine(w.service, 'stderr', `ERROR ${(error as Error).message}`);
        }
        this.migrated.add(key);
      }
    }
  }

  private readonly roots = new Map<string, string>();
  rememberRoot(service: string, root: string): void {
    this.roots.set(service, root);
  }
  private rootOf(w: HostedWorker): string {
    return this.roots.get(w.service) ?? this.opts.workspaceRoot;
  }

  private watchPid(): void {
    this.watchedPid = workerdChildPid();
    if (this.pidTimer) return;
    this.pidTimer = setInterval(() => {
      const pid = this.watchedPid;
      if (pid === undefined || this.expectingExit) return;
      try {
        process.kill(pid, 0);
        if (readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] === 'Z') throw new Error('zombie');
      } catch {
        if (this.expectingExit || pid !== this.watchedPid) return;
        this.watchedPid = undefined;
        this.opts.onRuntimeExit(pid);
      }
    }, 250);
    this.pidTimer.unref();
  }

  private async disposeRuntime(): Promise<void> {
    const mf = this.mf;
    this.mf = undefined;
    this.running = new Map();
    this.watchedPid = undefined;
    if (mf) await mf.dispose().catch(() => undefined);
  }

  /** Stops workerd now (the Workers stay listed until removed); the next apply starts it again. */
  stopRuntime(): Promise<void> {
    const run = this.queue.then(async () => {
      this.expectingExit = true;
      try {
        this.lastUrls = new Map();
        await this.disposeRuntime();
      } finally {
        this.expectingExit = false;
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Stops workerd for good. */
  async dispose(): Promise<void> {
    if (this.pidTimer) clearInterval(this.pidTimer);
    this.pidTimer = undefined;
    this.expectingExit = true;
    await this.queue.catch(() => undefined);
    this.workers.clear();
    await disposeBundleContexts(this.bundleContexts);
    await this.disposeRuntime();
  }
}
