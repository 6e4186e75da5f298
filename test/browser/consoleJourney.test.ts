/**
 * The admin's journey in a real browser (playwright-core driving Debian's Chromium, which .ci/run
 * installs): open the status page from the login link, change the mapping (a field the portal lacks is
 * refused by name, the fix saves), read what going live would write (and download it), go live with the button, let a cycle write, check the portal received exactly the listed changes,
 * roll that run back with its button and check the old values are back. Each page is saved as a
 * screenshot under test-artifacts/ (not committed). Skips, saying so, where no Chromium is installed.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Served } from '../../functions/server.ts';
import { parseCsvRecords } from '../../src/io/csv.ts';
import { createLoginLink } from '../../src/server/auth/sessions.ts';
import { createSigner } from '../../src/store/crypto.ts';
import { emulatorOutputs, startHarness, type Harness } from '../helpers/harness.ts';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', process.env.CHROMIUM_PATH ?? ''].find((p) => p !== '' && existsSync(p));
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url).pathname;
if (!CHROMIUM) console.warn('consoleJourney: no Chromium found (apt-get install chromium, or set CHROMIUM_PATH): the browser journey is skipped');

describe.skipIf(!CHROMIUM)('the console journey in Chromium', () => {
  let harness: Harness;
  let served: Served;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    harness = await startHarness({ mode: 'shadow' });
    served = await startServer({ store: harness.store, signer: createSigner([randomBytes(32)]), log: () => undefined, connectorOf: async () => harness.connector }, { port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({ executablePath: CHROMIUM!, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
  });
  afterAll(async () => {
    await browser?.close();
    await served?.close();
    await harness?.close();
  });

  const shot = (name: string) => page.screenshot({ path: `${ARTIFACTS}console-${name}.png`, fullPage: true });
  /** Nothing wider than the 1280 px window: no text runs off or under its neighbour sideways. */
  const fitsWidth = () => page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth');

  it('mapping -> shadow run -> the listed changes -> go live -> exactly those written -> roll back -> the old values', async () => {
    const before = emulatorOutputs(harness.emulator);
    await page.goto(await createLoginLink(harness.store, served.url, { operator: false, tenantIds: [harness.ctx.tenant.id], label: 'RevOps' }));
    await expect.poll(() => page.title()).toBe('crm-signals status');
    await shot('1-signed-in');

    // The mapping: a field the portal lacks is refused, naming it, with the text kept; the fix saves.
    await page.getByRole('link', { name: 'Field mapping' }).click();
    await expect.poll(() => page.textContent('h1')).toBe(`Field mapping of ${harness.ctx.tenant.name}`);
    expect(await page.locator('td code', { hasText: /^age$/ }).count()).toBe(1);
    const original = await page.inputValue('#mapping');
    const mapping = JSON.parse(original) as { leadScore: { numeric: string[]; labels?: Record<string, string> } };
    mapping.leadScore.numeric.push('no_such_property');
    await page.fill('#mapping', JSON.stringify(mapping, null, 2));
    await page.getByRole('button', { name: 'Save as a new version' }).click();
    await expect.poll(() => page.locator('.problems').count()).toBe(1);
    expect(await page.textContent('.problems')).toContain('no_such_property');
    expect(await page.inputValue('#mapping')).toContain('no_such_property');
    expect(await fitsWidth()).toBe(true);
    await shot('1b-mapping-refused');
    mapping.leadScore.numeric.pop();
    mapping.leadScore.labels = { ...mapping.leadScore.labels, age: 'Age in years' };
    await page.fill('#mapping', JSON.stringify(mapping, null, 2));
    await page.fill('input[name="note"]', 'clearer label');
    await page.getByRole('button', { name: 'Save as a new version' }).click();
    await expect.poll(() => page.textContent('.saved')).toContain('Saved as version 2');
    await shot('1c-mapping-saved');
    expect((await harness.store.activeMapping(harness.ctx.tenant.id))?.version).toBe(2);
    await page.getByRole('link', { name: 'Status page' }).click();

    const shadow = await harness.cycle();
    expect(shadow.status, shadow.error ?? '').toBe('succeeded');
    await page.reload();
    await expect.poll(() => page.locator('h3', { hasText: 'What going live would write' }).count()).toBe(1);
    expect(await page.textContent('body')).toContain(`Run #${shadow.runId} would write ${shadow.proposedChanges!.toLocaleString('en-US')} values`);
    expect(await fitsWidth()).toBe(true);
    await shot('2-what-going-live-writes');

    // The download link, with the browser's own session.
    const href = await page.getAttribute('a[download]', 'href');
    const csv = await page.request.get(new URL(href!, served.url).toString());
    expect(csv.status()).toBe(200);
    const rows = parseCsvRecords(await csv.text()).slice(1).filter((r) => r.length > 1);
    expect(rows).toHaveLength(shadow.proposedChanges!);

    await page.getByRole('button', { name: /^Go live: write these/ }).click();
    await expect.poll(() => page.textContent('h2')).toContain('live)');
    await shot('3-live');

    const live = await harness.cycle();
    expect(live.status, live.error ?? '').toBe('succeeded');
    const type = { contact: 'contacts', ticket: 'tickets' } as const;
    for (const [objectType, id, field, , value] of rows) {
      expect(harness.emulator.state.get(type[objectType as 'contact' | 'ticket'], id!)?.properties[field!], `${objectType} ${id} ${field}`).toBe(value);
    }

    await page.reload();
    expect(await fitsWidth()).toBe(true);
    await shot('4-after-the-live-cycle');
    await page.getByRole('button', { name: `Roll back run #${live.runId}` }).click();
    await expect.poll(() => page.textContent('h1')).toBe(`Run #${live.runId} is rolled back`);
    await shot('5-rolled-back');
    expect(emulatorOutputs(harness.emulator)).toEqual(before);
    expect((await harness.store.getTenant(harness.ctx.tenant.id))?.mode).toBe('shadow');
  });
});
