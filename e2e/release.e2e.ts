import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './support/template';

// `nx release` is configured for the two packages (one fixed version, conventional commits, a
// workspace CHANGELOG.md): a dry run in this repository, as CI would run it, changes nothing.
describe('nx release --dry-run', () => {
  it('prints both packages\' next (same) version and previews the changelog, changing no file', () => {
    const before = spawnSync('git', ['status', '--porcelain'], { cwd: REPO_ROOT, encoding: 'utf8' }).stdout;
    const run = spawnSync(join(REPO_ROOT, 'node_modules', '.bin', 'nx'), ['release', '--dry-run', '--skip-publish'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', CI: 'true', FORCE_COLOR: '0' },
    });
     
    const out = (run.stdout + run.stderr).replace(/\u001b\[[0-9;]*m/g, '');
    expect(run.status, out).toBe(0);
    const nxEdge = /@aero\/nx-edge ✍️ {2}New version (\d+\.\d+\.\d+) written to manifest: packages\/nx-edge\/package\.json/.exec(out)?.[1];
    const runtime = /@aero\/edge-runtime ✍️ {2}New version (\d+\.\d+\.\d+) written to manifest: packages\/edge-runtime\/package\.json/.exec(out)?.[1];
    expect(nxEdge, out).toBeDefined();
    expect(runtime).toBe(nxEdge);
    expect(out).toContain(`Previewing an entry in CHANGELOG.md for v${nxEdge}`);
    expect(out).toContain('NOTE: The "dryRun" flag means no changes were made.');
    expect(spawnSync('git', ['status', '--porcelain'], { cwd: REPO_ROOT, encoding: 'utf8' }).stdout).toBe(before);
  }, 120_000);
});
