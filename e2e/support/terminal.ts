import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A real terminal for commands that prompt (tmux: a pty with a screen we can read and type into),
 * as a person at a keyboard would see it. Nx asks only on a TTY outside CI, so CI is unset here.
 */
export interface Terminal {
  screen(): string;
  /** Waits until the screen shows `text`; fails with the screen when it does not within `ms`. */
  waitFor(text: string | RegExp, ms?: number): Promise<string>;
  type(text: string): void;
  press(key: 'Enter' | 'Down' | 'Up' | 'Escape'): void;
  close(): void;
}

export function openTerminal(cwd: string, env: NodeJS.ProcessEnv, command: string): Terminal {
  const socket = `nx-edge-e2e-${randomBytes(4).toString('hex')}`;
  const script = join(env.TMPDIR ?? cwd, `${socket}.sh`);
  const exports = Object.entries({ ...env, CI: undefined, NX_INTERACTIVE: undefined, TERM: 'xterm-256color' })
    .filter(([k, v]) => v !== undefined && /^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
    .map(([k, v]) => `export ${k}='${String(v).replace(/'/g, `'\\''`)}'`);
  writeFileSync(script, `unset CI NX_INTERACTIVE\n${exports.join('\n')}\ncd '${cwd}'\n${command}\necho "EXIT=$?"\nsleep 600\n`);
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  tmux('new-session', '-d', '-s', 'e2e', '-x', '160', '-y', '50', 'bash', script);
  const screen = () => tmux('capture-pane', '-p', '-t', 'e2e');
  return {
    screen,
    async waitFor(text, ms = 30_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const now = screen();
        if (typeof text === 'string' ? now.includes(text) : text.test(now)) return now;
        if (Date.now() > deadline) throw new Error(`the terminal never showed ${String(text)}; it shows:\n${now}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    type: (text) => void tmux('send-keys', '-t', 'e2e', '-l', text),
    press: (key) => void tmux('send-keys', '-t', 'e2e', key),
    close() {
      try {
        tmux('kill-server');
      } catch {
        // already gone
      }
    },
  };
}
