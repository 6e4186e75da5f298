/**
 * What a manifest generator returns, and the two serialisers every generated file goes through, so the
 * output is byte-for-byte stable: JSON with two-space indentation, XML with four (as Salesforce writes
 * it), LF line ends and one trailing newline.
 */

/** Relative path (forward slashes) -> file content. */
export type ManifestFiles = Record<string, string>;

/** A copy of `files` with its paths in sorted order, so listings and writes are stable. */
export function sortedFiles(files: ManifestFiles): ManifestFiles {
  return Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Paths of `files` under a prefix folder ("hubspot" -> "hubspot/..."). */
export function prefixed(prefix: string, files: ManifestFiles): ManifestFiles {
  return Object.fromEntries(Object.entries(files).map(([path, content]) => [`${prefix}/${path}`, content]));
}

export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Normalises a hand-written template: no leading newline, exactly one trailing newline. */
export function text(content: string): string {
  return `${content.replace(/^\n/, '').replace(/\s+$/, '')}\n`;
}

// ---- XML ------------------------------------------------------------------------------------

/** An element: name, attributes, and either text or child elements. */
export interface XmlElement {
  name: string;
  attributes?: Record<string, string>;
  children?: readonly XmlNode[];
}
export type XmlNode = XmlElement | string;

export function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttribute(value: string): string {
  return escapeXml(value).replace(/"/g, '&quot;');
}

/** `<name>text</name>`, or an element with children; `undefined` children are skipped. */
export function el(name: string, ...children: readonly (XmlNode | undefined)[]): XmlElement {
  return { name, children: children.filter((c): c is XmlNode => c !== undefined) };
}

/** An element only when the value is present: el('length', 255) or nothing. */
export function opt(name: string, value: string | number | boolean | undefined): XmlElement | undefined {
  return value === undefined ? undefined : el(name, String(value));
}

function render(node: XmlNode, depth: number): string {
  const indent = '    '.repeat(depth);
  if (typeof node === 'string') return `${indent}${escapeXml(node)}`;
  const attributes = Object.entries(node.attributes ?? {})
    .map(([k, v]) => ` ${k}="${escapeAttribute(v)}"`)
    .join('');
  const children = node.children ?? [];
  if (children.length === 0) return `${indent}<${node.name}${attributes}/>`;
  if (children.length === 1 && typeof children[0] === 'string') {
    return `${indent}<${node.name}${attributes}>${escapeXml(children[0])}</${node.name}>`;
  }
  const inner = children.map((c) => render(c, depth + 1)).join('\n');
  return `${indent}<${node.name}${attributes}>\n${inner}\n${indent}</${node.name}>`;
}

export const METADATA_NAMESPACE = 'http://soap.sforce.com/2006/04/metadata';

/** A Salesforce metadata document: the XML declaration and a root element in the metadata namespace. */
export function metadataXml(root: string, children: readonly (XmlNode | undefined)[]): string {
  const element: XmlElement = { ...el(root, ...children), attributes: { xmlns: METADATA_NAMESPACE } };
  return `<?xml version="1.0" encoding="UTF-8"?>\n${render(element, 0)}\n`;
}
