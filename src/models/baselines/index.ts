/**
 * Baseline classifiers for the lead-score bench (bench/baselines.ts): logistic regression (re-exported from
 * ../linear), Gaussian/Bernoulli naive Bayes, a single CART tree and a one-hidden-layer MLP. Each takes the
 * feature pipeline's numeric matrix (`number[][]` or a dense matrix) and 0/1 labels, and saves as tagged
 * plain JSON. They are yardsticks for the product's forest, not product models.
 */
export { fitLogistic, LOGISTIC_KIND, LOGISTIC_VERSION, logisticContributions, logisticFromJSON, logisticLogits, logisticProba } from '../linear/logistic.ts';
export type { LogisticModel, LogisticOptions } from '../linear/logistic.ts';
export { fitNaiveBayes, NAIVE_BAYES_KIND, NAIVE_BAYES_VERSION, naiveBayesFromJSON, naiveBayesLogOdds, naiveBayesProba, naiveBayesToJSON } from './naiveBayes.ts';
export type { NaiveBayesFeature, NaiveBayesModel, NaiveBayesOptions } from './naiveBayes.ts';
export { CART_KIND, CART_VERSION, cartDepth, cartFromJSON, cartProba, cartToJSON, cartTree, fitCart } from './cart.ts';
export type { CartModel, CartOptions } from './cart.ts';
export { fitMlp, MLP_KIND, MLP_VERSION, mlpFromJSON, mlpLogits, mlpProba, mlpToJSON } from './mlp.ts';
export type { MlpActivation, MlpModel, MlpOptions } from './mlp.ts';
