/** Serves an emulator's Hono app on a loopback port (real HTTP, as the official clients need). */
import { serve } from '@hono/node-server';
import type { Server } from 'node:http';

export interface Listening {
  /** http://127.0.0.1:<port> */
  url: string;
  close(): Promise<void>;
}

/** Binds 127.0.0.1; port 0 picks a free port. */
export function listen(fetch: Parameters<typeof serve>[0]['fetch'], port = 0): Promise<Listening> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname: '127.0.0.1' }, (info) => {
      // Node closes idle keep-alive sockets after 5 s; clients reusing one then see a reset. Real APIs keep them longer.
      server.keepAliveTimeout = 65_000;
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((err) => (err ? fail(err) : done()));
            // Keep-alive sockets from the clients' agents would otherwise hold close() open.
            server.closeIdleConnections?.();
          }),
      });
    }) as Server;
    server.once('error', reject);
  });
}
