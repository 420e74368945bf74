import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listSessions, openSession, recordSession, SESSIONS_KEPT, sessionsDir } from './session-archive';
import type { Span } from '../../traces/trace-store';

const span = (traceId: string, spanId: string, service: string, start: number): Span => ({ traceId, spanId, service, kind: 'server', name: 'GET /orders', start, durationMs: 5, status: 200 });

describe('session archive', () => {
  it('records a session\'s spans and log lines and opens them again read-only, private to the user', () => {
    const root = mkdtempSync(join(tmpdir(), 'nx-edge-archive-'));
    const rec = recordSession(root, { startedAt: Date.UTC(2026, 11, 2, 20, 45, 1), pid: 4242, now: () => 1000 });
    expect(rec.id).toBe('20261202T204501Z-4242');
    const traceId = 'a'.repeat(32);
    rec.span(span(traceId, '1'.repeat(16), 'gateway', 10));
    rec.span({ ...span(traceId, '2'.repeat(16), 'users', 12), parentSpanId: '1'.repeat(16) });
    // The proxy's span, as the front sent it: written as that tuple, read back as the span it is.
    rec.span([traceId, '0'.repeat(16), '', 'gateway', 'GET', '/orders', 'gateway.localhost:7080', 9, 8, 200, 0]);
    rec.log({ time: 11, service: 'users', stream: 'stdout', level: 'info', message: 'hello', trace_id: traceId });
    rec.describe(['gateway', 'users'], { nodes: [{ id: 'gateway', kind: 'worker' }, { id: 'users', kind: 'worker' }], edges: [] });
    rec.close(2000);
    // The front's file (written by the front itself): a line per batch of tuples; a torn line is skipped.
    const otherTrace = 'c'.repeat(32);
    writeFileSync(rec.proxySpans.file, `${JSON.stringify([[otherTrace, '3'.repeat(16), '', 'users', 'POST', '/users', 'users.localhost', 20, 3, 201, 0]])}\n[["torn`, { mode: 0o600 });

    const [meta] = listSessions(root);
    expect(meta).toMatchObject({ id: rec.id, endedAt: 2000, services: ['gateway', 'users'] });
    const opened = openSession(root, rec.id)!;
    expect(opened.traces.list()).toEqual([
      expect.objectContaining({ traceId: otherTrace, rootService: 'users', route: 'POST /users', spanCount: 1, status: 201 }),
      expect.objectContaining({ traceId, rootService: 'gateway', route: 'GET /orders', spanCount: 3, services: ['gateway', 'users'] }),
    ]);
    expect(opened.traces.get(traceId)![0]).toEqual({ traceId, spanId: '0'.repeat(16), parentSpanId: undefined, service: 'gateway', kind: 'proxy', name: 'GET /orders', start: 9, durationMs: 8, status: 200, error: false, attributes: { method: 'GET', path: '/orders', host: 'gateway.localhost:7080' } });
    expect(opened.logs.query({ trace: traceId }).map((r) => r.message)).toEqual(['hello']);
    const dir = join(sessionsDir(root), rec.id);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const file of readdirSync(dir)) expect(statSync(join(dir, file)).mode & 0o777, file).toBe(0o600);
  });

  it(`keeps the newest ${SESSIONS_KEPT} sessions`, () => {
    const root = mkdtempSync(join(tmpdir(), 'nx-edge-archive-'));
    for (let i = 0; i < SESSIONS_KEPT + 3; i++) recordSession(root, { startedAt: Date.UTC(2026, 0, 1, 0, 0, i), pid: 100 + i }).close();
    const ids = listSessions(root).map((m) => m.id);
    expect(ids).toHaveLength(SESSIONS_KEPT);
    expect(ids[0]).toBe(`20260101T000012Z-112`);
    expect(ids.at(-1)).toBe(`20260101T000003Z-103`);
  });

  it('stops a file at its cap, says so, and skips torn or foreign lines when reading', () => {
    const root = mkdtempSync(join(tmpdir(), 'nx-edge-archive-'));
    const rec = recordSession(root, { startedAt: Date.UTC(2026, 0, 2), pid: 7, maxFileBytes: 64 * 1024 });
    for (let i = 0; i < 5000; i++) rec.log({ time: i, service: 'api', stream: 'stdout', level: 'info', message: `line ${i} ${'x'.repeat(40)}` });
    rec.close();
    writeFileSync(join(sessionsDir(root), rec.id, 'spans.jsonl'), '{"traceId":"torn\n"not a span"\n["a","b"]\n["t","s","","api","GET","/","h",1,2,200,7]\n');
    const opened = openSession(root, rec.id)!;
    expect(opened.meta.truncated).toEqual(['logs']);
    expect(opened.logs.query({}).length).toBeLessThan(5000);
    expect(opened.traces.size()).toBe(0);
  });

  it('keeps recording when .nx-edge/ is deleted under it (it starts the folder again), and closing never throws', () => {
    const root = mkdtempSync(join(tmpdir(), 'nx-edge-archive-'));
    const rec = recordSession(root, { startedAt: Date.UTC(2026, 0, 3), pid: 9 });
    rec.log({ time: 1, service: 'api', stream: 'stdout', level: 'info', message: 'before' });
    rmSync(join(root, '.nx-edge'), { recursive: true, force: true });
    rec.log({ time: 2, service: 'api', stream: 'stdout', level: 'info', message: 'after' });
    expect(() => rec.close(5)).not.toThrow();
    const opened = openSession(root, rec.id)!;
    expect(opened.meta.endedAt).toBe(5);
    expect(opened.logs.query({}).map((r) => r.message)).toEqual(['before', 'after']);
  });

  it('refuses an id that is not a session id (no path out of .nx-edge/sessions)', () => {
    const root = mkdtempSync(join(tmpdir(), 'nx-edge-archive-'));
    expect(openSession(root, '../../etc')).toBeUndefined();
    expect(openSession(root, '20261202T204501Z-1/../..')).toBeUndefined();
  });
});
