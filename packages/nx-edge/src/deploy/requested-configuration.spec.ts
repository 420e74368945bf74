import { describe, expect, it } from 'vitest';
import type { RunTaskGraph } from './deploy-run';
import { configurationFromArgv, missingConfiguration } from './requested-configuration';

const graph: RunTaskGraph = {
  tasks: {
    'c:deploy:staging': { id: 'c:deploy:staging', target: { project: 'c', target: 'deploy', configuration: 'staging' } },
    'd:deploy': { id: 'd:deploy', target: { project: 'd', target: 'deploy' } },
  },
  dependencies: {},
};

describe('the configuration a run asked for', () => {
  it('reads -c and --configuration in their forms from the Nx command line', () => {
    expect(configurationFromArgv(['node', 'nx', 'run-many', '-t', 'deploy', '-c', 'staging'])).toBe('staging');
    expect(configurationFromArgv(['node', 'nx', 'affected', '-t', 'deploy', '--configuration=production'])).toBe('production');
    expect(configurationFromArgv(['node', 'nx', 'run-many', '-t', 'deploy', '--configuration', 'staging', '--dry-run'])).toBe('staging');
    expect(configurationFromArgv(['node', 'nx', 'run-many', '-t', 'deploy', '-c=staging'])).toBe('staging');
    expect(configurationFromArgv(['node', 'nx', 'run-many', '-t', 'deploy'])).toBeUndefined();
  });

  it('flags a task that got no configuration in a run that asked for one', () => {
    expect(missingConfiguration({ own: undefined, graph, targetName: 'deploy' })).toBe('staging');
    expect(missingConfiguration({ own: undefined, graph: { tasks: { 'd:deploy': graph.tasks['d:deploy'] }, dependencies: {} }, targetName: 'deploy', argv: ['nx', 'run-many', '-c', 'staging'] })).toBe('staging');
    expect(missingConfiguration({ own: 'staging', graph, targetName: 'deploy', argv: ['nx', '-c', 'staging'] })).toBeUndefined();
    expect(missingConfiguration({ own: undefined, graph: { tasks: { 'd:deploy': graph.tasks['d:deploy'] }, dependencies: {} }, targetName: 'deploy', argv: ['nx', 'run', 'd:deploy'] })).toBeUndefined();
  });
});
