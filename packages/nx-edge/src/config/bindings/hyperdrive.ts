import type { HyperdriveBinding } from '../wrangler-config';
import { listOf, type BindingKind } from './binding-kind';

/**
 * Hyperdrive: local only with a connection string (as wrangler dev:
 * CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_<BINDING>, else `localConnectionString`); tests give it
 * an embedded Postgres (testing/start-worker).
 */
export const hyperdrive: BindingKind = {
  key: 'hyperdrive',
  label: 'Hyperdrive',
  names: (section) => listOf<HyperdriveBinding>(section, 'hyperdrive').map((b) => b.binding),
  local: (section, { environment }) => {
    const local = listOf<HyperdriveBinding>(section, 'hyperdrive')
      .map((h) => [h.binding, environment[`CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_${h.binding}`] ?? h.localConnectionString] as const)
      .filter((entry): entry is readonly [string, string] => !!entry[1]);
    return local.length ? { hyperdrives: Object.fromEntries(local) } : {};
  },
  remoteOnly: (section, { environment }) =>
    listOf<HyperdriveBinding>(section, 'hyperdrive')
      .filter((h) => !(environment[`CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_${h.binding}`] ?? h.localConnectionString))
      .map((h) => ({ binding: h.binding, kind: 'Hyperdrive (no local connection string)' })),
  incomplete: (section) => listOf<HyperdriveBinding>(section, 'hyperdrive').flatMap((h) => (h.id?.trim() ? [] : [{ binding: h.binding ?? '(unnamed)', missing: 'Hyperdrive id', field: 'id' }])),
};
