/**
 * A loopback webhook receiver for the delivery tests: records each request as received (method, url,
 * headers, raw body) and answers the way the test tells it to (a status, a hang past the sender's
 * timeout, or a dropped connection).
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  /** The full URL as called. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type Answer = number | 'hang' | 'drop';

export interface Receiver {
  url: string;
  received: Received[];
  /** Answers in order; when used up, `fallback` (default 200). */
  answers: Answer[];
  fallback: Answer;
  close(): Promise<void>;
}

export async function startReceiver(path = '/webhooks/hubspot'): Promise<Receiver> {
  const hanging = new Set<() => void>();
  let origin = '';
  const receiver: Receiver = { url: '', received: [], answers: [], fallback: 200, close: async () => undefined };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      receiver.received.push({ method: req.method ?? '', url: `${origin}${req.url ?? ''}`, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const answer = receiver.answers.shift() ?? receiver.fallback;
      if (answer === 'drop') {
        req.socket.destroy();
      } else if (answer === 'hang') {
        // Answered only at close: the sender has given up on it by then.
        hanging.add(() => res.end());
      } else {
        res.writeHead(answer, { 'content-type': 'text/plain' }).end(String(answer));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver.url = `${origin}${path}`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      for (const end of hanging) end();
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return receiver;
}
