import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { createMcpServer } from './mcp-server';

/**
 * docs/mcp-tools.md: every tool `nx-edge mcp` serves, as a client lists it (name, description, annotations,
 * input JSON schema). Rendered from the server itself, so the page cannot drift (a spec compares them).
 */
export async function mcpToolReference(): Promise<string> {
  const server = createMcpServer({
    workspaceRoot: '.',
    version: 'docs',
    session: () => undefined,
    run: () => Promise.resolve({ exitCode: 0, lines: [], moreLines: 0, stderr: '', stopped: false }),
    workspace: () => ({ workers: [], edges: [] }),
    past: { list: () => [], open: () => undefined },
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'docs', version: '1' });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  const { tools } = await client.listTools();
  await client.close();
  await server.close();
  const lines = [
    '# `nx-edge mcp` tools',
    '',
    '<!-- Generated from packages/nx-edge/src/mcp/mcp-server.ts by `npm run docs:mcp`; a spec fails when it differs. -->',
    '',
    'What a client sees in `tools/list` (how to connect one: [dev.md#agents-mcp](dev.md#agents-mcp)). Tools marked',
    '`readOnlyHint: false` change the running session: clients ask their user before calling them.',
    '',
  ];
  for (const tool of tools) {
    lines.push(`## ${tool.name}`, '', tool.description ?? '', '');
    if (tool.annotations) lines.push(`Annotations: ${Object.entries(tool.annotations).filter(([k]) => k !== 'title').map(([k, v]) => `\`${k}: ${String(v)}\``).join(', ')}`, '');
    lines.push('Input schema:', '', '```json', JSON.stringify(tool.inputSchema, null, 2), '```', '');
  }
  return lines.join('\n');
}
