/**
 * The admin's journey in a real browser (playwright-core driving Debian's Chromium, which .ci/run
 * installs) at 1280x800: open the status page from the login link; after the first sync, change the
 * mapping with the field picker (a leaky field is flagged beside its checkbox; ticking the outcome field is
 * refused by its path with the picks kept; the fix saves), preview 20 stored records under it, read what
 * the dry run would write (and download it), go live with the button, let a cycle write, check the portal
 * received exactly the listed changes, roll that run back with its button and check the old values are
 * back; then the model reports, which must not scroll sideways nor draw a chart label over another or
 * outside its chart. Each page is saved as a screenshot under test-artifacts/ (not committed). Skips,
 * saying so, where no Chromium is installed.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Served } from '../../functions/server.ts';
import { parseCsvRecords } from '../../src/io/csv.ts';
import { createLoginLink } from '../../src/server/auth/sessions.ts';
import { createSigner } from '../../src/store/crypto.ts';
import { LAYOUT_PROBLEMS, type LayoutProblems } from '../helpers/browser.ts';
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
  const layout = () => page.evaluate<LayoutProblems>(LAYOUT_PROBLEMS);
  /** Nothing wider than the 1280 px window: no text runs off or under its neighbour sideways. */
  const fitsWidth = () => page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth');

  it('first sync -> the picker (a leak flagged, an invalid pick refused, fixed, saved) -> preview of 20 -> dry run -> go live -> exactly those written -> roll back -> the old values -> the model reports lay out', async () => {
    const before = emulatorOutputs(harness.emulator);
    await page.goto(await createLoginLink(harness.store, served.url, { operator: false, tenantIds: [harness.ctx.tenant.id], label: 'RevOps' }));
    await expect.poll(() => page.title()).toBe('crm-signals status');
    await shot('1-signed-in');
    // The first sync, as an install queues it: the picker's leak screen and the preview read stored contacts.
    const first = await harness.cycle();
    expect(first.status, first.error ?? '').toBe('succeeded');

    // The picker: pre-checked from the active mapping, leaks flagged beside their checkboxes.
    await page.getByRole('link', { name: 'Field mapping' }).click();
    await expect.poll(() => page.textContent('h1')).toBe(`Field mapping of ${harness.ctx.tenant.name}`);
    const box = (field: string) => page.locator(`#picker input[name="input"][value="${field}"]`);
    const row = (field: string) => page.locator(`#contact-fields tr[data-field="${field}"]`);
    expect(await box('age').isChecked()).toBe(true);
    expect(await box('hubspotscore').isChecked()).toBe(false);
    expect(await row('hs_lead_status').textContent()).toMatch(/alone predicts the outcome of \d+ labelled contacts/);
    expect(await row('lifecyclestage').textContent()).toContain('the outcome field');
    expect(await row('age').locator('.flag').count()).toBe(0);
    await shot('1a-picker');
    expect(await fitsWidth()).toBe(true);

    // Untick one field, tick another, and (by mistake) the outcome field: refused by its path and field, the picks kept.
    await box('previous_contacts').uncheck();
    await box('hubspotscore').check();
    await box('lifecyclestage').check();
    await page.getByRole('button', { name: 'Save the picked fields' }).click();
    await expect.poll(() => page.locator('.problems').count()).toBe(1);
    expect(await page.textContent('.problems')).toContain('leadScore.outcome.field: the outcome field "lifecyclestage" cannot also be a model input');
    expect(await row('lifecyclestage').getAttribute('class')).toBe('bad');
    expect(await box('lifecyclestage').isChecked()).toBe(true);
    expect(await box('previous_contacts').isChecked()).toBe(false);
    expect(await fitsWidth()).toBe(true);
    await shot('1b-picker-refused');
    expect((await harness.store.activeMapping(harness.ctx.tenant.id))?.version).toBe(1);

    // The fix saves a new version.
    await box('lifecyclestage').uncheck();
    await page.fill('#picker input[name="note"]', 'HubSpot score in, previous contacts out');
    await page.getByRole('button', { name: 'Save the picked fields' }).click();
    await expect.poll(() => page.textContent('.saved')).toContain('Saved as version 2');
    await shot('1c-picker-saved');
    const saved = (await harness.store.activeMapping(harness.ctx.tenant.id))?.mapping as { leadScore: { numeric: string[] } };
    expect(saved.leadScore.numeric).toContain('hubspotscore');
    expect(saved.leadScore.numeric).not.toContain('previous_contacts');
    expect(await box('hubspotscore').isChecked()).toBe(true);

    // The preview: 20 stored contacts under the saved mapping, its inputs as columns.
    await page.getByRole('button', { name: 'Preview 20 records' }).click();
    await expect.poll(() => page.locator('#preview-table tbody tr').count()).toBe(20);
    expect(await page.locator('#preview-table th[title="hubspotscore"]').count()).toBe(1);
    expect(await page.locator('#preview-table th[title="previous_contacts"]').count()).toBe(0);
    expect(await page.textContent('#preview')).toBe('Preview');
    const scores = await page.locator('#preview-table tbody tr td:nth-child(3)').allTextContents();
    expect(scores.every((t) => /^\d{1,2}$/.test(t.trim()))).toBe(true);
    expect(await fitsWidth()).toBe(true);
    await shot('1d-preview');
    await page.getByRole('link', { name: 'Status page' }).click();

    // The dry run with the new mapping (shadow mode: nothing written), then what going live would write.
    const shadow = await harness.cycle();
    expect(shadow.status, shadow.error ?? '').toBe('succeeded');
    expect(shadow.proposedChanges).toBeGreaterThan(0);
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

    // The model reports at 1280x800: no sideways scrolling, no chart label over another or outside its chart.
    await page.goto(new URL(`/tenants/${encodeURIComponent(harness.ctx.tenant.id)}/models`, served.url).toString());
    await expect.poll(() => page.textContent('h1')).toBe(`Model reports · ${harness.ctx.tenant.name}`);
    await shot('6-model-reports');
    expect(await layout()).toMatchObject({ overflowX: false, overlaps: [], outside: [] });
    const active = await harness.store.getActiveModel(harness.ctx.tenant.id, 'leadScore');
    await page.getByRole('link', { name: `v${active!.version}`, exact: true }).first().click();
    await expect.poll(() => page.textContent('h1')).toContain(`Lead score · version ${active!.version}`);
    await shot('7-lead-score-report');
    const report = await layout();
    expect(report.texts).toBeGreaterThan(20);
    expect(report).toMatchObject({ overflowX: false, overlaps: [], outside: [] });
  });

  it('the layout check finds overlapping chart labels, a label outside its chart and a page wider than the window', async () => {
    const svg = (label: string, texts: string) => `<svg aria-label="${label}" width="200" height="100" viewBox="0 0 200 100">${texts}</svg>`;
    await page.setContent(
      `<body style="margin:0">${svg('fine', '<text x="10" y="20">one</text><text x="10" y="60">two</text>')}${svg('clash', '<text x="10" y="20">left label</text><text x="30" y="22">right</text>')}${svg('cut', '<text x="180" y="50">too far right</text>')}<div style="width:1400px">wide</div></body>`,
    );
    const found = await layout();
    expect(found.overflowX).toBe(true);
    expect(found.overlaps).toEqual(['"left label" in svg clash overlaps "right" in svg clash']);
    expect(found.outside).toEqual(['"too far right" in svg cut leaves its svg']);
  });
});
