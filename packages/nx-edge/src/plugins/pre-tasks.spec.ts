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
  ])('lets nx %s through', (_form, argv) => {
    expect(secretOnArgvRefusal([...node, ...argv])).toBeUndefined();
  });

  it('follows a renamed secrets target', () => {
    expect(secretOnArgvRefusal(['run', 'api:cf-secrets', 'set', 'K', VALUE], 'cf-secrets')).toBeDefined();
    expect(secretOnArgvRefusal(['run', 'api:secrets', 'set', 'K', VALUE], 'cf-secrets')).toBeUndefined();
  });
});
