/**
 * Service bindings a test does not run the real Worker for. Each is a small Worker in workerd (so the
 * binding behaves as one: fetch and RPC methods) that hands every call to Node: to the test's fetch
 * handler, to a method of the test's stand-in object, or, when the test gave none, to a record of the
 * miss that fails the test's call with the fix.
 */
export type ServiceHandler = (request: Request) => Response | Promise<Response>;
/** Methods a Worker calls over RPC (`env.USERS.getUser(id)`); arguments and results travel as JSON. */
export type RpcStandIn = Record<string, (...args: any[]) => unknown>;
export type StandIn = ServiceHandler | RpcStandIn;

/** Marks a Node call that is an RPC method call rather than the Worker's own fetch. */
const RPC_HEADER = 'x-nx-edge-stand-in-rpc';

/** The Worker standing in for one binding: fetch and any method go to its NODE binding. */
export const STAND_IN_WORKER = `
import { WorkerEntrypoint } from 'cloudflare:workers';
const notMethods = new Set(['then', 'toJSON', 'constructor']);
export default class StandIn extends WorkerEntrypoint {
  constructor(ctx, env) {
    super(ctx, env);
    // Any method name the caller uses is answered by Node (workerd looks methods up on this object).
    return new Proxy(this, {
      get(target, prop, receiver) {
        if (typeof prop === 'symbol' || prop in target || notMethods.has(prop)) return Reflect.get(target, prop, receiver);
        return async (...args) => {
          const response = await env.NODE.fetch('http://stand-in/', { method: 'POST', headers: { '${RPC_HEADER}': prop }, body: JSON.stringify(args) });
          const body = await response.json();
          if (body.error !== undefined) throw new Error(body.error);
          return body.result;
        };
      },
    });
  }
  fetch(request) {
    return this.env.NODE.fetch(request);
  }
}
`;

export interface StandInSlot {
  standIns: Record<string, StandIn | undefined>;
  /** Hints for calls that reached a binding the test gave nothing for; the test's call fails with them. */
  misses: string[];
}

export function isRpcStandIn(value: unknown): value is RpcStandIn {
  return !!value && typeof value === 'object' && !('projectRoot' in value) && Object.values(value).every((v) => typeof v === 'function');
}

/** Node's side of one binding's stand-in Worker. `service` is the Worker the config binds to. */
export function standInDispatcher(slot: StandInSlot, binding: string, service: string): (request: Request) => Promise<Response> {
  const missing = (what: string) => {
    const hint = `service binding ${binding} (${service}) has no handler in this test for ${what}: pass startWorker({ services: { ${binding}: (request) => Response.json(…) } }), an object of its methods ({ ${binding}: { getUser: (id) => ({ id }) } }), or the real Worker: { ${binding}: { projectRoot: '../${service}' } }`;
    slot.misses.push(hint);
    return hint;
  };
  return async (request) => {
    const standIn = slot.standIns[binding];
    const method = request.headers.get(RPC_HEADER);
    if (method === null) {
      if (typeof standIn === 'function') return standIn(request);
      if (standIn && typeof standIn.fetch === 'function') return (standIn.fetch as ServiceHandler)(request);
      return new Response(missing('fetch'), { status: 503 });
    }
    const implementation = standIn && typeof standIn === 'object' ? standIn[method] : undefined;
    if (!implementation) return Response.json({ error: missing(`${binding}.${method}()`) });
    try {
      return Response.json({ result: await implementation(...((await request.json()) as unknown[])) });
    } catch (error) {
      return Response.json({ error: `${binding}.${method}() stand-in threw: ${(error as Error).message}` });
    }
  };
}
