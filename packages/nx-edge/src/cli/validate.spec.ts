import { describe, expect, it } from 'vitest';
import { cycleNotes, validateDevConfig, type DevProjectView } from './validate';

const worker = (project: string, upstream: string[] = [], extra: Partial<DevProjectView> = {}): DevProjectView => ({
  project,
  kind: 'worker',
  file: `apps/${project}/project.json`,
  upstream,
  options: {},
  ...extra,
});

describe('nx-edge validate', () => {
  it('a sound workspace has no problem', () => {
    expect(validateDevConfig({ projects: [worker('api', ['users']), worker('users')], proxyPort: 7080, portsInUse: new Set() })).toEqual([]);
  });

  it('names config errors, bad service options, port clashes and busy ports', () => {
    const problems = validateDevConfig({
      projects: [
        worker('api', ['users'], { configError: 'apps/api/wrangler.jsonc:3: expected a comma' }),
        worker('users', ['api'], { options: { port: 4000 } }),
        { project: 'db', kind: 'service', file: 'tools/db/project.json', upstream: [], options: { port: 4000, health: { type: 'udp' } } },
        { project: 'web', kind: 'service', file: 'apps/web/project.json', upstream: [], options: { port: 7080 } },
        { project: 'mail', kind: 'service', file: 'apps/mail/project.json', upstream: [], options: { command: 'node m.js', port: 5000 } },
      ],
      proxyPort: 7080,
      portsInUse: new Set([5000]),
    }).map((p) => p.message);
    expect(problems).toEqual(
      expect.arrayContaining([
        'apps/api/wrangler.jsonc:3: expected a comma',
        'tools/db/project.json: "command" is missing. Set it to the command that runs the service, e.g. "node server.mjs".',
        'tools/db/project.json: "health.type" must be "http" or "tcp", got "udp".',
        'port 4000 is given to users and db; each service needs its own port. Change "port" in all but one.',
        "port 7080 of web is the dev proxy's port; pick another \"port\" or another proxyPort.",
        'port 5000 (mail) is already in use on 127.0.0.1; stop what uses it or change "port".',
      ]),
    );
    expect(problems.some((m) => m.includes('cycle'))).toBe(false);
  });

  it('notes cycles without calling them problems (Workers may call each other)', () => {
    expect(cycleNotes([worker('api', ['users']), worker('users', ['api']), worker('web', ['api'])])).toEqual([
      "service graph cycle: api → users → api — allowed: its members start together (none waits for another's health) and deploy one after another; a first deploy needs one member deployed without its bindings to the others.",
    ]);
  });
});
