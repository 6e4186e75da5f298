/**
 * What bin/crm-signals.js runs: `start` is the demo (functions/demo.ts); every other command is the
 * crm-signals CLI in src/cli, given the settings it needs from the one configuration.
 */
import { ConfigError, debugFrom, loadConfig } from './config.ts';

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'start') {
    const { runDemo } = await import('./demo.ts');
    return runDemo(loadConfig(rest, process.env));
  }
  const { runCli } = await import('../src/cli/main.ts');
  return runCli(argv, { debug: debugFrom(process.env) });
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const prefix = error instanceof ConfigError ? 'crm-signals: bad setting: ' : 'crm-signals: ';
    process.stderr.write(`${prefix}${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
