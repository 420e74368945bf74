import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createE2eWorkspace, type E2eWorkspace } from './support/workspace';
import { openTerminal, type Terminal } from './support/terminal';

// A new user's first hour, in a fresh workspace with Nx's defaults: prompts that finish, typed
// bindings across Workers, and a generated spec that stays green when the Worker grows a binding.
describe('first hour: prompts, typed bindings, a spec that stays green', () => {
  let ws: E2eWorkspace;
  let terminal: Terminal | undefined;

  beforeAll(async () => {
    ws = await createE2eWorkspace('first-hour');
    await ws.nxOk(['g', '@aero/nx-edge:function', 'api', '--no-interactive']);
    await ws.nxOk(['g', '@aero/nx-edge:function', 'users', '--no-interactive']);
    await ws.nxOk(['g', '@aero/nx-edge:lib', 'db', '--no-interactive']);
  }, 120_000);
  afterAll(async () => {
    terminal?.close();
    await ws?.dispose();
  });

  it('a Worker name that is not a DNS label gets the fix, and nothing is created', async () => {
    const result = await ws.nx(['g', '@aero/nx-edge:function', 'MyApi', '--no-interactive']);
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('"MyApi" is not a valid Worker name: it must be a DNS label — 1 to 63 lowercase letters, digits and dashes, not starting or ending with a dash. Try "my-api".');
    expect(result.stdout + result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(ws.exists('apps/MyApi')).toBe(false);
  });

  it('nx g binding in a terminal asks for the Worker (Workers only), the kind (labels), the Worker to call, then the name', async () => {
    terminal = openTerminal(ws.root, ws.env, 'nx g @aero/nx-edge:binding');
    const first = await terminal.waitFor('Which Worker should get the binding?');
    expect(first).toMatch(/● api/);
    expect(first).toMatch(/○ users/);
    expect(first).not.toMatch(/[●○] db\b/); // a lib takes no bindings
    terminal.press('Enter');
    const kinds = await terminal.waitFor('Which kind of binding?');
    expect(kinds).toContain('KV namespace');
    expect(kinds).toContain('Service binding to another Worker');
    terminal.type('Service');
    await terminal.waitFor(/● Service binding to another Worker/);
    terminal.press('Enter');
    const target = await terminal.waitFor('Which Worker should api call?');
    expect(target).toMatch(/● users/);
    expect(target).not.toMatch(/[●○] (api|db)\b/);
    terminal.press('Enter');
    await terminal.waitFor(/Binding name \(as seen on env\)\?\s*\n.*USERS/);
    terminal.press('Enter');
    const done = await terminal.waitFor(/EXIT=\d+/, 60_000);
    expect(done).toContain('EXIT=0');
    terminal.close();
    terminal = undefined;
    expect(ws.read('apps/api/wrangler.jsonc')).toMatch(/"binding": "USERS",\s*"service": "users"/);
    expect(ws.read('apps/api/src/index.spec.ts')).toContain("services: { USERS: { projectRoot: '../users' } }");
  }, 120_000);

  it('nx run api:types types USERS as the users Worker: tsc accepts a method users exports and rejects one it does not', async () => {
    ws.write(
      'apps/users/src/index.ts',
      `import { WorkerEntrypoint } from 'cloudflare:workers';

// Other Workers call getUser over RPC through a service binding.
export default class Users extends WorkerEntrypoint<Env> {
  async fetch() {
    return Response.json({ service: 'users', message: 'Hello from users' });
  }
  async getUser(id: string) {
    return { id, name: 'ada' };
  }
}
`,
    );
    const source = ws.read('apps/api/src/index.ts');
    expect(source).not.toContain('interface Env'); // the generated Env is used, not a hand-written one
    const calling = (method: string) =>
      source
        .replace('async fetch(request) {', 'async fetch(request, env) {')
        .replace("      return Response.json({ service: 'api'", `      if (url.pathname === '/users/1') return Response.json(await env.USERS.${method}('1'));\n      return Response.json({ service: 'api'`);
    ws.write('apps/api/src/index.ts', calling('getUser'));

    const types = await ws.nxOk(['run', 'api:types']);
    expect(types.stdout).toContain('api: Env written to apps/api/worker-configuration.d.ts (typed bindings to users)');
    expect(ws.read('apps/api/worker-configuration.d.ts')).toContain('USERS: Service<typeof import("../users/src/index").default>;');
    const accepted = await ws.run('tsc', ['-p', 'apps/api/tsconfig.json']);
    expect(accepted.stdout + accepted.stderr).toBe('');
    expect(accepted.code).toBe(0);

    ws.write('apps/api/src/index.ts', calling('getUserById'));
    const rejected = await ws.run('tsc', ['-p', 'apps/api/tsconfig.json']);
    expect(rejected.code).not.toBe(0);
    expect(rejected.stdout).toContain("Property 'getUserById' does not exist on type 'Fetcher<Users, never>'");
    ws.write('apps/api/src/index.ts', calling('getUser'));

    // Cached, and invalidated by the bound Worker's config.
    expect((await ws.nxOk(['run', 'api:types'])).stdout).toMatch(/local cache|existing outputs match the cache/);
    ws.write('apps/users/wrangler.jsonc', ws.read('apps/users/wrangler.jsonc').replace('"vars": {}', '"vars": { "REGION": "eu" }'));
    expect((await ws.nxOk(['run', 'api:types'])).stdout).not.toMatch(/local cache|existing outputs match the cache/);
  }, 180_000);

  it("after the service binding the generated spec still passes, the real users Worker answering over RPC; without it the test says how to fix it", async () => {
    const spec = ws.read('apps/api/src/index.spec.ts');
    ws.write(
      'apps/api/src/index.spec.ts',
      spec.replace("  it('is healthy'", "  it('gets a user from users', async () => {\n    expect(await (await worker.fetch('/users/1')).json()).toEqual({ id: '1', name: 'ada' });\n  });\n\n  it('is healthy'"),
    );
    const green = await ws.nx(['run', 'api:test', '--output-style=static']);
    expect(green.stdout).toMatch(/Tests\s+3 passed/);
    expect(green.code).toBe(0);

    ws.write('apps/api/src/index.spec.ts', ws.read('apps/api/src/index.spec.ts').replace(", services: { USERS: { projectRoot: '../users' } }", ''));
    const red = await ws.nx(['run', 'api:test']);
    expect(red.code).not.toBe(0);
    expect(red.stdout + red.stderr).toContain('service binding USERS (users) has no handler in this test for USERS.getUser()');
  }, 180_000);
});
