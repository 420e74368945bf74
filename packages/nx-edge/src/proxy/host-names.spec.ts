import { describe, expect, it } from 'vitest';
import { dnsLabel, hostLabels } from './host-names';

describe('host names', () => {
  it('makes project names DNS labels', () => {
    expect(dnsLabel('@scope/auth')).toBe('scope-auth');
    expect(dnsLabel('Users_API')).toBe('users-api');
    expect(dnsLabel('gateway')).toBe('gateway');
  });

  it('answers to the project label, the short scoped name and the wrangler name, the short ones when unique', () => {
    const labels = hostLabels([
      { service: '@scope/auth', workerName: 'auth-worker' },
      { service: '@other/billing', workerName: 'billing' },
      { service: '@x/billing' },
      { service: 'gateway', workerName: 'gateway' },
    ]);
    expect(labels.get('@scope/auth')).toEqual(['scope-auth', 'auth', 'auth-worker']);
    expect(labels.get('@other/billing')).toEqual(['other-billing']); // "billing" is claimed twice
    expect(labels.get('@x/billing')).toEqual(['x-billing']);
    expect(labels.get('gateway')).toEqual(['gateway']);
  });
});
