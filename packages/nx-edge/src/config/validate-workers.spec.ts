import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateWorkers, type WorkerProjectFile } from './validate-workers';

describe('validateWorkers', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'nx-edge-validate-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const worker = (project: string, file: string, text: string, main = 'src/index.ts'): WorkerProjectFile => {
    const abs = join(root, 'apps', project, file);
    mkdirSync(join(dirname(abs), 'src'), { recursive: true });
    writeFileSync(abs, text);
    if (main) writeFileSync(join(dirname(abs), main), 'export default {}');
    return { project, configFile: abs };
  };

  it('finds nothing in a sound workspace', () => {
    const files = [
      worker('users', 'wrangler.jsonc', '{ "name": "users", "main": "src/index.ts", "env": { "staging": {} } }'),
      worker('api', 'wrangler.toml', 'name = "api"\nmain = "src/index.ts"\n[[services]]\nbinding = "USERS"\nservice = "users"\n[env.staging]\n[[env.staging.services]]\nbinding = "USERS"\nservice = "users-staging"\n'),
    ];
    expect(validateWorkers(root, files)).toEqual([]);
  });

  it('names each problem once, with file and line where there is one', () => {
    const files = [
      worker('broken', 'wrangler.jsonc', '{\n  "name": "broken"\n  "main": "src/index.ts"\n}'),
      worker('badtoml', 'wrangler.toml', 'name = "badtoml\nmain = "src/index.ts"\n'),
      worker('nomain', 'wrangler.json', '{ "name": "nomain" }'),
      worker('gone', 'wrangler.json', '{ "name": "gone", "main": "src/missing.ts" }'),
      worker('users', 'wrangler.json', '{ "name": "users", "main": "src/index.ts", "env": { "staging": {} } }'),
      worker('users2', 'wrangler.json', '{ "name": "users", "main": "src/index.ts" }'),
      worker('api', 'wrangler.json', '{ "name": "api", "main": "src/index.ts", "kv_namespaces": [{ "binding": "CACHE", "id": "k1" }], "env": { "staging": { "services": [{ "binding": "USERS", "service": "users" }] } } }'),
    ];
    const problems = validateWorkers(root, files);
    expect(problems.map((p) => [p.kind, p.project])).toEqual([
      ['unparsable-config', 'broken'],
      ['unparsable-config', 'badtoml'],
      ['missing-main', 'nomain'],
      ['missing-main', 'gone'],
      ['env-missing-binding', 'api'],
      ['duplicate-name', undefined],
      ['env-isolation', 'api'],
    ]);
    expect(problems[0].message).toBe('apps/broken/wrangler.jsonc:3: invalid JSON: CommaExpected. Fix the syntax at that line.');
    expect(problems[1].message).toMatch(/^apps\/badtoml\/wrangler\.toml:1: invalid TOML/);
    expect(problems[3].message).toBe('apps/gone/wrangler.json: "main" is "src/missing.ts", which does not exist next to the config. Fix the path or create the file.');
    expect(problems[4].message).toContain('"CACHE" is declared at the top level but not in [env.staging]');
    expect(problems[5].message).toBe('Worker name "users" is used by users and users2: they would deploy over each other and dev cannot host both. Give each its own "name" in its wrangler config.');
    expect(problems[6].message).toMatch(/names "users", but users is users2?'s top-level \(production\) Worker/);
  });
});
