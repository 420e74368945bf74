import { basename } from 'node:path';
import type { Metafile } from 'esbuild';
import type { WorkerConfig } from '../../config/wrangler-config';

/**
 * Reloading a Worker without restarting workerd. Each swappable Worker runs behind a small shell
 * module that imports its bundle; a save evaluates the new bundle inside the same isolate (workerd's
 * unsafe-eval binding) and the shell hands every later request, RPC call, queue batch and cron run
 * to it. The Worker's `env` is the real one, so KV, D1, R2, queues and service bindings are the same
 * objects across versions, and no other Worker is touched. A restart of workerd costs 70 ms for one
 * Worker and grows with the set (160 ms for 10, 370 ms for 30); a swap is a few ms.
 */

/** The named entrypoint the hub posts new code to (on its own direct socket, never the proxy). */
export const SWAP_ENTRYPOINT = '__NxEdgeSwap';
/** The unsafe-eval binding: the shell removes it from the env the Worker's code sees. */
export const EVAL_BINDING = '__NX_EDGE_EVAL';
/** Header carrying the hub's per-session secret: another local user or a web page cannot swap code. */
export const SWAP_TOKEN_HEADER = 'x-nx-edge-swap-token';
export const SHELL_FILE = '__nx-edge-shell.js';

export type SwapPlan = { swappable: true; exports: string[]; externals: string[] } | { swappable: false; reason: string };

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const BUILTIN_MODULE = /^(cloudflare|node|workerd):/;

/**
 * Whether a Worker can be swapped in place, from its config and esbuild's metafile. Durable Object
 * and Workflow hosts restart instead: their live instances hold state that must not meet new code.
 */
export function swapPlan(config: WorkerConfig, metafile: Metafile, bundleFile: string): SwapPlan {
  const self = config.name;
  const hostedObjects = (config.durable_objects?.bindings ?? []).filter((b) => !b.script_name || b.script_name === self).map((b) => b.class_name);
  if (hostedObjects.length || (config.migrations?.length ?? 0) > 0) {
    const names = [...new Set(hostedObjects)];
    return { swappable: false, reason: names.length ? `it hosts Durable Object ${names.join(', ')}` : 'it declares Durable Object migrations' };
  }
  const workflows = ((config.workflows as { class_name?: string; script_name?: string }[] | undefined) ?? []).filter((w) => !w.script_name || w.script_name === self);
  if (workflows.length) return { swappable: false, reason: `it hosts Workflow ${workflows.map((w) => w.class_name).join(', ')}` };
  const output = Object.entries(metafile.outputs).find(([file]) => basename(file) === basename(bundleFile))?.[1];
  if (!output) return { swappable: false, reason: 'its bundle is not in the build metadata' };
  const odd = output.exports.find((name) => name !== 'default' && (!IDENTIFIER.test(name) || name === SWAP_ENTRYPOINT));
  if (odd) return { swappable: false, reason: `it exports "${odd}"` };
  const externals = [...new Set(output.imports.filter((i) => i.external).map((i) => i.path))].sort();
  const file = externals.find((path) => !BUILTIN_MODULE.test(path));
  if (file) return { swappable: false, reason: `it imports the module ${file}` };
  return { swappable: true, exports: [...output.exports].sort(), externals };
}

/** Same plan, same shell: the new bundle can be swapped into the running shell. */
export function samePlan(a: SwapPlan, b: SwapPlan): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The shell module (the Worker's main module in dev). A class default export is constructed as the
 * current version's class (a constructor may return another object: workerd then dispatches fetch
 * and RPC methods to it); an object export is called handler by handler with the real env and ctx.
 */
export function shellModule(plan: Extract<SwapPlan, { swappable: true }>, bundleFile: string, token: string, service: string): string {
  const imports = plan.externals.map((path, i) => `import * as x${i} from ${JSON.stringify(path)};`);
  const named = plan.exports.filter((name) => name !== 'default');
  return `// nx-edge dev: serves the newest bundle of ${service} without restarting workerd.
import { WorkerEntrypoint } from "cloudflare:workers";
import * as initial from ${JSON.stringify(`./${basename(bundleFile)}`)};
${imports.join('\n')}
const externals = { ${plan.externals.map((path, i) => `${JSON.stringify(path)}: x${i}`).join(', ')} };
const TOKEN = ${JSON.stringify(token)};
const EVAL = ${JSON.stringify(EVAL_BINDING)};
let current = initial;
const envs = new WeakMap();
function userEnv(env) {
  if (!env || !(EVAL in env)) return env;
  let copy = envs.get(env);
  if (!copy) { copy = { ...env }; delete copy[EVAL]; envs.set(env, copy); }
  return copy;
}
const isClass = (f) => typeof f === "function" && /^class[\\s{]/.test(Function.prototype.toString.call(f));
function handle(shell, name, arg) {
  const handler = shell.handlers?.[name];
  if (typeof handler !== "function") throw new Error(${JSON.stringify(service)} + " has no " + name + " handler");
  return handler.call(shell.handlers, arg, userEnv(shell.env), shell.ctx);
}
export default class NxEdgeShell extends WorkerEntrypoint {
  constructor(ctx, env) {
    super(ctx, env);
    const exported = current.default;
    if (isClass(exported)) return new exported(ctx, userEnv(env));
    this.handlers = exported;
  }
  fetch(request) { return handle(this, "fetch", request); }
  scheduled(controller) { return handle(this, "scheduled", controller); }
  queue(batch) { return handle(this, "queue", batch); }
  tail(events) { return handle(this, "tail", events); }
  trace(traces) { return handle(this, "trace", traces); }
  email(message) { return handle(this, "email", message); }
}
${named
  .map(
    (name) =>
      `export const ${name} = isClass(initial.${name}) ? class extends WorkerEntrypoint { constructor(ctx, env) { super(ctx, env); return new current.${name}(ctx, userEnv(env)); } } : initial.${name};`,
  )
  .join('\n')}
function sameToken(given) {
  const a = new TextEncoder().encode(given ?? "");
  const b = new TextEncoder().encode(TOKEN);
  return a.byteLength === b.byteLength && crypto.subtle.timingSafeEqual(a, b);
}
const required = new Map();
function requireExternal(path) {
  if (!(path in externals)) throw new Error("nx-edge dev: " + path + " was not imported by the version workerd started with");
  if (!required.has(path)) required.set(path, { __esModule: true, ...externals[path] });
  return required.get(path);
}
// The dashboard's RPC explorer (through the hub, with the same token): the WorkerEntrypoint classes the
// current version exports and their methods, and a call of one with JSON arguments and the real env.
const LIFECYCLE = new Set(["constructor", "fetch", "scheduled", "queue", "tail", "tailStream", "trace", "email", "alarm", "webSocketMessage", "webSocketClose", "webSocketError"]);
const isEntrypoint = (value) => isClass(value) && value.prototype instanceof WorkerEntrypoint;
function methodsOf(cls) {
  const names = new Set();
  for (let proto = cls.prototype; proto && proto !== WorkerEntrypoint.prototype && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const descriptor = Object.getOwnPropertyDescriptor(proto, name);
      if (!LIFECYCLE.has(name) && !name.startsWith("_") && typeof descriptor?.value === "function") names.add(name);
    }
  }
  return [...names].sort();
}
function describeRpc() {
  return Object.keys(current).filter((name) => isEntrypoint(current[name])).sort().map((name) => ({ entrypoint: name, methods: methodsOf(current[name]) }));
}
async function callRpc(request, ctx, env) {
  let ask;
  try { ask = await request.json(); } catch { return Response.json({ error: "the call is not JSON" }, { status: 400 }); }
  const cls = current[ask?.entrypoint];
  if (!isEntrypoint(cls) || !methodsOf(cls).includes(ask.method)) return Response.json({ error: ${JSON.stringify(service)} + " exports no WorkerEntrypoint " + ask?.entrypoint + " with a method " + ask?.method }, { status: 404 });
  let result;
  try {
    result = await new cls(ctx, userEnv(env))[ask.method](...(Array.isArray(ask.args) ? ask.args : []));
  } catch (error) {
    console.error("Uncaught (in RPC " + ask.entrypoint + "." + ask.method + "()) " + ((error && error.stack) || error));
    return Response.json({ thrown: String((error && error.message) || error) });
  }
  let text;
  try { text = JSON.stringify(result === undefined ? null : result); } catch (error) { return Response.json({ notJson: "the method returned something JSON cannot hold (" + String(error && error.message) + ")" }); }
  return new Response('{"result":' + text + "}", { headers: { "content-type": "application/json" } });
}
export class ${SWAP_ENTRYPOINT} extends WorkerEntrypoint {
  async fetch(request) {
    if (!sameToken(request.headers.get(${JSON.stringify(SWAP_TOKEN_HEADER)}))) return new Response("forbidden", { status: 403 });
    if (new URL(request.url).pathname === "/rpc") return request.method === "POST" ? callRpc(request, this.ctx, this.env) : Response.json(describeRpc());
    if (request.method !== "POST") return new Response("forbidden", { status: 403 });
    const code = await request.text();
    try {
      const module = { exports: {} };
      this.env[EVAL].newFunction(code, ${JSON.stringify(basename(bundleFile))}, "module", "exports", "require")(module, module.exports, requireExternal);
      current = module.exports;
      return new Response("swapped");
    } catch (error) {
      // As workerd reports a Worker that throws at load: the message to the hub, the stack to the log.
      console.error("Uncaught " + ((error && error.stack) || error));
      return new Response("Uncaught " + String(error), { status: 500 });
    }
  }
}
`;
}

/** The ESM bundle as a CommonJS function body for the shell to evaluate (or why it cannot be). */
export async function swappableScript(bundle: string): Promise<{ script: string } | { reason: string }> {
  const { transform } = await import('esbuild');
  try {
    const { code } = await transform(bundle, { format: 'cjs', loader: 'js', target: 'es2022', logLevel: 'silent' });
    return { script: code };
  } catch (error) {
    const text = (error as { errors?: { text: string }[] }).errors?.[0]?.text ?? (error as Error).message;
    return { reason: `its bundle cannot be evaluated in place (${text})` };
  }
}
