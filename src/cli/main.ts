/**
 * The crm-signals command, minus `start`: bin/crm-signals.js hands `start` to functions/demo.ts (the
 * composition root) and everything else here, with the settings from functions/config.ts.
 */

export const USAGE = `usage: crm-signals <command> [options]

commands:
  start     run the main job: sync -> train -> score -> write back as jobs, and serve the status page
            --crm CRM            hubspot (default), salesforce, or both (one model across both)
            --once               run one cycle per portal, print the summary and exit (0: all succeeded)
            --port N             status page port (default 3000, or $PORT)
            --host HOST          address to listen on (default 127.0.0.1, or $HOST)
            --public-url URL     the service's external URL, as HubSpot and browsers reach it (or
                                 CRM_SIGNALS_PUBLIC_URL; default http://localhost:PORT): signed webhook and
                                 card URLs, OAuth redirect URLs and Secure cookies are built on it
            --data-dir DIR       embedded store location (default ./.crm-signals; DATABASE_URL uses PostgreSQL)
            --hubspot-url URL    a HubSpot API base URL instead of the embedded emulator (or HUBSPOT_API_URL)
            --auth-code CODE     OAuth authorization code to install with (with --hubspot-url)
            --client-id ID       the OAuth app's client id (or HUBSPOT_CLIENT_ID)
            --client-secret-file FILE  read the OAuth app's secret from FILE (or HUBSPOT_CLIENT_SECRET_FILE);
                                 or set HUBSPOT_CLIENT_SECRET. --client-secret SECRET works too, but a
                                 command-line value shows in the process list
            --redirect-uri URL   the OAuth app's redirect URL (or HUBSPOT_REDIRECT_URI)
            --salesforce-url URL Salesforce login URL of the connected app (or SALESFORCE_LOGIN_URL)
            --rate-limit N       requests per 10 s for the portal (default 110)
            --cycle-concurrency N  tenants this process cycles at once (default 4; or CRM_SIGNALS_CYCLE_CONCURRENCY)
            --demo-contacts N    people in a new demo portal and org (default 5,000; or CRM_SIGNALS_DEMO_CONTACTS):
                                 the 6,000 shipped bank rows, then new people made from them, none repeated
            --shadow             compute and report, write nothing to the CRM
            --dry-run            show what would be written this cycle, write nothing
            --retrain            train a new model even if the current one is fresh
            --every MIN          minutes between cycles when serving (default 15; 1-59 or whole hours)
            --seed N             training seed (default 42)
            --worker-id ID       this process's identity for run leases (default host:pid)
            environment: DATABASE_URL, CRM_SIGNALS_ENCRYPTION_KEYS (keys of the stored tokens: base64 32-byte
            keys or passphrases, comma-separated, newest first; required with DATABASE_URL), CRM_SIGNALS_SECRET (older single key),
            HUBSPOT_APP_ID (webhook events of our own writes are dropped as echoes),
            SALESFORCE_CONSUMER_KEY / SALESFORCE_CONSUMER_SECRET / SALESFORCE_REDIRECT_URI, CRM_SIGNALS_DEBUG,
            CRM_SIGNALS_REQUEST_TIMEOUT_MS (a CRM request unanswered this long is retried; default 120000)
  eval      evaluate the product's models on a file: eval leadscore|sentiment|recommend|segments (eval --help)
            exit code 2: the command line or the file is wrong; 1: an internal error (--debug prints its stack)
  help      show this text
`;

export interface CliOptions {
  /** Stack traces with unexpected errors. */
  debug: boolean;
}

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const processIo: CliIo = { stdout: (t) => void process.stdout.write(t), stderr: (t) => void process.stderr.write(t) };

/** Runs a command other than `start`; returns the exit code. */
export async function runCli(argv: readonly string[], options: CliOptions, io: CliIo = processIo): Promise<number> {
  // --debug is accepted anywhere, like CRM_SIGNALS_DEBUG, so it can be added to a failing command as is.
  const debug = options.debug || argv.includes('--debug');
  const [command = 'help', ...rest] = argv.filter((arg) => arg !== '--debug');
  if (command === 'help' || command === '--help' || command === '-h') {
    io.stdout(USAGE);
    return 0;
  }
  if (command === 'eval') return (await import('./eval/index.ts')).runEval(rest, io, { debug });
  io.stderr(`unknown command "${command}"\n\n${USAGE}`);
  return 2;
}
