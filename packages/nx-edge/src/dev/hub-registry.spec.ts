import { mkdtempSync, rmSync, writeFileSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireStartLock, readHub, removeHub, writeHub } from './hub-registry';

describe('hub registry', () => {
  let ws: string;
  afterEach(() => rmSync(ws, { recursive: true, force: true }));

  it('finds a live hub, not a dead one, and removes only its own entry', () => {
    ws = mkdtempSync(join(tmpdir(), 'nx-edge-reg-'));
    expect(readHub(ws)).toBeUndefined();
    const info = { pid: process.pid, controlPort: 1, token: 't', proxyPort: 7080, startedAt: 1, workspaceRoot: ws };
    writeHub(ws, info);
    expect(readHub(ws)).toEqual(info);
    removeHub(ws, process.pid + 1);
    expect(readHub(ws)).toEqual(info);
    writeHub(ws, { ...info, pid: 2 ** 22 + 12345 }); // no such process
    expect(readHub(ws)).toBeUndefined();
    writeHub(ws, info);
    removeHub(ws, process.pid);
    expect(readHub(ws)).toBeUndefined();
  });

  it('keeps hub.json (it holds the control token) readable by this user only', () => {
    ws = mkdtempSync(join(tmpdir(), 'nx-edge-reg-'));
    mkdirSync(join(ws, '.nx-edge', 'dev'), { recursive: true, mode: 0o755 }); // made by an older version
    writeHub(ws, { pid: process.pid, controlPort: 1, token: 't', proxyPort: 7080, startedAt: 1, workspaceRoot: ws });
    expect(statSync(join(ws, '.nx-edge', 'dev')).mode & 0o777).toBe(0o700);
    expect(statSync(join(ws, '.nx-edge', 'dev', 'hub.json')).mode & 0o777).toBe(0o600);
  });

  it('one starter at a time; a lock of a dead process is taken over', () => {
    ws = mkdtempSync(join(tmpdir(), 'nx-edge-reg-'));
    const release = acquireStartLock(ws)!;
    expect(release).toBeTypeOf('function');
    expect(acquireStartLock(ws)).toBeUndefined();
    release();
    const again = acquireStartLock(ws)!;
    again();
    mkdirSync(join(ws, '.nx-edge', 'dev'), { recursive: true });
    writeFileSync(join(ws, '.nx-edge', 'dev', 'hub.lock'), String(2 ** 22 + 12345));
    expect(acquireStartLock(ws)).toBeTypeOf('function');
  });
});
