// The dev proxy's front process: `node front-main.js <port> <host> <hubUrl> [<spans archive file> <its bound>]`,
// forked by the hub (front-process.ts) with an IPC channel. It owns the public port, relays requests for ready
// services itself and passes the rest to the hub's proxy; it writes the spans of what it relays to the session's
// archive and hands them to the hub when asked (front-spans.ts); it exits when the channel closes (the hub
// stopped or died).
import { startFrontProxy } from './front-proxy';
import { createFrontSpans } from './front-spans';
import type { FrontToHub, HubToFront } from './front-process';

function send(message: FrontToHub): void {
  if (process.connected) process.send!(message);
}

async function main(): Promise<void> {
  const [portArg, host, hubUrl, archiveFile, archiveMaxBytes] = process.argv.slice(2);
  const spans = createFrontSpans({ archive: archiveFile ? { file: archiveFile, maxBytes: Number(archiveMaxBytes) } : undefined, send });
  process.on('disconnect', () => {
    spans.close();
    process.exit(0);
  });
  let front;
  try {
    front = await startFrontProxy({ port: Number(portArg), host, hubUrl, onSpans: (batch) => spans.add(batch) });
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    send({ type: 'failed', code: err.code, message: err.message });
    process.exit(1);
  }
  const running = front;
  process.on('message', (message: HubToFront) => {
    if (message.type === 'routes') running.setRoutes(message);
    else if (message.type === 'follow') spans.follow(message.on);
    else if (message.type === 'drain') spans.drain(message.id);
    else if (message.type === 'close') {
      void running.close().then(() => {
        spans.close();
        process.exit(0);
      });
    }
  });
  send({ type: 'listening', port: running.port });
}

if (require.main === module) void main();
