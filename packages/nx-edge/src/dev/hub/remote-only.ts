import { BINDING_KINDS, type RemoteOnlyBinding } from '../../config/bindings';
import type { WorkerConfig } from '../../config/wrangler-config';

export type { RemoteOnlyBinding };

/** The config's bindings that only exist on Cloudflare (and Hyperdrive without a local database). */
export function remoteOnlyBindings(config: WorkerConfig, environment: NodeJS.ProcessEnv = process.env): RemoteOnlyBinding[] {
  const workerName = config.name ?? 'worker';
  return BINDING_KINDS.flatMap((kind) => kind.remoteOnly?.(config, { workerName, environment }) ?? []);
}

export const remoteOnlyMessage = (service: string, b: RemoteOnlyBinding) =>
  `nx-edge dev: ${service}'s binding ${b.binding} (${b.kind}) is remote-only: Cloudflare provides it, workerd cannot, so it is not bound locally. Stub it in dev (e.g. check env.${b.binding} behind a flag) or try it against Cloudflare with wrangler dev --remote.`;

/**
 * A Worker standing in for a remote-only binding: every call (fetch or RPC method) fails with the
 * message naming the binding, instead of `undefined` surprising the code at run time.
 */
export function remoteOnlyStubScript(message: string): string {
  const methods = ['run', 'models', 'query', 'insert', 'upsert', 'getByIds', 'deleteByIds', 'describe', 'get', 'writeDataPoint', 'send', 'input', 'connect', 'launch', 'info', 'draw'];
  return `import { WorkerEntrypoint } from 'cloudflare:workers';
const message = ${JSON.stringify(message)};
function fail() { throw new Error(message); }
export default class RemoteOnly extends WorkerEntrypoint {
  fetch() { return new Response(message, { status: 501, headers: { 'content-type': 'text/plain' } }); }
${methods.map((m) => `  ${m}() { fail(); }`).join('\n')}
}
`;
}
