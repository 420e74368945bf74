import { describe, expect, it } from 'vitest';
import { secretOnArgvRefusal } from './pre-tasks';

const VALUE = 'sUp3rS3cr3t';
const node = ['/usr/bin/node', '/ws/node_modules/.bin/nx'];

describe('a secret value typed on the command line is refused before Nx runs or prints anything', () => {
  it.each([
    ['run api:secrets:staging set API_KEY <value>', ['run', 'api:secrets:staging', 'set', 'API_KEY', VALUE]],
    ['run api:secrets set API_KEY=<value>', ['run', 'api:secrets', 'set', `API_KEY=${VALUE}`]],
    ['run api:secrets -c staging set API_KEY <value>', ['run', 'api:secrets', '-c', 'staging', 'set', 'API_KEY', VALUE]],
    ['secrets api set API_KEY <value>', ['secrets', 'api', 'set', 'API_KEY', VALUE]],
    ['run-many -t secrets set API_KEY <value>', ['run-many', '-t', 'secrets', 'set', 'API_KEY', VALUE]],
    ['affected --targets=secrets set API_KEY <value>', ['affected', '--targets=secrets', 'set', 'API_KEY', VALUE]],
    ['run api:secrets set API_KEY --value=<value>', ['run', 'api:secrets', 'set', 'API_KEY', `--value=${VALUE}`]],
    ['run api:secrets list <value>', ['run', 'api:secrets', 'list', VALUE]],
    ['run users:secrets -c staging set "API_KEY <value>"', ['run', 'users:secrets', '-c', 'staging', 'set', `API_KEY ${VALUE}`]],
    ['run users:secrets -c staging set --key=API_KEY <value>', ['run', 'users:secrets', '-c', 'staging', 'set', '--key=API_KEY', VALUE]],
    ['run users:secrets -c staging set --key API_KEY <value>', ['run', 'users:secrets', '-c', 'staging', 'set', '--key', 'API_KEY', VALUE]],
    ['run users:secrets -c staging set --key=API_KEY=<value>', ['run', 'users:secrets', '-c', 'staging', 'set', `--key=API_KEY=${VALUE}`]],
    ['run users:secrets -c staging --args="set API_KEY <value>"', ['run', 'users:secrets', '-c', 'staging', `--args=set API_KEY ${VALUE}`]],
    ['run users:secrets -c staging -- set API_KEY <value>', ['run', 'users:secrets', '-c', 'staging', '--', 'set', 'API_KEY', VALUE]],
    ['run users:secrets -c staging set API_KEY -- <value>', ['run', 'users:secrets', '-c', 'staging', 'set', 'API_KEY', '--', VALUE]],
    ['run users:secrets set --API_KEY=<value>', ['run', 'users:secrets', 'set', `--API_KEY=${VALUE}`]],
    ['run users:secrets <value>', ['run', 'users:secrets', VALUE]],
    ['run users:secrets --action=set --key=API_KEY --extraArgument=<value>', ['run', 'users:secrets', '--action=set', '--key=API_KEY', `--extraArgument=${VALUE}`]],
  ])('nx %s', (_form, argv) => {
    for (const args of [argv, [...node, ...argv]]) {
      const refusal = secretOnArgvRefusal(args);
      expect(refusal).toMatch(/^nx-edge: refused before running anything/);
      expect(refusal).not.toContain(VALUE);
    }
  });

  it.each([
    ['run api:secrets:staging set API_KEY', ['run', 'api:secrets:staging', 'set', 'API_KEY']],
    ['run api:secrets --configuration=staging list', ['run', 'api:secrets', '--configuration=staging', 'list']],
    ['run api:secrets -c staging push', ['run', 'api:secrets', '-c', 'staging', 'push']],
    ['run api:deploy:staging', ['run', 'api:deploy:staging']],
    ['run-many -t build test', ['run-many', '-t', 'build', 'test']],
    ['run api:secrets -c staging set --key=API_KEY --output-style=static --verbose', ['run', 'api:secrets', '-c', 'staging', 'set', '--key=API_KEY', '--output-style=static', '--verbose']],
    ['run api:secrets --tui=false -c staging delete API_KEY', ['run', 'api:secrets', '--tui=false', '-c', 'staging', 'delete', 'API_KEY']],
    ['run api:secrets:staging push --file=.env.staging', ['run', 'api:secrets:staging', 'push', '--file=.env.staging']],
    ['run api:backup -c production --keep=7 --dir=/var/backups', ['run', 'api:backup', '-c', 'production', '--keep=7', '--dir=/var/backups']],
  ])('lets nx %s through', (_form, argv) => {
    expect(secretOnArgvRefusal([...node, ...argv])).toBeUndefined();
  });

  it.each([
    ['run api:backup -c production --key=<value>', ['run', 'api:backup', '-c', 'production', `--key=${VALUE}`]],
    ['run api:backup -c production --key <value>', ['run', 'api:backup', '-c', 'production', '--key', VALUE]],
    ['run-many -t backup --backup-key=<value>', ['run-many', '-t', 'backup', `--backup-key=${VALUE}`]],
    ['run api:backup --NX_EDGE_BACKUP_KEY=<value>', ['run', 'api:backup', `--NX_EDGE_BACKUP_KEY=${VALUE}`]],
    ['run api:backup --args=<value>', ['run', 'api:backup', `--args=${VALUE}`]],
  ])('refuses a backup key on the command line: nx %s', (_form, argv) => {
    const refusal = secretOnArgvRefusal([...node, ...argv]);
    expect(refusal).toMatch(/^nx-edge: refused before running anything .* NX_EDGE_BACKUP_KEY environment variable only/);
    expect(refusal).not.toContain(VALUE);
  });

  it('follows a renamed secrets target', () => {
    expect(secretOnArgvRefusal(['run', 'api:cf-secrets', 'set', 'K', VALUE], 'cf-secrets')).toBeDefined();
    expect(secretOnArgvRefusal(['run', 'api:secrets', 'set', 'K', VALUE], 'cf-secrets')).toBeUndefined();
  });
});
