// The checks @nx/eslint-plugin's nx-plugin-checks rule makes on a plugin's JSON files, as a spec: that
// plugin depends on @nx/js and @nx/devkit 23 (a second Nx beside ours), so it does not run in this repo.
// Every generator, executor and migration points at an implementation and a schema that exist in the
// built package, each schema describes its options, and package.json names the three files.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = __dirname;
const json = (file: string) => JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as Record<string, unknown>;
/** `./dist/src/x/y` or `./dist/src/x/y#name` → the TypeScript source it is built from. */
const source = (path: string) => join(ROOT, path.split('#')[0].replace(/^\.\/dist\//, '') + '.ts');
/** `./dist/src/x/schema.json` → the source schema (the build copies it). */
const sourceSchema = (path: string) => join(ROOT, path.replace(/^\.\/dist\//, ''));

type Entry = { factory?: string; implementation?: string; batchImplementation?: string; schema?: string; description?: string; version?: string };

describe('the plugin manifests (generators.json, executors.json, migrations.json)', () => {
  const pkg = json('package.json') as { generators?: string; executors?: string; 'nx-migrations'?: { migrations?: string }; version: string };

  it('package.json names all three', () => {
    expect(pkg.generators).toBe('./generators.json');
    expect(pkg.executors).toBe('./executors.json');
    expect(pkg['nx-migrations']?.migrations).toBe('./migrations.json');
  });

  const sections: [string, string][] = [['generators.json', 'generators'], ['executors.json', 'executors'], ['migrations.json', 'generators']];
  for (const [file, key] of sections) {
    it(`${file}: every entry has a description and an implementation that exists${file === 'migrations.json' ? ', and a version' : ', and a schema with its options described'}`, () => {
      const entries = Object.entries((json(file)[key] ?? {}) as Record<string, Entry>);
      expect(entries.length).toBeGreaterThan(0);
      for (const [name, entry] of entries) {
        expect(entry.description, `${file} ${name}: description`).toBeTruthy();
        const implementation = entry.factory ?? entry.implementation;
        expect(implementation, `${file} ${name}: factory/implementation`).toBeTruthy();
        expect(existsSync(source(implementation!)), `${file} ${name}: ${implementation} has no source`).toBe(true);
        if (entry.batchImplementation) expect(readFileSync(source(entry.batchImplementation), 'utf8')).toContain(`export async function ${entry.batchImplementation.split('#')[1]}`);
        if (file === 'migrations.json') {
          expect(entry.version, `${name}: version`).toMatch(/^\d+\.\d+\.\d+/);
          continue;
        }
        const schemaFile = sourceSchema(entry.schema!);
        expect(existsSync(schemaFile), `${file} ${name}: ${entry.schema}`).toBe(true);
        expect(existsSync(schemaFile.replace(/\.json$/, '.d.ts')), `${file} ${name}: schema.d.ts beside the schema`).toBe(true);
        const schema = JSON.parse(readFileSync(schemaFile, 'utf8')) as { properties?: Record<string, { description?: string }>; description?: string };
        for (const [option, spec] of Object.entries(schema.properties ?? {})) expect(spec.description, `${file} ${name}: option ${option} has no description`).toBeTruthy();
      }
    });
  }
});
