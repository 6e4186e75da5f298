/**
 * The mapping page's picker and preview routes, and the page itself as every mapping route renders it:
 * - GET  /api/tenants/:id/mapping/preview: 20 stored contacts under the active mapping, with their model
 *   inputs and signals (JSON);
 * - POST /api/tenants/:id/mapping/preview: the same for `{"mapping": ...}`, a document to try, not saved;
 *   a mapping that does not fit is a 400 listing every problem by its path;
 * - POST /tenants/:id/mapping/picker: the picker's form (save, preview, or show a chosen field's values);
 * - POST /tenants/:id/mapping/preview: the JSON editor's "Preview this JSON" button.
 * Admin session (CSRF on posts); another tenant's id answers 404 before the body is read.
 */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import type { Connector } from '../../../connectors/connector.ts';
import { profileOf } from '../../../connectors/registry.ts';
import { ConnectorError } from '../../../connectors/shared/errors.ts';
import { MappingError, type Mapping, type MappingProblem } from '../../mapping/index.ts';
import { tenantMapping } from '../../pipeline/mappings.ts';
import type { Store, Tenant } from '../../store/types.ts';
import { accessibleTenant, jsonBody, params, tenantIdParam, type ServiceEnv } from '../requests.ts';
import { dateFormatter, renderMessagePage } from '../status/page.ts';
import { mappingState, saveMapping, type ConnectorOf } from './crmActions.ts';
import { renderMappingPage, type MappingPageInput } from './mappingPage.ts';
import { mappingFromPicker, outputRows, PickerForm, pickerRows, withoutUndefined } from './mappingPicker.ts';
import { checkedMapping, discoverAll, parsedMapping, type AllFields, leakScreen, mappingPreview, PreviewBody, PreviewUnavailable, type MappingPreview } from './mappingPreview.ts';

/** The tenant's connector and every object's fields, or why the CRM cannot be asked. */
type Crm = { connector: Connector; discovered: AllFields } | { unavailable: string; status: 400 | 502 | 503 };

async function crmOf(connectorOf: ConnectorOf | undefined, tenant: Tenant): Promise<Crm> {
  if (!connectorOf) return { unavailable: 'this service cannot reach the CRM for console edits (no CRM app configured here)', status: 503 };
  if (tenant.status === 'disconnected') return { unavailable: `tenant ${tenant.id} is disconnected (${tenant.statusReason ?? 'no reason'}): install the app again first`, status: 400 };
  try {
    const connector = await connectorOf(tenant);
    return { connector, discovered: await discoverAll(connector, tenant.id) };
  } catch (error) {
    if (error instanceof ConnectorError) return { unavailable: `the CRM answered: ${error.message}`, status: 502 };
    throw error;
  }
}

export type PageExtra = Pick<MappingPageInput, 'refused' | 'saved' | 'pickerRefused' | 'preview' | 'text'> & {
  /** The picks to show instead of the active mapping (refused or previewed ones). */
  draft?: Mapping;
  crm?: Crm;
};

/**
 * The mapping page as every route renders it: the active mapping and its versions, the picker from the
 * CRM's fields with the leak screen's flags, and whatever the request adds (a refusal, a preview).
 */
export function mappingPageRenderer(store: Store, connectorOf: ConnectorOf | undefined) {
  return async (c: Context<ServiceEnv>, tenant: Tenant, extra: PageExtra = {}) => {
    const { active, versions } = await mappingState(store, tenant);
    const crm = extra.crm ?? (await crmOf(connectorOf, tenant));
    const { draft = active.mapping, crm: _crm, ...rest } = extra;
    let picker: MappingPageInput['picker'];
    if ('unavailable' in crm) picker = `The CRM's fields cannot be listed just now: ${crm.unavailable}`;
    else {
      const { contact, deal, ticket } = crm.discovered;
      const screen = await leakScreen(store, tenant, crm.connector, draft, contact);
      const problems = extra.pickerRefused?.problems ?? extra.refused?.problems ?? [];
      picker = { draft, rows: pickerRows(draft, contact, profileOf(tenant.crm).numericTypes, screen.flags, problems), contact, deal, ticket, outputs: outputRows(draft, crm.discovered, profileOf(tenant.crm).numericTypes), leakNote: screen.note };
    }
    const date = dateFormatter(c.req.header('accept-language'));
    return renderMappingPage({ tenant, csrfToken: c.get('session')!.csrfToken, active, versions, picker, date, ...rest });
  };
}

type Answer = { status: 200; body: MappingPreview } | { status: 400 | 409 | 502 | 503; body: { error: string; problems?: readonly MappingProblem[] } };

/**
 * The preview of `input` (a mapping document; the active mapping when undefined), or why not. The schema
 * is checked before the CRM is asked for its fields (`crm` is called only then).
 */
async function previewAnswer(store: Store, crm: Crm | (() => Promise<Crm>), tenant: Tenant, input: unknown): Promise<Answer> {
  try {
    if (input !== undefined) parsedMapping(tenant, input);
    const known = typeof crm === 'function' ? await crm() : crm;
    if ('unavailable' in known) return { status: known.status, body: { error: known.unavailable } };
    const mapping = input === undefined ? undefined : checkedMapping(tenant, input, known.discovered);
    const running = await tenantMapping(store, tenant);
    return { status: 200, body: await mappingPreview({ store, tenant, connector: known.connector, running, discovered: known.discovered, ...(mapping ? { mapping } : {}) }) };
  } catch (error) {
    if (error instanceof MappingError) return { status: 400, body: { error: error.message, problems: error.problems } };
    if (error instanceof PreviewUnavailable) return { status: 409, body: { error: error.message } };
    if (error instanceof ConnectorError) return { status: 502, body: { error: `the CRM answered: ${error.message}` } };
    throw error;
  }
}

type FormBody = Awaited<ReturnType<Context['req']['parseBody']>>;

/** The page's form as sent, or the refusal page: another content type, or a body that is no form. */
async function formBody(c: Context<ServiceEnv>): Promise<{ form: FormBody } | { refused: Response }> {
  const type = c.req.header('content-type') ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded') && !type.startsWith('multipart/form-data')) {
    return { refused: await c.html(renderMessagePage('Not a form', ['field body: send the form as application/x-www-form-urlencoded (the mapping page does)']), 415) };
  }
  try {
    return { form: await c.req.parseBody({ all: true }) };
  } catch (error) {
    return { refused: await c.html(renderMessagePage('Not a form', [`field body: is not a form (${error instanceof Error ? error.message : String(error)})`]), 400) };
  }
}

export interface MappingPreviewDeps {
  store: Store;
  admin: MiddlewareHandler<ServiceEnv>;
  connectorOf?: ConnectorOf;
}

export function mountMappingPreview(app: Hono<ServiceEnv>, { store, admin, connectorOf }: MappingPreviewDeps): void {
  const page = mappingPageRenderer(store, connectorOf);
  const tenantParams = params({ id: tenantIdParam });
  const tenantOf = (c: Context<ServiceEnv>) => accessibleTenant(c, store, c.req.param('id') ?? '');
  const pageUrl = (tenant: Tenant, saved: number) => `/tenants/${encodeURIComponent(tenant.id)}/mapping?saved=${saved}`;

  app.get('/api/tenants/:id/mapping/preview', admin, tenantParams, async (c) => {
    const tenant = await tenantOf(c);
    const answer = await previewAnswer(store, await crmOf(connectorOf, tenant), tenant, undefined);
    return c.json(answer.body, answer.status);
  });
  app.post('/api/tenants/:id/mapping/preview', admin, tenantParams, async (c) => {
    // The tenant first: another tenant's admin learns nothing from the body's validation.
    const tenant = await tenantOf(c);
    const { mapping } = await jsonBody(c, PreviewBody);
    const answer = await previewAnswer(store, () => crmOf(connectorOf, tenant), tenant, mapping);
    return c.json(answer.body, answer.status);
  });

  app.post('/tenants/:id/mapping/picker', admin, tenantParams, async (c) => {
    const tenant = await tenantOf(c);
    const body = await formBody(c);
    if ('refused' in body) return body.refused;
    const parsed = PickerForm.safeParse(body.form);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => ({ path: `form.${i.path.map(String).join('.') || 'body'}`, message: i.message }));
      return c.html(await page(c, tenant, { pickerRefused: { error: 'the form is not the picker', problems } }), 400);
    }
    const form = parsed.data;
    const crm = await crmOf(connectorOf, tenant);
    if ('unavailable' in crm) return c.html(await page(c, tenant, { crm, pickerRefused: { error: crm.unavailable, problems: [] } }), crm.status);
    const { mapping: base } = await tenantMapping(store, tenant);
    const draft = withoutUndefined(mappingFromPicker(form, { base, contactFields: crm.discovered.contact, numericTypes: profileOf(tenant.crm).numericTypes }));
    if (form.action === 'refresh') return c.html(await page(c, tenant, { crm, draft }));
    if (form.action === 'preview') {
      const answer = await previewAnswer(store, crm, tenant, draft);
      if (answer.status === 200) return c.html(await page(c, tenant, { crm, draft, preview: answer.body, text: JSON.stringify(draft, null, 2) }));
      if (answer.status === 409) return c.html(await page(c, tenant, { crm, draft, preview: { unavailable: answer.body.error } }));
      return c.html(await page(c, tenant, { crm, draft, pickerRefused: { error: answer.body.error, problems: answer.body.problems ?? [] } }), answer.status);
    }
    const note = form.note || undefined;
    const answer = await saveMapping(store, connectorOf, tenant, { mapping: draft, ...(note ? { note } : {}) }, c.get('session')?.label ?? 'admin');
    if (answer.status === 200) return c.redirect(pageUrl(tenant, (answer.body as { version: number }).version), 303);
    const { error, problems = [] } = answer.body as { error: string; problems?: readonly MappingProblem[] };
    return c.html(await page(c, tenant, { crm, draft, pickerRefused: { error, problems } }), answer.status);
  });

  app.post('/tenants/:id/mapping/preview', admin, tenantParams, async (c) => {
    const tenant = await tenantOf(c);
    const body = await formBody(c);
    if ('refused' in body) return body.refused;
    const sent = body.form.mapping;
    const text = typeof sent === 'string' ? sent : Array.isArray(sent) && typeof sent[0] === 'string' ? sent[0] : '';
    let mapping: unknown;
    try {
      mapping = JSON.parse(text);
    } catch (error) {
      return c.html(await page(c, tenant, { refused: { text, error: 'not JSON', problems: [{ path: 'mapping', message: `is not valid JSON (${(error as Error).message})` }] } }), 400);
    }
    const crm = await crmOf(connectorOf, tenant);
    const answer = await previewAnswer(store, crm, tenant, mapping);
    if (answer.status === 200) return c.html(await page(c, tenant, { crm, text, preview: answer.body }));
    if (answer.status === 409) return c.html(await page(c, tenant, { crm, text, preview: { unavailable: answer.body.error } }));
    return c.html(await page(c, tenant, { crm, refused: { text, error: answer.body.error, problems: answer.body.problems ?? [] } }), answer.status);
  });
}
