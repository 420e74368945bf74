// A realistic monorepo of Workers that grew without Nx (a pnpm workspace), for the brownfield e2e and
// bench/graph: ≥ 60 Workers with package.json scripts and scoped names, two folders outside the
// workspace globs sharing a package name, two service-binding cycles with dependents, tail consumers,
// queues, Durable Objects by script_name, a dispatch namespace, an AI binding, static assets, three
// configs with syntax errors, a template folder, jsonc and toml mixed. Plain JS so that bench/ (plain
// Node) and the e2e (TypeScript) share it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const COMPAT = '2026-04-20';

function write(root, path, text) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

function toToml(config) {
  const lines = [];
  const scalar = (v) => (typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v));
  const tables = [];
  for (const [k, v] of Object.entries(config)) {
    if (Array.isArray(v) && v.length && typeof v[0] === 'object') tables.push([k, v]);
    else if (v && typeof v === 'object' && !Array.isArray(v)) tables.push([k, v]);
    else lines.push(`${k} = ${scalar(v)}`);
  }
  const emit = (prefix, value) => {
    if (Array.isArray(value)) {
      for (const item of value) {
        lines.push('', `[[${prefix}]]`);
        const nested = [];
        for (const [k, v] of Object.entries(item)) {
          if (v && typeof v === 'object' && !Array.isArray(v)) nested.push([k, v]);
          else lines.push(`${k} = ${scalar(v)}`);
        }
        for (const [k, v] of nested) emit(`${prefix}.${k}`, v);
      }
      return;
    }
    const simple = Object.entries(value).filter(([, v]) => !(v && typeof v === 'object' && !(Array.isArray(v) && (v.length === 0 || typeof v[0] !== 'object'))));
    const nested = Object.entries(value).filter(([, v]) => v && typeof v === 'object' && !(Array.isArray(v) && (v.length === 0 || typeof v[0] !== 'object')));
    lines.push('', `[${prefix}]`);
    for (const [k, v] of simple) lines.push(`${k} = ${scalar(v)}`);
    for (const [k, v] of nested) emit(`${prefix}.${k}`, v);
  };
  for (const [k, v] of tables) emit(k, v);
  return `${lines.join('\n')}\n`;
}

/**
 * Writes the monorepo under `root` (package.json and pnpm-workspace.yaml included, no dependencies)
 * and returns what a correct plugin must find.
 * @param {string} root
 * @param {{ workers?: number, devDependencies?: Record<string, string> }} [options]
 */
export function writeBrownfieldFixture(root, options = {}) {
  const count = options.workers ?? 60;
  /** @type {{ dir: string, name: string, project: string, config: object, format: 'jsonc' | 'toml', extra?: Record<string, string> }[]} */
  const workers = [];
  const edges = new Set();
  const add = (dir, name, config, extra, fixedFormat) => {
    const format = fixedFormat ?? (workers.length % 2 === 0 ? 'jsonc' : 'toml');
    workers.push({ dir, name, project: `@acme/${name}`, config: { name, main: 'src/index.ts', compatibility_date: COMPAT, ...config }, format, extra });
  };
  const edge = (from, to) => edges.add(`@acme/${from} -> @acme/${to}`);
  const staging = (config, bindings = {}) => ({ ...config, env: { staging: bindings } });

  // Chains of five: w00 → w01 → … → w04, w05 → … (service bindings).
  for (let i = 0; i < count; i++) {
    const name = `w${String(i).padStart(2, '0')}`;
    const next = i % 5 !== 4 && i + 1 < count ? `w${String(i + 1).padStart(2, '0')}` : undefined;
    const config = next ? { services: [{ binding: 'NEXT', service: next }] } : {};
    if (i < 5) config.tail_consumers = [{ service: 'logger' }];
    add(`workers/${name}`, name, config);
    if (next) edge(name, next);
    if (i < 5) edge(name, 'logger');
  }
  // A value that looks like a placeholder outside name/main: an ordinary Worker, not a template.
  add('workers/logger', 'logger', { vars: { GREETING: 'hello __world__' } });
  // Queues: producer → consumer pairs.
  for (const q of ['a', 'b']) {
    add(`workers/producer-${q}`, `producer-${q}`, { queues: { producers: [{ binding: 'JOBS', queue: `jobs-${q}` }] } });
    add(`workers/consumer-${q}`, `consumer-${q}`, { queues: { consumers: [{ queue: `jobs-${q}`, max_batch_size: 10 }] } });
    edge(`producer-${q}`, `consumer-${q}`);
  }
  // A Durable Object class used by another Worker through script_name.
  add('workers/rooms', 'rooms', { durable_objects: { bindings: [{ name: 'ROOM', class_name: 'Room' }] }, migrations: [{ tag: 'v1', new_sqlite_classes: ['Room'] }] }, { 'src/index.ts': `import { DurableObject } from 'cloudflare:workers';\nexport class Room extends DurableObject { async fetch() { return new Response('room'); } }\nexport default { fetch: () => new Response('rooms') };\n` });
  add('workers/chat', 'chat', { durable_objects: { bindings: [{ name: 'ROOM', class_name: 'Room', script_name: 'rooms' }] } });
  edge('chat', 'rooms');
  // Remote-only bindings and static assets.
  add('workers/dispatcher', 'dispatcher', { dispatch_namespaces: [{ binding: 'TENANTS', namespace: 'customers' }] });
  add('workers/assistant', 'assistant', { ai: { binding: 'AI' } });
  add('workers/site', 'site', { assets: { directory: './public', binding: 'ASSETS' } }, { 'public/index.html': '<h1>site</h1>\n', 'public/app.css': 'body { margin: 0 }\n' });
  // Two cycles, each with a dependent; every member has [env.staging] bound to the staging names.
  const ring = (name, targets) => {
    const config = staging({ services: targets.map((t) => ({ binding: t.toUpperCase().replace(/-/g, '_'), service: t })) }, { services: targets.map((t) => ({ binding: t.toUpperCase().replace(/-/g, '_'), service: `${t}-staging` })) });
    add(`workers/${name}`, name, config);
    for (const t of targets) edge(name, t);
  };
  ring('ping', ['pong']);
  ring('pong', ['ping']);
  ring('ping-client', ['ping']);
  ring('ring-a', ['ring-b']);
  ring('ring-b', ['ring-c']);
  ring('ring-c', ['ring-a']);
  ring('ring-client', ['ring-b']);
  // Three Workers tied only through one hub (x ⇄ y ⇄ z): one cycle group, and z never calls x.
  add('workers/hub-x', 'hub-x', { services: [{ binding: 'Y', service: 'hub-y' }] });
  add('workers/hub-y', 'hub-y', { services: [{ binding: 'X', service: 'hub-x' }, { binding: 'Z', service: 'hub-z' }] });
  add('workers/hub-z', 'hub-z', { services: [{ binding: 'Y', service: 'hub-y' }] });
  edge('hub-x', 'hub-y');
  edge('hub-y', 'hub-x');
  edge('hub-y', 'hub-z');
  edge('hub-z', 'hub-y');
  // Adoption shapes: a team's pipeline and habits (issue: adopt without losing work).
  add('workers/shop', 'shop', {}, { 'src/index.ts': `import { price } from '@acme/db';\nexport default { fetch: () => Response.json({ service: 'shop', price: price(2) }) };\n` });
  add('workers/strict', 'strict', {});
  // typed: the team generated worker-configuration.d.ts with wrangler types (runtime types, its own interface
  // name) and its tsconfig uses only that file; boxed: a container whose image is a Dockerfile beside the config.
  add('workers/typed', 'typed', { kv_namespaces: [{ binding: 'CACHE', id: 'typed-cache' }] }, {
    'src/index.ts': `import { WorkerEntrypoint } from 'cloudflare:workers';\nexport default class extends WorkerEntrypoint<CloudflareBindings> {\n  async fetch() {\n    return Response.json({ service: 'typed', cached: await this.env.CACHE.get('k') });\n  }\n}\n`,
    'tsconfig.json': `${JSON.stringify({ compilerOptions: { target: 'es2022', lib: ['es2022'], module: 'es2022', moduleResolution: 'bundler', strict: true, noEmit: true, types: ['./worker-configuration.d.ts'] }, include: ['src'] }, null, 2)}\n`,
  });
  // pooled: the team tests inside workerd with Cloudflare's Vitest integration (its own config, cloudflare:test).
  add('workers/pooled', 'pooled', { kv_namespaces: [{ binding: 'NOTES', id: 'pooled-notes' }] }, {
    'src/index.ts': `export default {\n  async fetch(req: Request, env: { NOTES: KVNamespace }) {\n    if (req.method === 'PUT') await env.NOTES.put('note', await req.text());\n    return new Response((await env.NOTES.get('note')) ?? 'empty');\n  },\n};\n`,
    'vitest.config.mts': `import { cloudflareTest } from '@cloudflare/vitest-pool-workers';\nexport default { plugins: [cloudflareTest({ wrangler: { configPath: './wrangler.jsonc' } })] };\n`,
    'test/notes.spec.ts': `import { SELF, env } from 'cloudflare:test';\nimport { expect, it } from 'vitest';\nit('keeps a note in KV, inside workerd', async () => {\n  await SELF.fetch('http://pooled/', { method: 'PUT', body: 'hello' });\n  expect(await (await SELF.fetch('http://pooled/')).text()).toBe('hello');\n  expect(await (env as { NOTES: KVNamespace }).NOTES.get('note')).toBe('hello');\n});\nit('the next test in the file sees it (storage is per file)', async () => {\n  expect(await (await SELF.fetch('http://pooled/')).text()).toBe('hello');\n});\n`,
  }, 'jsonc');
  add('workers/boxed', 'boxed', { containers: [{ class_name: 'Box', image: './Dockerfile', max_instances: 1 }] }, { Dockerfile: 'FROM scratch\n' });

  for (const w of workers) {
    const source = w.extra?.['src/index.ts'] ?? `export default { fetch: (req: Request) => Response.json({ service: '${w.name}', path: new URL(req.url).pathname }) };\n`;
    write(root, `${w.dir}/src/index.ts`, source);
    for (const [file, text] of Object.entries(w.extra ?? {})) if (file !== 'src/index.ts') write(root, `${w.dir}/${file}`, text);
    write(root, `${w.dir}/package.json`, `${JSON.stringify({ name: w.project, private: true, scripts: { dev: 'wrangler dev', deploy: 'wrangler deploy', test: 'vitest run', lint: 'echo lint ok' } }, null, 2)}\n`);
    write(
      root,
      `${w.dir}/wrangler.${w.format}`,
      w.format === 'jsonc' ? `// ${w.name}: grown without Nx\n${JSON.stringify(w.config, null, 2)}\n` : `# ${w.name}: grown without Nx\n${toToml(w.config)}`,
    );
  }

  // shop: a wrapper deploy with its own asset step (kept: the team's pipeline), a flagged dev (handed over
  // with its port), specs in tests/ as *.test.ts, a built workspace package and a lib with a watch dev.
  write(root, 'workers/shop/package.json', `${JSON.stringify({
    name: '@acme/shop',
    private: true,
    scripts: { deploy: 'node scripts/build-assets.mjs && wrangler deploy --minify', dev: 'wrangler dev --port 3000', test: 'vitest run' },
    dependencies: { '@acme/db': 'workspace:*', '@acme/ui': 'workspace:*' },
  }, null, 2)}\n`);
  write(root, 'workers/shop/scripts/build-assets.mjs', "console.log('assets built');\n");
  write(root, 'workers/shop/tests/price.test.ts', "import { expect, it } from 'vitest';\nit('prices', () => expect(2 * 21).toBe(42));\n");
  // strict: its own vitest config includes src/ only, but its spec is in tests/ — 0 specs ran is a failure.
  write(root, 'workers/strict/vitest.config.mjs', "export default { test: { include: ['src/**/*.spec.ts'] } };\n");
  write(root, 'workers/strict/tests/strict.spec.ts', "import { expect, it } from 'vitest';\nit('runs', () => expect(true).toBe(true));\n");
  // A workspace package whose entry is its build output (exports → dist/), and a lib with a watcher as dev.
  write(root, 'packages/db/package.json', `${JSON.stringify({ name: '@acme/db', private: true, exports: { '.': './dist/index.js' }, scripts: { build: 'node build.mjs' } }, null, 2)}\n`);
  write(root, 'packages/db/build.mjs', "import { mkdirSync, writeFileSync } from 'node:fs';\nmkdirSync('dist', { recursive: true });\nwriteFileSync('dist/index.js', 'export const price = (n) => n * 21;\\n');\n");
  write(root, 'packages/ui/package.json', `${JSON.stringify({ name: '@acme/ui', private: true, main: 'src/index.js', scripts: { dev: 'tsup --watch' } }, null, 2)}\n`);
  write(root, 'packages/ui/src/index.js', 'export const button = () => "button";\n');

  // Three configs that do not parse (projects all the same: their targets must fail, naming file:line).
  const broken = [
    { dir: 'workers/broken-comma', file: 'wrangler.jsonc', text: '{\n  "name": "broken-comma"\n  "main": "src/index.ts"\n}\n', line: 3 },
    { dir: 'workers/broken-string', file: 'wrangler.toml', text: 'name = "broken-string\nmain = "src/index.ts"\n', line: 1 },
    { dir: 'workers/broken-brace', file: 'wrangler.json', text: '{ "name": "broken-brace", "main": "src/index.ts",\n  "services": [ { "binding": "X", "service": "w00" ]\n}\n', line: 2 },
  ];
  for (const b of broken) {
    const name = b.dir.split('/').pop();
    write(root, `${b.dir}/${b.file}`, b.text);
    write(root, `${b.dir}/src/index.ts`, `export default { fetch: () => new Response('${name}') };\n`);
    write(root, `${b.dir}/package.json`, `${JSON.stringify({ name: `@acme/${name}`, private: true, scripts: { dev: 'wrangler dev' } }, null, 2)}\n`);
  }
  // A template folder: placeholders, not a Worker.
  write(root, 'templates/worker/wrangler.jsonc', '{\n  "name": "{{SERVICE_NAME}}",\n  "main": "src/index.ts",\n  "compatibility_date": "{{COMPAT_DATE}}"\n}\n');
  write(root, 'templates/worker/package.json', '{ "name": "@acme/{{SERVICE_NAME}}", "private": true }\n');
  // Two folders outside the workspace globs sharing a package name (Nx itself never sees them).
  for (const [dir, name] of [['legacy/auth', 'legacy-auth'], ['tools/auth', 'tools-auth']]) {
    write(root, `${dir}/wrangler.toml`, `name = "${name}"\nmain = "src/index.ts"\ncompatibility_date = "${COMPAT}"\n`);
    write(root, `${dir}/src/index.ts`, `export default { fetch: () => new Response('${name}') };\n`);
    write(root, `${dir}/package.json`, `${JSON.stringify({ name: '@acme/auth', private: true, scripts: { dev: 'wrangler dev' } }, null, 2)}\n`);
  }

  write(root, 'package.json', `${JSON.stringify({ name: 'acme-workers', private: true, devDependencies: options.devDependencies ?? {} }, null, 2)}\n`);
  write(root, 'pnpm-workspace.yaml', "packages:\n  - 'workers/*'\n  - 'packages/*'\n");
  write(root, '.gitignore', 'node_modules/\ndist/\n.wrangler/\n.nx/\n');

  return {
    /** Nx project names of the Workers that parse. */
    validProjects: [...workers.map((w) => w.project), 'legacy-auth', 'tools-auth'].sort(),
    brokenProjects: broken.map((b) => `@acme/${b.dir.split('/').pop()}`).sort(),
    broken: broken.map((b) => ({ project: `@acme/${b.dir.split('/').pop()}`, file: `${b.dir}/${b.file}`, line: b.line })),
    /** `source -> target` between Worker projects. */
    edges: [...edges].sort(),
    configFiles: workers.map((w) => `${w.dir}/wrangler.${w.format}`),
    cycles: [['@acme/ping', '@acme/pong'], ['@acme/ring-a', '@acme/ring-b', '@acme/ring-c'], ['@acme/hub-x', '@acme/hub-y', '@acme/hub-z']],
    /** Workspace packages that are no Workers (projects too, through the workspace globs). */
    packages: ['@acme/db', '@acme/ui'],
  };
}
