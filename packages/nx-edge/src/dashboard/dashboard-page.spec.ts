import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { dashboardPage } from './dashboard-page';

describe('dashboard page', () => {
  it('its script compiles (a stray line break in the template would break the whole page)', () => {
    const scripts = [...dashboardPage().matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
    expect(scripts).toHaveLength(1);
    expect(() => new Script(scripts[0], { filename: 'dashboard.js' })).not.toThrow();
  });
});
