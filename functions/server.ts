/**
 * The HTTP app (src/server/app.ts) on a Node socket. Stateless: any number of these may serve one store.
 */
import { serve, type ServerType } from '@hono/node-server';
import { createApp, type AppDeps } from '../src/server/app.ts';

export interface Served {
  url: string;
  close(): Promise<void>;
}

export async function startServer(deps: AppDeps, options: { port: number; host: string }): Promise<Served> {
  let server: ServerType | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    server = serve({ fetch: createApp(deps).fetch, port: options.port, hostname: options.host }, (info) => resolve(info.port));
    // Node drops an idle keep-alive socket after 5 s, racing a client (or a load balancer, idle for 60 s)
    // that reuses it: the request dies with ECONNRESET. Keep idle sockets longer than the clients do.
    (server as { keepAliveTimeout: number }).keepAliveTimeout = 65_000;
    server.once('error', reject);
  });
  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server!.close(() => resolve());
        // Idle keep-alive sockets would otherwise hold close() open for their 65 s.
        (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
      }),
  };
}

/** Waits for Ctrl-C or a termination signal. */
export function untilStopped(): Promise<void> {
  return new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}
