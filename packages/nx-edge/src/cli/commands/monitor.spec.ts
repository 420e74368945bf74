import { describe, expect, it } from 'vitest';
import { formatMonitorTable, parseMonitorArgs } from './monitor';

describe('nx-edge monitor options', () => {
  it('reads the env, projects, watch, interval, webhook and timeout; refuses what it cannot use', () => {
    expect(parseMonitorArgs(['-c', 'staging', '--projects=a,b', '--watch', '--interval', '2', '--webhook=https://hooks.example.com/x', '--timeout', '900', '--json'])).toEqual({
      env: 'staging',
      projects: ['a', 'b'],
      watch: true,
      intervalMs: 2000,
      webhook: 'https://hooks.example.com/x',
      timeoutMs: 900,
      json: true,
    });
    expect(parseMonitorArgs([])).toMatchObject({ env: '', watch: false, intervalMs: 15_000, timeoutMs: 5000 });
    expect(() => parseMonitorArgs(['--interval', '0'])).toThrow('--interval must be a positive number (got "0")');
    expect(() => parseMonitorArgs(['--webhook', 'hooks.example.com'])).toThrow('--webhook must be an http(s) URL (got "hooks.example.com").');
    expect(() => parseMonitorArgs(['-c'])).toThrow(/^-c needs a value\. Usage: nx-edge monitor/);
    expect(() => parseMonitorArgs(['--env=staging', '--verbose'])).toThrow(/^unknown option "--verbose"/);
  });

  it('marks the unhealthy and shows a live version other than the deployed one', () => {
    const table = formatMonitorTable([
      { project: 'a', worker: 'a-staging', healthy: true, health: 'HTTP 200', ready: 'HTTP 200', latencyMs: 41, liveVersion: '7c1e0b2a99', recordedVersion: '7c1e0b2a99' },
      { project: 'b', worker: 'b-staging', healthy: false, health: 'HTTP 503', ready: 'none', liveVersion: 'ffff0000aa', recordedVersion: '12345678bb', problem: 'GET /health → HTTP 503' },
    ]);
    expect(table.split('\n')).toEqual([
      'service | worker    | health     | ready    | latency | live version | deployed',
      '--------|-----------|------------|----------|---------|--------------|---------',
      'a       | a-staging | HTTP 200   | HTTP 200 | 41 ms   | 7c1e0b2a     | same',
      'b       | b-staging | ✘ HTTP 503 | none     | -       | ffff0000     | 12345678',
    ]);
  });
});
