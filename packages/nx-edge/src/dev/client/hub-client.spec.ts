import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../utils/user-error';
import { connectToHub } from './hub-client';

describe('connectToHub', () => {
  let ws: string;
  let blocker: Server | undefined;
  afterEach(async () => {
    await new Promise((r) => (blocker ? blocker.close(r) : r(undefined)));
    blocker = undefined;
    rmSync(ws, { recursive: true, force: true });
  });

  it('a proxy port held by another program (say another workspace\'s dev) is a clear message, not a crash', async () => {
    ws = mkdtempSync(join(tmpdir(), 'nx-edge-client-'));
    blocker = createServer();
    await new Promise<void>((r) => blocker!.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    const attempt = connectToHub(ws, { proxyPort: port, timeoutMs: 60_000 });
    await expect(attempt).rejects.toBeInstanceOf(UserError);
    await expect(attempt).rejects.toThrow(`nx-edge dev could not start: port ${port} on 127.0.0.1 is in use (another nx-edge dev, perhaps of another workspace, or another program) — stop it, or pass --proxyPort <free port> to use another port`);
    expect(existsSync(join(ws, '.nx-edge', 'dev', 'hub.json'))).toBe(false);
  }, 90_000);
});
