/**
 * The demo's emulated CRM accounts persist under the data dir like real ones, so a second
 * `crm-signals start` finds the portal as the first left it (our written values included) and writes
 * nothing that did not change. A dump is trusted only if nothing ran after it was saved: a process
 * killed mid-cycle may have written values the dump lacks, and then the account starts afresh from
 * its seed (and the store forgets what it knew of it).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadEmulatorDump, saveEmulatorDump } from '../connectors/emulators/shared/persist.ts';
import type { Store } from '../src/store/types.ts';

export interface SavedAccount {
  /** The emulator's dump, or null when the account must be seeded afresh. */
  restore: unknown | null;
  /** Saves the emulator's state, marked with the tenant's newest run. */
  save(dump: unknown): Promise<void>;
}

function newestRun(store: Store, tenantId: string): Promise<number | null> {
  return store.listRuns(tenantId, 1).then((runs) => runs[0]?.id ?? null);
}

function readMarker(path: string): number | null {
  try {
    const value = (JSON.parse(readFileSync(path, 'utf8')) as { runId?: unknown }).runId;
    return typeof value === 'number' ? value : null;
  } catch {
    return null;
  }
}

export async function savedAccount(store: Store, dataDir: string, name: string, tenantId: string): Promise<SavedAccount> {
  const dumpPath = join(dataDir, 'emulators', `${name}.json`);
  const markerPath = join(dataDir, 'emulators', `${name}.run.json`);
  const dump = loadEmulatorDump(dumpPath);
  const marker = readMarker(markerPath);
  const current = dump !== null && marker !== null && marker === (await newestRun(store, tenantId));
  return {
    restore: current ? dump : null,
    async save(state) {
      saveEmulatorDump(dumpPath, state);
      writeFileSync(markerPath, JSON.stringify({ runId: await newestRun(store, tenantId) }));
    },
  };
}
