import { describe, expect, it } from 'vitest';
import { parse as parseToml } from 'smol-toml';
import { appendConfigArrayItem, removeConfigValue, setConfigValue } from './edit-config';

describe('appendConfigArrayItem', () => {
  it('jsonc: appends in place with the file\'s own indentation, comments kept', () => {
    const text = '{\n    // the api\n    "name": "api",\n    "kv_namespaces": [\n        { "binding": "A" } // first\n    ]\n}\n';
    const next = appendConfigArrayItem(text, 'jsonc', ['kv_namespaces'], { binding: 'B' });
    expect(next).toContain('// the api');
    expect(next).toContain('// first');
    expect(next).toMatch(/\n {8}\{\n {12}"binding": "B"/);
  });

  it('jsonc: creates nested lists that do not exist yet', () => {
    const next = appendConfigArrayItem('{ "name": "a" }', 'jsonc', ['env', 'staging', 'services'], { binding: 'U', service: 'u' });
    expect(JSON.parse(next)).toEqual({ name: 'a', env: { staging: { services: [{ binding: 'U', service: 'u' }] } } });
  });

  it('toml: adds a [[table]] even after env sections, every key kept', () => {
    const text = 'name = "a" # keep me\n\n[env.staging]\nname = "a-stg"\n';
    const next = appendConfigArrayItem(text, 'toml', ['kv_namespaces'], { binding: 'K' });
    expect(parseToml(next)).toEqual({ name: 'a', env: { staging: { name: 'a-stg' } }, kv_namespaces: [{ binding: 'K' }] });
    expect(next).toContain('# keep me');
  });

  it('toml: refuses an inline array it cannot extend, saying how to fix it', () => {
    expect(() => appendConfigArrayItem('kv_namespaces = [{ binding = "A" }]\n', 'toml', ['kv_namespaces'], { binding: 'B' }, 'w.toml')).toThrow(
      /w\.toml: "kv_namespaces" is written as an inline array.*Rewrite it as tables/,
    );
  });
});

describe('setConfigValue', () => {
  it('jsonc: writes an id back without touching comments', () => {
    const text = '{\n  // cache\n  "kv_namespaces": [{ "binding": "C" }]\n}';
    const next = setConfigValue(text, 'jsonc', ['kv_namespaces', 0, 'id'], 'abc123');
    expect(next).toContain('// cache');
    expect(JSON.parse(next.replace(/\/\/.*\n/, ''))).toEqual({ kv_namespaces: [{ binding: 'C', id: 'abc123' }] });
  });

  it('toml: sets a key inside the n-th [[table]]', () => {
    const text = '[[kv_namespaces]]\nbinding = "A"\n\n[[kv_namespaces]]\nbinding = "B"\nid = "old"\n';
    const next = setConfigValue(text, 'toml', ['kv_namespaces', 1, 'id'], 'new');
    expect(parseToml(next)).toEqual({ kv_namespaces: [{ binding: 'A' }, { binding: 'B', id: 'new' }] });
  });

  it('removes an id (provision --destroy): jsonc and the n-th [[table]] of toml, comments kept; an inline one is the user\'s to remove', () => {
    const jsonc = '{\n  // cache\n  "kv_namespaces": [{ "binding": "C", "id": "abc123" }]\n}';
    expect(removeConfigValue(jsonc, 'jsonc', ['kv_namespaces', 0, 'id'])).toBe('{\n  // cache\n  "kv_namespaces": [{ "binding": "C" }]\n}');
    const toml = '# env tables\n[[env.staging.kv_namespaces]]\nbinding = "A"\nid = "keep"\n\n[[env.staging.kv_namespaces]]\nbinding = "B"\nid = "gone" # made by provision\n';
    const next = removeConfigValue(toml, 'toml', ['env', 'staging', 'kv_namespaces', 1, 'id']);
    expect(next).toContain('# env tables');
    expect(parseToml(next)).toEqual({ env: { staging: { kv_namespaces: [{ binding: 'A', id: 'keep' }, { binding: 'B' }] } } });
    expect(() => removeConfigValue('kv_namespaces = [{ binding = "A", id = "x" }]\n', 'toml', ['kv_namespaces', 0, 'id'], 'wrangler.toml')).toThrow('wrangler.toml: kv_namespaces.0.id is not written as a key of [[kv_namespaces]]; remove it by hand.');
  });
});
