import { describe, expect, it } from 'vitest';
import { attributeWorkerLine, consoleTagBanner } from './worker-logs';

describe('worker log attribution', () => {
  const byWorker = (name: string) => ({ 'users-worker': 'users' })[name];

  it('a tagged console line belongs to the service the banner names, without the tag', () => {
    const logged: unknown[][] = [];
    const fakeConsole = { log: (...args: unknown[]) => logged.push(args) } as unknown as Console;
    const isolateGlobal = {};
    // Twice in one isolate, as when a new version is swapped in: the tag is added once.
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the banner is code workerd runs: run it as such
    new Function('console', 'globalThis', consoleTagBanner('users'))(fakeConsole, isolateGlobal);
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the same, a second time in the same isolate
    new Function('console', 'globalThis', consoleTagBanner('users'))(fakeConsole, isolateGlobal);
    fakeConsole.log('hello', { a: 1 });
    expect(logged[0]).toHaveLength(3);
    const line = `${String(logged[0][0])} hello { a: 1 }`;
    expect(attributeWorkerLine(line, byWorker, undefined)).toEqual({ service: 'users', text: 'hello { a: 1 }' });
  });

  it("workerd's uncaught-error lines are attributed through the Worker name they carry", () => {
    const line = 'service core:user:users-worker: Uncaught Error: boom';
    expect(attributeWorkerLine(line, byWorker, 'gateway').service).toBe('users');
  });

  it('continuation lines follow the previous message; workerd internals are its own', () => {
    expect(attributeWorkerLine('  at handler (index.js:3:9)', byWorker, 'orders').service).toBe('orders');
    expect(attributeWorkerLine('}', byWorker, 'orders').service).toBe('orders');
    expect(attributeWorkerLine('workerd/server/server.c++:123: error: x', byWorker, 'orders').service).toBeUndefined();
  });
});

describe('a hostile line in the hub', () => {
  it('is cut to MAX_HUB_LINE_CHARS with a note, and a secret straddling the cut is never half-shown', async () => {
    const { scrubAndLimitLine, MAX_HUB_LINE_CHARS } = await import('./service-events');
    const secret = 'sk_test_abcdefghijklmnop';
    const line = 'x'.repeat(MAX_HUB_LINE_CHARS - 6) + secret + 'y'.repeat(2_000_000);
    const out = scrubAndLimitLine(line, [secret]);
    expect(out).not.toContain('sk_test');
    expect(out.startsWith('x'.repeat(MAX_HUB_LINE_CHARS - 6) + '[redac')).toBe(true);
    expect(out.endsWith(`… [truncated: ${line.length - MAX_HUB_LINE_CHARS} more characters]`)).toBe(true);
    expect(scrubAndLimitLine(`short ${secret}`, [secret])).toBe('short [redacted]');
  });
});
