/**
 * The admin-set daily API budget of a tenant: `GET /api/tenants/:id/budget` (the budget, today's calls,
 * what is left and, once it is used up, when cycles resume) and `POST` of `{"dailyCalls": n}` or
 * `{"dailyCalls": null}` (no limit), from a JSON call or the status page's form. The scheduler enforces
 * it (src/pipeline/jobs/apiBudget.ts): no cycle starts on a used-up budget, a running one pauses at a
 * batch boundary and the next UTC day goes on from there.
 */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { budgetStatus, type BudgetStatus } from '../../pipeline/jobs/apiBudget.ts';
import type { Store, Tenant } from '../../store/types.ts';
import { accessibleTenant, firstProblem, isForm, jsonBody, params, tenantIdParam, type ServiceEnv } from '../requests.ts';
import { renderMessagePage } from '../status/page.ts';

export const BUDGET_PATH = '/api/tenants/:id/budget';

/** Far above any CRM's daily allowance (HubSpot's largest is 1,000,000 a day): a larger number is a typo. */
export const MAX_DAILY_CALLS = 10_000_000;

export const BudgetChange = z
  .object({
    dailyCalls: z
      .number({ message: 'must be a whole number of calls per day, or null for no limit' })
      .int('must be a whole number')
      .positive('must be at least 1 (null for no limit)')
      .max(MAX_DAILY_CALLS, `must be at most ${MAX_DAILY_CALLS.toLocaleString('en-US')}`)
      .nullable(),
  })
  .strict();

export interface BudgetAnswer {
  tenantId: string;
  /** Calls allowed per UTC day; null is no limit. */
  dailyCalls: number | null;
  today: { day: string; calls: number };
  remaining: number | null;
  exhausted: boolean;
  /** When a used-up budget is available again (the next 00:00 UTC); null while calls are left. */
  resumesAt: string | null;
}

export const budgetAnswer = (tenant: Tenant, status: BudgetStatus): BudgetAnswer => ({
  tenantId: tenant.id,
  dailyCalls: status.budget,
  today: { day: status.day, calls: status.calls },
  remaining: status.remaining,
  exhausted: status.exhausted,
  resumesAt: status.resumesAt,
});

/** The status page's field as the route's JSON shape: empty is no limit, digits a number, anything else refused by the schema. */
export function budgetChangeFromForm(form: Record<string, unknown>): unknown {
  const value = typeof form.dailyCalls === 'string' ? form.dailyCalls.trim().replace(/[,_\s]/g, '') : form.dailyCalls;
  if (value === '') return { dailyCalls: null };
  return { dailyCalls: typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value };
}

export interface BudgetDeps {
  store: Store;
  admin: MiddlewareHandler<ServiceEnv>;
  log: (message: string) => void;
  /** The clock of "today" (tests); the system clock by default. */
  now?: () => Date;
}

export function mountBudget(app: Hono<ServiceEnv>, deps: BudgetDeps): void {
  const { store, admin } = deps;
  const now = () => deps.now?.() ?? new Date();
  const answer = async (tenant: Tenant) => budgetAnswer(tenant, await budgetStatus(store, tenant.id, now()));
  const set = async (c: Context<ServiceEnv>, tenant: Tenant, dailyCalls: number | null) => {
    await store.setApiBudget(tenant.id, dailyCalls);
    deps.log(`tenant ${tenant.id}: daily API budget ${dailyCalls === null ? 'removed' : `set to ${dailyCalls} calls`} by ${c.get('session')?.label ?? 'admin'}`);
  };

  app.get(BUDGET_PATH, admin, params({ id: tenantIdParam }), async (c) => c.json(await answer(await accessibleTenant(c, store, c.req.valid('param').id))));
  app.post(BUDGET_PATH, admin, params({ id: tenantIdParam }), async (c) => {
    // The tenant first: another tenant's admin learns nothing from the body's validation.
    const tenant = await accessibleTenant(c, store, c.req.valid('param').id);
    if (isForm(c)) {
      const parsed = BudgetChange.safeParse(budgetChangeFromForm(await c.req.parseBody()));
      if (!parsed.success) return c.html(renderMessagePage('Budget not changed', [firstProblem(parsed.error, 'field', 'body')]), 400);
      await set(c, tenant, parsed.data.dailyCalls);
      return c.redirect('/', 303);
    }
    const { dailyCalls } = await jsonBody(c, BudgetChange);
    await set(c, tenant, dailyCalls);
    return c.json(await answer(tenant));
  });
}
