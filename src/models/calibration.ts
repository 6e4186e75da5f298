/**
 * Platt scaling: p = sigmoid(a * x + b), fitted by Newton's method with a backtracking line search on the
 * cross-entropy, with Platt's smoothed targets ((N+ + 1) / (N+ + 2) and 1 / (N- + 2)) so a small or
 * separable holdout does not give infinite slopes. Lin, Lin & Weng, "A note on Platt's probabilistic
 * outputs for support vector machines" (Machine Learning 68, 2007).
 */

export interface PlattParameters {
  a: number;
  b: number;
}

/** The input x a raw forest probability is turned into: its log-odds, clipped to +-logit(1 - 1e-4). */
export const PLATT_EPSILON = 1e-4;

export function logit(p: number): number {
  const q = Math.min(1 - PLATT_EPSILON, Math.max(PLATT_EPSILON, p));
  return Math.log(q / (1 - q));
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** log(1 + e^z) without overflow. */
function softplus(z: number): number {
  return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
}

function loss(x: readonly number[], t: readonly number[], a: number, b: number): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    const z = a * (x[i] as number) + b;
    const ti = t[i] as number;
    sum += ti * softplus(-z) + (1 - ti) * softplus(z);
  }
  return sum;
}

/**
 * Fits a and b on scores `x` and 0/1 `labels`. The slope is kept non-negative (a calibration must never
 * invert the model's ranking): if the best slope is negative, the result is the constant smoothed base rate.
 */
export function fitPlatt(x: readonly number[], labels: readonly number[]): PlattParameters {
  if (x.length !== labels.length) throw new Error(`fitPlatt: ${x.length} scores but ${labels.length} labels`);
  if (x.length === 0) throw new Error('fitPlatt: no data');
  let positives = 0;
  for (const y of labels) if (y === 1) positives++;
  const negatives = labels.length - positives;
  const hi = (positives + 1) / (positives + 2);
  const lo = 1 / (negatives + 2);
  const t = labels.map((y) => (y === 1 ? hi : lo));
  // best constant: sigmoid(b) = mean target
  const meanTarget = (positives * hi + negatives * lo) / labels.length;
  const constant = (): PlattParameters => ({ a: 0, b: Math.log(meanTarget / (1 - meanTarget)) });

  let { a, b } = constant();
  let f = loss(x, t, a, b);
  for (let iteration = 0; iteration < 100; iteration++) {
    let gA = 0;
    let gB = 0;
    let hAA = 1e-12;
    let hAB = 0;
    let hBB = 1e-12;
    for (let i = 0; i < x.length; i++) {
      const xi = x[i] as number;
      const p = sigmoid(a * xi + b);
      const d = p - (t[i] as number);
      const w = p * (1 - p);
      gA += d * xi;
      gB += d;
      hAA += w * xi * xi;
      hAB += w * xi;
      hBB += w;
    }
    if (Math.abs(gA) < 1e-7 * x.length && Math.abs(gB) < 1e-7 * x.length) break;
    const det = hAA * hBB - hAB * hAB;
    let dA: number;
    let dB: number;
    if (det > 1e-300) {
      dA = -(hBB * gA - hAB * gB) / det;
      dB = -(-hAB * gA + hAA * gB) / det;
    } else {
      dA = -gA;
      dB = -gB;
    }
    const slope = gA * dA + gB * dB;
    let step = 1;
    let improved = false;
    while (step >= 1e-10) {
      const na = a + step * dA;
      const nb = b + step * dB;
      const nf = loss(x, t, na, nb);
      if (nf <= f + 1e-4 * step * slope) {
        a = na;
        b = nb;
        f = nf;
        improved = true;
        break;
      }
      step /= 2;
    }
    if (!improved) break;
  }
  if (!Number.isFinite(a) || !Number.isFinite(b) || a < 0) return constant();
  return { a, b };
}

export function applyPlatt(params: PlattParameters, x: number): number {
  return sigmoid(params.a * x + params.b);
}
