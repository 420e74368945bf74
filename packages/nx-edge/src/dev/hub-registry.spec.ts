import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
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
    const info = { pid: process.pid, controlPort: 1, proxyPort: 7080, startedAt: 1, workspaceRoot: ws };
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
