/**
 * `crm-signals eval <model> ...`: evaluates the product's own models on any file.
 *
 * Exit codes: 0 done; 2 bad input or command line (one line on stderr, no stack trace); 1 an unexpected
 * failure (one line too; CRM_SIGNALS_DEBUG=1 adds the stack).
 */
import type { EvalIO } from './common.ts';
import { isInputError, processIO, UsageError } from './common.ts';
import { evalLeadScore, LEADSCORE_USAGE } from './leadscore.ts';
import { evalRecommend, RECOMMEND_USAGE } from './recommend.ts';
import { evalSegments, SEGMENTS_USAGE } from './segments.ts';
import { evalSentiment, SENTIMENT_USAGE } from './sentiment.ts';

export type { EvalIO } from './common.ts';

export const EVAL_USAGE = `usage: crm-signals eval <model> [options]

Evaluates the product's own models on a file you bring:
  leadscore   --csv FILE --label COL [--positive V] [--negative V,..] [--drop A,B] [--delimiter C] [--folds 5] [--seed N] [--json]
  sentiment   --file FILE [--train FILE] [--folds 10] [--seed N] [--language en] [--json]
  recommend   --train FILE --test FILE [--columns user,item,rating] [--k 10] [--delimiter C] [--json]
  segments    --csv FILE [--drop A,B] [--k N] [--delimiter C] [--seed N] [--json]

crm-signals eval <model> --help shows the options of one. The report goes to stdout (with --json: exactly
one JSON object), progress and warnings to stderr. Bad input exits with code 2.
`;

const COMMANDS: Record<string, { run: (args: readonly string[], io: EvalIO) => Promise<number>; usage: string }> = {
  leadscore: { run: evalLeadScore, usage: LEADSCORE_USAGE },
  sentiment: { run: evalSentiment, usage: SENTIMENT_USAGE },
  recommend: { run: evalRecommend, usage: RECOMMEND_USAGE },
  segments: { run: evalSegments, usage: SEGMENTS_USAGE },
};

/** Runs `eval` with its arguments (after the word eval); returns the exit code. Never throws. */
export async function runEval(argv: readonly string[], io: EvalIO = processIO, options: { debug?: boolean } = {}): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    (name === undefined ? io.stderr : io.stdout)(EVAL_USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name.toLowerCase()];
  if (command === undefined) {
    io.stderr(`crm-signals eval: unknown model "${name}": use one of ${Object.keys(COMMANDS).join(', ')}\n`);
    return 2;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ').trim();
    if (isInputError(error)) {
      io.stderr(`crm-signals eval ${name}: ${message}${error instanceof UsageError ? ` (crm-signals eval ${name} --help)` : ''}\n`);
      return 2;
    }
    io.stderr(`crm-signals eval ${name}: internal error: ${message}${options.debug ? '' : ' (--debug shows the stack)'}\n`);
    if (options.debug && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
    return 1;
  }
}
