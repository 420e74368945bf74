import { captureConsole, log } from '../log/logger.js';
import { contextFromHeaders, currentContext, newRootContext, outgoingHeaders, runWithContext, type EdgeContext } from '../trace/context.js';
import { formatTraceparent } from '../trace/traceparent.js';
import { endWhenSettled, spansEnabled, startSpan } from '../trace/spans.js';
import { RequestMetrics, routeLabel } from '../health/metrics.js';
import { chaosSettings, decideChaos } from '../chaos/chaos.js';

type Awaitable<T> = T | Promise<T>;

/** Set by nx-edge's build (esbuild define) to the Worker's wrangler name. */
declare const __NX_EDGE_SERVICE__: string | undefined;
const BUILT_SERVICE_NAME = typeof __NX_EDGE_SERVICE__ === 'string' && __NX_EDGE_SERVICE__ ? __NX_EDGE_SERVICE__ : undefined;
type Env = Record<string, unknown>;

export interface EdgeHandlers<E = Env> {
  fetch?: (request: Request, env: E, ctx: ExecutionContext) => Awaitable<Response>;
  scheduled?: (controller: ScheduledController, env: E, ctx: ExecutionContext) => Awaitable<void>;
  queue?: (batch: MessageBatch<unknown>, env: E, ctx: ExecutionContext) => Awaitable<void>;
}

export type ReadyCheck<E = Env> = (env: E) => Awaitable<unknown>;

export interface HealthOptions<E = Env> {
  /** Liveness path (default /health). */
  path?: string;
  /** Readiness path (default /ready): 200 when every check resolves, else 503 naming the failures. */
  readyPath?: string;
  /** Prometheus metrics path (default /metrics). */
  metricsPath?: string;
  checks?: Record<string, ReadyCheck<E>>;
}

export interface EdgeOptions<E = Env> {
  /** The service name in logs and metrics; default: the wrangler `name` (when built by nx-edge), else env.SERVICE_NAME, else "worker". */
  service?: string;
  /** `false` turns off /health, /ready and /metrics. */
  health?: HealthOptions<E> | false;
  /** Names of env entries that are secrets: their values are redacted from every log line. */
  secrets?: string[];
  /** Capture console.* inside requests as structured logs (default true). */
  captureConsole?: boolean;
}

/** Service bindings are workerd `Fetcher`s; KV, D1, R2, DO namespaces are other classes. */
function isServiceBinding(value: unknown): value is Fetcher {
  return !!value && typeof value === 'object' && value.constructor?.name === 'Fetcher';
}

function isDurableObjectNamespace(value: unknown): value is DurableObjectNamespace {
  return !!value && typeof value === 'object' && value.constructor?.name === 'DurableObjectNamespace';
}

function isQueueProducer(value: unknown): value is Queue {
  return !!value && typeof value === 'object' && value.constructor?.name === 'WorkerQueue';
}

/** A namespace whose stubs (get, getByName) fetch with the current trace. */
function tracedNamespace(namespace: DurableObjectNamespace, binding: string): DurableObjectNamespace {
  return new Proxy(namespace, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop);
      if (typeof value !== 'function') return value;
      if (prop === 'get' || prop === 'getByName') {
        return (...args: unknown[]) => tracedFetcher((value as (...a: unknown[]) => Fetcher).apply(target, args), binding, 'durable_object');
      }
      return passThrough(target, prop);
    },
  });
}

/** A fetch made inside `context`, as a client span whose id the callee sees as its parent. */
function tracedFetch(context: EdgeContext, send: (request: Request) => Promise<Response>, request: Request, label: string, attributes: Record<string, string | number>): Promise<Response> {
  if (!spansEnabled()) return send(new Request(request, { headers: outgoingHeaders(request.headers, context) }));
  const url = new URL(request.url);
  const span = startSpan(context, 'client', `${request.method} ${label}${url.pathname}`, { ...attributes, method: request.method, path: url.pathname });
  const headers = outgoingHeaders(request.headers, { ...context, spanId: span.spanId });
  return endWhenSettled(span, send(new Request(request, { headers })), (response) => response.status);
}

function tracedFetcher(fetcher: Fetcher, binding: string, kind: 'service' | 'durable_object'): Fetcher {
  return new Proxy(fetcher, {
    get(target, prop) {
      if (prop === 'fetch') {
        return (input: RequestInfo | URL, init?: RequestInit) => {
          const context = currentContext();
          if (!context) return target.fetch(input, init);
          return tracedFetch(context, (request) => target.fetch(request), new Request(input, init), `${binding} `, { binding, kind });
        };
      }
      const value: unknown = Reflect.get(target, prop);
      if (typeof value === 'function' && typeof prop === 'string' && !isOwnMethod(target, prop) && spansEnabled()) {
        const method = value as (...a: unknown[]) => unknown;
        // An RPC method: a client span around the call; the promise goes back untouched (pipelining works).
        return (...args: unknown[]) => {
          const context = currentContext();
          if (!context) return Reflect.apply(method, target, args);
          const span = startSpan(context, 'client', `${binding}.${prop}()`, { binding, kind, rpc: prop });
          try {
            return endWhenSettled(span, Reflect.apply(method, target, args));
          } catch (error) {
            span.end({ error: true });
            throw error;
          }
        };
      }
      return passThrough(target, prop);
    },
  });
}

/** A queue producer whose send and sendBatch are client spans. */
function tracedQueue(queue: Queue, binding: string): Queue {
  return new Proxy(queue, {
    get(target, prop) {
      if ((prop === 'send' || prop === 'sendBatch') && spansEnabled()) {
        const method = Reflect.get(target, prop) as (...a: unknown[]) => Promise<unknown>;
        return (...args: unknown[]) => {
          const context = currentContext();
          if (!context) return method.apply(target, args);
          const messages = prop === 'sendBatch' && Array.isArray(args[0]) ? (args[0] as unknown[]).length : 1;
          const span = startSpan(context, 'client', `queue ${prop} ${binding}`, { binding, kind: 'queue', messages });
          return endWhenSettled(span, method.apply(target, args));
        };
      }
      return passThrough(target, prop);
    },
  });
}

function isOwnMethod(target: object, prop: PropertyKey): boolean {
  return Object.prototype.hasOwnProperty.call(Object.getPrototypeOf(target) ?? {}, prop);
}

/**
 * A property of a binding seen through our proxy. The binding's own methods (connect, idFromName…)
 * need it as `this`; RPC methods must come back untouched: on an RPC stub `value.bind` is itself a
 * remote call (it would try to send the stub and fail with DataCloneError).
 */
function passThrough(target: object, prop: PropertyKey): unknown {
  const value: unknown = Reflect.get(target, prop);
  if (typeof value !== 'function') return value;
  return isOwnMethod(target, prop) ? Function.prototype.bind.call(value as (...a: unknown[]) => unknown, target) : value;
}

const tracedEnvs = new WeakMap<object, object>();

/** env with every service binding's fetch carrying the current trace; other bindings untouched. */
export function traceEnv<E extends object>(env: E): E {
  const cached = tracedEnvs.get(env);
  if (cached) return cached as E;
  const traced = makeTracedEnv(env);
  tracedEnvs.set(env, traced);
  return traced;
}

function makeTracedEnv<E extends object>(env: E): E {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(env, {
    get(target, prop) {
      if (wrapped.has(prop)) return wrapped.get(prop);
      const value = Reflect.get(target, prop);
      const binding = String(prop);
      const traced = isServiceBinding(value)
        ? tracedFetcher(value, binding, 'service')
        : isDurableObjectNamespace(value)
          ? tracedNamespace(value, binding)
          : isQueueProducer(value)
            ? tracedQueue(value, binding)
            : undefined;
      if (!traced) return value;
      wrapped.set(prop, traced);
      return traced;
    },
  });
}

let globalFetchPatched = false;

/** Outgoing global fetch calls made inside a request carry its traceparent. */
function patchGlobalFetch(): void {
  if (globalFetchPatched) return;
  globalFetchPatched = true;
  const original = globalThis.fetch.bind(globalThis);
  globalThis.fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
    const context = currentContext();
    if (!context) return original(input, init);
    const request = new Request(input, init);
    return tracedFetch(context, (r) => original(r), request, new URL(request.url).host, { kind: 'fetch' });
  });
}

function secretValuesOf(env: Env, names: string[]): string[] {
  return names.map((n) => env[n]).filter((v): v is string => typeof v === 'string' && v.length > 0);
}

function withTraceHeaders(response: Response, context: EdgeContext): Response {
  const traceparent = formatTraceparent(context.traceId, context.spanId, context.sampled);
  try {
    response.headers.set('traceparent', traceparent);
    response.headers.set('x-trace-id', context.traceId);
    return response;
  } catch {
    // Responses from fetch() have immutable headers: copy only then.
    const out = new Response(response.body, response);
    out.headers.set('traceparent', traceparent);
    out.headers.set('x-trace-id', context.traceId);
    return out;
  }
}

/**
 * Wraps a Worker's handlers: every request runs with a trace context (continued from an incoming
 * traceparent or x-trace-id, or new), service-binding and global fetch calls propagate it, logs carry
 * it, responses return it, and /health, /ready, /metrics answer unless turned off.
 */
export function withEdge<E extends object = Env>(handlers: EdgeHandlers<E>, options: EdgeOptions<E> = {}): ExportedHandler<E> {
  const metrics = new RequestMetrics();
  const health = options.health === false ? undefined : { path: '/health', readyPath: '/ready', metricsPath: '/metrics', ...options.health };
  const secretNames = options.secrets ?? [];
  // env is the same object for every request of an isolate: derive per-env settings once.
  const perEnv = new WeakMap<object, { base: Pick<EdgeContext, 'service' | 'secretNames' | 'secretValues'>; chaos: ReturnType<typeof chaosSettings> }>();
  const settingsFor = (env: E) => {
    let settings = perEnv.get(env);
    if (!settings) {
      settings = {
        base: {
          service: options.service ?? BUILT_SERVICE_NAME ?? (typeof (env as Env).SERVICE_NAME === 'string' ? ((env as Env).SERVICE_NAME as string) : 'worker'),
          secretNames,
          secretValues: secretValuesOf(env as Env, secretNames),
        },
        chaos: chaosSettings(env as Env),
      };
      perEnv.set(env, settings);
    }
    return settings;
  };
  const base = (env: E) => settingsFor(env).base;
  if (options.captureConsole !== false) captureConsole();
  patchGlobalFetch();

  const exported: ExportedHandler<E> = {};

  exported.fetch = async (request, env, ctx) => {
    const context = contextFromHeaders(request.headers, base(env));
    return runWithContext(context, async () => {
      const url = new URL(request.url);
      const started = Date.now();
      const route = routeLabel(url.pathname);
      if (health && url.pathname === health.path) return withTraceHeaders(Response.json({ status: 'ok', service: context.service }), context);
      if (health && url.pathname === health.readyPath) return withTraceHeaders(await readiness(health.checks ?? {}, env, context.service), context);
      if (health && url.pathname === health.metricsPath) {
        return new Response(metrics.toPrometheus(context.service), { headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' } });
      }
      // The request's own span (its id is the context's: logs and callees refer to it).
      const span = startSpan(context, 'server', `${request.method} ${route}`, { method: request.method, path: url.pathname }, { spanId: context.spanId, parentSpanId: context.parentSpanId });
      const answer = (response: Response, error?: boolean) => {
        span.end({ status: response.status, error });
        return withTraceHeaders(response, context);
      };
      if (!handlers.fetch) return answer(new Response('Not found', { status: 404 }));
      try {
        const chaos = settingsFor(env).chaos;
        if (chaos) {
          const decision = decideChaos(chaos);
          if (decision.kind === 'latency' || decision.kind === 'latency+error') await new Promise((r) => setTimeout(r, decision.ms));
          if (decision.kind === 'error' || decision.kind === 'latency+error') {
            log.warn('chaos: injected error', { method: request.method, path: url.pathname });
            metrics.record(request.method, route, 503, (Date.now() - started) / 1000);
            return answer(Response.json({ error: 'chaos: injected failure', trace_id: context.traceId }, { status: 503 }));
          }
        }
        const response = await handlers.fetch(request, traceEnv(env), ctx);
        metrics.record(request.method, route, response.status, (Date.now() - started) / 1000);
        return answer(response);
      } catch (error) {
        metrics.record(request.method, route, 500, (Date.now() - started) / 1000);
        log.error('unhandled error', { error, method: request.method, path: url.pathname });
        return answer(Response.json({ error: 'Internal Server Error', trace_id: context.traceId }, { status: 500 }), true);
      }
    });
  };

  if (handlers.scheduled) {
    const scheduled = handlers.scheduled;
    exported.scheduled = (controller, env, ctx) => {
      const context = newRootContext(base(env));
      return runWithContext(context, async () => {
        const span = startSpan(context, 'consumer', `scheduled ${controller.cron}`, { cron: controller.cron }, { spanId: context.spanId, parentSpanId: undefined });
        try {
          await scheduled(controller, traceEnv(env), ctx);
          span.end();
        } catch (error) {
          span.end({ error: true });
          throw error;
        }
      });
    };
  }
  if (handlers.queue) {
    const queue = handlers.queue;
    exported.queue = (batch, env, ctx) => {
      const context = newRootContext(base(env));
      return runWithContext(context, async () => {
        const span = startSpan(context, 'consumer', `queue ${batch.queue}`, { queue: batch.queue, messages: batch.messages.length }, { spanId: context.spanId, parentSpanId: undefined });
        try {
          await queue(batch, traceEnv(env), ctx);
          span.end();
        } catch (error) {
          span.end({ error: true });
          throw error;
        }
      });
    };
  }
  return exported;
}

async function readiness<E>(checks: Record<string, ReadyCheck<E>>, env: E, service: string): Promise<Response> {
  const results: Record<string, { ok: boolean; error?: string }> = {};
  await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        await check(env);
        results[name] = { ok: true };
      } catch (error) {
        results[name] = { ok: false, error: error instanceof Error ? error.message : String(error) };
      }
    }),
  );
  const ok = Object.values(results).every((r) => r.ok);
  return Response.json({ status: ok ? 'ready' : 'not ready', service, checks: results }, { status: ok ? 200 : 503 });
}

/**
 * Runs `fn` inside a trace context taken from a request's headers — for Durable Object `fetch`
 * methods, which withEdge does not wrap: `fetch(req) { return inTrace(req, 'rooms', () => ...) }`.
 */
export function inTrace<T>(request: Request, service: string, fn: () => T): T {
  return runWithContext(contextFromHeaders(request.headers, { service, secretNames: [], secretValues: [] }), fn);
}
