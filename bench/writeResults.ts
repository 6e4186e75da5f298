/** Where and how every bench writes its figures: bench/results/<name>.json beside the <name>.md report. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const RESULTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');

/**
 * Writes <name>.json (the result, pretty-printed), <name>.md (the report) and any `extra` files (charts)
 * to bench/results/.
 */
export function writeBenchResults(name: string, result: unknown, markdown: string, extra: Record<string, string> = {}): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  for (const [file, content] of Object.entries(extra)) writeFileSync(path.join(RESULTS_DIR, file), content);
  writeFileSync(path.join(RESULTS_DIR, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(path.join(RESULTS_DIR, `${name}.md`), markdown);
}
