/**
 * One cycle job's work: a single tenant's cycle, or, for tenants of one company in several CRMs, the
 * linked cycle that trains one lead score across them.
 */
import type { PipelineContext } from '../context.ts';
import { runCycle, type CycleOptions, type CycleSummary } from '../cycle.ts';
import { runLinkedCycle } from '../linked.ts';

export async function runCycleUnit(contexts: PipelineContext[], options: CycleOptions = {}): Promise<CycleSummary[]> {
  if (contexts.length === 0) throw new Error('a cycle needs at least one tenant');
  if (contexts.length > 1) return runLinkedCycle(contexts, options);
  return [await runCycle(contexts[0]!, options)];
}
