import type { WorkerConfig } from '../../config/wrangler-config';

/** A binding workerd cannot provide locally (Cloudflare runs it): listed in dev, never dropped silently. */
export interface RemoteOnlyBinding {
  binding: string;
  /** What it is, in the words of the wrangler config key. */
  kind: string;
}

type Named = { binding?: string; name?: string };

const ONE = ['ai', 'browser', 'images'] as const;
const MANY: { key: string; kind: string }[] = [
  { key: 'vectorize', kind: 'Vectorize index' },
  { key: 'dispatch_namespaces', kind: 'dispatch namespace' },
  { key: 'analytics_engine_datasets', kind: 'Analytics Engine dataset' },
  { key: 'mtls_certificates', kind: 'mTLS certificate' },
  { key: 'send_email', kind: 'send email' },
  { key: 'pipelines', kind: 'pipeline' },
  { key: 'secrets_store_secrets', kind: 'Secrets Store secret' },
];
const LABEL: Record<(typeof ONE)[number], string> = { ai: 'Workers AI', browser: 'Browser Rendering', images: 'Images' };

/** The config's bindings that only exist on Cloudflare (and Hyperdrive without a local database). */
export function remoteOnlyBindings(config: WorkerConfig, hyperdriveLocal: (binding: string) => boolean = () => false): RemoteOnlyBinding[] {
  const out: RemoteOnlyBinding[] = [];
  for (const key of ONE) {
    const value = config[key] as Named | undefined;
    if (value && typeof value === 'object') out.push({ binding: value.binding ?? key.toUpperCase(), kind: LABEL[key] });
  }
  for (const { key, kind } of MANY) {
    const list = config[key];
    if (Array.isArray(list)) for (const b of list as Named[]) if (b?.binding ?? b?.name) out.push({ binding: (b.binding ?? b.name)!, kind });
  }
  for (const h of config.hyperdrive ?? []) if (!hyperdriveLocal(h.binding)) out.push({ binding: h.binding, kind: 'Hyperdrive (no local connection string)' });
  return out;
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
