/**
 * The cross-validation folds of a lead-score data set, encoded once for benches that compare models on
 * the same matrices: per fold, the feature pipeline fitted on its training rows encodes both sides.
 */
import type { LeadScoreData } from '../src/cli/eval/leadscore.ts';
import { fitFeaturePipeline } from '../src/features/pipeline.ts';
import type { RawRow } from '../src/features/pipeline.ts';
import { foldsFromAssignment, stratifiedKFoldAssignment } from '../src/models/evaluate/index.ts';
import type { DenseMatrix } from '../src/models/forest/index.ts';

export interface EncodedFold {
  Xtrain: DenseMatrix;
  Xtest: DenseMatrix;
  yTrain: number[];
  yTest: number[];
  featureNames: readonly string[];
}

/** Stratified k folds (the assignment every lead-score bench shares for this seed), encoded. */
export function encodedFolds(data: Pick<LeadScoreData, 'rows' | 'labels' | 'spec'>, k: number, seed: number): EncodedFold[] {
  return foldsFromAssignment(stratifiedKFoldAssignment(data.labels, k, seed), k).map((fold) => {
    const trainRows = fold.train.map((i) => data.rows[i] as RawRow);
    const testRows = fold.test.map((i) => data.rows[i] as RawRow);
    const pipeline = fitFeaturePipeline(trainRows, data.spec);
    return {
      Xtrain: pipeline.transformDense(trainRows),
      Xtest: pipeline.transformDense(testRows),
      yTrain: fold.train.map((i) => data.labels[i] as number),
      yTest: fold.test.map((i) => data.labels[i] as number),
      featureNames: pipeline.featureNames,
    };
  });
}
