/**
 * Grows a forest's trees on worker threads.
 *
 * Each worker gets the binned training set once, in SharedArrayBuffers (no copy per worker), then is sent
 * one tree (index + seed) at a time as it finishes the previous one, so slow and fast trees balance out.
 * A tree depends only on the data, the parameters and its own seed (derived from the forest seed and the
 * tree index), so the forest is identical whatever the number of workers or the order trees finish in.
 *
 * The worker entry is worker.mjs, plain JavaScript importing tree-core.mjs: it starts under plain Node 20
 * or 24, under `node --import tsx` / `npx tsx` and under vitest without any TypeScript loader, so the
 * workers are started with an empty execArgv (they do not inherit the parent's loaders or flags).
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';

import { growTree } from './tree.ts';
import type { BinnedData, GrownTree, TreeParams } from './tree.ts';

/** Worker threads used when the caller does not say: one per core, at most one per tree. */
export function defaultWorkerCount(nTrees: number): number {
  return Math.max(1, Math.min(os.availableParallelism(), nTrees));
}

/** Grows trees one after the other on this thread. */
export function growTreesInThread(data: BinnedData, params: TreeParams, seeds: readonly number[]): GrownTree[] {
  return seeds.map((seed) => growTree(data, params, seed));
}

function shared<T extends Uint8Array | Int32Array | Float64Array>(array: T): T {
  const buffer = new SharedArrayBuffer(array.byteLength);
  const copy = new (array.constructor as new (buffer: SharedArrayBuffer) => T)(buffer);
  copy.set(array);
  return copy;
}

interface TreeMessage {
  type: 'tree';
  index: number;
  tree: GrownTree;
}
interface ErrorMessage {
  type: 'error';
  index: number;
  message: string;
  stack?: string;
}

/**
 * Grows `seeds.length` trees (tree i from seeds[i]) on `workers` threads; `workers <= 1` grows them on this
 * thread. The result is the same array whatever `workers` is.
 */
export async function growTrees(
  data: BinnedData,
  params: TreeParams,
  seeds: readonly number[],
  workers: number,
): Promise<GrownTree[]> {
  const nWorkers = Math.min(Math.max(1, Math.floor(workers)), seeds.length);
  if (nWorkers <= 1) return growTreesInThread(data, params, seeds);

  const sharedData: BinnedData = {
    ...data,
    binned: shared(data.binned),
    y: shared(data.y),
  };
  const entry = new URL('./worker.mjs', import.meta.url);
  const results = new Array<GrownTree | undefined>(seeds.length);
  const pool: Worker[] = [];
  let next = 0;
  let done = 0;

  try {
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      const fail = (error: Error): void => {
        if (failed) return;
        failed = true;
        reject(error);
      };
      const sendNext = (worker: Worker): void => {
        if (next >= seeds.length) return;
        const index = next++;
        worker.postMessage({ type: 'tree', index, seed: seeds[index] });
      };
      for (let w = 0; w < nWorkers; w++) {
        const worker = new Worker(entry, { workerData: { data: sharedData, params }, execArgv: [] });
        pool.push(worker);
        worker.on('message', (message: TreeMessage | ErrorMessage) => {
          if (message.type === 'error') {
            const error = new Error(`fastForest worker failed on tree ${message.index}: ${message.message}`);
            if (message.stack !== undefined) error.stack = message.stack;
            fail(error);
            return;
          }
          results[message.index] = message.tree;
          done++;
          if (done === seeds.length) resolve();
          else sendNext(worker);
        });
        worker.on('error', (error) =>
          fail(new Error(`fastForest worker thread error (use workers: 1 to train on this thread): ${error.message}`)),
        );
        worker.on('exit', (code) => {
          if (done < seeds.length) fail(new Error(`fastForest worker exited early with code ${code}`));
        });
        sendNext(worker);
      }
    });
  } finally {
    await Promise.all(pool.map((worker) => worker.terminate()));
  }
  return results.map((tree, i) => {
    if (tree === undefined) throw new Error(`fastForest: tree ${i} missing`);
    return tree;
  });
}
