import { describe, expect, it } from 'vitest';
import { routeHost } from './host-routing';
import { isValidTraceparent, newTraceparent } from './trace-context';

describe('routeHost', () => {
  it('routes <service>.localhost[:port] to the service and localhost to the proxy itself', () => {
    expect(routeHost('users.localhost:7080')).toEqual({ kind: 'service', service: 'users' });
    expect(routeHost('Gateway.LOCALHOST')).toEqual({ kind: 'service', service: 'gateway' });
    expect(routeHost('localhost:7080')).toEqual({ kind: 'root' });
  });

  it('refuses any other host (DNS-rebinding guard)', () => {
    expect(routeHost('evil.example:7080').kind).toBe('refused');
    expect(routeHost('localhost.evil.example').kind).toBe('refused');
    expect(routeHost(undefined).kind).toBe('refused');
  });
});

describe('traceparent', () => {
  it('makes valid W3C traceparents and rejects malformed ones', () => {
    const made = newTraceparent();
    expect(made).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(isValidTraceparent(made)).toBe(true);
    expect(isValidTraceparent('00-00000000000000000000000000000000-00f067aa0ba902b7-01')).toBe(false);
    expect(isValidTraceparent('garbage')).toBe(false);
  });
});
