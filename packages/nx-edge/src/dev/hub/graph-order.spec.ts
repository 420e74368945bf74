import { describe, expect, it } from 'vitest';
import { formatCycle, orderServices, stopOrder } from './graph-order';

describe('graph order', () => {
  const upstream: Record<string, string[]> = { gateway: ['users', 'orders'], orders: ['db', 'users'], users: [], db: [], outside: ['not-in-session'] };

  it('starts upstream first, level by level, and stops in reverse', () => {
    const { levels, cycles } = orderServices(['gateway', 'orders', 'users', 'db'], (s) => upstream[s]);
    expect(levels).toEqual([['db', 'users'], ['orders'], ['gateway']]);
    expect(cycles).toEqual([]);
    expect(stopOrder(levels)).toEqual(['gateway', 'orders', 'users', 'db']);
  });

  it('ignores upstreams that are not in the session', () => {
    expect(orderServices(['outside'], (s) => upstream[s]).levels).toEqual([['outside']]);
  });

  it('reports a cycle by its members and starts them together after their other upstreams', () => {
    const edges: Record<string, string[]> = { a: ['b', 'db'], b: ['c'], c: ['a'], db: [], web: ['a'] };
    const { levels, cycles } = orderServices(Object.keys(edges), (s) => edges[s]);
    expect(cycles).toEqual([['a', 'b', 'c']]);
    expect(levels).toEqual([['db'], ['a', 'b', 'c'], ['web']]);
    expect(formatCycle(['a', 'b', 'c'], (s) => edges[s])).toBe('a → b → c → a');
  });

  it('draws only edges that exist: three Workers tied through a hub are two cycles, not a ring', () => {
    // a and c each call b, and b calls both back: c never calls a.
    const edges: Record<string, string[]> = { a: ['b'], b: ['a', 'c'], c: ['b'] };
    const { cycles } = orderServices(Object.keys(edges), (s) => edges[s]);
    expect(cycles).toEqual([['a', 'b', 'c']]);
    expect(formatCycle(cycles[0], (s) => edges[s])).toBe('a → b → a, c → b → c');
  });
});
