import { describe, expect, it } from 'vitest';
import { deployOrder, dependentDeploys, runIdOf, type RunTaskGraph } from './deploy-run';

// a → b → c by service bindings, d alone; builds in between like Nx's real graph.
function graph(): RunTaskGraph {
  const task = (project: string, target: string) => ({ id: `${project}:${target}:staging`, target: { project, target, configuration: 'staging' } });
  const tasks = Object.fromEntries(
    ['a', 'b', 'c', 'd'].flatMap((p) => [task(p, 'deploy'), task(p, 'build')]).map((t) => [t.id, t]),
  );
  return {
    tasks,
    dependencies: {
      'a:deploy:staging': ['b:deploy:staging', 'a:build:staging'],
      'b:deploy:staging': ['c:deploy:staging', 'b:build:staging'],
      'c:deploy:staging': ['c:build:staging'],
      'd:deploy:staging': ['d:build:staging'],
    },
  };
}

describe('deploy order of a run', () => {
  it('puts upstream services first, independent ones in the same layer', () => {
    expect(deployOrder(graph(), 'deploy')).toEqual([['c', 'd'], ['b'], ['a']]);
  });

  it('reads Nx 24 task graphs, whose dependencies are { id } objects', () => {
    const nx24 = graph();
    nx24.dependencies = Object.fromEntries(Object.entries(nx24.dependencies).map(([id, deps]) => [id, deps.map((dep) => ({ id: dep as string }))]));
    expect(deployOrder(nx24, 'deploy')).toEqual([['c', 'd'], ['b'], ['a']]);
    expect(dependentDeploys(nx24, 'deploy', 'c')).toEqual(['b', 'a']);
  });

  it('knows which deploys wait on a failed one', () => {
    expect(dependentDeploys(graph(), 'deploy', 'c')).toEqual(['b', 'a']);
    expect(dependentDeploys(graph(), 'deploy', 'a')).toEqual([]);
    expect(dependentDeploys(graph(), 'deploy', 'd')).toEqual([]);
  });

  it('gives every task of one Nx process the same run id, another process another', () => {
    expect(runIdOf(graph(), 100)).toBe(runIdOf(graph(), 100));
    expect(runIdOf(graph(), 100)).not.toBe(runIdOf(graph(), 101));
  });
});
