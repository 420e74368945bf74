export type HostRoute = { kind: 'root' } | { kind: 'service'; service: string } | { kind: 'refused'; host: string };

/**
 * `localhost[:port]` → the proxy itself (dashboard, API); `<service>.localhost[:port]` → that service.
 * Anything else is refused: a DNS-rebinding page resolving evil.example to 127.0.0.1 sends its own Host.
 */
export function routeHost(hostHeader: string | undefined): HostRoute {
  const host = (hostHeader ?? '').trim().toLowerCase();
  const name = host.replace(/:\d+$/, '').replace(/\.$/, '');
  if (name === 'localhost' || name === '127.0.0.1' || name === '[::1]') return { kind: 'root' };
  if (name.endsWith('.localhost')) {
    const service = name.slice(0, -'.localhost'.length);
    if (/^[a-z0-9][a-z0-9._-]*$/.test(service)) return { kind: 'service', service };
  }
  return { kind: 'refused', host };
}
