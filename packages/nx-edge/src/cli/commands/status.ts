import { request } from 'node:http';
import { readHub } from '../../dev/hub-registry';
import { dashboardLink } from '../../dev/client/hub-client';
import { formatStatusTable } from '../status-table';
import type { ServiceStatus } from '../../dev/protocol';
import { findWorkspaceRoot } from '../../utils/workspace-root';
import type { Command } from 'commander';
import { parseCommandLine } from '../options';

export const description = 'Show the services of the running dev session: state, pid, port, health, uptime, restarts';
export const usage = '[--json]';
export const examples = ['nx-edge status', 'nx-edge status --json'];

export function define(command: Command): void {
  command.option('--json', 'the status rows as JSON');
}

function fetchStatus(port: number): Promise<ServiceStatus[]> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/__nx-edge/status', headers: { host: 'localhost', accept: 'application/json' } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body) as ServiceStatus[]);
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

export async function run(args: string[], ctx: { cwd: string }): Promise<number> {
  const { options } = parseCommandLine<{ json?: boolean }>('status', { description, usage, define }, args);
  const root = findWorkspaceRoot(ctx.cwd);
  const hub = readHub(root);
  if (!hub) {
    console.error(`No nx-edge dev session is running in ${root}. Start one with: nx run-many -t dev`);
    return 1;
  }
  const rows = await fetchStatus(hub.proxyPort);
  if (options.json) console.log(JSON.stringify(rows, null, 2));
  else {
    console.log(formatStatusTable(rows, Date.now()));
    for (const r of rows) if (r.remoteOnly?.length) console.log(`${r.service}: remote-only, not bound locally: ${r.remoteOnly.join(', ')}`);
    console.log(`\ndashboard ${dashboardLink(hub)} · hub pid ${hub.pid}`);
  }
  return 0;
}
