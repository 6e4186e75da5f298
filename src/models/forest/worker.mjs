// Worker-thread entry of the fast forest: grows the trees it is sent, one message per tree.
// Plain JavaScript (no TypeScript loader needed under plain Node, tsx or vitest); see workers.ts.
import { parentPort, workerData } from 'node:worker_threads';

import { growTree } from './tree-core.mjs';

/** @type {{ data: import('./tree-core.d.mts').BinnedData, params: import('./tree-core.d.mts').TreeParams }} */
const { data, params } = workerData;

parentPort.on('message', (message) => {
  if (message.type !== 'tree') return;
  try {
    const tree = growTree(data, params, message.seed);
    const buffers = [tree.feature, tree.threshold, tree.left, tree.right, tree.value, tree.count, tree.importance].map(
      (array) => array.buffer,
    );
    parentPort.postMessage({ type: 'tree', index: message.index, tree }, buffers);
  } catch (error) {
    parentPort.postMessage({
      type: 'error',
      index: message.index,
      message: error instanceof Error ? error.message : String(error),
      stack: error instanceof Error ? error.stack : undefined,
    });
  }
});
