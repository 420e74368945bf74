// `npm run docs:mcp`: writes docs/mcp-tools.md from what `nx-edge mcp` lists (the built package).
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
/** @type {{ mcpToolReference(): Promise<string> }} */
const { mcpToolReference } = require(join(root, 'packages/nx-edge/dist/src/mcp/tool-reference.js'));
writeFileSync(join(root, 'docs', 'mcp-tools.md'), await mcpToolReference());
console.log('docs/mcp-tools.md written');
