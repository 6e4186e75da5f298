/**
 * A small XML parser for the tests: enough to prove a generated file is well-formed (one root, every
 * tag closed in order, attributes quoted and unique, entities known, nothing after the root) and to
 * walk its elements. `lenient` accepts what LWC templates use and XML does not: attributes without a
 * value (lwc:else) and unquoted {expression} values.
 */
export interface XmlNode {
  name: string;
  attributes: Record<string, string>;
  children: XmlNode[];
  /** Concatenated text directly inside the element, entities decoded. */
  text: string;
}

export class XmlError extends Error {
  override readonly name = 'XmlError';
}

const NAME = /^[A-Za-z_:][-A-Za-z0-9_.:]*/;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(raw: string, at: () => string): string {
  return raw.replace(/&([^;\s&<]*);?/g, (match, entity: string) => {
    if (!match.endsWith(';')) throw new XmlError(`bare "&" ${at()}`);
    if (entity.startsWith('#x')) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(parseInt(entity.slice(1), 10));
    const value = ENTITIES[entity];
    if (value === undefined) throw new XmlError(`unknown entity &${entity}; ${at()}`);
    return value;
  });
}

export function parseXml(source: string, options: { lenient?: boolean } = {}): XmlNode {
  let pos = 0;
  const at = () => {
    const before = source.slice(0, pos);
    return `at line ${before.split('\n').length}, column ${pos - before.lastIndexOf('\n')}`;
  };
  const fail = (message: string): never => {
    throw new XmlError(`${message} ${at()}`);
  };
  const skipSpace = () => {
    while (pos < source.length && /\s/.test(source[pos]!)) pos++;
  };
  const skipMisc = () => {
    for (;;) {
      skipSpace();
      if (source.startsWith('<!--', pos)) {
        const end = source.indexOf('-->', pos + 4);
        if (end < 0) fail('unclosed comment');
        pos = end + 3;
      } else if (source.startsWith('<?', pos)) {
        const end = source.indexOf('?>', pos + 2);
        if (end < 0) fail('unclosed processing instruction');
        pos = end + 2;
      } else return;
    }
  };
  const readName = (): string => {
    const match = NAME.exec(source.slice(pos));
    if (!match) return fail('expected a name');
    pos += match[0].length;
    return match[0];
  };

  const element = (): XmlNode => {
    if (source[pos] !== '<') fail('expected "<"');
    pos++;
    const node: XmlNode = { name: readName(), attributes: {}, children: [], text: '' };
    for (;;) {
      const before = pos;
      skipSpace();
      if (source.startsWith('/>', pos)) {
        pos += 2;
        return node;
      }
      if (source[pos] === '>') {
        pos++;
        break;
      }
      if (pos === before) fail(`expected whitespace, ">" or "/>" in <${node.name}>`);
      const attribute = readName();
      if (attribute in node.attributes) fail(`duplicate attribute ${attribute} on <${node.name}>`);
      skipSpace();
      if (source[pos] !== '=') {
        if (!options.lenient) fail(`attribute ${attribute} on <${node.name}> has no value`);
        node.attributes[attribute] = '';
        continue;
      }
      pos++;
      skipSpace();
      const quote = source[pos];
      if (quote === '"' || quote === "'") {
        const end = source.indexOf(quote, pos + 1);
        if (end < 0) fail('unclosed attribute value');
        const raw = source.slice(pos + 1, end);
        if (raw.includes('<')) fail(`"<" in the value of ${attribute}`);
        node.attributes[attribute] = decode(raw, at);
        pos = end + 1;
      } else if (options.lenient && quote === '{') {
        const end = source.indexOf('}', pos);
        if (end < 0) fail('unclosed {expression}');
        node.attributes[attribute] = source.slice(pos, end + 1);
        pos = end + 1;
      } else fail(`unquoted value of ${attribute}`);
    }
    // content
    for (;;) {
      if (pos >= source.length) fail(`<${node.name}> is never closed`);
      if (source.startsWith('</', pos)) {
        pos += 2;
        const name = readName();
        if (name !== node.name) fail(`</${name}> closes <${node.name}>`);
        skipSpace();
        if (source[pos] !== '>') fail('expected ">"');
        pos++;
        return node;
      }
      if (source.startsWith('<!--', pos)) {
        const end = source.indexOf('-->', pos + 4);
        if (end < 0) fail('unclosed comment');
        pos = end + 3;
      } else if (source.startsWith('<![CDATA[', pos)) {
        const end = source.indexOf(']]>', pos);
        if (end < 0) fail('unclosed CDATA');
        node.text += source.slice(pos + 9, end);
        pos = end + 3;
      } else if (source[pos] === '<') {
        node.children.push(element());
      } else {
        const end = source.indexOf('<', pos);
        const raw = source.slice(pos, end < 0 ? source.length : end);
        if (!options.lenient && raw.includes(']]>')) fail('"]]>" in text');
        node.text += decode(raw, at);
        pos += raw.length;
      }
    }
  };

  if (source.charCodeAt(0) === 0xfeff) pos = 1;
  skipMisc();
  const root = element();
  skipMisc();
  if (pos < source.length) fail('content after the root element');
  return root;
}

/** Direct children named `name`. */
export function childrenNamed(node: XmlNode, name: string): XmlNode[] {
  return node.children.filter((c) => c.name === name);
}

/** Text of the first direct child named `name`, or undefined. */
export function childText(node: XmlNode, name: string): string | undefined {
  return node.children.find((c) => c.name === name)?.text.trim();
}
