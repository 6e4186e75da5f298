/**
 * What each supported language gets: natural's vocabularies for its SentimentAnalyzer, stemmer, stop words
 * and tokenizer, plus the small function-word lists the scorers need (negators, intensifiers, contrast).
 *
 * The languages are exactly those natural's SentimentAnalyzer accepts (natural 8.1.1):
 *   afinn: English, Spanish, Portuguese; senticon: English, Spanish, Galician, Catalan, Basque;
 *   pattern: English, Dutch, Italian, French, German.
 * Negators come from natural's own lists (English, Spanish, Portuguese, Dutch, German) where it has them;
 * for the others natural has none, so we add the language's common negation words here.
 */
import * as natural from './natural.ts';
import type { NaturalVocabularyType, Stemmer, Tokenizer } from './natural.ts';

export const SENTIMENT_LANGUAGES = ['en', 'es', 'pt', 'fr', 'it', 'de', 'nl', 'ca', 'gl', 'eu'] as const;
export type SentimentLanguage = (typeof SENTIMENT_LANGUAGES)[number];

interface LanguageSpec {
  /** natural's spelling, passed to SentimentAnalyzer. */
  naturalName: string;
  /** Vocabularies natural ships for this language; the first is the default. */
  vocabularies: readonly NaturalVocabularyType[];
  /** natural stemmer file, if natural has one. */
  stemmer?: string;
  /** natural stop-word file, if natural has one. */
  stopWords?: string;
  /** natural aggressive tokenizer suffix that keeps this language's letters; else a Unicode letter split. */
  tokenizer?: 'word' | string;
  /** Negators added to natural's list (or the whole list when natural has none). */
  negators: readonly string[];
  /** Intensifiers (VADER "boosters"): scale up the next sentiment word. */
  boosters: readonly string[];
  /** Dampeners: scale down the next sentiment word. */
  dampeners: readonly string[];
  /** Contrast conjunctions (single words): the clause after them outweighs the one before ("good but slow"). */
  contrast: readonly string[];
}

const LANGUAGES: Record<SentimentLanguage, LanguageSpec> = {
  en: {
    naturalName: 'English',
    vocabularies: ['afinn', 'senticon', 'pattern'],
    stemmer: 'porter_stemmer',
    stopWords: 'stopwords',
    tokenizer: 'word',
    negators: ['not', 'no', 'never', 'neither', 'nor', 'none', 'nothing', 'nobody', 'nowhere', 'without', 'cannot', 'hardly', 'barely'],
    boosters: [
      'very', 'really', 'so', 'too', 'extremely', 'absolutely', 'totally', 'completely', 'highly', 'incredibly',
      'truly', 'utterly', 'most', 'more', 'especially', 'exceptionally', 'particularly', 'remarkably',
      'entirely', 'fully', 'quite', 'thoroughly', 'hugely', 'deeply', 'awfully', 'amazingly', 'insanely',
      'seriously', 'such',
    ],
    dampeners: ['somewhat', 'slightly', 'barely', 'hardly', 'kinda', 'sorta', 'little', 'marginally', 'partly', 'less', 'least', 'fairly', 'rather'],
    contrast: ['but', 'however', 'yet'],
  },
  es: {
    naturalName: 'Spanish',
    vocabularies: ['senticon', 'afinn'],
    stemmer: 'porter_stemmer_es',
    stopWords: 'stopwords_es',
    tokenizer: 'es',
    negators: ['no', 'nunca', 'jamás', 'ni', 'nada', 'nadie', 'ningún', 'ninguno', 'ninguna', 'sin', 'tampoco'],
    boosters: ['muy', 'mucho', 'muchísimo', 'bastante', 'demasiado', 'súper', 'super', 'tan', 'totalmente', 'realmente', 'extremadamente', 'más'],
    dampeners: ['poco', 'algo', 'apenas', 'menos'],
    contrast: ['pero', 'sino'],
  },
  pt: {
    naturalName: 'Portuguese',
    vocabularies: ['afinn'],
    stemmer: 'porter_stemmer_pt',
    stopWords: 'stopwords_pt',
    tokenizer: 'pt',
    negators: ['não', 'nunca', 'jamais', 'nem', 'nada', 'ninguém', 'nenhum', 'nenhuma', 'sem'],
    boosters: ['muito', 'muita', 'bastante', 'demais', 'tão', 'super', 'totalmente', 'realmente', 'extremamente', 'mais'],
    dampeners: ['pouco', 'meio', 'apenas', 'menos'],
    contrast: ['mas', 'porém', 'contudo'],
  },
  fr: {
    naturalName: 'French',
    vocabularies: ['pattern'],
    stemmer: 'porter_stemmer_fr',
    stopWords: 'stopwords_fr',
    tokenizer: 'fr',
    negators: ['ne', 'pas', 'jamais', 'non', 'rien', 'aucun', 'aucune', 'personne', 'ni', 'sans'],
    boosters: ['très', 'trop', 'vraiment', 'tellement', 'totalement', 'extrêmement', 'super', 'si', 'plus'],
    dampeners: ['peu', 'assez', 'plutôt', 'moins'],
    contrast: ['mais', 'cependant', 'pourtant', 'toutefois'],
  },
  it: {
    naturalName: 'Italian',
    vocabularies: ['pattern'],
    stemmer: 'porter_stemmer_it',
    stopWords: 'stopwords_it',
    negators: ['non', 'mai', 'nessuno', 'nessuna', 'niente', 'nulla', 'né', 'senza'],
    boosters: ['molto', 'troppo', 'davvero', 'veramente', 'tanto', 'così', 'estremamente', 'super', 'più'],
    dampeners: ['poco', 'abbastanza', 'piuttosto', 'meno'],
    contrast: ['ma', 'però', 'tuttavia', 'eppure'],
  },
  de: {
    naturalName: 'German',
    vocabularies: ['pattern'],
    stemmer: 'porter_stemmer_de',
    tokenizer: 'de',
    negators: ['nicht', 'kein', 'keine', 'keinen', 'keinem', 'keiner', 'nie', 'niemals', 'nichts', 'niemand', 'ohne', 'nein'],
    boosters: ['sehr', 'zu', 'wirklich', 'total', 'extrem', 'äußerst', 'so', 'besonders', 'super', 'echt', 'mehr'],
    dampeners: ['etwas', 'ziemlich', 'kaum', 'weniger'],
    contrast: ['aber', 'jedoch', 'doch', 'trotzdem'],
  },
  nl: {
    naturalName: 'Dutch',
    vocabularies: ['pattern'],
    stemmer: 'porter_stemmer_nl',
    stopWords: 'stopwords_nl',
    tokenizer: 'nl',
    negators: ['niet', 'nooit', 'niemand', 'niets', 'nee', 'neen', 'geen', 'zonder'],
    boosters: ['erg', 'zeer', 'heel', 'echt', 'te', 'super', 'enorm', 'ontzettend', 'zo', 'meer'],
    dampeners: ['beetje', 'wat', 'nauwelijks', 'minder'],
    contrast: ['maar', 'echter', 'toch'],
  },
  ca: {
    naturalName: 'Catalan',
    vocabularies: ['senticon'],
    negators: ['no', 'mai', 'cap', 'ningú', 'res', 'sense', 'ni'],
    boosters: ['molt', 'massa', 'tan', 'realment', 'totalment', 'super', 'més'],
    dampeners: ['poc', 'bastant', 'menys'],
    contrast: ['però', 'tanmateix'],
  },
  gl: {
    naturalName: 'Galician',
    vocabularies: ['senticon'],
    negators: ['non', 'nunca', 'ningún', 'ningunha', 'nada', 'ninguén', 'sen', 'nin'],
    boosters: ['moi', 'moito', 'demasiado', 'tan', 'realmente', 'totalmente', 'máis'],
    dampeners: ['pouco', 'algo', 'menos'],
    contrast: ['pero', 'porén'],
  },
  eu: {
    naturalName: 'Basque',
    vocabularies: ['senticon'],
    negators: ['ez', 'inoiz', 'ezer', 'inor', 'gabe', 'ezta'],
    boosters: ['oso', 'benetan', 'guztiz', 'izugarri', 'gehiegi', 'gehiago'],
    dampeners: ['pixka', 'gutxi', 'nahiko'],
    contrast: ['baina', 'ordea'],
  },
};

/** Accepts an ISO 639-1 code ('es') or natural's English name ('Spanish'), any case. */
export function resolveLanguage(input: string): SentimentLanguage {
  const key = input.trim().toLowerCase();
  for (const code of SENTIMENT_LANGUAGES) {
    if (code === key || LANGUAGES[code].naturalName.toLowerCase() === key) return code;
  }
  const list = SENTIMENT_LANGUAGES.map((c) => `${c} (${LANGUAGES[c].naturalName})`).join(', ');
  throw new RangeError(`Unsupported sentiment language "${input}". Supported: ${list}.`);
}

export function naturalLanguageName(language: SentimentLanguage): string {
  return LANGUAGES[language].naturalName;
}

/** natural's sentiment vocabularies available for a language; the first is our default. */
export function lexiconVocabularies(language: SentimentLanguage): readonly NaturalVocabularyType[] {
  return LANGUAGES[language].vocabularies;
}

export interface LanguageTools {
  language: SentimentLanguage;
  tokenizer: Tokenizer;
  /** undefined when natural has no stemmer for the language. */
  stemmer: Stemmer | undefined;
  stopWords: ReadonlySet<string>;
  negators: ReadonlySet<string>;
  boosters: ReadonlySet<string>;
  dampeners: ReadonlySet<string>;
  contrast: ReadonlySet<string>;
}

/** A Unicode-aware word splitter for languages natural has no letter-preserving tokenizer for. */
const unicodeTokenizer: Tokenizer = {
  tokenize: (text) => text.split(/[^\p{L}\p{N}_'-]+/u).filter((t) => t !== '' && t !== "'" && t !== '-'),
};

const toolsCache = new Map<SentimentLanguage, LanguageTools>();

export function languageTools(language: SentimentLanguage): LanguageTools {
  const cached = toolsCache.get(language);
  if (cached) return cached;
  const spec = LANGUAGES[language];
  const naturalNegators = natural.sentimentAnalyzer(spec.naturalName, spec.vocabularies[0] ?? 'afinn').negations;
  const tokenizer =
    spec.tokenizer === 'word'
      ? natural.wordTokenizer()
      : spec.tokenizer !== undefined
        ? natural.aggressiveTokenizer(spec.tokenizer)
        : unicodeTokenizer;
  const tools: LanguageTools = {
    language,
    tokenizer,
    stemmer: spec.stemmer === undefined ? undefined : natural.stemmer(spec.stemmer),
    stopWords: new Set(spec.stopWords === undefined ? [] : natural.stopWords(spec.stopWords)),
    negators: new Set([...naturalNegators, ...spec.negators]),
    boosters: new Set(spec.boosters),
    dampeners: new Set(spec.dampeners),
    contrast: new Set(spec.contrast),
  };
  toolsCache.set(language, tools);
  return tools;
}
