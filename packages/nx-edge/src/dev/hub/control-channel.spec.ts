import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { refusalOf } from './hub-main';

const req = (method: string, headers: Record<string, string>) => ({ method, headers }) as unknown as IncomingMessage;
const token = 'a'.repeat(64);

describe('control channel rules', () => {
  it('lets through only this user\'s nx-edge clients: the token, no Origin, JSON', () => {
    expect(refusalOf(req('POST', { 'x-nx-edge-token': token, 'content-type': 'application/json' }), token)).toBeUndefined();
    expect(refusalOf(req('GET', { 'x-nx-edge-token': token }), token)).toBeUndefined();
  });

  it('refuses what a web page or another user could send, saying which rule', () => {
    // The measured attack: a "simple" cross-site POST (text/plain, no preflight) without the token.
    expect(refusalOf(req('POST', { 'content-type': 'text/plain', origin: 'https://evil.example' }), token)).toBe('a request from a web page (Origin: https://evil.example)');
    expect(refusalOf(req('POST', { 'content-type': 'application/json' }), token)).toBe('a request without the session token');
    expect(refusalOf(req('POST', { 'content-type': 'application/json', 'x-nx-edge-token': 'b'.repeat(64) }), token)).toBe('a request without the session token');
    expect(refusalOf(req('POST', { 'content-type': 'application/json', 'x-nx-edge-token': 'short' }), token)).toBe('a request without the session token');
    expect(refusalOf(req('POST', { 'content-type': 'text/plain', 'x-nx-edge-token': token }), token)).toBe('a request with content-type "text/plain"');
    expect(refusalOf(req('POST', { 'content-type': 'application/x-www-form-urlencoded', 'x-nx-edge-token': token }), token)).toBe(
      'a request with content-type "application/x-www-form-urlencoded"',
    );
    expect(refusalOf(req('GET', { 'x-nx-edge-token': token, origin: 'null' }), token)).toBe('a request from a web page (Origin: null)');
  });
});
