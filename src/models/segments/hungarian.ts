/**
 * Minimum-cost assignment (Hungarian algorithm, Kuhn-Munkres with potentials, O(n^2 m)) on a rectangular
 * cost matrix. Pure, deterministic: ties go to the lowest index.
 */

/**
 * For each row of `cost` (rows x columns), the column assigned to it, or -1 when there are more rows than
 * columns and the row is left out. The total cost of the assigned pairs is minimal.
 */
export function hungarian(cost: readonly (readonly number[])[]): number[] {
  const rows = cost.length;
  if (rows === 0) return [];
  const columns = (cost[0] as readonly number[]).length;
  if (columns === 0) return new Array<number>(rows).fill(-1);
  for (const row of cost) {
    if (row.length !== columns) throw new Error('hungarian: every row of the cost matrix needs the same length');
    for (const c of row) if (!Number.isFinite(c)) throw new Error('hungarian: costs must be finite numbers');
  }
  // The algorithm needs rows <= columns: transpose otherwise.
  const transposed = rows > columns;
  const n = transposed ? columns : rows;
  const m = transposed ? rows : columns;
  const at = (i: number, j: number): number =>
    transposed ? ((cost[j] as readonly number[])[i] as number) : ((cost[i] as readonly number[])[j] as number);

  // 1-based arrays as in the classic formulation; p[j] = row matched to column j (0 = none).
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1);
  const way = new Int32Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(m + 1).fill(Infinity);
    const used = new Uint8Array(m + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0] as number;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = at(i0 - 1, j - 1) - (u[i0] as number) - (v[j] as number);
        if (cur < (minv[j] as number)) {
          minv[j] = cur;
          way[j] = j0;
        }
        if ((minv[j] as number) < delta) {
          delta = minv[j] as number;
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j] as number] = (u[p[j] as number] as number) + delta;
          v[j] = (v[j] as number) - delta;
        } else {
          minv[j] = (minv[j] as number) - delta;
        }
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0] as number;
      p[j0] = p[j1] as number;
      j0 = j1;
    } while (j0 !== 0);
  }
  // rowOf[column] in the (possibly transposed) problem.
  const result = new Array<number>(rows).fill(-1);
  for (let j = 1; j <= m; j++) {
    const i = p[j] as number;
    if (i === 0) continue;
    if (transposed) result[j - 1] = i - 1;
    else result[i - 1] = j - 1;
  }
  return result;
}
