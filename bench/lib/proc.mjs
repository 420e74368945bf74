import { readFileSync } from 'node:fs';

/**
 * The fields of /proc/<pid>/stat after the command name (state, ppid, pgrp, … — man 5 proc's field 3
 * onward, so utime is [11], stime [12], rss [21]), or undefined once the process is gone. The name may
 * hold spaces and ')', hence the last ')'.
 */
export function procStat(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}
