import type { Command } from 'commander';
import { parseCommandLine } from '../options';
import { findWorkspaceRoot } from '../../utils/workspace-root';

export const description = 'Serve the dev session, the Workers and the deployed envs to a coding agent (Model Context Protocol, stdio)';
export const usage = '';
export const examples = ['nx-edge mcp', 'cd apps/api && nx-edge mcp   # any folder of the workspace'];

export function define(_command: Command): void {
  // no options: the agent starts it from the workspace (or any folder inside it)
}

/**
 * Runs until the client closes stdin. stdout carries the protocol only: nothing else here prints to it
 * (the deployed tools run their commands in processes of their own).
 */
export async function run(args: string[], ctx: { cwd: string }): Promise<number> {
  parseCommandLine('mcp', { description, usage, define }, args);
  const workspaceRoot = findWorkspaceRoot(ctx.cwd);
  // Loaded here, not at the top: `nx-edge --help` lists this command without loading the SDK.
  const [{ StdioServerTransport }, { createMcpServer }, { hubSession }, { cliRunner }, { workspaceView, loadProjectGraph }, { packageVersion }, { listSessions, openSession }] = await Promise.all([
    import('@modelcontextprotocol/sdk/server/stdio.js'),
    import('../../mcp/mcp-server'),
    import('../../mcp/hub-session'),
    import('../../mcp/cli-runner'),
    import('../../mcp/workspace-view'),
    import('../nx-edge'),
    import('../../dev/archive/session-archive'),
  ]);
  const server = createMcpServer({
    workspaceRoot,
    version: packageVersion(),
    session: () => hubSession(workspaceRoot),
    run: cliRunner(workspaceRoot),
    workspace: () => workspaceView(workspaceRoot, loadProjectGraph(workspaceRoot)),
    past: { list: () => listSessions(workspaceRoot), open: (id) => openSession(workspaceRoot, id) },
  });
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
  });
  await server.connect(transport);
  process.stderr.write(`nx-edge mcp: serving ${workspaceRoot} on stdio\n`);
  await closed;
  await server.close().catch(() => undefined);
  return 0;
}
