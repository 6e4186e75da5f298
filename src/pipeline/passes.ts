/**
 * Work that may be skipped when its inputs are as they were after its last complete pass: a signal stage
 * (src/pipeline/signals/unchanged.ts) and the write-back diff. The caller names the pass and hashes what it
 * depends on; the store keeps, per tenant, the key after the last complete pass with what it produced.
 *
 * Code is the one input no key can see (a new model format, new reason wording, a new diff rule), so each
 * process runs every pass of a tenant in full once before it trusts a stored key: a deploy restarts the
 * workers.
 */
import type { PipelineContext } from './context.ts';

interface Pass<T> {
  key: string;
  result: T;
}

const cursorName = (pass: string) => `pass:${pass}`;

/** tenant + pass pairs this process has run in full, after which a stored key may be trusted. */
const passedInThisProcess = new Set<string>();
const processKey = (ctx: PipelineContext, pass: string) => `${ctx.tenant.id}\u0000${pass}`;

/** What the last complete pass produced, when its key is `key` and this process may trust it; else null. */
export async function unchangedSince<T>(ctx: PipelineContext, pass: string, key: string, isResult: (value: unknown) => value is T): Promise<T | null> {
  if (!passedInThisProcess.has(processKey(ctx, pass))) return null;
  const stored = (await ctx.store.getCursor(ctx.tenant.id, cursorName(pass))) as Partial<Pass<unknown>> | null;
  if (typeof stored !== 'object' || stored === null || stored.key !== key || !isResult(stored.result)) return null;
  return stored.result;
}

/** After a complete pass: its key (what it depended on, as it is now) and what it produced. */
export async function passCompleted<T>(ctx: PipelineContext, pass: string, key: string, result: T): Promise<void> {
  await ctx.store.saveCursor(ctx.tenant.id, cursorName(pass), { key, result } satisfies Pass<T>);
  passedInThisProcess.add(processKey(ctx, pass));
}
