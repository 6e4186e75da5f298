/**
 * A running run's progress on its run row, for the status page and GET /api/tenants/:id/runs. The cycle's
 * progress events come many times a second (every page, every write batch); the row gets at most one
 * write per interval, plus one whenever the stage changes, and the newest event skipped by the throttle
 * is written when the interval is over, so the row never lags behind by more than that. Writes are
 * chained and never hold the cycle up; a failed one is logged and the next event tries again.
 */
import type { ProgressEvent, RunProgressSink } from '../context.ts';
import type { RunProgress, Store } from '../../store/types.ts';

/** About one write per second per run. */
export const PROGRESS_INTERVAL_MS = 1000;

const n = (value: number) => value.toLocaleString('en-US');

export function describeProgress(event: ProgressEvent): Omit<RunProgress, 'updatedAt'> {
  switch (event.stage) {
    case 'sync':
      return { stage: 'sync', objectType: event.objectType, records: event.records, message: `reading ${event.objectType}s: ${n(event.records)} records` };
    case 'train':
      return { stage: 'train', message: event.message };
    case 'score':
      return { stage: 'score', done: event.done, total: event.total, message: `scoring ${n(event.done)} / ${n(event.total)}` };
    case 'write':
      return { stage: 'write', done: event.done, total: event.total, message: `writing ${n(event.done)} / ${n(event.total)}` };
  }
}

export interface RunProgressRecorder extends RunProgressSink {
  onProgress(event: ProgressEvent): void;
}

export interface RecorderOptions {
  intervalMs?: number;
  clock?: () => number;
}

/** Records the progress of the tenant's runs, one at a time (a tenant runs one run at a time). */
export function runProgressRecorder(store: Store, tenantId: string, log: (message: string) => void, options: RecorderOptions = {}): RunProgressRecorder {
  const interval = options.intervalMs ?? PROGRESS_INTERVAL_MS;
  const clock = options.clock ?? Date.now;
  let runId: number | null = null;
  let lastAt = -Infinity;
  let lastStage = '';
  let latest: Omit<RunProgress, 'updatedAt'> | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let chain: Promise<unknown> = Promise.resolve();

  const write = (id: number, progress: Omit<RunProgress, 'updatedAt'>) => {
    lastAt = clock();
    lastStage = `${progress.stage}:${progress.objectType ?? ''}`;
    chain = chain
      .then(() => store.saveRunProgress(tenantId, id, progress))
      .catch((error: unknown) => log(`run #${id} of ${tenantId}: progress not saved: ${(error as Error).message}`));
  };
  const stopTimer = () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };

  return {
    started(id) {
      stopTimer();
      runId = id;
      lastAt = -Infinity;
      lastStage = '';
      latest = null;
    },
    onProgress(event) {
      const id = runId;
      if (id === null) return;
      const progress = describeProgress(event);
      const stage = `${progress.stage}:${progress.objectType ?? ''}`;
      const wait = lastAt + interval - clock();
      if (stage !== lastStage || wait <= 0) {
        stopTimer();
        latest = null;
        write(id, progress);
        return;
      }
      latest = progress;
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        if (latest && runId === id) write(id, latest);
        latest = null;
      }, wait);
      // A pending progress write alone must not keep a finished process alive.
      timer.unref?.();
    },
    async ended() {
      stopTimer();
      runId = null;
      latest = null;
      await chain;
    },
  };
}

/** One progress feed to several listeners (the demo's progress bars and the run row). */
export function fanOut(...listeners: Array<((event: ProgressEvent) => void) | undefined>): ((event: ProgressEvent) => void) | undefined {
  const present = listeners.filter((l): l is (event: ProgressEvent) => void => l !== undefined);
  if (present.length === 0) return undefined;
  return (event) => {
    for (const listener of present) listener(event);
  };
}
