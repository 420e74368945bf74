/// <reference lib="dom" />
// bench/dashboard: the dev dashboard at full retention — 10,000 traces (7 spans each, 3 services)
// and 10,000 log lines — served by the real dev proxy, in headless Chromium:
//   * page weight (the HTML: all of its CSS and JS) and what the first load transfers in total;
//   * the hub's heap for 10,000 traces (measured around filling the store, after GC);
//   * how long the trace list takes to render (the page's own timing of renderTraces);
//   * frames while 50 log lines/s and 30 services' statuses stream in (the longest gap between
//     animation frames, p95 of the gaps), against a page doing nothing (the anchor).
// Run: npm run build:packages && node --expose-gc bench/dashboard.mjs
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { REPO_ROOT } from './lib/workspace.mjs';

const require = createRequire(import.meta.url);
const dist = join(REPO_ROOT, 'packages', 'nx-edge', 'dist', 'src');
const { startDevProxy } = require(join(dist, 'proxy', 'dev-proxy.js'));
const { createLogStore } = require(join(dist, 'logs', 'log-store.js'));
const { createTraceStore } = require(join(dist, 'traces', 'trace-store.js'));
const { dashboardPage } = require(join(dist, 'dashboard', 'dashboard-page.js'));

mkdirSync(join(REPO_ROOT, 'tmp', 'bench'), { recursive: true });
const TRACES = 10_000;
const SERVICES = 30;
const hex = (n, width) => n.toString(16).padStart(width, '0');
const gc = () => globalThis.gc?.();

gc();
const heapBefore = process.memoryUsage().heapUsed;
const traces = createTraceStore();
const now = Date.now();
for (let t = 0; t < TRACES; t++) {
  const traceId = hex(t + 1, 32);
  const start = now - (TRACES - t) * 30;
  const span = (i, parent, service, kind, name, offset, duration) =>
    traces.add({ traceId, spanId: hex(t * 16 + i + 1, 16), parentSpanId: parent === undefined ? undefined : hex(t * 16 + parent + 1, 16), service, kind, name, start: start + offset, durationMs: duration, status: 200, attributes: { method: 'GET', path: '/orders' } });
  span(0, undefined, 'gateway', 'proxy', 'GET /orders', 0, 20);
  span(1, 0, 'gateway', 'server', 'GET /orders', 1, 18);
  span(2, 1, 'gateway', 'client', 'GET USERS /me', 2, 8);
  span(3, 2, 'users', 'server', 'GET /me', 3, 6);
  span(4, 1, 'gateway', 'client', 'POST ORDERS /new', 11, 7);
  span(5, 4, 'orders', 'server', 'POST /new', 12, 5);
  span(6, 5, 'orders', 'client', 'queue send EMAILS', 14, 1);
}
gc();
const heapTraces = process.memoryUsage().heapUsed - heapBefore;

const logs = createLogStore({});
for (let i = 0; i < 10_000; i++) logs.append({ time: now - 10_000 + i, service: `svc-${i % SERVICES}`, stream: 'stdout', level: i % 50 ? 'info' : 'warn', message: `request ${i} handled`, trace_id: hex((i % TRACES) + 1, 32) });
const status = Array.from({ length: SERVICES }, (_, i) => ({ service: `svc-${i}`, kind: 'worker', state: 'healthy', port: 9000 + i, pid: 4242, health: 'GET / → 200', startedAt: now - 60_000, restarts: 0 }));
const graph = { nodes: status.map((s) => ({ id: s.service, kind: 'worker' })), edges: status.slice(1).map((s, i) => ({ from: `svc-${Math.floor(i / 3)}`, to: s.service, kind: 'service', label: 'CALL' })) };
const proxy = await startDevProxy({
  port: 0,
  resolve: () => undefined,
  status: () => status,
  logs,
  dashboard: { traces, graph: () => graph, details: () => undefined, action: () => ({ ok: false, message: 'bench' }) },
});

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
const loadStart = performance.now();
await page.goto(`http://localhost:${proxy.port}/#graph`);
await page.waitForSelector('svg#graph g.node');
const graphMs = performance.now() - loadStart;
await page.screenshot({ path: join(REPO_ROOT, 'tmp', 'bench', 'dashboard-graph-30.png') });
await page.click('#tab-traces');
await page.waitForSelector('#traces tbody tr[data-trace]');
const renderMs = await page.evaluate(() => /** @type {any} */ (window).__nxEdgeTraceRenderMs);
const rows = await page.locator('#traces tbody tr[data-trace]').count();
// What the first load transfers: the page, then the event stream's first event (the snapshot).
const snapshotBytes = await new Promise((resolve, reject) => {
  let bytes = 0;
  let text = '';
  const req = request({ host: '127.0.0.1', port: proxy.port, path: '/__nx-edge/events', headers: { host: 'localhost' } }, (res) => {
    res.on('data', (chunk) => {
      bytes += chunk.length;
      text += chunk;
      if (text.includes('\n\n')) {
        req.destroy();
        resolve(text.indexOf('\n\n') + 2 + (bytes - Buffer.byteLength(text)));
      }
    });
  });
  req.on('error', reject);
  req.end();
});
const pageBytes = Buffer.byteLength(dashboardPage('x'.repeat(48)));
const firstLoad = pageBytes + snapshotBytes;

// Frames: idle first (the anchor), then with 50 log lines/s and status changes streaming in.
const frameGaps = (seconds) =>
  page.evaluate(
    (ms) =>
      new Promise((resolve) => {
        const gaps = [];
        let last = performance.now();
        const end = last + ms;
        const tick = (t) => {
          gaps.push(t - last);
          last = t;
          if (t < end) requestAnimationFrame(tick);
          else resolve(gaps.sort((a, b) => a - b));
        };
        requestAnimationFrame(tick);
      }),
    seconds * 1000,
  );
await page.click('#tab-logs');
const idle = await frameGaps(3);
let n = 0;
const feed = setInterval(() => {
  logs.append({ time: Date.now(), service: `svc-${n % SERVICES}`, stream: 'stdout', level: 'info', message: `live line ${n++}` });
  if (n % 25 === 0) status[n % SERVICES] = { ...status[n % SERVICES], restarts: status[n % SERVICES].restarts + 1 };
}, 20);
const busy = await frameGaps(5);
clearInterval(feed);
const p95 = (gaps) => gaps[Math.floor(gaps.length * 0.95)];
await browser.close();
await proxy.close();

const kb = (b) => `${(b / 1024).toFixed(1)} KB`;
console.log(`page (HTML, CSS and JS in one file)   ${kb(pageBytes)}  (target < 300 KB)`);
console.log(`first load transferred (page + event-stream snapshot: 200 traces, 500 lines)  ${kb(firstLoad)}  (target < 300 KB)`);
console.log(`hub heap for ${TRACES.toLocaleString('en')} traces (${TRACES * 7} spans)  ${(heapTraces / 1024 / 1024).toFixed(1)} MB${globalThis.gc ? '' : '  (run with --expose-gc for a steady figure)'}`);
console.log(`graph of ${SERVICES} services drawn after load  ${graphMs.toFixed(0)} ms`);
console.log(`trace list render (${rows} newest rows of ${TRACES.toLocaleString('en')})  ${renderMs.toFixed(1)} ms`);
console.log(`frame gap p95 / max: idle ${p95(idle).toFixed(1)} / ${idle.at(-1).toFixed(1)} ms · 50 lines/s + status changes ${p95(busy).toFixed(1)} / ${busy.at(-1).toFixed(1)} ms (${(p95(busy) / p95(idle)).toFixed(2)}× idle)`);
