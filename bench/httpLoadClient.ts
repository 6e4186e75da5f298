/**
 * The load generator of bench/httpLoad.ts, in its own process so that it does not share the service's
 * event loop: it runs autocannon against one route and sends the result back over IPC.
 */
import autocannon from 'autocannon';
import { signedHeaders } from '../connectors/emulators/hubspot/webhookSigner.ts';

export interface LoadJob {
  url: string;
  connections: number;
  seconds: number;
  route: { kind: 'fixed'; path: string; headers: Record<string, string> } | { kind: 'hubspot-card'; portal: string; contacts: number; clientSecret: string; signedBase: string };
}

function requestOf(job: LoadJob): () => { path: string; headers: Record<string, string> } {
  const route = job.route;
  if (route.kind === 'fixed') return () => ({ path: route.path, headers: route.headers });
  // every call signed for a random contact of the portal, as HubSpot's servers send card fetches
  return () => {
    const objectId = String(1 + Math.floor(Math.random() * route.contacts));
    const path = `/cards/hubspot/contact?objectId=${objectId}&userId=1&portalId=${route.portal}&userEmail=rep%40example.com&appId=1`;
    return { path, headers: signedHeaders({ method: 'GET', uri: `${route.signedBase}${path}`, body: '', timestamp: Date.now(), clientSecret: route.clientSecret }) };
  };
}

process.once('message', async (job: LoadJob) => {
  const next = requestOf(job);
  const result = await autocannon({
    url: job.url,
    connections: job.connections,
    duration: job.seconds,
    requests: [{ setupRequest: (request) => ({ ...request, ...next() }) }],
  });
  process.send?.(result, undefined, {}, () => process.exit(0));
});
