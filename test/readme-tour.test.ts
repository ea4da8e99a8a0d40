/**
 * The README's five-minute tour, run as written: its code block is parsed, and every command in it runs in order
 * against the app on a fresh database with the admin key — `npx ordo seed --demo` and `npx ordo check` through the
 * code those commands run. Each request ends with an annotation of the answer it gets (`# → 201`, optionally a
 * problem code, `# → 409 insufficient_stock`, or `replayed`), checked here, so the README cannot drift from Ordo.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runChecks } from '../src/check.js';
import { seedDemo } from '../src/cli/seed.js';
import { useTestApp } from './harness.js';

interface ShellCommand {
  words: string[];
  /** The comment after the command on its last line, if any. */
  comment: string | null;
  line: number;
}

/** The `sh` code block under the heading "A five-minute tour". */
export function tourBlock(readme: string): { text: string; firstLine: number } {
  const heading = readme.indexOf('\n## A five-minute tour');
  if (heading < 0) throw new Error('README: no "## A five-minute tour" section');
  const open = readme.indexOf('```sh\n', heading);
  const close = readme.indexOf('\n```', open + 6);
  if (open < 0 || close < 0) throw new Error('README: the tour has no ```sh code block');
  return { text: readme.slice(open + 6, close + 1), firstLine: readme.slice(0, open + 6).split('\n').length };
}

/**
 * Splits shell text into commands the way sh does for what the tour uses: single and double quotes (which may span
 * lines), a backslash before a newline continuing the line, and `#` starting a comment at the start of a word.
 */
export function parseShell(text: string, firstLine = 1): ShellCommand[] {
  const commands: ShellCommand[] = [];
  let words: string[] = [];
  let word: string | null = null;
  let comment: string | null = null;
  let line = firstLine;
  let start = firstLine;
  const endWord = () => {
    if (word !== null) words.push(word);
    word = null;
  };
  const endCommand = () => {
    endWord();
    if (words.length > 0) commands.push({ words, comment, line: start });
    words = [];
    comment = null;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (words.length === 0 && word === null && c !== '\n') start = line;
    if (c === '\n') {
      line++;
      endCommand();
    } else if (c === '\\' && text[i + 1] === '\n') {
      i++;
      line++;
      endWord();
    } else if (c === '#' && word === null) {
      const end = text.indexOf('\n', i);
      comment = text.slice(i + 1, end < 0 ? undefined : end).trim();
      i = (end < 0 ? text.length : end) - 1;
    } else if (c === ' ' || c === '\t') {
      endWord();
    } else if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new Error(`line ${line}: unterminated ${c}`);
      const quoted = text.slice(i + 1, end);
      line += quoted.split('\n').length - 1;
      word = (word ?? '') + quoted;
      i = end;
    } else {
      word = (word ?? '') + c;
    }
  }
  endCommand();
  return commands;
}

interface TourRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** The tour's `api` is curl with the admin key and a JSON content type; these are the curl options it uses. */
export function toRequest(args: string[]): TourRequest {
  const headers: Record<string, string> = {};
  let method: string | undefined;
  let body: string | undefined;
  let url: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new Error(`${arg} without a value`);
      return v;
    };
    if (arg === '-X') method = value();
    else if (arg === '-H') {
      const [name, ...rest] = value().split(':');
      headers[(name as string).trim().toLowerCase()] = rest.join(':').trim();
    } else if (arg === '-d') body = value();
    else if (arg.startsWith('-')) throw new Error(`the tour test does not know the curl option ${arg}`);
    else url = arg;
  }
  if (!url) throw new Error('a request without a URL');
  const path = url.replace(/^(https?:\/\/)?(localhost|127\.0\.0\.1):3000/, '');
  return { method: method ?? (body === undefined ? 'GET' : 'POST'), path, headers, ...(body === undefined ? {} : { body }) };
}

/** `→ 201` in a request's comment: the status it answers. `→ exit 0` for a command's exit code. */
function expected(command: ShellCommand, kind: 'status' | 'exit'): number | null {
  const pattern = kind === 'status' ? /→\s*(\d{3})\b/ : /→\s*exit\s+(\d+)\b/;
  const m = pattern.exec(command.comment ?? '');
  return m?.[1] === undefined ? null : Number(m[1]);
}

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const { text, firstLine } = tourBlock(readme);
const commands = parseShell(text, firstLine);

describe('the shell subset the tour test reads', () => {
  it('splits commands as sh does: quotes across lines, continued lines, trailing comments', () => {
    const parsed = parseShell("a -d '{\n  \"x\": 1 }' # → 201\n# a comment\nb \\\n  -H 'k: v'   # → 400\n");
    expect(parsed).toEqual([
      { words: ['a', '-d', '{\n  "x": 1 }'], comment: '→ 201', line: 1 },
      { words: ['b', '-H', 'k: v'], comment: '→ 400', line: 4 },
    ]);
    expect(toRequest(['-X', 'PATCH', 'localhost:3000/v1/x?y=1', '-H', 'If-Match: "3"', '-d', '{}'])).toEqual({
      method: 'PATCH', path: '/v1/x?y=1', headers: { 'if-match': '"3"' }, body: '{}',
    });
    expect(toRequest(['localhost:3000/v1/x'])).toMatchObject({ method: 'GET', path: '/v1/x' });
  });
});

describe('README: the five-minute tour', () => {
  const t = useTestApp();

  it('does at every step what it says, on a fresh start', async () => {
    const requests = commands.filter((c) => c.words[0] === 'api');
    expect(requests.length).toBeGreaterThan(10);
    let ran = 0;
    for (const command of commands) {
      const [program, ...args] = command.words;
      const where = `README.md line ${command.line}: ${command.words.join(' ').replace(/\s+/g, ' ').slice(0, 120)}`;
      if (program?.startsWith('KEY=') || program === 'api()') continue; // the tour's setup lines
      if (program === 'npx' && args[0] === 'ordo') {
        const sub = args.slice(1).join(' ');
        if (sub === 'seed --demo') {
          await seedDemo(t.db);
        } else if (sub === 'check') {
          const report = await runChecks(t.db);
          expect(expected(command, 'exit'), `${where}: say its exit code (# → exit 0)`).not.toBeNull();
          expect(report.ok ? 0 : 1, `${where}\n${report.lines.join('\n')}`).toBe(expected(command, 'exit'));
        } else {
          throw new Error(`${where}: the tour test does not know this command`);
        }
        ran++;
        continue;
      }
      if (program !== 'api') throw new Error(`${where}: the tour test does not know this command`);
      const status = expected(command, 'status');
      expect(status, `${where}: end the request with the status it answers (# → 200)`).not.toBeNull();
      const request = toRequest(args);
      const res = await t.app.inject({
        method: request.method as 'GET',
        url: request.path,
        headers: { authorization: `Bearer ${t.keys.admin}`, 'content-type': 'application/json', ...request.headers },
        ...(request.body === undefined ? {} : { payload: request.body }),
      });
      expect(res.statusCode, `${where}\n→ ${res.body.slice(0, 600)}`).toBe(status);
      const code = /→\s*\d{3}\s+([a-z_]+)/.exec(command.comment ?? '')?.[1];
      if (code) expect(res.json<{ code?: string }>().code, where).toBe(code);
      // `# → 201, replayed`: the stored answer of an earlier request with the same Idempotency-Key.
      expect(res.headers['idempotent-replayed'], where).toBe(/\breplayed\b/.test(command.comment ?? '') ? 'true' : undefined);
      ran++;
    }
    expect(ran).toBe(commands.filter((c) => c.words[0] === 'api' || c.words[0] === 'npx').length);
  });
});

describe('README: the layout', () => {
  it('names every top-level folder and every module folder of src/', () => {
    const layout = readme.slice(readme.indexOf('\n## Layout'));
    const root = new URL('../', import.meta.url);
    const ignored = new Set(['.git', ...readFileSync(new URL('.gitignore', root), 'utf8').split('\n').map((l) => l.trim().replace(/\/$/, ''))]);
    const folders = (dir: URL) => readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory() && !ignored.has(d.name)).map((d) => d.name);
    const top = folders(root);
    expect(top).toEqual(expect.arrayContaining(['src', 'test', 'docs', '.ci']));
    for (const name of top) expect(layout, `${name}/`).toMatch(new RegExp(`^${name.replace('.', '\\.')}/ `, 'm'));
    for (const name of folders(new URL('src/', root))) expect(layout, `src/${name}/`).toMatch(new RegExp(`^  ${name}/ `, 'm'));
  });
});
