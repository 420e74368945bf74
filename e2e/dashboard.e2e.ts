// The dev dashboard in real headless Chromium, against the real dev proxy, a LogStore and a status
// table (the hub's registry stands in as a plain array: the page only sees the proxy's HTTP API).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogStore } from '../packages/nx-edge/src/logs/log-store';
import { startDevProxy } from '../packages/nx-edge/src/proxy/dev-proxy';
import type { ServiceStatus } from '../packages/nx-edge/src/dev/protocol';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('dev dashboard', () => {
  it('shows the services, filters logs by service and level, and filters to a clicked trace id', async () => {
    const logs = createLogStore({});
    const now = Date.now();
    const status: ServiceStatus[] = [
      { service: 'gateway', kind: 'worker', state: 'healthy', port: 8787, pid: 4242, health: 'GET /health 200', startedAt: now - 65_000, restarts: 0 },
      { service: 'users', kind: 'worker', state: 'healthy', port: 8788, pid: 4242, health: 'GET /health 200', startedAt: now - 30_000, restarts: 1 },
      { service: 'db', kind: 'service', state: 'failed', pid: 5151, port: 5432, health: 'tcp 127.0.0.1:5432 refused', restarts: 3, exitCode: 1 },
    ];
    logs.append({ time: now - 3000, service: 'gateway', stream: 'stdout', level: 'info', message: 'GET /orders', trace_id: TRACE });
    logs.append({ time: now - 2900, service: 'users', stream: 'stdout', level: 'info', message: 'lookup user 7', trace_id: TRACE, fields: { user: 7 } });
    logs.append({ time: now - 2000, service: 'users', stream: 'stderr', level: 'warn', message: 'slow query', fields: { ms: 812 } });
    logs.append({ time: now - 1000, service: 'db', stream: 'stderr', level: 'error', message: 'could not bind 5432' });
    const proxy = await startDevProxy({ port: 0, resolve: () => undefined, status: () => status, logs });
    cleanups.push(() => proxy.close());

    const browser: Browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    cleanups.push(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    await page.goto(`http://localhost:${proxy.port}/#services`);

    const rows = page.locator('#services tbody tr');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(3);
    expect(await page.locator('#services tbody tr[data-service="gateway"] td.state').textContent()).toBe('healthy');
    expect(await page.locator('#services tbody tr[data-service="db"] td.state').textContent()).toBe('failed (1)');
    expect(await page.locator('#services tbody tr[data-service="users"] td').nth(6).textContent()).toBe('1'); // restarts

    await page.click('#tab-logs');
    const lines = page.locator('#log .line');
    await expect.poll(() => lines.count(), { timeout: 15_000 }).toBe(4);

    // a live line arrives over SSE
    logs.append({ time: Date.now(), service: 'gateway', stream: 'stdout', level: 'info', message: 'GET /users', trace_id: TRACE });
    await expect.poll(() => lines.count(), { timeout: 15_000 }).toBe(5);

    mkdirSync(join('tmp', 'e2e'), { recursive: true });
    await page.screenshot({ path: join('tmp', 'e2e', 'dashboard.png'), fullPage: true });

    await page.selectOption('#f-service', 'users');
    await expect.poll(() => lines.count()).toBe(2);
    expect(await lines.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.service))).toEqual(['users', 'users']);

    await page.selectOption('#f-service', '');
    await page.selectOption('#f-level', 'warn');
    await expect.poll(() => lines.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.level))).toEqual(['warn', 'error']);

    await page.selectOption('#f-level', '');
    await page.locator('#log .line[data-service="users"] .trace').first().click();
    expect(await page.inputValue('#f-trace')).toBe(TRACE);
    await expect.poll(() => lines.evaluateAll((els) => els.map((e) => (e as HTMLElement).textContent))).toEqual([
      expect.stringContaining('GET /orders'),
      expect.stringContaining('lookup user 7'),
      expect.stringContaining('GET /users'),
    ]);
  }, 120_000);
});
