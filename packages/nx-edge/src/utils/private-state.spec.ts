import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendDeploymentRecord, historyFile } from '../deploy/deploy-history';
import { createLogStore } from '../logs/log-store';
import { ensurePrivateDevDir } from '../dev/hub-registry';

const mode = (path: string) => statSync(path).mode & 0o777;

describe('.nx-edge/ is private whichever command creates it', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'nx-edge-state-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('deploy first: .nx-edge 0700, deployments.jsonl 0600; dev later: logs 0700, dev.jsonl 0600', () => {
    appendDeploymentRecord(historyFile(root), { project: 'api' } as never);
    expect(mode(join(root, '.nx-edge'))).toBe(0o700);
    expect(mode(join(root, '.nx-edge', 'deployments.jsonl'))).toBe(0o600);
    const logs = createLogStore({ jsonlPath: join(root, '.nx-edge', 'logs', 'dev.jsonl') });
    logs.append({ time: 1, service: 'api', stream: 'stdout', level: 'info', message: 'hi' });
    logs.close();
    expect(mode(join(root, '.nx-edge', 'logs'))).toBe(0o700);
    expect(mode(join(root, '.nx-edge', 'logs', 'dev.jsonl'))).toBe(0o600);
  });

  it('tightens wider modes left by an older version', () => {
    mkdirSync(join(root, '.nx-edge', 'logs'), { recursive: true, mode: 0o755 });
    chmodSync(join(root, '.nx-edge'), 0o755);
    writeFileSync(join(root, '.nx-edge', 'logs', 'dev.jsonl'), '', { mode: 0o644 });
    writeFileSync(join(root, '.nx-edge', 'deployments.jsonl'), '', { mode: 0o644 });
    createLogStore({ jsonlPath: join(root, '.nx-edge', 'logs', 'dev.jsonl') }).close();
    appendDeploymentRecord(historyFile(root), { project: 'api' } as never);
    ensurePrivateDevDir(root);
    expect([mode(join(root, '.nx-edge')), mode(join(root, '.nx-edge', 'logs')), mode(join(root, '.nx-edge', 'dev'))]).toEqual([0o700, 0o700, 0o700]);
    expect([mode(join(root, '.nx-edge', 'logs', 'dev.jsonl')), mode(join(root, '.nx-edge', 'deployments.jsonl'))]).toEqual([0o600, 0o600]);
  });

  it('a deleted JSONL file is reopened by the running log store', () => {
    const file = join(root, '.nx-edge', 'logs', 'dev.jsonl');
    const logs = createLogStore({ jsonlPath: file });
    expect(logs.reopenIfMissing()).toBe(false);
    rmSync(join(root, '.nx-edge'), { recursive: true });
    expect(logs.reopenIfMissing()).toBe(true);
    logs.append({ time: 1, service: 'api', stream: 'stdout', level: 'info', message: 'after' });
    logs.close();
    expect(mode(file)).toBe(0o600);
  });
});
