/**
 * The job queues of the service and what their jobs carry.
 *
 * One job is one tenant's whole cycle (sync -> train -> score -> write back), not a chain of stage jobs:
 * the stages share what the sync just stored and the models just trained, scoring is derived from the
 * store anyway (a killed cycle resumes from checkpoints and the outbox), and one job per tenant makes
 * "never two cycles of a tenant at once" a single pg-boss singleton key. A chain would need that guarantee
 * across four queues and would hand the same tenant to different workers mid-cycle for no gain.
 *
 * A round job, scheduled by pg-boss cron, fans out one cycle job per tenant (or per group of tenants
 * whose lead score is one model across CRMs).
 */
import { z } from 'zod';

export const CYCLE_QUEUE = 'crm-signals-cycle';
export const ROUND_QUEUE = 'crm-signals-round';

export const CycleJobData = z.object({
  /** One tenant, or several whose cycles run linked (one lead score model across their CRMs). */
  tenantIds: z.array(z.string().min(1)).min(1),
  /** Which round sent the job (the round job's id, or a caller's label). */
  round: z.string().optional(),
});
export type CycleJobData = z.infer<typeof CycleJobData>;

export const RoundJobData = z.object({ round: z.string().optional() }).default({});

/** A job's payload, or an error naming the job and the field that is wrong. */
export function parseJobData<T>(schema: z.ZodType<T>, jobName: string, jobId: string, data: unknown): T {
  const parsed = schema.safeParse(data ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ');
  throw new Error(`${jobName} job ${jobId} has an invalid payload: ${problems}`);
}

export interface RetryPolicy {
  /** Retries after the first attempt. */
  limit: number;
  /** Seconds before the first retry; doubled (with jitter) for each further one. */
  delaySeconds: number;
}

export const DEFAULT_RETRY: RetryPolicy = { limit: 3, delaySeconds: 30 };

/** A cycle that outlives this is presumed lost and retried; the run lease still keeps two from overlapping. */
export const CYCLE_EXPIRE_SECONDS = 60 * 60;

/** A pg-boss cron expression for "every `minutes` minutes": 1-59 minutes, or whole hours dividing a day. */
export function cronEvery(minutes: number): string {
  if (Number.isInteger(minutes) && minutes >= 1 && minutes <= 59) return `*/${minutes} * * * *`;
  const hours = minutes / 60;
  if (Number.isInteger(hours) && hours >= 1 && 24 % hours === 0) return hours === 24 ? '0 0 * * *' : `0 */${hours} * * *`;
  throw new Error(`a schedule must be 1-59 minutes or whole hours dividing a day (60, 120, 180, 240, 360, 480, 720, 1440), got ${minutes}`);
}
