import { describe, expect, it } from 'vitest';
import { formatStatusTable, formatUptime } from './status-table';

describe('status table', () => {
  it('shows every column, failed with its exit code, uptime only while running', () => {
    const now = 1_000_000;
    const table = formatStatusTable(
      [
        { service: 'users', kind: 'worker', state: 'healthy', pid: 4242, port: 8788, health: 'tcp 127.0.0.1:8788 → open', startedAt: now - 184_000, restarts: 1 },
        { service: 'db', kind: 'service', state: 'failed', exitCode: 3, health: 'exited with code 3', restarts: 4 },
      ],
      now,
    ).split('\n');
    expect(table[0]).toMatch(/^service \| state\s+\| pid\s+\| port \| health\s+\| uptime \| restarts$/);
    expect(table[2]).toMatch(/^users\s+\| healthy\s+\| 4242 \| 8788 \| tcp 127\.0\.0\.1:8788 → open \| 3m04s\s+\| 1$/);
    expect(table[3]).toMatch(/^db\s+\| failed \(3\) \| -\s+\| -\s+\| exited with code 3\s+\| -\s+\| 4$/);
  });

  it('uptime reads as a person would say it', () => {
    expect(formatUptime(12_400)).toBe('12s');
    expect(formatUptime(3_723_000)).toBe('1h02m');
  });
});
