/**
 * Cycles as jobs on pg-boss: queues, handlers, the round schedule, run leases.
 */
export * from './queues.ts';
export * from './bossDb.ts';
export * from './cycleJobs.ts';
export * from './runLease.ts';
export * from './unit.ts';
export * from './webhookJobs.ts';
export * from './apiBudget.ts';
export * from './runProgress.ts';
