/**
 * An admin's browser for install tests over real HTTP: it keeps cookies per host (with their paths and
 * deletions), follows redirects across hosts one hop at a time, and submits a page's form the way a
 * click on one of its buttons would. Every answer it saw is kept, to be searched for leaked secrets.
 */

interface Cookie {
  value: string;
  path: string;
}

export interface Page {
  url: string;
  status: number;
  headers: Headers;
  body: string;
}

export class Browser {
  private readonly jar = new Map<string, Map<string, Cookie>>();
  /** Every answer, with its headers, in order. */
  readonly seen: Page[] = [];

  /** One request, no redirect followed. */
  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Page> {
    const target = new URL(url);
    const headers: Record<string, string> = { accept: 'text/html' };
    const cookie = this.cookieHeader(target);
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(target, { method: init.method ?? (init.form ? 'POST' : 'GET'), headers, ...(body !== undefined ? { body } : {}), redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) this.keep(target, line);
    const page: Page = { url: target.toString(), status: res.status, headers: res.headers, body: await res.text() };
    this.seen.push(page);
    return page;
  }

  /** GETs `url`, then follows each redirect until a page that is not one (at most `hops`). */
  async open(url: string, hops = 5): Promise<Page> {
    let page = await this.request(url);
    for (let i = 0; i < hops && page.status >= 300 && page.status < 400; i++) page = await this.request(this.location(page));
    return page;
  }

  /** Where a redirect points, absolute. */
  location(page: Page): string {
    const to = page.headers.get('location');
    if (!to) throw new Error(`${page.url} answered ${page.status} without a Location`);
    return new URL(to, page.url).toString();
  }

  /** Submits the page's (first) form with the button `name=value` pressed; no redirect followed. */
  submit(page: Page, button: { name: string; value: string }): Promise<Page> {
    const form = /<form[^>]*method="post"[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(page.body);
    if (!form) throw new Error(`no form on ${page.url}: ${page.body.slice(0, 200)}`);
    const fields: Record<string, string> = {};
    for (const input of form[2]!.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) fields[unescape(input[1]!)] = unescape(input[2]!);
    fields[button.name] = button.value;
    return this.request(new URL(unescape(form[1]!), page.url).toString(), { form: fields });
  }

  cookie(url: string, name: string): string | undefined {
    return this.jar.get(new URL(url).host)?.get(name)?.value;
  }

  /** Puts a cookie back, as an attacker who copied it would. */
  setCookie(url: string, name: string, value: string, path = '/'): void {
    const host = new URL(url).host;
    const cookies = this.jar.get(host) ?? new Map<string, Cookie>();
    cookies.set(name, { value, path });
    this.jar.set(host, cookies);
  }

  private cookieHeader(url: URL): string {
    const cookies = this.jar.get(url.host);
    if (!cookies) return '';
    return [...cookies].filter(([, c]) => url.pathname.startsWith(c.path)).map(([name, c]) => `${name}=${c.value}`).join('; ');
  }

  private keep(url: URL, line: string): void {
    const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    const attr = (key: string) => attributes.find((a) => a.toLowerCase().startsWith(`${key}=`))?.slice(key.length + 1);
    const cookies = this.jar.get(url.host) ?? new Map<string, Cookie>();
    this.jar.set(url.host, cookies);
    const maxAge = attr('max-age');
    const expires = attr('expires');
    if (value === '' || (maxAge !== undefined && Number(maxAge) <= 0) || (expires !== undefined && Date.parse(expires) <= Date.now())) cookies.delete(name);
    else cookies.set(name, { value, path: attr('path') ?? '/' });
  }
}

function unescape(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!);
}

/** A tag's attributes (`checked` without a value reads as ''), unescaped. */
function attributes(tag: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of tag.matchAll(/\s([a-zA-Z_:][-\w:.]*)(?:="([^"]*)")?/g)) out.set(m[1]!.toLowerCase(), unescape(m[2] ?? ''));
  return out;
}

/**
 * What the form `id` of a page would send as it stands, the way a browser builds it: hidden and text
 * inputs, ticked checkboxes, each select's selected option (or its first), textareas; in page order, a
 * name as often as it occurs. Submit buttons are left out: add the one pressed.
 */
export function formValues(page: string, id: string): { action: string; fields: Array<[string, string]> } {
  const form = new RegExp(`<form[^>]*\\sid="${id}"[^>]*>([\\s\\S]*?)</form>`, 'i').exec(page);
  if (!form) throw new Error(`no form #${id}`);
  const action = attributes(/<form[^>]*>/i.exec(form[0])![0]).get('action') ?? '';
  const fields: Array<[string, string]> = [];
  for (const m of form[1]!.matchAll(/<input\b[^>]*>|<select\b[^>]*>[\s\S]*?<\/select>|<textarea\b[^>]*>[\s\S]*?<\/textarea>/gi)) {
    const tag = m[0];
    const attrs = attributes(/^<\w+\b[^>]*>/.exec(tag)![0]);
    const name = attrs.get('name');
    if (!name || attrs.has('disabled')) continue;
    if (tag.startsWith('<select')) {
      const options = [...tag.matchAll(/<option\b[^>]*>/gi)].map((o) => attributes(o[0]));
      const chosen = options.find((o) => o.has('selected')) ?? options[0];
      if (chosen) fields.push([name, chosen.get('value') ?? '']);
    } else if (tag.startsWith('<textarea')) {
      fields.push([name, unescape(/>([\s\S]*?)<\/textarea>$/i.exec(tag)![1]!)]);
    } else {
      const type = (attrs.get('type') ?? 'text').toLowerCase();
      if (type === 'submit' || type === 'button') continue;
      if ((type === 'checkbox' || type === 'radio') && !attrs.has('checked')) continue;
      fields.push([name, attrs.get('value') ?? (type === 'checkbox' ? 'on' : '')]);
    }
  }
  return { action, fields };
}

/**
 * For playwright's page.evaluate (a string, so nothing the test's compiler adds to a function reaches the
 * page): how the page lays out at its viewport. `overflowX`: the page scrolls sideways; `overlaps`: pairs
 * of visible `svg text` elements whose boxes intersect by more than half a pixel (an element with itself
 * excluded); `outside`: text whose box leaves its own svg. Each named by its text, for the failure message.
 */
export const LAYOUT_PROBLEMS = `(() => {
  const slack = 0.5;
  const scroller = document.scrollingElement;
  const texts = Array.from(document.querySelectorAll('svg text'))
    .map((el) => ({ el, box: el.getBoundingClientRect(), svg: el.ownerSVGElement.getBoundingClientRect() }))
    .filter((t) => t.box.width > 0 && t.box.height > 0);
  const name = (t) => JSON.stringify((t.el.textContent || '').trim().slice(0, 40)) + ' in svg ' + (t.el.ownerSVGElement.getAttribute('aria-label') || '?');
  const overlaps = [];
  for (let i = 0; i < texts.length; i++) {
    for (let j = i + 1; j < texts.length; j++) {
      const a = texts[i].box, b = texts[j].box;
      if (texts[i].el === texts[j].el) continue;
      if (a.left < b.right - slack && b.left < a.right - slack && a.top < b.bottom - slack && b.top < a.bottom - slack) overlaps.push(name(texts[i]) + ' overlaps ' + name(texts[j]));
    }
  }
  const outside = texts
    .filter((t) => t.box.left < t.svg.left - slack || t.box.right > t.svg.right + slack || t.box.top < t.svg.top - slack || t.box.bottom > t.svg.bottom + slack)
    .map((t) => name(t) + ' leaves its svg');
  return { overflowX: scroller.scrollWidth > scroller.clientWidth, scrollWidth: scroller.scrollWidth, clientWidth: scroller.clientWidth, texts: texts.length, overlaps, outside };
})()`;

export interface LayoutProblems {
  overflowX: boolean;
  scrollWidth: number;
  clientWidth: number;
  /** Visible svg text elements checked. */
  texts: number;
  overlaps: string[];
  outside: string[];
}
