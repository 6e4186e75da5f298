/**
 * Recursive-descent parser for the SOQL subset the emulator serves:
 *
 *   query      := SELECT item (',' item)* FROM name [WHERE cond] [ORDER BY order (',' order)*]
 *                 [LIMIT int] [OFFSET int]
 *   item       := path | COUNT '(' [path] ')' [alias] | '(' subquery ')'
 *   subquery   := SELECT path (',' path)* FROM relationshipName [WHERE cond] [ORDER BY ...] [LIMIT int]
 *   cond       := unary ((AND unary)* | (OR unary)*)        -- mixing AND and OR needs parentheses
 *   unary      := NOT unary | '(' cond ')' | path op literal | path [NOT] IN '(' literal, ... ')'
 *                 | path LIKE string
 *   literal    := string | number | date | datetime | TRUE | FALSE | NULL | TODAY | LAST_N_DAYS ':' int ...
 *
 * The parser knows nothing about the org; names are resolved (and INVALID_TYPE / INVALID_FIELD
 * raised) by execute.ts, after the whole query has parsed, as Salesforce does.
 */
import { soqlError } from '../errors.ts';
import { tokenize, type Token } from './lexer.ts';

export interface FieldPath {
  /** Segments as written, e.g. ['Account', 'Name']. */
  parts: string[];
  text: string;
  pos: number;
}

export type SelectItem =
  | { kind: 'field'; path: FieldPath }
  | { kind: 'count'; path: FieldPath | undefined; alias: string | undefined; pos: number }
  | { kind: 'subquery'; query: Query; pos: number };

export type Literal =
  | { kind: 'string'; value: string; pos: number }
  | { kind: 'number'; value: number; pos: number }
  | { kind: 'boolean'; value: boolean; pos: number }
  | { kind: 'null'; pos: number }
  | { kind: 'date'; value: string; pos: number }
  | { kind: 'datetime'; text: string; pos: number }
  | { kind: 'dateLiteral'; name: string; n: number | undefined; pos: number };

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type Condition =
  | { kind: 'and' | 'or'; items: Condition[] }
  | { kind: 'not'; item: Condition }
  | { kind: 'compare'; path: FieldPath; op: CompareOp; value: Literal }
  | { kind: 'in'; path: FieldPath; negated: boolean; values: Literal[] }
  | { kind: 'like'; path: FieldPath; value: Literal & { kind: 'string' } };

export interface OrderItem {
  path: FieldPath;
  descending: boolean;
  nullsLast: boolean;
}

export interface Query {
  select: SelectItem[];
  from: { name: string; pos: number };
  where: Condition | undefined;
  orderBy: OrderItem[];
  limit: number | undefined;
  offset: number | undefined;
  /** The full query text, for error messages. */
  text: string;
}

/** Date literals with their ":n" argument, if any (TODAY, LAST_N_DAYS:30 ...). */
export const DATE_LITERALS: Record<string, boolean> = {
  TODAY: false, YESTERDAY: false, TOMORROW: false, LAST_N_DAYS: true, NEXT_N_DAYS: true, N_DAYS_AGO: true,
};

/** Words that end a field list or start a clause; none of them can be a field name. */
const RESERVED = new Set([
  'SELECT', 'FROM', 'WHERE', 'AND', 'OR', 'NOT', 'IN', 'LIKE', 'ORDER', 'BY', 'ASC', 'DESC', 'NULLS', 'LIMIT', 'OFFSET',
  'NULL', 'TRUE', 'FALSE', 'GROUP', 'HAVING', 'WITH', 'USING', 'FOR', 'INCLUDES', 'EXCLUDES', 'TYPEOF',
]);

/** Real SOQL features this emulator does not implement: a clear MALFORMED_QUERY instead of a wrong answer. */
const UNSUPPORTED = new Set(['GROUP', 'HAVING', 'WITH', 'USING', 'FOR', 'INCLUDES', 'EXCLUDES', 'TYPEOF']);

class Parser {
  private i = 0;
  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)] as Token;
  }

  private next(): Token {
    const t = this.peek();
    if (this.i < this.tokens.length - 1) this.i++;
    return t;
  }

  private isKeyword(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'ident' && t.value.toUpperCase() === word;
  }

  private unexpected(t: Token = this.peek(), note?: string): never {
    const why = note ?? (t.kind === 'ident' && UNSUPPORTED.has(t.value.toUpperCase()) ? `${t.value.toUpperCase()} is not supported by the Salesforce emulator` : undefined);
    throw soqlError(this.text, t.pos, 'MALFORMED_QUERY', `unexpected token: '${t.text}'${why ? ` (${why})` : ''}`);
  }

  private expectKeyword(word: string): Token {
    if (!this.isKeyword(word)) this.unexpected();
    return this.next();
  }

  private expectPunct(p: string): Token {
    const t = this.peek();
    if (t.kind !== 'punct' || t.value !== p) this.unexpected();
    return this.next();
  }

  private isPunct(p: string): boolean {
    const t = this.peek();
    return t.kind === 'punct' && t.value === p;
  }

  parseQuery(nested: boolean): Query {
    this.expectKeyword('SELECT');
    const select: SelectItem[] = [this.parseSelectItem(nested)];
    while (this.isPunct(',')) {
      this.next();
      select.push(this.parseSelectItem(nested));
    }
    this.expectKeyword('FROM');
    const fromTok = this.next();
    if (fromTok.kind !== 'ident' || RESERVED.has(fromTok.value.toUpperCase())) this.unexpected(fromTok);
    const query: Query = {
      select, from: { name: fromTok.value, pos: fromTok.pos }, where: undefined, orderBy: [], limit: undefined, offset: undefined, text: this.text,
    };
    if (this.isKeyword('WHERE')) {
      this.next();
      query.where = this.parseCondition();
    }
    if (this.isKeyword('ORDER')) {
      this.next();
      this.expectKeyword('BY');
      query.orderBy.push(this.parseOrderItem());
      while (this.isPunct(',')) {
        this.next();
        query.orderBy.push(this.parseOrderItem());
      }
    }
    if (this.isKeyword('LIMIT')) {
      this.next();
      query.limit = this.parseInteger();
    }
    if (!nested && this.isKeyword('OFFSET')) {
      this.next();
      query.offset = this.parseInteger();
    }
    return query;
  }

  /** The top level must end here; a subquery must end at its ')'. */
  expectEnd(): void {
    if (this.peek().kind !== 'eof') this.unexpected();
  }

  private parseInteger(): number {
    const t = this.next();
    if (t.kind !== 'number' || !/^\d+$/.test(t.text)) this.unexpected(t);
    const n = Number(t.text);
    if (!Number.isSafeInteger(n) || n > 2_147_483_647) {
      throw soqlError(this.text, t.pos, 'MALFORMED_QUERY', `numeric value out of range: ${t.text}`);
    }
    return n;
  }

  private parsePath(): FieldPath {
    const first = this.next();
    if (first.kind !== 'ident' || RESERVED.has(first.value.toUpperCase())) this.unexpected(first);
    const parts = [first.value];
    while (this.isPunct('.')) {
      this.next();
      const t = this.next();
      if (t.kind !== 'ident') this.unexpected(t);
      parts.push(t.value);
    }
    return { parts, text: parts.join('.'), pos: first.pos };
  }

  private parseSelectItem(nested: boolean): SelectItem {
    const t = this.peek();
    if (t.kind === 'punct' && t.value === '(') {
      if (nested) this.unexpected();
      this.next();
      const query = this.parseQuery(true);
      this.expectPunct(')');
      return { kind: 'subquery', query, pos: t.pos };
    }
    if (this.isKeyword('COUNT') && this.peek(1).kind === 'punct' && this.peek(1).value === '(') {
      this.next();
      this.next();
      const path = this.isPunct(')') ? undefined : this.parsePath();
      this.expectPunct(')');
      let alias: string | undefined;
      const a = this.peek();
      if (path && a.kind === 'ident' && !RESERVED.has(a.value.toUpperCase())) {
        alias = a.value;
        this.next();
      }
      return { kind: 'count', path, alias, pos: t.pos };
    }
    return { kind: 'field', path: this.parsePath() };
  }

  private parseOrderItem(): OrderItem {
    const path = this.parsePath();
    let descending = false;
    if (this.isKeyword('ASC')) this.next();
    else if (this.isKeyword('DESC')) {
      this.next();
      descending = true;
    }
    // Salesforce's defaults: ascending puts nulls first, descending puts them last.
    let nullsLast = descending;
    if (this.isKeyword('NULLS')) {
      this.next();
      if (this.isKeyword('FIRST')) nullsLast = false;
      else if (this.isKeyword('LAST')) nullsLast = true;
      else this.unexpected();
      this.next();
    }
    return { path, descending, nullsLast };
  }

  private parseCondition(): Condition {
    const first = this.parseUnary();
    const joiner = this.isKeyword('AND') ? 'AND' : this.isKeyword('OR') ? 'OR' : undefined;
    if (!joiner) return first;
    const items = [first];
    while (this.isKeyword('AND') || this.isKeyword('OR')) {
      // SOQL has no precedence between AND and OR: "a AND b OR c" must be parenthesised.
      if (!this.isKeyword(joiner)) this.unexpected();
      this.next();
      items.push(this.parseUnary());
    }
    return { kind: joiner === 'AND' ? 'and' : 'or', items };
  }

  private parseUnary(): Condition {
    if (this.isKeyword('NOT')) {
      this.next();
      return { kind: 'not', item: this.parseUnary() };
    }
    if (this.isPunct('(')) {
      this.next();
      const inner = this.parseCondition();
      this.expectPunct(')');
      return inner;
    }
    const path = this.parsePath();
    const t = this.peek();
    if (t.kind === 'op') {
      this.next();
      const op = (t.value === '<>' ? '!=' : t.value) as CompareOp;
      return { kind: 'compare', path, op, value: this.parseLiteral() };
    }
    if (this.isKeyword('LIKE')) {
      this.next();
      const v = this.parseLiteral();
      if (v.kind !== 'string') this.unexpected(this.tokens[this.i - 1]);
      return { kind: 'like', path, value: v };
    }
    let negated = false;
    if (this.isKeyword('NOT') && this.isKeyword('IN', 1)) {
      this.next();
      negated = true;
    }
    if (this.isKeyword('IN')) {
      this.next();
      this.expectPunct('(');
      if (this.isKeyword('SELECT')) this.unexpected(this.peek(), 'semi-join subqueries are not supported by the Salesforce emulator');
      const values = [this.parseLiteral()];
      while (this.isPunct(',')) {
        this.next();
        values.push(this.parseLiteral());
      }
      this.expectPunct(')');
      return { kind: 'in', path, negated, values };
    }
    return this.unexpected();
  }

  private parseLiteral(): Literal {
    const t = this.next();
    switch (t.kind) {
      case 'string':
        return { kind: 'string', value: t.value, pos: t.pos };
      case 'number':
        return { kind: 'number', value: Number(t.text), pos: t.pos };
      case 'date':
        return { kind: 'date', value: t.text, pos: t.pos };
      case 'datetime':
        return { kind: 'datetime', text: t.text, pos: t.pos };
      case 'ident': {
        const word = t.value.toUpperCase();
        if (word === 'TRUE' || word === 'FALSE') return { kind: 'boolean', value: word === 'TRUE', pos: t.pos };
        if (word === 'NULL') return { kind: 'null', pos: t.pos };
        const takesN = DATE_LITERALS[word];
        if (takesN === undefined) return this.unexpected(t);
        if (!takesN) return { kind: 'dateLiteral', name: word, n: undefined, pos: t.pos };
        this.expectPunct(':');
        return { kind: 'dateLiteral', name: word, n: this.parseInteger(), pos: t.pos };
      }
      default:
        return this.unexpected(t);
    }
  }
}

export function parseSoql(text: string): Query {
  if (text.trim() === '') throw soqlError(text, 0, 'MALFORMED_QUERY', 'SOQL statements cannot be empty or null');
  const parser = new Parser(text, tokenize(text));
  const query = parser.parseQuery(false);
  parser.expectEnd();
  return query;
}
