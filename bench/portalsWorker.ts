/**
 * One worker process of the portals bench (bench/portals.ts): functions/worker.ts's startWorker with the
 * real cycle, configured from the environment as a deployment is (DATABASE_URL, the encryption keys, the
 * HubSpot app, CRM_SIGNALS_WORKER_ID, CRM_SIGNALS_CYCLE_CONCURRENCY). The bench sends the rounds itself,
 * so no cron schedule. Prints "ready" once subscribed; stops on SIGTERM once its running cycles end.
 */
import { loadConfig } from '../functions/config.ts';
import { startWorker } from '../functions/worker.ts';

const config = loadConfig([], process.env);
const worker = await startWorker({ config, log: (message) => void process.stderr.write(`${message}\n`), schedule: false });
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  worker.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
