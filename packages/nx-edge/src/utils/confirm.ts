import { createInterface } from 'node:readline';

/** One line typed at the terminal, for confirmations of commands that delete or overwrite data. */
export function askLine(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  return new Promise((resolve) => rl.question(question, (answer) => (rl.close(), resolve(answer))));
}
