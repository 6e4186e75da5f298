/**
 * The whole loop against the HubSpot sandbox: sync -> store -> train -> score -> write back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SCORE, sandboxOutputs, sandboxScores, startHarness, type Harness } from '../helpers/harness.ts';

let harness: Harness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

describe('a full cycle on the sandbox', () => {
  it('scores every open contact, audits every write, and writes nothing on a second cycle', async () => {
    harness = await startHarness();
    const { sandbox, store, ctx } = harness;
    const first = await harness.cycle();
    expect(first.status).toBe('succeeded');
    expect(first.synced.contact?.read).toBe(sandbox.state.count('contacts'));
    expect(first.synced.deal?.read).toBe(sandbox.state.count('deals'));
    expect(first.synced.ticket?.read).toBe(sandbox.state.count('tickets'));
    expect(first.model?.trained).toBe(true);
    expect(first.model?.auc).toBeGreaterThan(0.6);

    const scores = sandboxScores(sandbox);
    expect(scores.size).toBeGreaterThan(100);
    for (const [id, score] of scores) {
      expect(score, `contact ${id}`).toMatch(/^\d+$/);
      expect(Number(score)).toBeGreaterThanOrEqual(1);
      expect(Number(score)).toBeLessThanOrEqual(99);
    }
    // Contacts whose outcome is known are not scored.
    const known = sandbox.state.list('contacts').filter((c) => c.properties.lifecyclestage === 'customer');
    expect(known.length).toBeGreaterThan(0);
    for (const c of known) expect(c.properties[SCORE]).toBeUndefined();

    // One audit row per property written, each naming the model version and the new value in the CRM.
    const audit = await store.audit(ctx.tenant.id, { limit: 100_000 });
    expect(audit.length).toBe(scores.size * 3);
    for (const row of audit.filter((r) => r.property === SCORE)) {
      expect(sandbox.state.get('contacts', row.externalId)?.properties[SCORE]).toBe(row.newValue);
      expect(row.oldValue).toBeNull();
      expect(row.modelVersion).toBe(first.model?.activeVersion);
    }
    expect(first.write?.written).toBe(scores.size);

    const writesBefore = sandbox.stats().writeCalls;
    const second = await harness.cycle();
    expect(second.status).toBe('succeeded');
    expect(sandbox.stats().writeCalls).toBe(writesBefore);
    expect(second.changes).toBe(0);
    expect(second.write?.written).toBe(0);
    expect(second.synced.contact?.changed).toBe(0);
    expect(second.model?.trained).toBe(false);
    // Our own writes came back through the incremental search and were recognised as ours.
    expect(second.synced.contact?.ownWrites).toBe(scores.size);
    expect(await store.countAudit(ctx.tenant.id)).toBe(audit.length);
  });

  it('after 10 contacts change, reads only those as changed and writes only scores that changed', async () => {
    harness = await startHarness();
    const { sandbox, store, ctx } = harness;
    await harness.cycle();
    const before = sandboxOutputs(sandbox);
    const auditBefore = await store.countAudit(ctx.tenant.id);

    const changed = sandbox.state.openContactIds().slice(0, 10);
    for (const [i, id] of changed.entries()) {
      // A second successful campaign contact moves most leads' scores.
      sandbox.state.update('contacts', id, { previous_outcome: i % 2 ? 'success' : 'failure', previous_contacts: String(3 + i), days_since_previous_contact: '3' });
    }
    const writesBefore = sandbox.stats().writeCalls;
    const next = await harness.cycle();
    expect(next.status).toBe('succeeded');
    expect(next.synced.contact?.changed).toBe(10);
    expect(next.scoring?.scored).toBe(10);

    const after = sandboxOutputs(sandbox);
    const differs = Object.keys(after).filter((id) => JSON.stringify(after[id]) !== JSON.stringify(before[id]));
    expect(differs.length).toBeGreaterThan(0);
    for (const id of differs) expect(changed).toContain(id);
    expect(next.write?.written).toBe(differs.length);
    expect(sandbox.stats().writeCalls - writesBefore).toBe(1);
    // The audit grew by exactly the properties that changed.
    const newRows = (await store.audit(ctx.tenant.id, { limit: 100_000 })).slice(0, (await store.countAudit(ctx.tenant.id)) - auditBefore);
    for (const row of newRows) {
      expect(changed).toContain(row.externalId);
      expect(row.oldValue).toBe(before[row.externalId]?.[row.property]);
      expect(row.newValue).toBe(after[row.externalId]?.[row.property]);
    }
  });

  it('skips malformed contacts with a clear reason and writes the rest of the batch', async () => {
    harness = await startHarness();
    const { sandbox } = harness;
    const [wrongTypes, missingEmail, huge, oddUnicode, unknownOptions, oddNumbers] = sandbox.faults.insertMalformedContacts();
    const summary = await harness.cycle();
    expect(summary.status).toBe('succeeded');
    const reasons = new Map(summary.rejected.map((r) => [r.externalId, r.reason]));
    expect(reasons.get(wrongTypes!)).toMatch(/"age" should be a number but is "forty"/);
    expect(reasons.get(missingEmail!)).toMatch(/required property "email" is missing/);
    expect(reasons.get(huge!)).toMatch(/"lastname" is 102400 characters long/);
    expect(reasons.get(oddUnicode!)).toMatch(/invalid unicode/);
    expect(reasons.get(oddNumbers!)).toMatch(/"emp_var_rate" should be a number but is "1,1"/);
    // Unknown enumeration options are still usable input: they are scored like any other level.
    expect(reasons.has(unknownOptions!)).toBe(false);
    expect(sandbox.state.get('contacts', unknownOptions!)?.properties[SCORE]).toMatch(/^\d+$/);
    for (const id of [wrongTypes, missingEmail, huge, oddUnicode, oddNumbers]) expect(sandbox.state.get('contacts', id!)?.properties[SCORE]).toBeUndefined();
    for (const [id, score] of sandboxScores(sandbox)) expect(score, `contact ${id}`).toMatch(/^\d+$/);
  });

  it('shadow mode and dry runs compute and report, and write nothing', async () => {
    harness = await startHarness({ mode: 'shadow' });
    const { sandbox } = harness;
    const shadow = await harness.cycle();
    expect(shadow.status).toBe('succeeded');
    expect(shadow.changes).toBe(sandboxScores(sandbox).size);
    expect(shadow.preview[0]?.properties[SCORE]).toMatch(/^\d+$/);
    expect(shadow.write).toBeNull();
    expect(sandbox.stats().writeCalls).toBe(0);
    expect(Object.keys(sandboxOutputs(sandbox))).toHaveLength(0);
  });
});
