/** Reads a password: the first line of standard input when it is piped, else typed at the terminal without echo. */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

export async function readPassword(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) {
    const rl = createInterface({ input: process.stdin });
    for await (const line of rl) {
      rl.close();
      return line;
    }
    return '';
  }
  process.stdout.write(prompt);
  // The terminal echoes what readline writes to its output: a silent output keeps the password off the screen.
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input: process.stdin, output: silent, terminal: true });
  const line = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  process.stdout.write('\n');
  return line;
}
