/**
 * The crm-signals command.
 */
import { parseArgs } from 'node:util';
import { start } from './start.ts';

const USAGE = `usage: crm-signals <command> [options]

commands:
  start     run the main job: sync -> train -> score -> write back, then serve the status page
            --crm CRM            hubspot (default), salesforce, or both (one model across both)
            --once               exit after one cycle
            --port N             status page port (default 3000, or $PORT)
            --data-dir DIR       embedded store location (default ./.crm-signals; DATABASE_URL uses PostgreSQL)
            --hubspot-url URL    a HubSpot API base URL instead of the embedded emulator
            --auth-code CODE     OAuth authorization code to install with (with --hubspot-url)
            --client-id ID --client-secret SECRET   the OAuth app (or HUBSPOT_CLIENT_ID / HUBSPOT_CLIENT_SECRET)
            --rate-limit N       requests per 10 s for the portal (default 110)
            --shadow             compute and report, write nothing to the CRM
            --dry-run            show what would be written this cycle, write nothing
            --retrain            train a new model even if the current one is fresh
            --every MIN          minutes between cycles when serving (default 15)
            --seed N             training seed (default 42)
  eval      evaluate the product's models on a file: eval leadscore|sentiment|recommend|segments (eval --help)
  help      show this text
`;

async function main(argv: string[]): Promise<number> {
  const [command = 'help', ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (command === 'eval') return (await import('./eval/index.ts')).runEval(rest);
  if (command !== 'start') {
    process.stderr.write(`unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      crm: { type: 'string' },
      once: { type: 'boolean', default: false },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      'hubspot-url': { type: 'string' },
      'auth-code': { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      'rate-limit': { type: 'string' },
      shadow: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      retrain: { type: 'boolean', default: false },
      every: { type: 'string' },
      seed: { type: 'string' },
    },
  });
  const int = (name: string, raw: string | undefined, fallback: number): number => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a whole number, got "${raw}"`);
    return value;
  };
  const crm = values.crm ?? 'hubspot';
  if (crm !== 'hubspot' && crm !== 'salesforce' && crm !== 'both') throw new Error(`--crm must be hubspot, salesforce or both, got "${crm}"`);
  if (values['hubspot-url'] && crm !== 'hubspot') throw new Error('--hubspot-url works with --crm hubspot only');
  return start({
    crm,
    once: values.once ?? false,
    port: int('port', values.port ?? process.env.PORT, 3000),
    dataDir: values['data-dir'] ?? process.env.CRM_SIGNALS_DATA_DIR ?? './.crm-signals',
    ...(values['hubspot-url'] ? { hubspotUrl: values['hubspot-url'].replace(/\/$/, '') } : {}),
    ...(values['auth-code'] ? { authCode: values['auth-code'] } : {}),
    ...(values['client-id'] ? { clientId: values['client-id'] } : {}),
    ...(values['client-secret'] ? { clientSecret: values['client-secret'] } : {}),
    ...(values['rate-limit'] ? { rateLimit: int('rate-limit', values['rate-limit'], 110) } : {}),
    dryRun: values['dry-run'] ?? false,
    shadow: values.shadow ?? false,
    retrain: values.retrain ?? false,
    everyMinutes: int('every', values.every, 15),
    seed: int('seed', values.seed, 42),
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`crm-signals: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
