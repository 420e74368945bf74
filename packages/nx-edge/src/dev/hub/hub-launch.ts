// `node hub-launch.js <workspaceRoot> <proxyPort>`: started (and waited for) by the first dev client of
// a workspace, it starts the hub (hub-main) detached and exits at once, so the hub is nobody's child:
// Nx, killing its task processes' trees on Ctrl-C, does not reach the hub, workerd or the services,
// and the hub stops them itself in order. Kept to Node's builtins and the registry (one small module):
// it is on the path of every session's start, and the hub's own modules load in the hub.
import { spawn } from 'node:child_process';
import { closeSync } from 'node:fs';
import { openPrivateAppend } from '../../utils/private-state';
import { basename, join } from 'node:path';
import { ensurePrivateDevDir } from '../hub-registry';

function launch(args: string[]): void {
  const [workspaceRoot] = args;
  const log = openPrivateAppend(join(ensurePrivateDevDir(workspaceRoot), 'hub.log'));
  // hub-main.js beside hub-launch.js (or .ts beside .ts when run from sources through swc).
  const hubMain = join(__dirname, basename(__filename).replace('hub-launch', 'hub-main'));
  // A smaller young generation: a burst of log lines then costs the hub far less peak memory (measured
  // +28 MB → see docs/dev.md#security) for a little more GC work.
  const child = spawn(process.execPath, ['--max-semi-space-size=4', ...process.execArgv, hubMain, ...args], {
    cwd: workspaceRoot,
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  closeSync(log);
  process.stdout.write(`${child.pid}\n`);
  child.unref();
  process.exit(0);
}

launch(process.argv.slice(2));
