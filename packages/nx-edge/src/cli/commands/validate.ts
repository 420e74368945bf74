import { createServer } from 'node:net';
import { join, relative } from 'node:path';
import { findWranglerConfig, readWranglerConfig } from '../../config/wrangler-config';
import { readHub } from '../../dev/hub-registry';
import { proxyPortFrom } from '../../dev/run-attached';
import { SERVICE_EXECUTORS, upstreamOf, type GraphView } from '../../dev/service-spec';
import { validateDevConfig, type DevProjectView } from '../../dev/validate';
import { findWorkspaceRoot } from '../../dev/workspace-root';
import { describeError } from '../../utils/user-error';

export const description = 'Check the dev setup without starting anything: configs, service options, graph cycles, port conflicts';
export const usage = 'nx-edge validate [--proxyPort <port>]';

function inUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
      .once('error', () => resolve(true))
      .listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}

export async function run(args: string[], ctx: { cwd: string }): Promise<number> {
  const root = findWorkspaceRoot(ctx.cwd);
  const flag = args.indexOf('--proxyPort');
  const proxyPort = proxyPortFrom(flag >= 0 ? Number(args[flag + 1]) : undefined);
  // Nx reads its workspace root from the current directory when it loads.
  process.chdir(root);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createProjectGraphAsync } = require('@nx/devkit') as typeof import('@nx/devkit');
  const graph = (await createProjectGraphAsync({ exitOnError: false })) as unknown as GraphView & { nodes: Record<string, { data: { targets?: Record<string, { executor?: string; options?: Record<string, unknown> }> } }> };
  const projects: DevProjectView[] = [];
  for (const [name, node] of Object.entries(graph.nodes)) {
    const entry = Object.entries(node.data.targets ?? {}).find(([, t]) => t.executor && SERVICE_EXECUTORS.includes(t.executor));
    if (!entry) continue;
    const [targetName, target] = entry;
    const kind = target.executor === '@aero/nx-edge:dev' ? 'worker' : 'service';
    const view: DevProjectView = {
      project: name,
      kind,
      file: `${node.data.root}/project.json (target "${targetName}")`,
      upstream: upstreamOf(graph, name).services,
      options: target.options ?? {},
    };
    if (kind === 'worker') {
      const configFile = findWranglerConfig(join(root, node.data.root));
      if (!configFile) view.configError = `${node.data.root}: no wrangler config for the dev target.`;
      else {
        try {
          const { config } = readWranglerConfig(configFile);
          if (!config.main) view.configError = `${relative(root, configFile)}: "main" is missing; set it to the Worker's entry module.`;
        } catch (error) {
          view.configError = describeError(error);
        }
      }
    }
    projects.push(view);
  }
  const hub = readHub(root);
  const portsInUse = new Set<number>();
  if (!hub) {
    // With a session running, its own ports are in use by design: check only when nothing runs.
    const candidates = [proxyPort, ...projects.map((p) => p.options.port).filter((p): p is number => typeof p === 'number')];
    for (const port of new Set(candidates)) if (await inUse(port)) portsInUse.add(port);
  }
  const problems = validateDevConfig({ projects, proxyPort, portsInUse });
  for (const p of problems) console.log(`✗ ${p.project ? `${p.project}: ` : ''}${p.message}`);
  if (hub) console.log(`(a dev session is running, hub pid ${hub.pid}: port checks skipped)`);
  if (problems.length) {
    console.log(`\n${problems.length} problem${problems.length === 1 ? '' : 's'} in ${projects.length} dev services.`);
    return 1;
  }
  console.log(`✓ ${projects.length} dev services (${projects.filter((p) => p.kind === 'worker').length} Workers), no problems.`);
  return 0;
}
