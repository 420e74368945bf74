import { request } from 'node:http';
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';

/** A port nothing listens on right now (tests pass their own proxy port: 7080 may be taken). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** GET through 127.0.0.1 with an explicit Host (`*.localhost` does not resolve through Node's DNS here). */
export function get(port: number, host: string, path = '/', headers: Record<string, string> = { accept: 'application/json' }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host, ...headers } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The fields of /proc/<pid>/stat after the command name (state, ppid, pgrp, …), or undefined once it is gone. */
export function procStat(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** A dead orphan may stay a zombie until init reaps it: dead all the same. */
export function alive(pid: number): boolean {
  const state = procStat(pid)?.[0];
  return state !== undefined && state !== 'Z';
}

/** A row of GET /__nx-edge/status, as the e2e tests read it. */
/** A row of `/__nx-edge/status`: the hub's own type. */
export type { ServiceStatus as DevStatus } from '../../packages/nx-edge/src/dev/protocol';

/** A line of .nx-edge/logs/dev.jsonl, as the e2e tests read it. */
export interface DevLogRecord {
  time: number;
  service: string;
  level: string;
  stream: string;
  message: string;
  trace_id?: string;
  fields?: Record<string, unknown>;
}
