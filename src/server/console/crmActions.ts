/**
 * The console actions that need the CRM (through the tenant's connector): rolling a run back, and the field mapping as RevOps edit it: the active version and its history, the CRM's fields to choose
 * from (the connector's discover(): names, labels, types), saving a new version (validated against the
 * CRM's fields and for leaks, every problem named by its path) and restoring an earlier one (validated
 * again: the CRM may have changed since).
 */
import { z } from 'zod';
import type { Connector } from '../../../connectors/connector.ts';
import { ConnectorError } from '../../../connectors/shared/errors.ts';
import { MappingError, type MappingProblem } from '../../mapping/index.ts';
import { saveTenantMapping, tenantMapping } from '../../pipeline/mappings.ts';
import { RollbackError, rollbackRun } from '../../pipeline/rollback.ts';
import type { Store, Tenant } from '../../store/types.ts';

export const MappedObject = z.enum(['contact', 'deal', 'ticket'], { message: 'must be contact, deal or ticket' });

export const MappingSave = z
  .object({
    mapping: z.unknown().refine((v) => v !== undefined, 'is required: the whole mapping, as GET .../mapping gives it'),
    note: z.string().max(500).optional(),
  })
  .strict();

/** Builds a connector for the tenant (its stored tokens); the deployment's wiring supplies it. */
export type ConnectorOf = (tenant: Tenant) => Promise<Connector>;

export type ConsoleAnswer = { status: 200; body: unknown } | { status: 400 | 404 | 502 | 503; body: { error: string; problems?: readonly MappingProblem[] } };

export async function mappingState(store: Store, tenant: Tenant) {
  const active = await tenantMapping(store, tenant);
  const versions = (await store.listMappings(tenant.id)).map(({ version, note, author, createdAt }) => ({ version, note, author, createdAt }));
  return { active, versions };
}

const noConnector = (): ConsoleAnswer => ({ status: 503, body: { error: 'this service cannot reach the CRM for console edits (no CRM app configured here)' } });

async function withConnector(connectorOf: ConnectorOf | undefined, tenant: Tenant, work: (connector: Connector) => Promise<ConsoleAnswer>): Promise<ConsoleAnswer> {
  if (!connectorOf) return noConnector();
  if (tenant.status === 'disconnected') return { status: 400, body: { error: `tenant ${tenant.id} is disconnected (${tenant.statusReason ?? 'no reason'}): install the app again first` } };
  try {
    return await work(await connectorOf(tenant));
  } catch (error) {
    if (error instanceof MappingError) return { status: 400, body: { error: error.message, problems: error.problems } };
    if (error instanceof RollbackError) return { status: 400, body: { error: error.message } };
    if (error instanceof ConnectorError) return { status: 502, body: { error: `the CRM answered: ${error.message}` } };
    throw error;
  }
}

export function crmFields(connectorOf: ConnectorOf | undefined, tenant: Tenant, objectType: z.infer<typeof MappedObject>): Promise<ConsoleAnswer> {
  return withConnector(connectorOf, tenant, async (connector) => ({ status: 200, body: { objectType, fields: await connector.discover(objectType) } }));
}

export function saveMapping(store: Store, connectorOf: ConnectorOf | undefined, tenant: Tenant, input: z.infer<typeof MappingSave>, author: string): Promise<ConsoleAnswer> {
  return withConnector(connectorOf, tenant, async (connector) => {
    const saved = await saveTenantMapping(store, tenant, connector, input.mapping, { author, ...(input.note ? { note: input.note } : {}) });
    return { status: 200, body: { version: saved.version } };
  });
}

export async function restoreMapping(store: Store, connectorOf: ConnectorOf | undefined, tenant: Tenant, version: number, author: string): Promise<ConsoleAnswer> {
  const stored = (await store.listMappings(tenant.id)).find((m) => m.version === version);
  if (!stored) return { status: 404, body: { error: `tenant ${tenant.id} has no mapping version ${version}` } };
  return withConnector(connectorOf, tenant, async (connector) => {
    const saved = await saveTenantMapping(store, tenant, connector, stored.mapping, { author, note: `restored version ${version}` });
    return { status: 200, body: { version: saved.version, restored: version } };
  });
}

export function rollbackThroughConsole(store: Store, connectorOf: ConnectorOf | undefined, tenant: Tenant, runId: number, log: (message: string) => void): Promise<ConsoleAnswer> {
  return withConnector(connectorOf, tenant, async (connector) => {
    const { mapping } = await tenantMapping(store, tenant);
    const report = await rollbackRun({ store, tenant, connector, mapping, seed: 0, log }, runId);
    return { status: 200, body: report };
  });
}
