import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { E2E_TMP } from './template';

/**
 * The published MCP Inspector's CLI (`@modelcontextprotocol/inspector`), an MCP client none of us wrote, with
 * the Node 22 it requires (≥ 22.19; from the registry's `node` package). Installed once into
 * tmp/e2e/mcp-inspector (~15 s from the registry).
 */
const DIR = join(E2E_TMP, 'mcp-inspector');
const VERSIONS = { '@modelcontextprotocol/inspector': '2.12.0', node: '22.23.0' };

function ensureInstalled(): { node: string; launcher: string } {
  const node = join(DIR, 'node_modules', 'node', 'bin', 'node');
  const launcher = join(DIR, 'node_modules', '@modelcontextprotocol', 'inspector', 'clients', 'launcher', 'build', 'index.js');
  const manifest = `${JSON.stringify({ name: 'e2e-mcp-inspector', private: true, dependencies: VERSIONS }, null, 2)}\n`;
  if (!existsSync(node) || !existsSync(launcher)) {
    mkdirSync(DIR, { recursive: true });
    writeFileSync(join(DIR, 'package.json'), manifest);
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: DIR, stdio: 'inherit' });
  }
  return { node, launcher };
}

/** `mcp-inspector --cli <server command> --method …`: what it printed on stdout, parsed (it prints JSON). */
export function inspectorCli(args: string[], server: { command: string; args: string[]; cwd: string }): Promise<unknown> {
  const { node, launcher } = ensureInstalled();
  return new Promise((resolve, reject) => {
    // The server's command first: the CLI's variadic options (--tool-arg k=v …) would take what follows them.
    execFile(node, [launcher, '--cli', server.command, ...server.args, '--cwd', server.cwd, ...args], { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && !stdout) return reject(new Error(`mcp-inspector failed: ${error.message}\n${stderr}`));
      try {
        resolve(JSON.parse(stdout) as unknown);
      } catch {
        reject(new Error(`mcp-inspector printed no JSON:\n${stdout}\n${stderr}`));
      }
    });
  });
}
