import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mcpToolReference } from './tool-reference';

describe('docs/mcp-tools.md', () => {
  it('is what the MCP server lists (npm run docs:mcp writes it)', async () => {
    expect(readFileSync(join(__dirname, '..', '..', '..', '..', 'docs', 'mcp-tools.md'), 'utf8')).toBe(await mcpToolReference());
  });
});
