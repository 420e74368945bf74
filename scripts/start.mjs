// `npm start`: builds the plugin from source and runs the example app.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' };
execFileSync('npm', ['run', 'build:packages'], { cwd: root, stdio: 'inherit' });
execFileSync(join(root, 'node_modules', '.bin', 'nx'), ['run-many', '-t', 'build', '--projects=tag:example', '--output-style=static'], { cwd: root, stdio: 'inherit', env });
