/** A local HTTP server playing a channel's API (Shopify's Admin API, a marketplace's stock endpoint) in tests. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received { method: string; path: string; headers: http.IncomingHttpHeaders; body: any; answered: number }

export class MockChannel {
  received: Received[] = [];
  /** While down, every request is answered 503 (and still recorded). */
  down = false;
  private server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => { text += c.toString('utf8'); });
    req.on('end', () => {
      const answered = this.down ? 503 : 201;
      this.received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: text ? JSON.parse(text) : null, answered });
      res.writeHead(answered, { 'content-type': 'application/json' }).end(answered === 201 ? '{"ok":true}' : '{"errors":"Service unavailable"}');
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  delivered(path: string): Received[] {
    return this.received.filter((r) => r.path === path && r.answered < 300);
  }
}

export async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
