/**
 * SOQL tokenizer. Every character of the query ends up in exactly one token; anything the
 * grammar does not know (';', '*', '"', a bind ':' ...) becomes an 'unknown' token so the parser
 * reports it as "unexpected token" at its position, the way Salesforce answers an injection
 * attempt like `Name; DELETE FROM Lead`. Only unterminated strings and bad escapes fail here.
 */
import { soqlError } from '../errors.ts';

export type TokenKind = 'ident' | 'string' | 'number' | 'date' | 'datetime' | 'op' | 'punct' | 'unknown' | 'eof';

export interface Token {
  kind: TokenKind;
  /** Source text of the token. */
  text: string;
  /** Decoded value: the string's content for 'string', the text otherwise. */
  value: string;
  /** Offset of the first character in the query. */
  pos: number;
}

const DATETIME_RE = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})/y;
const DATE_RE = /\d{4}-\d{2}-\d{2}(?![\w:.])/y;
const NUMBER_RE = /[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?/y;
const IDENT_RE = /[A-Za-z_][A-Za-z0-9_]*/y;

/**
 * Escapes SOQL accepts inside string literals. \_ and \% stay escaped (two characters) so LIKE
 * can tell a literal underscore from a wildcard.
 */
const ESCAPES: Record<string, string> = {
  n: '\n', N: '\n', r: '\r', R: '\r', t: '\t', T: '\t', b: '\b', B: '\b', f: '\f', F: '\f',
  '"': '"', "'": "'", '\\': '\\', _: '\\_', '%': '\\%',
};

function sticky(re: RegExp, text: string, pos: number): string | undefined {
  re.lastIndex = pos;
  const m = re.exec(text);
  return m ? m[0] : undefined;
}

export function tokenize(query: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const c = query[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= query.length) {
          throw soqlError(query, start, 'MALFORMED_QUERY', `line 1:${start} mismatched character '<EOF>' expecting '''`);
        }
        const ch = query[i] as string;
        if (ch === "'") {
          i++;
          break;
        }
        if (ch === '\\') {
          const next = query[i + 1];
          if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(query.slice(i + 2, i + 6))) {
            value += String.fromCharCode(parseInt(query.slice(i + 2, i + 6), 16));
            i += 6;
            continue;
          }
          const decoded = next === undefined ? undefined : ESCAPES[next];
          if (decoded === undefined) {
            const literal = query.slice(start, query.indexOf("'", i + 2) + 1 || undefined);
            throw soqlError(query, i, 'MALFORMED_QUERY', `Invalid string literal '${literal}'. Illegal character sequence '\\${next ?? ''}' in string literal.`);
          }
          value += decoded;
          i += 2;
          continue;
        }
        value += ch;
        i++;
      }
      out.push({ kind: 'string', text: query.slice(start, i), value, pos: start });
      continue;
    }
    const datetime = /\d/.test(c) ? sticky(DATETIME_RE, query, i) : undefined;
    if (datetime) {
      out.push({ kind: 'datetime', text: datetime, value: datetime, pos: start });
      i += datetime.length;
      continue;
    }
    const date = /\d/.test(c) ? sticky(DATE_RE, query, i) : undefined;
    if (date) {
      out.push({ kind: 'date', text: date, value: date, pos: start });
      i += date.length;
      continue;
    }
    // A sign belongs to the number only when a digit follows ("-5"), never to an operator.
    const number = /[\d.]/.test(c) || ((c === '-' || c === '+') && /[\d.]/.test(query[i + 1] ?? '')) ? sticky(NUMBER_RE, query, i) : undefined;
    if (number) {
      out.push({ kind: 'number', text: number, value: number, pos: start });
      i += number.length;
      continue;
    }
    const ident = sticky(IDENT_RE, query, i);
    if (ident) {
      out.push({ kind: 'ident', text: ident, value: ident, pos: start });
      i += ident.length;
      continue;
    }
    const two = query.slice(i, i + 2);
    if (two === '!=' || two === '<>' || two === '<=' || two === '>=') {
      out.push({ kind: 'op', text: two, value: two, pos: start });
      i += 2;
      continue;
    }
    if (c === '=' || c === '<' || c === '>') {
      out.push({ kind: 'op', text: c, value: c, pos: start });
      i++;
      continue;
    }
    if (c === ',' || c === '(' || c === ')' || c === '.' || c === ':') {
      out.push({ kind: 'punct', text: c, value: c, pos: start });
      i++;
      continue;
    }
    out.push({ kind: 'unknown', text: c, value: c, pos: start });
    i++;
  }
  out.push({ kind: 'eof', text: '<EOF>', value: '', pos: query.length });
  return out;
}
