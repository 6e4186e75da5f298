/**
 * A signal stage trains its model when needed and computes its signal for the records that need it.
 * Each signal it produces lands on one object type and turns into CRM property values there.
 */
import { createHash } from 'node:crypto';
import type { ObjectType } from '../../domain/records.ts';
import type { SignalRow } from '../../store/types.ts';
import type { PipelineContext } from '../context.ts';

export interface StageReport {
  signal: string;
  trained: boolean;
  /** Why the model was or was not trained. */
  reason: string;
  modelVersion: number | null;
  metrics: Record<string, unknown>;
  /** Records whose signal was computed this cycle. */
  computed: number;
  /** Records the signal applies to. */
  eligible: number;
  /** Set when the stage threw: the cycle went on with the other stages. */
  error?: string;
}

export interface SignalOutput {
  signal: string;
  objectType: ObjectType;
  /** CRM property values (by output-field key) for one signal row. */
  values(row: SignalRow): Record<string, string>;
}

/** A lead score trained elsewhere (on the union of a company's CRMs) that a tenant adopts instead of training its own. */
export interface SharedModel {
  model: unknown;
  metrics: Record<string, unknown>;
  /** Identifies the training data: a tenant adopts a shared model once per key. */
  key: string;
  rows: number;
}

export interface StageOptions {
  retrain: boolean;
  sharedLeadScore?: SharedModel;
}

export interface SignalStage {
  name: string;
  /** The object types whose records it reads: a change elsewhere leaves its results as they are. */
  reads: readonly ObjectType[];
  outputs: SignalOutput[];
  run(ctx: PipelineContext, runId: number, options: StageOptions): Promise<StageReport>;
}

export function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 22);
}

/** Rows whose signal is missing, stale (inputs changed) or from another model version. */
export function due<T extends { externalId: string }>(
  items: readonly T[],
  latest: Map<string, SignalRow>,
  modelVersion: number,
  inputHash: (item: T) => string,
): T[] {
  return items.filter((item) => {
    const last = latest.get(item.externalId);
    return !last || last.inputHash !== inputHash(item) || last.modelVersion !== modelVersion;
  });
}

export function byId<T extends { externalId: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => (a.externalId < b.externalId ? -1 : a.externalId > b.externalId ? 1 : 0));
}

/** Items compared with their stored signals at a time: memory stays bounded at any portal size. */
const SIGNAL_CHUNK = 1000;

/**
 * Saves the signal of every item that is due (missing, stale or from another model version), comparing
 * SIGNAL_CHUNK items at a time with the stored ones; answers how many it saved.
 */
export async function saveDueSignals<T extends { externalId: string }>(
  ctx: PipelineContext,
  runId: number,
  target: { objectType: ObjectType; signal: string; modelVersion: number },
  items: readonly T[],
  inputHash: (item: T) => string,
  value: (item: T) => unknown,
): Promise<number> {
  const { store, tenant } = ctx;
  let saved = 0;
  for (let from = 0; from < items.length; from += SIGNAL_CHUNK) {
    const chunk = items.slice(from, from + SIGNAL_CHUNK);
    const todo = due(chunk, await store.latestSignals(tenant.id, target.objectType, target.signal, chunk.map((c) => c.externalId)), target.modelVersion, inputHash);
    if (todo.length === 0) continue;
    await store.saveSignals(
      tenant.id,
      runId,
      todo.map((item) => ({ objectType: target.objectType, externalId: item.externalId, signal: target.signal, modelVersion: target.modelVersion, inputHash: inputHash(item), value: value(item) })),
    );
    saved += todo.length;
  }
  return saved;
}
