/**
 * Text processing for the sentiment models: clause splitting, natural's tokenizer, stop words (keeping
 * negators, intensifiers and contrast words), natural's stemmer, negation marking and n-grams. Pure.
 *
 *   "I didn't love it, but the battery is great!"
 *   -> clauses ["i did not love it", "but the battery is great"]
 *   -> ["not", "NOT_love", "but", "batteri", "great"] + bigrams ["not NOT_love", "but batteri", ...]
 */
import { languageTools } from './languages.ts';
import type { LanguageTools, SentimentLanguage } from './languages.ts';

export interface TextOptions {
  language: SentimentLanguage;
  /** Drop stop words, except negators, intensifiers, contrast words and words the lexicon scores. */
  stopWords: boolean;
  /** Reduce words to their stem with natural's stemmer for the language (Porter for English). */
  stem: boolean;
  /**
   * Prefix up to `negationWindow` tokens after a negator with NOT_, stopping at punctuation (and at a
   * contrast word). null: the scope runs to the punctuation that ends the clause, however far.
   */
  negation: boolean;
  negationWindow: number | null;
  /** Smallest and largest n-gram length, e.g. [1, 2] for unigrams + bigrams. */
  ngramRange: readonly [number, number];
  /**
   * Character n-grams of each word, padded with a space at both ends and never across words ("good" ->
   * " g", "go", ..., "ood "), e.g. [2, 5]; null or absent for none. Every word counts here, stop words
   * included, unstemmed; a word in a negation scope gets the NOT_ mark on its grams too. They catch what
   * stems miss: misspellings ("disapppointment"), elongations ("soooo"), and word pieces ("-less", "un-").
   */
  charNgrams?: readonly [number, number] | null;
}

export const DEFAULT_TEXT_OPTIONS: TextOptions = {
  language: 'en',
  stopWords: true,
  stem: true,
  negation: true,
  negationWindow: 3,
  ngramRange: [1, 2],
};

export const NEGATION_PREFIX = 'NOT_';
/** Prefix of character n-gram features (a word feature never starts with it: '#' is not a word character). */
export const CHAR_PREFIX = '#';

/** Punctuation and breaks that end a clause (and a negation scope). */
const CLAUSE_BREAK = /[.,!?;:()[\]{}"…\u0085\r\n\t*|/]+|\s[-–—]+\s|--+|\s-$/u;

/**
 * English contractions, spelled with or without the apostrophe ("didn't", "didnt"), become "did not" so
 * natural's WordTokenizer (which splits on apostrophes) keeps the negator as a word of its own.
 */
function expandEnglish(text: string): string {
  return text
    .replace(/\bcan'?t\b/gi, 'can not')
    .replace(/\bcannot\b/gi, 'can not')
    .replace(/\bwon'?t\b/gi, 'will not')
    .replace(/\bain'?t\b/gi, 'is not')
    .replace(/\bshan'?t\b/gi, 'shall not')
    .replace(/n't\b/gi, ' not')
    .replace(/\b(do|does|did|is|are|was|were|could|would|should|has|have|had|must|need|might)nt\b/gi, '$1 not')
    .replace(/'(s|re|ve|m|ll|d)\b/gi, ' ');
}

/** Unifies apostrophes, turns U+0085 and other line breaks into clause breaks, expands English contractions. */
export function normalizeText(text: string, language: SentimentLanguage): string {
  const unified = text.normalize('NFC').replace(/[’‘`´]/g, "'").replace(/[\u0085\u2028\u2029]/g, '\n');
  return language === 'en' ? expandEnglish(unified) : unified;
}

/** A clause: its words in original case, and the punctuation that ended it. */
export interface Clause {
  words: string[];
  end: string;
}

/** Splits normalized text into clauses at punctuation and tokenizes each with natural's tokenizer. */
export function clauses(text: string, tools: LanguageTools): Clause[] {
  const normalized = normalizeText(text, tools.language);
  const out: Clause[] = [];
  const re = new RegExp(CLAUSE_BREAK.source, 'gu');
  let start = 0;
  for (let m = re.exec(normalized); ; m = re.exec(normalized)) {
    const piece = normalized.slice(start, m === null ? undefined : m.index);
    const words = tools.tokenizer
      .tokenize(piece)
      .map((w) => w.replace(/^['-]+|['-]+$/g, ''))
      .filter((w) => w !== '');
    const end = m === null ? '' : m[0].trim();
    if (words.length > 0) out.push({ words, end });
    else if (out.length > 0 && end !== '') out[out.length - 1]!.end += end;
    if (m === null) break;
    start = m.index + m[0].length;
  }
  return out;
}

/** Distinct words a memoized stemmer remembers before it starts over (bounds memory in a long-lived model). */
const STEM_MEMO_LIMIT = 50_000;

/** Memoizes natural's stemmer (pure, but not free) with a bounded memo. */
export function memoStem(tools: LanguageTools): (word: string) => string {
  const stemmer = tools.stemmer;
  if (stemmer === undefined) return (w) => w;
  const memo = new Map<string, string>();
  return (w) => {
    let s = memo.get(w);
    if (s === undefined) {
      s = stemmer.stem(w);
      if (memo.size >= STEM_MEMO_LIMIT) memo.clear();
      memo.set(w, s);
    }
    return s;
  };
}

/** A reusable feature extractor: text -> unigram and n-gram features. */
export type Featurizer = (text: string) => string[];

/** Words a stop-word filter must keep for a language: negators, intensifiers, dampeners, contrast words. */
function keptWords(tools: LanguageTools, extra: Iterable<string>): Set<string> {
  return new Set([...tools.negators, ...tools.boosters, ...tools.dampeners, ...tools.contrast, ...extra]);
}

/**
 * Builds the feature extractor for `options`. `lexiconWords` are stop words that still carry sentiment and
 * must be kept (for English natural's stop list holds "like", which AFINN scores +2).
 */
export function featurizer(options: TextOptions, lexiconWords: Iterable<string> = []): Featurizer {
  const tools = languageTools(options.language);
  const functionWords = keptWords(tools, []);
  const keep = keptWords(tools, [...lexiconWords].filter((w) => tools.stopWords.has(w)));
  const stem = options.stem ? memoStem(tools) : (w: string) => w;
  const [nMin, nMax] = options.ngramRange;
  const chars = options.charNgrams ?? null;
  const scope = options.negationWindow ?? Infinity;
  return (text) => {
    const features: string[] = [];
    for (const clause of clauses(text, tools)) {
      const tokens: string[] = [];
      let negated = 0;
      for (const raw of clause.words) {
        const word = raw.toLowerCase();
        if (tools.negators.has(word)) {
          tokens.push(word);
          if (chars) charGrams(word, chars, '', features);
          negated = options.negation ? scope : 0;
          continue;
        }
        if (tools.contrast.has(word)) negated = 0;
        if (chars) charGrams(word, chars, negated > 0 ? NEGATION_PREFIX : '', features);
        if (options.stopWords && tools.stopWords.has(word) && !keep.has(word)) continue;
        const stemmed = functionWords.has(word) ? word : stem(word);
        if (negated > 0) {
          tokens.push(NEGATION_PREFIX + stemmed);
          negated--;
        } else {
          tokens.push(stemmed);
        }
      }
      for (let n = Math.max(1, nMin); n <= nMax; n++) {
        for (let i = 0; i + n <= tokens.length; i++) {
          features.push(n === 1 ? (tokens[i] as string) : tokens.slice(i, i + n).join(' '));
        }
      }
    }
    return features;
  };
}

/** Appends the character n-grams of " word " (lengths range[0]..range[1]) to `out`. */
function charGrams(word: string, range: readonly [number, number], mark: string, out: string[]): void {
  const padded = ` ${word} `;
  const head = CHAR_PREFIX + mark;
  for (let n = range[0]; n <= range[1]; n++) {
    for (let i = 0; i + n <= padded.length; i++) out.push(head + padded.slice(i, i + n));
  }
}

/** The features of one text with the default options (English, unigrams + bigrams). */
export function textFeatures(text: string, options: Partial<TextOptions> = {}): string[] {
  return featurizer({ ...DEFAULT_TEXT_OPTIONS, ...options })(text);
}
