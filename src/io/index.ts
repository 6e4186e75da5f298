/** File readers with clear errors: CSV (delimiter detection, RFC 4180; a fixed-delimiter mode and a writer) and text<TAB>label files. */
export { count, fileError, InputError, lineList } from './errors.ts';
export {
  columnValues,
  CsvParser,
  DELIMITERS,
  describeDelimiter,
  detectDelimiter,
  formatCsvRecord,
  parseCsvObjects,
  parseCsvRecords,
  parseCsvText,
  parseDelimiterOption,
  readCsvFile,
  requireColumns,
  UnterminatedQuoteError,
} from './csv.ts';
export type { BadRow, CsvReadOptions, CsvTable, DelimiterGuess } from './csv.ts';
export { binaryLabels, DEFAULT_POSITIVE_VALUES } from './labels.ts';
export type { BinaryLabelOptions, BinaryLabels, ValueCount } from './labels.ts';
export { parseLabelledText, readLabelledTextFile } from './labelledText.ts';
export type { BadLine, LabelledText, LabelledTextOptions } from './labelledText.ts';
