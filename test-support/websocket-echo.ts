import { connect } from 'node:net';

/**
 * Opens a websocket upgrade to `host` through the proxy on `port`, sends "ping" once the answer's head arrived
 * and resolves with everything received up to the echoed "ping" (the head and the echo).
 */
export function websocketEcho(port: number, host: string, extraHeaders = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`GET /ws HTTP/1.1\r\nhost: ${host}\r\n${extraHeaders}upgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
    });
    let text = '';
    socket.on('data', (d) => {
      text += d.toString();
      if (text.includes('\r\n\r\n') && !text.includes('ping')) socket.write('ping');
      if (text.endsWith('ping')) {
        socket.destroy();
        resolve(text);
      }
    });
    socket.on('error', reject);
  });
}
