import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../domain/random.mjs';
import { fitSentiment, predictSentiment, sentimentFromJSON, sentimentToJSON } from './index.ts';
import type { NbSvmSentimentModel, SentimentModel } from './index.ts';
import { calibrate, hashFeature, hashFeatures } from './nbsvm.ts';
import { sigmoid } from '../calibration.ts';
import { HELD_OUT, labels, texts } from './tickets.fixture.ts';


const roundTrip = (model: SentimentModel) => sentimentFromJSON(JSON.parse(JSON.stringify(sentimentToJSON(model))) as unknown);

/**
 * A toy set where naive Bayes' independence assumption fails. Each text has one cue word that matches the
 * label 80 % of the time (zulu / yankee) and one of two eight-word blocks that always come together and
 * match it only 60 % of the time. NB counts the block eight times (8 x log 1.5 > log 4), so whenever cue and block disagree it
 * follows the block (about 60 % right); a discriminative model learns to follow the cue (about 80 %).
 */
function redundantToy(n: number, seed: number): { texts: string[]; labels: (0 | 1)[] } {
  const random = mulberry32(seed);
  const posBlock = 'alpha bravo charlie delta echo foxtrot golf hotel';
  const negBlock = 'india juliet kilo lima mike november oscar papa';
  const out: { texts: string[]; labels: (0 | 1)[] } = { texts: [], labels: [] };
  for (let i = 0; i < n; i++) {
    const label: 0 | 1 = i % 2 === 0 ? 1 : 0;
    const cueRight = random() < 0.8;
    const blockRight = random() < 0.6;
    const cue = (label === 1) === cueRight ? 'zulu' : 'yankee';
    const block = (label === 1) === blockRight ? posBlock : negBlock;
    out.texts.push(`${cue} ${block}`);
    out.labels.push(label);
  }
  return out;
}

function accuracy(model: SentimentModel, t: readonly string[], l: readonly (0 | 1)[]): number {
  return predictSentiment(model, t).filter((p, i) => (p.score > 0 ? 1 : 0) === l[i]).length / t.length;
}

describe('fitSentiment (nbsvm, the default)', () => {
  it('classifies held-out obvious sentences, with or without the lexicon', () => {
    for (const lexiconFeature of [true, false]) {
      const model = fitSentiment(texts, labels, { lexiconFeature });
      expect(model.type).toBe('nbsvm');
      const predictions = predictSentiment(model, HELD_OUT.map(([t]) => t));
      expect(predictions.map((p) => p.label)).toEqual(HELD_OUT.map(([, label]) => label));
      for (const p of predictions) {
        expect(p.kind).toBe('nbsvm');
        expect(Math.abs(p.score)).toBeLessThanOrEqual(1);
      }
    }
  });

  it('beats naive Bayes where naive Bayes double counts redundant words', () => {
    const train = redundantToy(600, 1);
    const test = redundantToy(1000, 2);
    const options = { lexiconFeature: false, charNgrams: null, stem: false, ngramRange: [1, 1] as [number, number] };
    const nb = fitSentiment(train.texts, train.labels, { ...options, model: 'naive-bayes' });
    const nbsvm = fitSentiment(train.texts, train.labels, options);
    const nbAccuracy = accuracy(nb, test.texts, test.labels);
    const nbsvmAccuracy = accuracy(nbsvm, test.texts, test.labels);
    expect(nbAccuracy).toBeLessThan(0.68);
    expect(nbsvmAccuracy).toBeGreaterThan(0.74);
    // the out-of-fold calibration leans on the SVM margin, not on the naive Bayes beside it
    expect(nbsvm.calibration.svm).toBeGreaterThan(0);
    expect(accuracy({ ...nbsvm, calibration: { ...nbsvm.calibration, svm: 0 } }, test.texts, test.labels)).toBeLessThan(0.7);
  });

  it('round-trips through JSON text with identical predictions and an identical model', () => {
    const model = fitSentiment(texts, labels);
    const loaded = roundTrip(model);
    const probe = [...HELD_OUT.map(([t]) => t), '', 'not bad at all', 'meh', 'NEVER again!!!', 'disapppointing, sooo slow'];
    expect(predictSentiment(loaded, probe)).toEqual(predictSentiment(model, probe));
    expect(sentimentToJSON(loaded)).toEqual(sentimentToJSON(model));
  });

  it('is deterministic and keeps the model small (hashed, only the ids it saw)', () => {
    const model = fitSentiment(texts, labels);
    expect(fitSentiment(texts, labels)).toEqual(model);
    expect(model.settings.buckets).toBe(2 ** 18);
    expect(model.svm.indices.length).toBeGreaterThan(100);
    expect(model.svm.indices.length).toBeLessThan(5000);
    expect(JSON.stringify(model).length).toBeLessThan(200_000);
  });

  it('records the C x beta candidates it chose among, by inner cross-validation', () => {
    const model = fitSentiment(texts, labels, { grid: { C: [0.1, 1], beta: [0.5, 1], folds: 3 } });
    expect(model.selection.folds).toBe(3);
    expect(model.selection.candidates).toHaveLength(4);
    const best = Math.max(...model.selection.candidates.map((c) => c.accuracy));
    const chosen = model.selection.candidates.find((c) => c.C === model.selection.chosen.C && c.beta === model.selection.chosen.beta);
    expect(chosen?.accuracy).toBe(best);
  });

  it('refuses options that do not apply, naming them', () => {
    expect(() => fitSentiment(texts, labels, { tune: true })).toThrow(/tune is for model 'naive-bayes'/);
    expect(() => fitSentiment(texts, labels, { binary: true })).toThrow(/naive Bayes options/);
    expect(() => fitSentiment(texts, labels, { buckets: 1000 })).toThrow(/buckets must be a power of two/);
    expect(() => fitSentiment(texts, labels, { charNgrams: [3, 2] })).toThrow(/charNgrams/);
    expect(() => fitSentiment(texts, labels, { negationWindow: 0 })).toThrow(/negationWindow/);
    expect(() => fitSentiment(texts, labels, { grid: { folds: 1 } })).toThrow(/grid.folds/);
    expect(() => fitSentiment(texts, labels, { grid: { C: [] } })).toThrow(/grid.C/);
    expect(() => fitSentiment(texts, labels, { model: 'svm' as 'nbsvm' })).toThrow(/model must be/);
  });

  it('fromJSON checks the hashed tables against the settings', () => {
    const json = sentimentToJSON(fitSentiment(texts, labels)) as NbSvmSentimentModel;
    const swapped = [...json.svm.indices];
    [swapped[0], swapped[1]] = [swapped[1]!, swapped[0]!];
    expect(() => sentimentFromJSON({ ...json, svm: { ...json.svm, indices: swapped } })).toThrow(/svm.indices must be sorted/);
    expect(() => sentimentFromJSON({ ...json, svm: { ...json.svm, weights: json.svm.weights.slice(1) } })).toThrow(/indices but/);
    expect(() => sentimentFromJSON({ ...json, nb: { ...json.nb, indices: [...json.nb.indices.slice(0, -1), 2 ** 18] } })).toThrow(/outside the/);
    expect(() => sentimentFromJSON({ ...json, svm: { ...json.svm, dense: [] } })).toThrow(/dense features/);
    expect(() => sentimentFromJSON({ ...json, calibration: { ...json.calibration, svm: -1 } })).toThrow(/calibration.svm/);
    expect(() => sentimentFromJSON({ ...json, settings: { ...json.settings, buckets: 3 } })).toThrow(/buckets/);
  });
});

describe('calibration', () => {
  it('is monotone: a larger margin never gets a lower probability', () => {
    const random = mulberry32(4);
    const svm: number[] = [];
    const nb: number[] = [];
    const y: (0 | 1)[] = [];
    for (let i = 0; i < 500; i++) {
      const label = i % 2 === 0 ? 1 : 0;
      const signal = label === 1 ? 1 : -1;
      svm.push(signal * 0.8 + (random() - 0.5) * 3);
      nb.push(signal * 2 + (random() - 0.5) * 8);
      y.push(label);
    }
    const c = calibrate(svm, nb, y);
    expect(c.svm).toBeGreaterThan(0);
    expect(c.nb).toBeGreaterThanOrEqual(0);
    const grid = Array.from({ length: 41 }, (_, k) => -4 + k * 0.2);
    for (const n of [-3, 0, 3]) {
      const p = grid.map((m) => sigmoid(c.svm * m + c.nb * n + c.bias));
      for (let k = 1; k < p.length; k++) expect(p[k]!).toBeGreaterThanOrEqual(p[k - 1]!);
    }
    // a margin that points the wrong way is never given a negative weight: it is left out instead
    const flipped = calibrate(svm, nb.map((v) => -v), y);
    expect(flipped.nb).toBe(0);
    expect(flipped.svm).toBeGreaterThan(0);
  });

  it("gives the trained model's scores in the order of its margins on the held-out texts", () => {
    const model = fitSentiment(texts, labels);
    expect(model.calibration.svm).toBeGreaterThanOrEqual(0);
    expect(model.calibration.nb).toBeGreaterThanOrEqual(0);
    // calibrated probabilities: confident on obvious texts, but not 0 or 1
    for (const p of predictSentiment(model, HELD_OUT.map(([t]) => t))) {
      expect(Math.abs(p.score)).toBeGreaterThan(0.2);
      expect(Math.abs(p.score)).toBeLessThan(1);
    }
  });
});

describe('feature hashing', () => {
  it('is stable (FNV-1a) and gives sorted unique ids in range', () => {
    expect(hashFeature('')).toBe(0x811c9dc5);
    expect(hashFeature('a')).toBe(0xe40c292c);
    const ids = hashFeatures(['good', 'good', 'not NOT_good', '# go'], 1024);
    expect([...ids]).toEqual([...new Set(ids)].sort((a, b) => a - b));
    for (const id of ids) expect(id).toBeLessThan(1024);
    expect(ids.length).toBeLessThanOrEqual(3);
  });
});
