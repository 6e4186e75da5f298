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
