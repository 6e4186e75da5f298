/**
 * Untrained sentiment scorers over the lexicons natural ships (AFINN-165, SentiCon, Pattern).
 *
 * - 'afinn': natural's own SentimentAnalyzer (sum of word polarities, sign flipped for the rest of the
 *   sentence after a negator, divided by the token count), with natural's stemmer, on our tokenization;
 *   the per-token average s is mapped to -1..1 by s / sqrt(s^2 + 1).
 * - 'vader': a VADER-like scorer (Hutto & Gilbert 2014, constants from vaderSentiment) over the same
 *   lexicon: multi-word lexicon phrases, intensifiers (+-0.293, decaying over 3 words), negation within
 *   3 words and within the clause (x -0.74), "least", ALL-CAPS emphasis (+-0.733), contrast clauses
 *   ("but": before x0.5, after x1.5), "!" and "?" emphasis, and the normalisation x / sqrt(x^2 + 15).
 *   Lexicon values are put on VADER's -4..4 scale (AFINN x0.8, SentiCon/Pattern x4).
 */
import * as natural from './natural.ts';
import type { NaturalVocabularyType } from './natural.ts';
import { languageTools, lexiconVocabularies, naturalLanguageName } from './languages.ts';
import type { LanguageTools, SentimentLanguage } from './languages.ts';
import { clauses, memoStem, normalizeText } from './text.ts';

export const LEXICON_METHODS = ['vader', 'afinn'] as const;
export type LexiconMethod = (typeof LEXICON_METHODS)[number];

/** VADER's empirically derived constants (vaderSentiment 3.3.2). */
const B_INCR = 0.293;
const C_INCR = 0.733;
const N_SCALAR = -0.74;
const NORMALIZE_ALPHA = 15;
/** Distinct words remembered per scorer before the lookup memo starts over. */
const MEMO_LIMIT = 50_000;

interface Lexicon {
  /** Lower-case word -> valence on VADER's -4..4 scale. */
  words: Map<string, number>;
  /** Stem -> mean valence of the lexicon words with that stem (fallback when a word is not found). */
  stems: Map<string, number>;
  /** Multi-word entries, as token sequences joined by a space -> valence. */
  phrases: Map<string, number>;
  /** Longest phrase, in tokens. */
  maxPhrase: number;
}

const lexiconCache = new Map<string, Lexicon>();

function buildLexicon(language: SentimentLanguage, vocabulary: NaturalVocabularyType): Lexicon {
  const key = `${language}/${vocabulary}`;
  const cached = lexiconCache.get(key);
  if (cached) return cached;
  const tools = languageTools(language);
  const raw = natural.sentimentAnalyzer(naturalLanguageName(language), vocabulary).vocabulary;
  const scale = vocabulary === 'afinn' ? 0.8 : 4;
  const words = new Map<string, number>();
  const phrases = new Map<string, number>();
  let maxPhrase = 1;
  const stemSums = new Map<string, [number, number]>();
  const stem = memoStem(tools);
  for (const entry of Object.keys(raw).sort()) {
    const value = Number(raw[entry]) * scale;
    if (!Number.isFinite(value) || value === 0) continue;
    const tokens = clauses(entry, tools).flatMap((c) => c.words.map((w) => w.toLowerCase()));
    if (tokens.length === 0) continue;
    if (tokens.length > 1) {
      phrases.set(tokens.join(' '), value);
      maxPhrase = Math.max(maxPhrase, tokens.length);
      continue;
    }
    const word = tokens[0] as string;
    words.set(word, value);
    if (tools.stemmer !== undefined) {
      const s = stem(word);
      const acc = stemSums.get(s) ?? [0, 0];
      acc[0] += value;
      acc[1] += 1;
      stemSums.set(s, acc);
    }
  }
  const stems = new Map<string, number>();
  for (const [s, [sum, n]] of stemSums) stems.set(s, sum / n);
  const lexicon = { words, stems, phrases, maxPhrase };
  lexiconCache.set(key, lexicon);
  return lexicon;
}

/** The words a lexicon scores (used to keep sentiment-bearing stop words such as "like"). */
export function lexiconWords(language: SentimentLanguage, vocabulary?: NaturalVocabularyType): string[] {
  const vocab = vocabulary ?? (lexiconVocabularies(language)[0] as NaturalVocabularyType);
  return [...buildLexicon(language, vocab).words.keys()];
}

function isAllCaps(word: string): boolean {
  return word.length > 1 && word === word.toUpperCase() && word !== word.toLowerCase();
}

/** A scorer returns a score in -1..1 for one text. */
export type TextScorer = (text: string) => number;

/**
 * How a word missing from the lexicon is looked up again: 'inflection' tries English base forms
 * ("disappointing" -> "disappoint"), 'stem' compares natural's stems (merges more, and more wrongly:
 * measured on English it scored lower), 'none' only exact words.
 */
export const LEXICON_FALLBACKS = ['inflection', 'stem', 'none'] as const;
export type LexiconFallback = (typeof LEXICON_FALLBACKS)[number];

/** 'inflection' for English (measured best), 'stem' where natural has a stemmer, else 'none'. */
export function defaultFallback(language: SentimentLanguage): LexiconFallback {
  if (language === 'en') return 'inflection';
  return languageTools(language).stemmer !== undefined ? 'stem' : 'none';
}

export function vaderScorer(
  language: SentimentLanguage,
  vocabulary: NaturalVocabularyType,
  fallback: LexiconFallback = defaultFallback(language),
): TextScorer {
  const tools = languageTools(language);
  const lexicon = buildLexicon(language, vocabulary);
  const stem = memoStem(tools);
  const lookup = (lower: string): number | undefined => {
    const exact = lexicon.words.get(lower);
    if (exact !== undefined || fallback === 'none') return exact;
    if (fallback === 'inflection') {
      for (const base of englishBases(lower)) {
        const v = lexicon.words.get(base);
        if (v !== undefined) return v;
      }
      return undefined;
    }
    return tools.stemmer !== undefined ? lexicon.stems.get(stem(lower)) : undefined;
  };
  // Most words are not in the lexicon and each is looked up several times: memoize, bounded.
  const memo = new Map<string, number | null>();
  const valenceOf = (lower: string): number | undefined => {
    const hit = memo.get(lower);
    if (hit !== undefined) return hit ?? undefined;
    const v = lookup(lower);
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(lower, v ?? null);
    return v;
  };
  return (text) => scoreVader(text, tools, lexicon, valenceOf);
}

/** Candidate base forms of an inflected English word: "disappointing" -> "disappoint", "disappointe", ... */
function englishBases(word: string): string[] {
  const out: string[] = [];
  const add = (stemPart: string, ...endings: string[]) => {
    if (stemPart.length < 3) return;
    for (const e of endings) out.push(stemPart + e);
    const last = stemPart[stemPart.length - 1];
    if (stemPart.length > 3 && last === stemPart[stemPart.length - 2] && last !== 'l' && last !== 's') out.push(stemPart.slice(0, -1));
  };
  if (word.endsWith('ies')) add(word.slice(0, -3), 'y');
  if (word.endsWith('ied')) add(word.slice(0, -3), 'y');
  if (word.endsWith('ily')) add(word.slice(0, -3), 'y');
  if (word.endsWith('ing')) add(word.slice(0, -3), '', 'e');
  if (word.endsWith('ed')) add(word.slice(0, -2), '', 'e');
  if (word.endsWith('es')) add(word.slice(0, -2), '');
  if (word.endsWith('s') && !word.endsWith('ss')) add(word.slice(0, -1), '');
  if (word.endsWith('ly')) add(word.slice(0, -2), '', 'le');
  if (word.endsWith('ness')) add(word.slice(0, -4), '');
  if (word.endsWith('ful')) add(word.slice(0, -3), '');
  return out;
}

function scoreVader(
  text: string,
  tools: LanguageTools,
  lexicon: Lexicon,
  valenceOf: (lower: string) => number | undefined,
): number {
  const parts = clauses(text, tools);
  const all = parts.flatMap((c) => c.words);
  const capsDifferential = all.some(isAllCaps) && !all.every(isAllCaps);
  const sentiments: number[] = [];
  let contrastAt = -1;
  for (const clause of parts) {
    const original = clause.words;
    const lower = original.map((w) => w.toLowerCase());
    for (let i = 0; i < lower.length; i++) {
      const word = lower[i] as string;
      if (contrastAt < 0 && tools.contrast.has(word)) contrastAt = sentiments.length;
      // Multi-word lexicon entries first ("does not work", "can not stand", "fed up").
      let valence: number | undefined;
      let span = 1;
      for (let n = Math.min(lexicon.maxPhrase, lower.length - i); n >= 2 && valence === undefined; n--) {
        const v = lexicon.phrases.get(lower.slice(i, i + n).join(' '));
        if (v !== undefined) {
          valence = v;
          span = n;
        }
      }
      const isFunctionWord =
        tools.negators.has(word) || tools.boosters.has(word) || tools.dampeners.has(word) || tools.contrast.has(word);
      if (valence === undefined) valence = isFunctionWord ? undefined : valenceOf(word);
      if (valence === undefined) {
        sentiments.push(0);
        continue;
      }
      if (span === 1 && capsDifferential && isAllCaps(original[i] as string)) {
        valence += Math.sign(valence) * C_INCR;
      }
      for (let back = 0; back < 3; back++) {
        const j = i - back - 1;
        if (j < 0) break;
        const prev = lower[j] as string;
        if (span === 1 && valenceOf(prev) === undefined) {
          let scalar = 0;
          if (tools.boosters.has(prev)) scalar = B_INCR;
          else if (tools.dampeners.has(prev)) scalar = -B_INCR;
          if (scalar !== 0) {
            scalar *= Math.sign(valence);
            if (capsDifferential && isAllCaps(original[j] as string)) scalar += Math.sign(valence) * C_INCR;
            valence += scalar * (back === 0 ? 1 : back === 1 ? 0.95 : 0.9);
          }
        }
        if (tools.negators.has(prev)) valence *= N_SCALAR;
      }
      // "least" as in "the least useful", not "at least" / "very least".
      if (i >= 1 && lower[i - 1] === 'least' && !(i >= 2 && (lower[i - 2] === 'at' || lower[i - 2] === 'very'))) {
        valence *= N_SCALAR;
      }
      sentiments.push(valence);
      for (let k = 1; k < span; k++) sentiments.push(0);
      i += span - 1;
    }
  }
  let sum = 0;
  sentiments.forEach((s, k) => {
    if (contrastAt >= 0) sum += k < contrastAt ? s * 0.5 : k > contrastAt ? s * 1.5 : s;
    else sum += s;
  });
  if (sum !== 0) sum += Math.sign(sum) * punctuationEmphasis(text);
  return sum / Math.sqrt(sum * sum + NORMALIZE_ALPHA);
}

/** VADER: each "!" (up to 4) adds 0.292; two or three "?" add 0.18 each, more add 0.96. */
function punctuationEmphasis(text: string): number {
  const bangs = Math.min((text.match(/!/g) ?? []).length, 4);
  const questions = (text.match(/\?/g) ?? []).length;
  const q = questions > 1 ? (questions <= 3 ? questions * 0.18 : 0.96) : 0;
  return bangs * 0.292 + q;
}

export function afinnScorer(language: SentimentLanguage, vocabulary: NaturalVocabularyType): TextScorer {
  const tools = languageTools(language);
  const analyzer = natural.sentimentAnalyzer(naturalLanguageName(language), vocabulary, tools.stemmer);
  return (text) => {
    const tokens = tools.tokenizer.tokenize(normalizeText(text, language));
    if (tokens.length === 0) return 0;
    const s = analyzer.getSentiment(tokens);
    return Number.isFinite(s) ? s / Math.sqrt(s * s + 1) : 0;
  };
}

export function lexiconScorer(
  method: LexiconMethod,
  language: SentimentLanguage,
  vocabulary: NaturalVocabularyType,
  fallback: LexiconFallback = defaultFallback(language),
): TextScorer {
  return method === 'vader' ? vaderScorer(language, vocabulary, fallback) : afinnScorer(language, vocabulary);
}
