/**
 * A small typed wrapper over the parts of `natural` this model uses.
 *
 * natural's index (`import natural from 'natural'`) also loads its MongoDB, Redis and PostgreSQL storage
 * clients, reads `.env` from the working directory and prints to stdout. Its individual files are plain
 * CommonJS with no such side effects, so we load exactly the ones we need with `createRequire` and give
 * them the types below (no ambient .d.ts needed). Everything is loaded lazily, once, and cached: nothing
 * here does I/O after the first use of a language.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const NATURAL = 'natural/lib/natural';

export interface Stemmer {
  stem(token: string): string;
}

export interface Tokenizer {
  tokenize(text: string): string[];
}

/** natural's vocabulary types for its SentimentAnalyzer. */
export type NaturalVocabularyType = 'afinn' | 'senticon' | 'pattern';

export interface NaturalSentimentAnalyzer {
  /** Word (stemmed when a stemmer was given) -> polarity; pattern lexicons hold numeric strings. */
  vocabulary: Record<string, number | string>;
  negations: string[];
  /** natural's score: sum of word polarities (sign flipped after a negator) divided by the token count. */
  getSentiment(words: string[]): number;
}

type SentimentAnalyzerClass = new (
  language: string,
  stemmer: Stemmer | undefined,
  type: NaturalVocabularyType,
) => NaturalSentimentAnalyzer;

type TokenizerClass = new () => Tokenizer;

const cache = new Map<string, unknown>();

function load<T>(path: string): T {
  const key = `${NATURAL}/${path}`;
  if (!cache.has(key)) cache.set(key, require(key) as unknown);
  return cache.get(key) as T;
}

/** natural's WordTokenizer: splits on anything but A-Z, a-z, Cyrillic, digits and underscore. */
export function wordTokenizer(): Tokenizer {
  const { WordTokenizer } = load<{ WordTokenizer: TokenizerClass }>('tokenizers/regexp_tokenizer.js');
  return new WordTokenizer();
}

/** natural's per-language "aggressive" tokenizer, e.g. `aggressive_tokenizer_es.js`. */
export function aggressiveTokenizer(suffix: string): Tokenizer {
  const Class = load<TokenizerClass>(`tokenizers/aggressive_tokenizer_${suffix}.js`);
  return new Class();
}

/** A natural stemmer module by file name, e.g. `porter_stemmer` or `porter_stemmer_es`. */
export function stemmer(file: string): Stemmer {
  return load<Stemmer>(`stemmers/${file}.js`);
}

/** A natural stop-word list by file name, e.g. `stopwords` or `stopwords_fr`. */
export function stopWords(file: string): readonly string[] {
  return load<{ words: string[] }>(`util/${file}.js`).words;
}

/**
 * natural's SentimentAnalyzer. `language` is natural's own spelling ('English', 'Spanish', ...). With a
 * stemmer, natural re-keys the vocabulary by stem and falls back to the stem when a word is not found.
 */
export function sentimentAnalyzer(
  language: string,
  type: NaturalVocabularyType,
  withStemmer?: Stemmer,
): NaturalSentimentAnalyzer {
  const SentimentAnalyzer = load<SentimentAnalyzerClass>('sentiment/SentimentAnalyzer.js');
  return new SentimentAnalyzer(language, withStemmer, type);
}

/** The version of natural in node_modules (recorded in model JSON for lexicon models). */
export function naturalVersion(): string {
  const pkg = require('natural/package.json') as { version: string };
  return pkg.version;
}
