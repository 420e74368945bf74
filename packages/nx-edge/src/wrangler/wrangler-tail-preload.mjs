// Loaded into each `wrangler tail` nx-edge starts (node --import <this file>).
//
// wrangler before 4.106.0 (measured on 4.86; 4.106.0 reworked tail's shutdown) ends on SIGINT/SIGTERM
// at once — a module-level handler calls process.exit() — before its DELETE of the tail session is
// sent: every Ctrl-C left a tail session open at the API. From 4.106.0 wrangler deletes the session
// itself on Ctrl-C (and reconnects when a connection drops), so this file then does nothing. Here wrangler's signal handlers are not installed; a signal closes the tail's
// connections instead, wrangler's own close handler then deletes the session, and the process ends
// by itself. wrangler only installs that close handler once its 100 ms poll has seen the WebSocket
// open, so the connections are closed no sooner than 250 ms after it opened (a signal that comes
// while the session is still being created waits for it). Whatever hangs, the process ends after
// 5 s. A second signal is ignored: a terminal's Ctrl-C reaches this process and nx-edge, which then
// forwards one more.
//
// wrangler's bin re-runs node on wrangler-dist/cli.js with the same flags, so this file loads twice;
// the launcher (which forwards signals to cli.js) is left alone.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const SETTLE_MS = 250;
const GIVE_UP_MS = 5000;

const FIXED_IN = [4, 106, 0];

function leaksTailOnSignal(cli) {
  try {
    const version = JSON.parse(readFileSync(join(dirname(dirname(cli)), 'package.json'), 'utf8')).version.split('.').map(Number);
    for (let i = 0; i < 3; i++) if (version[i] !== FIXED_IN[i]) return version[i] < FIXED_IN[i];
    return false;
  } catch {
    return true;
  }
}

const cli = process.argv[1] ?? '';
const isCli = basename(cli) === 'cli.js' && basename(dirname(cli)) === 'wrangler-dist';
if (isCli) announceTailUrl();
if (isCli && leaksTailOnSignal(cli)) closeTailOnSignal();

/**
 * Every wrangler version: the address of the tail session's WebSocket, printed once on stderr as
 * `nx-edge-tail-url <url>`, so that nx-edge can find and delete the session through the API when this
 * wrangler did not (killed, or a signal landing at the wrong moment on a loaded machine).
 */
function announceTailUrl() {
  for (const [mod, scheme] of [[http, 'ws:'], [https, 'wss:']]) {
    const request = mod.request;
    mod.request = function (...args) {
      const req = request.apply(this, args);
      req.once('upgrade', () => {
        const host = req.host ?? req.getHeader?.('host') ?? '';
        process.stderr.write(`nx-edge-tail-url ${scheme}//${host}${req.path}\n`);
      });
      return req;
    };
  }
}

function closeTailOnSignal() {
  const SIGNALS = new Set(['SIGINT', 'SIGTERM', 'SIGHUP']);
  const sockets = new Set();
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (...args) {
    sockets.add(this);
    this.once('close', () => sockets.delete(this));
    return connect.apply(this, args);
  };

  let openedAt;
  const onOpen = [];
  for (const mod of [http, https]) {
    const request = mod.request;
    mod.request = function (...args) {
      const req = request.apply(this, args);
      req.once('upgrade', () => {
        openedAt = Date.now();
        for (const run of onOpen.splice(0)) run();
      });
      return req;
    };
  }

  let stopping = false;
  function stop() {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(130), GIVE_UP_MS).unref();
    const close = () =>
      setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, Math.max(0, openedAt + SETTLE_MS - Date.now()));
    if (openedAt) close();
    else onOpen.push(close);
  }
  for (const signal of SIGNALS) process.on(signal, stop);
  for (const method of ['on', 'addListener', 'once', 'prependListener', 'prependOnceListener']) {
    const add = process[method];
    process[method] = function (event, listener) {
      if (SIGNALS.has(event)) return process; // only ours: wrangler's would exit before the DELETE
      return add.call(process, event, listener);
    };
  }
}
