/**
 * scikit-learn's RandomForestClassifier on the same matrix and folds as a bench's own models (Debian's
 * python3-sklearn, n_jobs=1, random_state 0), for the forest and lead score benches' reference rows.
 * The matrix goes to Python as raw little-endian float64 in a temporary folder, not as JSON.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const PYTHON = '/usr/bin/python3';

const SKLEARN_SCRIPT = String.raw`
import json, sys, time
import numpy as np
import sklearn
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import roc_auc_score
d = sys.argv[1]
meta = json.load(open(d + '/meta.json'))
X = np.fromfile(d + '/X.f64', dtype='<f8').reshape(meta['rows'], meta['cols'])
y = np.fromfile(d + '/y.u8', dtype=np.uint8)
folds = np.fromfile(d + '/folds.i8', dtype=np.int8)
out = {'version': sklearn.__version__, 'configs': []}
for cfg in meta['configs']:
    rows = []
    for k in range(meta['k']):
        tr, te = folds != k, folds == k
        clf = RandomForestClassifier(n_jobs=1, random_state=0, **cfg['params'])
        t0 = time.perf_counter()
        c0 = time.process_time()
        clf.fit(X[tr], y[tr])
        fit = time.perf_counter() - t0
        cpu = time.process_time() - c0
        auc = roc_auc_score(y[te], clf.predict_proba(X[te])[:, 1])
        rows.append({'fold': k, 'auc': auc, 'fitSeconds': fit, 'cpuSeconds': cpu, 'trainRows': int(tr.sum()), 'testRows': int(te.sum())})
        if meta['progress']:
            print(json.dumps({'progress': cfg['name'], 'fold': k, 'auc': auc, 'fit': fit}), file=sys.stderr, flush=True)
    out['configs'].append({'name': cfg['name'], 'params': cfg['params'], 'folds': rows})
print(json.dumps(out))
`;

export interface SklearnConfig {
  name: string;
  /** RandomForestClassifier keyword arguments. */
  params: Record<string, unknown>;
}

export interface SklearnFold {
  fold: number;
  auc: number;
  fitSeconds: number;
  cpuSeconds: number;
  trainRows: number;
  testRows: number;
}

export type SklearnOutcome = { skipped: string } | { version: string; configs: Array<SklearnConfig & { folds: SklearnFold[] }> };

export interface SklearnInput {
  /** Row-major features, rows x cols. */
  X: Float64Array;
  rows: number;
  cols: number;
  /** Labels 0/1, one per row. */
  y: ArrayLike<number>;
  /** Fold of each row, 0..k-1. */
  folds: ArrayLike<number>;
  k: number;
  configs: readonly SklearnConfig[];
  /** Print a line per fold on stderr while it runs (long runs). */
  progress?: boolean;
}

/** Runs each config on each fold; `{ skipped }` with the reason when scikit-learn is missing or fails. */
export function runSklearnForest(input: SklearnInput): SklearnOutcome {
  const probe = spawnSync(PYTHON, ['-c', 'import sklearn; print(sklearn.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    return { skipped: `scikit-learn not available (${PYTHON}: ${(probe.stderr || String(probe.error ?? '')).trim().split('\n').pop()}); apt-get install -y python3-sklearn to compare` };
  }
  if (input.X.length !== input.rows * input.cols) throw new Error(`runSklearnForest: X holds ${input.X.length} values, not ${input.rows} x ${input.cols}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sklearn-bench-'));
  try {
    writeFileSync(path.join(dir, 'X.f64'), Buffer.from(input.X.buffer, input.X.byteOffset, input.X.byteLength));
    writeFileSync(path.join(dir, 'y.u8'), Uint8Array.from(input.y));
    writeFileSync(path.join(dir, 'folds.i8'), Int8Array.from(input.folds));
    const progress = input.progress ?? false;
    writeFileSync(path.join(dir, 'meta.json'), JSON.stringify({ rows: input.rows, cols: input.cols, k: input.k, configs: input.configs, progress }));
    const run = spawnSync(PYTHON, ['-c', SKLEARN_SCRIPT, dir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', progress ? 'inherit' : 'pipe'] });
    if (run.status !== 0) return { skipped: `scikit-learn run failed (status ${run.status})${run.stderr ? `: ${run.stderr.trim().split('\n').pop() ?? ''}` : ''}` };
    return JSON.parse(run.stdout) as SklearnOutcome;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
