import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliRunner, parsedLines } from './cli-runner';

// The built CLI, as `nx-edge mcp` runs it from its package (npm test builds the packages before the specs).
const CLI = join(__dirname, '..', '..', 'dist', 'src', 'cli', 'nx-edge.js');

describe('cliRunner', () => {
  it('runs the real `nx-edge history --json` in the workspace and hands back its records; a failing command its exit code and stderr', async () => {
    const root = mkdtempSync(join(tmpdir(), 'nx-edge-cli-runner-'));
    writeFileSync(join(root, 'nx.json'), '{}');
    mkdirSync(join(root, '.nx-edge'), { mode: 0o700 });
    const records = [
      { time: '2026-12-01T10:00:00.000Z', project: 'api', worker: 'api-staging', env: 'staging', result: 'deployed', versionId: 'v1' },
      { time: '2026-12-02T10:00:00.000Z', project: 'api', worker: 'api', env: '', result: 'deployed', versionId: 'v2' },
    ];
    writeFileSync(join(root, '.nx-edge', 'deployments.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n', { mode: 0o600 });
    const run = cliRunner(root, CLI);
    const history = await run(['history', '--json', '--env', 'staging']);
    expect(history.exitCode).toBe(0);
    expect(parsedLines(history)).toEqual([expect.objectContaining({ worker: 'api-staging', versionId: 'v1' })]);
    const wrong = await run(['history', '--json', '--limit', 'lots']);
    expect(wrong.exitCode).toBe(1);
    expect(wrong.stderr).toContain('--limit must be a positive whole number');
  });

  it('stops a windowed command (tail) with SIGINT at the window\'s end and says so', async () => {
    const root = mkdtempSync(join(tmpdir(), 'nx-edge-cli-runner-'));
    // A stand-in for a command that streams until interrupted, run the way the runner runs the CLI.
    const script = join(root, 'stream.js');
    writeFileSync(script, "let n = 0; const t = setInterval(() => console.log(JSON.stringify({ n: n++ })), 20); process.on('SIGINT', () => { clearInterval(t); console.log('\"stopped\"'); process.exit(0); });");
    const started = Date.now();
    const result = await cliRunner(root, script)([], { windowMs: 300 });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result.stopped).toBe(true);
    expect(result.lines.length).toBeGreaterThan(2);
    expect(parsedLines(result).at(-1)).toBe('stopped');
  });
});
