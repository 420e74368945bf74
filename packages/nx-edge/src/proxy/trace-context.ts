import { randomBytes } from 'node:crypto';

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** A W3C traceparent is valid when its fields have the right shape and ids are not all zeros. */
export function isValidTraceparent(value: string | undefined): boolean {
  const m = value ? TRACEPARENT.exec(value.trim()) : null;
  return !!m && m[1] !== 'ff' && !/^0+$/.test(m[2]) && !/^0+$/.test(m[3]);
}

export function newTraceparent(random: (n: number) => Buffer = randomBytes): string {
  return `00-${random(16).toString('hex')}-${random(8).toString('hex')}-01`;
}

export function traceIdOf(traceparent: string): string {
  return traceparent.split('-')[1];
}
