import { afterEach, describe, expect, it, vi } from 'vitest';
import { runsTarget } from './pre-tasks';
import { keepWorker, nxVersionNear, releasesWorker, releaseWorkerSoon } from './worker-release';

const WORKER = '/ws/node_modules/nx/dist/src/project-graph/plugins/isolation/plugin-worker.js';
const NODE = ['/usr/bin/node', '/ws/node_modules/.bin/nx'];

describe('which runs start the dev target', () => {
  it.each([
    [['run', 'api:dev'], true],
    [['run', 'api:dev:staging'], true],
    [['dev', 'api'], true],
    [['run-many', '-t', 'dev'], true],
    [['run-many', '--targets=build,dev'], true],
    [['affected', '-t', 'build,dev', '--base', 'main'], true],
    [['run', 'api:build'], false],
    [['run-many', '-t', 'build', 'test'], false],
    [['run', 'dev:build'], false],
  ])('nx %j → %s', (argv, expected) => {
    expect(runsTarget(argv, 'dev')).toBe(expected);
    expect(runsTarget([...NODE, ...argv], 'dev')).toBe(expected);
  });

  it('follows a renamed dev target', () => {
    expect(runsTarget(['run', 'api:serve'], 'serve')).toBe(true);
    expect(runsTarget(['run', 'api:dev'], 'serve')).toBe(false);
  });
});

describe("the plugin worker of a dev run leaves once the pre-task hook has answered", () => {
  const base = { runsDev: true, env: {}, mainFile: WORKER, nxVersion: '24.0.6' };

  it('in an isolated plugin worker of the Nx CLI, on the Nx 24 whose host starts a worker again', () => {
    expect(releasesWorker(base)).toBe(true);
  });

  it.each([
    ['a run without the dev target', { runsDev: false }],
    ["the daemon's worker (it serves every command)", { env: { NX_DAEMON_PROCESS: 'true' } }],
    ['plugin isolation off (this is Nx itself)', { mainFile: '/ws/node_modules/nx/bin/nx.js' }],
    ['no main script', { mainFile: undefined }],
    ['an Nx not checked for it', { nxVersion: '23.1.0' }],
    ['an unknown Nx', { nxVersion: undefined }],
    ['NX_EDGE_KEEP_PLUGIN_WORKER=true', { env: { NX_EDGE_KEEP_PLUGIN_WORKER: 'true' } }],
  ])('stays for %s', (_what, change) => {
    expect(releasesWorker({ ...base, ...change })).toBe(false);
  });

  it("reads the version of the Nx that runs the worker", () => {
    const version = nxVersionNear(require.resolve('nx/package.json'), '/nonexistent');
    expect(version).toMatch(/^24\./);
  });

  afterEach(() => {
    keepWorker();
    vi.useRealTimers();
  });

  it('exits after the delay, unless another hook came first', () => {
    vi.useFakeTimers();
    const exit = vi.fn();
    releaseWorkerSoon(exit, 1000);
    vi.advanceTimersByTime(999);
    expect(exit).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(exit).toHaveBeenCalledWith(0);

    const kept = vi.fn();
    releaseWorkerSoon(kept, 1000);
    keepWorker();
    vi.advanceTimersByTime(5000);
    expect(kept).not.toHaveBeenCalled();
  });
});
