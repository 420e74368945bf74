// The dev hub process: `node hub-main.js <workspaceRoot> <proxyPort>`, spawned detached by the first
// dev client of a workspace (see ../hub-client.ts). It serves a control endpoint on 127.0.0.1 where
// clients attach with a long-lived request; it exits once the last client has gone.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createLogStore } from '../../logs/log-store';
import { DEV_LOG_RELATIVE_PATH } from '../../logs/log-reader';
import { UserError } from '../../utils/user-error';
import { removeHub, writeHub } from '../hub-registry';
import type { AttachRequest } from '../hub-client';
import { DevHub, type HubClient, type HubEvent } from './dev-hub';
import { hubErrorFile } from './hub-error';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

export function startControlServer(hub: DevHub): Promise<Server> {
  const server = createServer(async (req, res) => {
    if (req.method === 'GET' && req.url === '/status') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ pid: process.pid, services: hub.statuses() }));
      return;
    }
    if (req.method !== 'POST' || req.url !== '/attach') {
      res.writeHead(404).end();
      return;
    }
    let attach: AttachRequest;
    try {
      attach = JSON.parse(await readBody(req)) as AttachRequest;
      if (!attach.spec?.service) throw new Error('no spec');
    } catch {
      res.writeHead(400).end('bad attach request');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
    res.flushHeaders();
    // A client that went away mid-write must not take the hub down.
    res.on('error', () => undefined);
    const client: HubClient = {
      send: (event: HubEvent) => {
        if (!res.destroyed && !res.writableEnded) res.write(`${JSON.stringify(event)}\n`);
      },
    };
    // The client's process ending (Ctrl-C, Nx killed) closes this request: that is the detach.
    res.on('close', () => hub.detach(client));
    if (attach.plan?.length) hub.prewarm(attach.plan);
    hub.attach(attach.spec, client);
  });
  server.keepAliveTimeout = 0;
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

async function main(): Promise<void> {
  const [workspaceRoot, proxyPortArg] = process.argv.slice(2);
  const devDir = join(workspaceRoot, '.nx-edge', 'dev');
  mkdirSync(devDir, { recursive: true });
  rmSync(hubErrorFile(workspaceRoot), { force: true });
  const logs = createLogStore({ jsonlPath: join(workspaceRoot, DEV_LOG_RELATIVE_PATH) });
  let exiting = false;
  let control: Server | undefined;
  const exit = async (code: number) => {
    if (exiting) return;
    exiting = true;
    await hub.shutdown().catch(() => undefined);
    control?.close();
    removeHub(workspaceRoot, process.pid);
    logs.close();
    process.exit(code);
  };
  const hub: DevHub = new DevHub({ workspaceRoot, proxyPort: Number(proxyPortArg), logs, onIdle: () => void exit(0) });
  // Whatever goes wrong, the registry entry must not outlive the hub (clients would wait on a dead one).
  process.on('uncaughtException', (error) => {
    console.error(`nx-edge dev hub: unexpected error: ${error.stack ?? error}`);
    if (!exiting) return;
    removeHub(workspaceRoot, process.pid);
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => console.error(`nx-edge dev hub: unexpected error: ${(reason as Error)?.stack ?? reason}`));
  process.on('exit', () => removeHub(workspaceRoot, process.pid));
  process.on('SIGTERM', () => void exit(0));
  process.on('SIGINT', () => void exit(0));
  process.on('SIGHUP', () => void exit(0));
  try {
    await hub.start();
    control = await startControlServer(hub);
  } catch (error) {
    const message = error instanceof UserError ? error.message : `the nx-edge dev hub could not start: ${(error as Error).stack ?? error}`;
    writeFileSync(hubErrorFile(workspaceRoot), message);
    await hub.shutdown().catch(() => undefined);
    logs.close();
    process.exit(1);
  }
  const address = control.address();
  writeHub(workspaceRoot, {
    pid: process.pid,
    controlPort: typeof address === 'object' && address ? address.port : 0,
    proxyPort: hub.proxyPort ?? Number(proxyPortArg),
    startedAt: Date.now(),
    workspaceRoot,
  });
  // Nobody attached (the spawning client died early): don't linger.
  setTimeout(() => {
    if (hub.statuses().length === 0) void exit(0);
  }, 30_000).unref();
}

if (require.main === module) void main();
