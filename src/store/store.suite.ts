/**
 * One behaviour suite for every engine: store.test.ts runs it on PGlite (in memory) and, when
 * TEST_DATABASE_URL is set, on a PostgreSQL server. One store per engine is shared by all tests (a PGlite
 * instance costs ~3 s and hundreds of MB); each test works in its own random tenants.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanonicalRecord, Crm, ObjectType } from '../domain/records.ts';
import type { Db } from './db.ts';
import { migrate } from './migrate.ts';
import { MIGRATIONS } from './migrations/index.ts';
import { KEPT_PROPOSAL_RUNS, RunLeaseHeldError, type OutboxInput, type PageWrite, type Store } from './types.ts';

export interface SuiteTarget {
  store: Store;
  db: Db;
  /** Drops what the target created (a schema on a server); the suite closes the store afterwards. */
  cleanup?: () => Promise<void>;
}

type Rec = CanonicalRecord & { inputHash: string };

export function rec(externalId: string, inputHash: string, extra: Partial<Rec> = {}): Rec {
  return {
    objectType: 'contact',
    externalId,
    modifiedAt: '2024-05-01T10:00:00.000Z',
    properties: { email: `${externalId}@example.com`, lifecyclestage: 'lead' },
    associations: {},
    inputHash,
    ...extra,
  };
}

export function defineStoreSuite(label: string, open: () => Promise<SuiteTarget>): void {
  describe(label, () => {
    let target: SuiteTarget;
    let store: Store;

    beforeAll(async () => {
      target = await open();
      store = target.store;
    });

    afterAll(async () => {
      if (!target) return;
      try {
        await target.cleanup?.();
      } finally {
        await target.store.close();
      }
    });

    async function tenant(crm: Crm = 'hubspot'): Promise<string> {
      const id = `t-${randomUUID()}`;
      await store.upsertTenant({ id, crm, name: `Tenant ${id}`, mode: 'shadow', accountId: null });
      return id;
    }

    function page(runId: number, records: Rec[], extra: Partial<PageWrite> = {}): PageWrite {
      return { runId, objectType: 'contact', records, rejected: [], checkpoint: { phase: 'initial', after: String(records.length) }, ...extra };
    }

    /* ---------------------------------------------------------------- schema */

    it('migrations are recorded once and re-running them applies nothing', async () => {
      const again = await migrate(target.db);
      expect(again.applied).toEqual([]);
      expect(again.current).toBe(MIGRATIONS.at(-1)?.version);
      const { rows } = await target.db.query('SELECT version, name FROM schema_migrations ORDER BY version');
      expect(rows.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version));
    });

    /* ---------------------------------------------------------------- tenants, credentials, runs */

    it('upserts and reads tenants', async () => {
      const id = await tenant('salesforce');
      const updated = await store.upsertTenant({ id, crm: 'salesforce', name: 'Acme', mode: 'live', accountId: '00D000000000001' });
      expect(updated).toMatchObject({ id, crm: 'salesforce', name: 'Acme', mode: 'live', accountId: '00D000000000001' });
      expect(new Date(updated.createdAt).toISOString()).toBe(updated.createdAt);
      expect(await store.getTenant(id)).toEqual(updated);
      expect(await store.getTenant('no-such-tenant')).toBeNull();
      expect((await store.listTenants()).map((t) => t.id)).toContain(id);
    });

    it('stores credentials encrypted: the raw column never holds the token', async () => {
      const id = await tenant();
      const token = `pat-na1-${randomUUID()}`;
      const credentials = { accessToken: token, refreshToken: `refresh-${randomUUID()}`, expiresAt: 1_900_000_000_000 };
      await store.saveCredentials(id, credentials);
      expect(await store.loadCredentials(id)).toEqual(credentials);

      const { rows } = await target.db.query('SELECT sealed FROM credentials WHERE tenant_id = $1', [id]);
      const raw = String(rows[0]?.sealed);
      expect(raw).toMatch(/^v2\./);
      for (const needle of [token, credentials.refreshToken, Buffer.from(token).toString('base64'), Buffer.from(token).toString('base64url'), 'accessToken']) {
        expect(raw).not.toContain(needle);
      }
      // Sealing is randomised: the same credentials never give the same bytes twice.
      await store.saveCredentials(id, credentials);
      const again = await target.db.query('SELECT sealed FROM credentials WHERE tenant_id = $1', [id]);
      expect(String(again.rows[0]?.sealed)).not.toBe(raw);

      expect(await store.loadCredentials(await tenant())).toBeNull();
    });

    it('sealed credentials copied to another tenant do not open, and the error holds no secret', async () => {
      const a = await tenant();
      const b = await tenant();
      const token = `secret-${randomUUID()}`;
      await store.saveCredentials(a, { accessToken: token });
      await target.db.query('INSERT INTO credentials (tenant_id, sealed) SELECT $2, sealed FROM credentials WHERE tenant_id = $1', [a, b]);
      const error = await store.loadCredentials(b).then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(error).toBeInstanceOf(Error);
      expect(error?.message).toMatch(/could not be decrypted/);
      expect(`${error?.message} ${error?.stack}`).not.toContain(token);
    });

    it('tracks runs, newest first, with their summaries', async () => {
      const id = await tenant();
      const r1 = await store.startRun(id, 'sync');
      const r2 = await store.startRun(id, 'score');
      expect(r2).toBeGreaterThan(r1);
      await store.finishRun(id, r1, 'succeeded', { records: 3, note: 'ok\u0000' });
      const runs = await store.listRuns(id, 10);
      expect(runs.map((r) => [r.id, r.status])).toEqual([
        [r2, 'running'],
        [r1, 'succeeded'],
      ]);
      expect(runs[1]?.summary).toEqual({ records: 3, note: 'ok' });
      expect(runs[1]?.finishedAt).not.toBeNull();
      expect(await store.listRuns(id, 1)).toHaveLength(1);
      await expect(store.finishRun(await tenant(), r1, 'failed', {})).rejects.toThrow(/does not exist/);
    });

    it('refuses data for a tenant that does not exist', async () => {
      await expect(store.startRun(`missing-${randomUUID()}`, 'sync')).rejects.toThrow();
    });

    /* ---------------------------------------------------------------- savePage */

    it('savePage reports new and changed records, stores them and the checkpoint', async () => {
      const id = await tenant();
      const run = await store.startRun(id, 'sync');
      expect(await store.getCheckpoint(id, 'contact')).toBeNull();

      const first = await store.savePage(id, page(run, [rec('1', 'h1'), rec('2', 'h2'), rec('3', 'h3')], { checkpoint: { phase: 'initial', after: 'p2', startedAt: '2024-05-01T00:00:00Z' } }));
      expect(first).toEqual({ changedIds: ['1', '2', '3'], unchanged: 0, rejected: 0 });
      expect(await store.getCheckpoint(id, 'contact')).toEqual({ phase: 'initial', after: 'p2', startedAt: '2024-05-01T00:00:00Z' });

      // Same hashes (other properties may change): unchanged; a changed hash and a new id: changed.
      const second = await store.savePage(
        id,
        page(run, [
          rec('1', 'h1', { properties: { email: 'new@example.com' }, modifiedAt: '2024-05-02T00:00:00.000Z' }),
          rec('2', 'h2-changed', { modifiedAt: '2024-05-02T00:00:00.000Z' }),
          rec('3', 'h3'),
          rec('4', 'h4'),
        ], { checkpoint: { phase: 'incremental', since: '2024-05-02T00:00:00.000Z' } }),
      );
      expect(second).toEqual({ changedIds: ['2', '4'], unchanged: 2, rejected: 0 });
      expect(await store.getCheckpoint(id, 'contact')).toEqual({ phase: 'incremental', since: '2024-05-02T00:00:00.000Z' });
      expect(await store.countRecords(id, 'contact')).toBe(4);

      const [one] = await store.getRecords(id, 'contact', ['1']);
      expect(one).toMatchObject({ externalId: '1', objectType: 'contact', properties: { email: 'new@example.com' }, inputHash: 'h1', modifiedAt: '2024-05-02T00:00:00.000Z' });
      expect(Number.isNaN(Date.parse(one?.syncedAt ?? ''))).toBe(false);

      // An undefined checkpoint leaves the stored one alone.
      await store.savePage(id, page(run, [rec('5', 'h5')], { checkpoint: undefined }));
      expect(await store.getCheckpoint(id, 'contact')).toEqual({ phase: 'incremental', since: '2024-05-02T00:00:00.000Z' });
      // Checkpoints are per object type.
      expect(await store.getCheckpoint(id, 'deal')).toBeNull();
    });

    it('recordPages reads every record of one tenant and type once, in pages of the size asked, by id', async () => {
      const id = await tenant();
      const other = await tenant();
      const run = await store.startRun(id, 'sync');
      const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
      await store.savePage(id, page(run, ids.map((x) => rec(x, `h${x}`))));
      await store.savePage(id, page(run, [rec('t1', 'x')], { objectType: 'ticket' }));
      await store.savePage(other, page(await store.startRun(other, 'sync'), [rec('b2', 'z'), rec('zz', 'z')]));
      const pages: string[][] = [];
      for await (const p of store.recordPages(id, 'contact', 3)) pages.push(p.map((r) => r.externalId));
      expect(pages).toEqual([['a', 'b', 'c'], ['d', 'e', 'f'], ['g']]);
      const whole: unknown[] = [];
      for await (const p of store.recordPages(id, 'contact')) whole.push(...p);
      expect(whole).toEqual(await store.getRecords(id, 'contact'));
      const none: unknown[] = [];
      for await (const p of store.recordPages(id, 'deal', 2)) none.push(p);
      expect(none).toEqual([]);
      await expect(async () => {
        for await (const _ of store.recordPages(id, 'contact', 0)) void _;
      }).rejects.toThrow(/pageSize must be a positive integer/);
    });

    it('savePage keeps the last copy of a duplicated id and never lets an older copy overwrite a newer one', async () => {
      const id = await tenant();
      const run = await store.startRun(id, 'sync');
      const result = await store.savePage(id, page(run, [rec('d', 'old'), rec('e', 'e1'), rec('d', 'new', { properties: { email: 'last' } })]));
      expect(result.changedIds.sort()).toEqual(['d', 'e']);
      expect((await store.getRecords(id, 'contact', ['d']))[0]?.properties).toEqual({ email: 'last' });

      const stale = await store.savePage(id, page(run, [rec('e', 'e0', { modifiedAt: '2023-01-01T00:00:00.000Z', properties: { email: 'stale' } })]));
      expect(stale).toEqual({ changedIds: [], unchanged: 1, rejected: 0 });
      expect((await store.getRecords(id, 'contact', ['e']))[0]).toMatchObject({ inputHash: 'e1', modifiedAt: '2024-05-01T10:00:00.000Z' });
    });

    it('savePage rejects what it cannot keep, with reasons, and the page goes on', async () => {
      const id = await tenant();
      const run = await store.startRun(id, 'sync');
      const result = await store.savePage(
        id,
        page(
          run,
          [
            rec('ok', 'h'),
            rec('', 'h'),
            rec('bad-time', 'h', { modifiedAt: 'yesterday-ish' }),
            rec('x'.repeat(5000), 'h'),
            { ...rec('wrong-type', 'h'), objectType: 'deal' },
            rec('sf-time', 'h', { modifiedAt: '2024-01-02T03:04:05.000+0000' }),
            rec('epoch', 'h', { modifiedAt: '1714557600000' }),
          ],
          { rejected: [{ objectType: 'contact', externalId: '99', reason: 'email is not an email\u0000' }, { objectType: 'contact', externalId: null, reason: 'no id' }] },
        ),
      );
      expect(result.changedIds).toEqual(['ok', 'sf-time', 'epoch']);
      expect(result.rejected).toBe(6);
      const rejected = await store.rejectedRecords(id, run);
      expect(rejected.slice(0, 2)).toEqual([
        { objectType: 'contact', externalId: '99', reason: 'email is not an email' },
        { objectType: 'contact', externalId: null, reason: 'no id' },
      ]);
      expect(rejected.map((r) => r.reason).join('\n')).toMatch(/missing externalId[\s\S]*invalid modifiedAt "yesterday-ish"[\s\S]*longer than 1000[\s\S]*type "deal"/);
      const times = await store.getRecords(id, 'contact', ['sf-time', 'epoch']);
      expect(times.map((r) => r.modifiedAt)).toEqual(['2024-05-01T10:00:00.000Z', '2024-01-02T03:04:05.000Z']);
      expect(await store.rejectedRecords(id, run + 100_000)).toEqual([]);
    });

    it('savePage is atomic: a failing page leaves neither records nor checkpoint', async () => {
      const id = await tenant();
      const run = await store.startRun(id, 'sync');
      await store.savePage(id, page(run, [rec('kept', 'h')], { checkpoint: { phase: 'initial', after: 'before' } }));

      // 1,200 records (three multi-row statements) succeed, then the rejected row's unknown run fails the page.
      const many = Array.from({ length: 1200 }, (_, i) => rec(`n${i}`, `h${i}`));
      await expect(
        store.savePage(id, { runId: run + 1_000_000, objectType: 'contact', records: many, rejected: [{ objectType: 'contact', externalId: 'z', reason: 'r' }], checkpoint: { phase: 'initial', after: 'after' } }),
      ).rejects.toThrow();
      expect(await store.countRecords(id, 'contact')).toBe(1);
      expect(await store.getCheckpoint(id, 'contact')).toEqual({ phase: 'initial', after: 'before' });
      // The store is still usable after the rollback.
      const retry = await store.savePage(id, page(run, many, { checkpoint: { phase: 'initial', after: 'after' } }));
      expect(retry.changedIds).toHaveLength(1200);
      expect(await store.getCheckpoint(id, 'contact')).toEqual({ phase: 'initial', after: 'after' });
    });

    it('stores untrusted CRM values: 100 kB strings, odd unicode, NUL characters', async () => {
      const id = await tenant();
      const run = await store.startRun(id, 'sync');
      const big = 'é🙂'.repeat(34_000); // ~100 k UTF-16 units, ~200 kB of UTF-8
      const odd = 'Zoë ‮RTL‬ 👩‍👩‍👧 e\u0301 \u200b\ufeff \u2028\u2029 \u0001\u001f\u007f 𝔘𝔫𝔦 "quoted" \\u0000 \'; DROP TABLE records; --';
      const records: Rec[] = [
        rec('big', 'h', { properties: { notes: big, odd, empty: '', missing: null } }),
        rec('nul\u0000id', 'h', { properties: { 'key\u0000with-nul': 'value\u0000with\u0000nul', lone: 'a\ud800b', ok: 'x' }, associations: { deal: ['d\u00001'] } }),
        rec('deal-lines', 'h', {
          lineItems: [{ id: 'li1', productId: null, name: 'Widget ✓', quantity: 2, price: 9.99 }],
          associations: { contact: ['1', '2'] },
        }),
      ];
      const result = await store.savePage(id, page(run, records, { checkpoint: { phase: 'initial', after: 'cursor\u0000x', startedAt: odd } }));
      expect(result.changedIds).toEqual(['big', 'nulid', 'deal-lines']);
      const byId = new Map((await store.getRecords(id, 'contact')).map((r) => [r.externalId, r]));
      expect(byId.get('big')?.properties).toEqual({ notes: big, odd, empty: '', missing: null });
      expect(byId.get('nulid')?.properties).toEqual({ 'keywith-nul': 'valuewithnul', lone: 'a\ufffdb', ok: 'x' });
      expect(byId.get('nulid')?.associations).toEqual({ deal: ['d1'] });
      expect(byId.get('deal-lines')?.lineItems).toEqual([{ id: 'li1', productId: null, name: 'Widget ✓', quantity: 2, price: 9.99 }]);
      expect(byId.get('big')?.lineItems).toBeUndefined();
      expect(await store.getCheckpoint(id, 'contact')).toEqual({ phase: 'initial', after: 'cursorx', startedAt: odd });
    });

    it('getRecords filters by ids and object type', async () => {
      const id = await tenant();
      const run = await store.startRun(id, 'sync');
      await store.savePage(id, page(run, [rec('a', 'h'), rec('b', 'h'), rec('c', 'h')]));
      await store.savePage(id, { runId: run, objectType: 'deal', records: [{ ...rec('a', 'h'), objectType: 'deal' }], rejected: [], checkpoint: null });
      expect((await store.getRecords(id, 'contact', ['c', 'a', 'zz'])).map((r) => r.externalId)).toEqual(['a', 'c']);
      expect(await store.getRecords(id, 'contact', [])).toEqual([]);
      expect((await store.getRecords(id, 'deal')).map((r) => [r.objectType, r.externalId])).toEqual([['deal', 'a']]);
      expect(await store.countRecords(id, 'deal')).toBe(1);
      expect(await store.countRecords(id, 'ticket')).toBe(0);
      expect(await store.getCheckpoint(id, 'deal')).toBeNull();
    });

    it('saves a 5,000-record page in one call', async () => {
      const id = await tenant();
      const run = await store.startRun(id, 'sync');
      const records = Array.from({ length: 5000 }, (_, i) =>
        rec(String(100000 + i), `h${i}`, { properties: { email: `c${i}@example.com`, firstname: `First ${i}`, lastname: 'Last', company: 'Acme', jobtitle: 'VP', num_employees: String(i), lifecyclestage: 'lead' } }),
      );
      const started = performance.now();
      const result = await store.savePage(id, page(run, records));
      const firstMs = performance.now() - started;
      const again = performance.now();
      const second = await store.savePage(id, page(run, records));
      const secondMs = performance.now() - again;
      console.info(`[store] ${store.engine}: savePage of 5,000 new records ${firstMs.toFixed(0)} ms, unchanged re-save ${secondMs.toFixed(0)} ms`);
      expect(result.changedIds).toHaveLength(5000);
      expect(second).toEqual({ changedIds: [], unchanged: 5000, rejected: 0 });
      expect(await store.countRecords(id, 'contact')).toBe(5000);
    });

    /* ---------------------------------------------------------------- models */

    it('versions models per tenant and kind and promotes one active at a time', async () => {
      const id = await tenant();
      expect(await store.getActiveModel(id, 'leadScore')).toBeNull();
      const v1 = await store.saveModel(id, { kind: 'leadScore', status: 'candidate', metrics: { auc: 0.8 }, model: { trees: [1, 2, 3] }, trainedOn: { labelled: 100 } });
      const v2 = await store.saveModel(id, { kind: 'leadScore', status: 'candidate', metrics: { auc: 0.85 }, model: { trees: [4] }, trainedOn: { labelled: 150 } });
      const s1 = await store.saveModel(id, { kind: 'segments', status: 'candidate', metrics: {}, model: { k: 4 }, trainedOn: {} });
      expect([v1, v2, s1]).toEqual([1, 2, 1]);

      await store.promoteModel(id, 'leadScore', v1);
      expect(await store.getActiveModel(id, 'leadScore')).toMatchObject({ version: 1, status: 'active', model: { trees: [1, 2, 3] }, metrics: { auc: 0.8 }, trainedOn: { labelled: 100 } });
      await store.promoteModel(id, 'leadScore', v2);
      await store.promoteModel(id, 'leadScore', v2); // idempotent
      expect((await store.getActiveModel(id, 'leadScore'))?.version).toBe(2);
      const v3 = await store.saveModel(id, { kind: 'leadScore', status: 'rejected', metrics: { auc: 0.7 }, model: null, trainedOn: {} });
      const listed = await store.listModels(id, 'leadScore');
      expect(listed.map((m) => [m.version, m.status])).toEqual([
        [v3, 'rejected'],
        [2, 'active'],
        [1, 'retired'],
      ]);
      expect(listed[0]).not.toHaveProperty('model');
      expect((await store.getActiveModel(id, 'segments'))).toBeNull();

      // Saving straight as active retires the previous active model.
      const v4 = await store.saveModel(id, { kind: 'leadScore', status: 'active', metrics: {}, model: { m: 4 }, trainedOn: {} });
      expect((await store.getActiveModel(id, 'leadScore'))?.version).toBe(v4);
      expect((await store.listModels(id, 'leadScore')).filter((m) => m.status === 'active')).toHaveLength(1);

      await expect(store.promoteModel(id, 'leadScore', 99)).rejects.toThrow(/no leadScore model version 99/);
    });

    it('numbers concurrent saveModel calls without collisions', async () => {
      const id = await tenant();
      const versions = await Promise.all(Array.from({ length: 5 }, () => store.saveModel(id, { kind: 'k', status: 'candidate', metrics: {}, model: {}, trainedOn: {} })));
      expect(versions.sort()).toEqual([1, 2, 3, 4, 5]);
    });

    /* ---------------------------------------------------------------- signals */

    it('latestSignals returns the newest row per record', async () => {
      const id = await tenant();
      const r1 = await store.startRun(id, 'score');
      const r2 = await store.startRun(id, 'score');
      await store.saveSignals(id, r1, [
        { objectType: 'contact', externalId: 'a', signal: 'leadScore', modelVersion: 1, value: { score: 10, reasons: ['x'] }, inputHash: 'h1' },
        { objectType: 'contact', externalId: 'b', signal: 'leadScore', modelVersion: 1, value: { score: 20 }, inputHash: 'h1' },
        { objectType: 'contact', externalId: 'a', signal: 'segment', modelVersion: 1, value: 'Enterprise', inputHash: 'h1' },
        { objectType: 'deal', externalId: 'a', signal: 'leadScore', modelVersion: 1, value: 99, inputHash: 'h1' },
      ]);
      await store.saveSignals(id, r2, [{ objectType: 'contact', externalId: 'a', signal: 'leadScore', modelVersion: 2, value: { score: 55 }, inputHash: 'h2' }]);
      await store.saveSignals(id, r2, []);

      const latest = await store.latestSignals(id, 'contact', 'leadScore');
      expect([...latest.keys()].sort()).toEqual(['a', 'b']);
      expect(latest.get('a')).toEqual({ objectType: 'contact', externalId: 'a', signal: 'leadScore', modelVersion: 2, value: { score: 55 }, inputHash: 'h2' });
      expect(latest.get('b')?.value).toEqual({ score: 20 });
      expect((await store.latestSignals(id, 'contact', 'segment')).get('a')?.value).toBe('Enterprise');
      expect((await store.latestSignals(id, 'deal', 'leadScore')).get('a')?.value).toBe(99);
      expect((await store.latestSignals(id, 'ticket', 'leadScore')).size).toBe(0);
    });

    it('nextSignalRange walks every record of several signals once, in key ranges of the database order', async () => {
      const id = await tenant();
      const other = await tenant();
      const run = await store.startRun(id, 'score');
      // ids whose order differs between collations and JavaScript's comparison
      const ids = ['B', 'a', '10', '9', 'é', 'Z-1', 'z_2', '00Q1', ' x'];
      const row = (externalId: string, signal: string) => ({ objectType: 'contact' as const, externalId, signal, modelVersion: 1, value: 1, inputHash: 'h' });
      await store.saveSignals(id, run, [...ids.map((e) => row(e, 'leadScore')), ...ids.slice(3).map((e) => row(e, 'segment')), ...ids.slice(3).map((e) => row(e, 'segment'))]);
      await store.saveSignals(other, await store.startRun(other, 'score'), [row('zzz', 'leadScore')]);
      for (const size of [1, 2, 4, 100]) {
        const seen: string[] = [];
        let after: string | null = null;
        for (let range = await store.nextSignalRange(id, 'contact', ['leadScore', 'segment'], after, size); range; range = await store.nextSignalRange(id, 'contact', ['leadScore', 'segment'], after, size)) {
          const page = new Set([...(await store.latestSignals(id, 'contact', 'leadScore', range)).keys(), ...(await store.latestSignals(id, 'contact', 'segment', range)).keys()]);
          expect(page.size).toBeLessThanOrEqual(2 * size);
          seen.push(...page);
          if (range.through === null) break;
          after = range.through;
        }
        expect(seen.sort(), `ranges of ${size}`).toEqual([...ids].sort());
      }
    });

    it('signalsOfRecords gives the newest row of each signal of many records, per tenant', async () => {
      const id = await tenant();
      const other = await tenant();
      const r1 = await store.startRun(id, 'score');
      const r2 = await store.startRun(id, 'score');
      await store.saveSignals(id, r1, [
        { objectType: 'contact', externalId: 'a', signal: 'leadScore', modelVersion: 1, value: { score: 1 }, inputHash: 'h' },
        { objectType: 'contact', externalId: 'a', signal: 'segment', modelVersion: 1, value: 'S', inputHash: 'h' },
        { objectType: 'contact', externalId: 'b', signal: 'leadScore', modelVersion: 1, value: { score: 2 }, inputHash: 'h' },
        { objectType: 'deal', externalId: 'c', signal: 'leadScore', modelVersion: 1, value: { score: 3 }, inputHash: 'h' },
      ]);
      await store.saveSignals(id, r2, [{ objectType: 'contact', externalId: 'a', signal: 'leadScore', modelVersion: 2, value: { score: 9 }, inputHash: 'h2' }]);
      const o1 = await store.startRun(other, 'score');
      await store.saveSignals(other, o1, [{ objectType: 'contact', externalId: 'c', signal: 'leadScore', modelVersion: 1, value: { score: 5 }, inputHash: 'h' }]);

      const got = await store.signalsOfRecords(id, 'contact', ['a', 'b', 'c', 'zz'], ['leadScore', 'segment']);
      expect([...got.keys()].sort()).toEqual(['a', 'b']);
      expect(got.get('a')?.get('leadScore')).toMatchObject({ modelVersion: 2, value: { score: 9 }, inputHash: 'h2' });
      expect(got.get('a')?.get('segment')?.value).toBe('S');
      expect([...(got.get('b')?.keys() ?? [])]).toEqual(['leadScore']);
      expect((await store.signalsOfRecords(id, 'contact', ['a'], ['segment'])).get('a')?.has('leadScore')).toBe(false);
      expect((await store.signalsOfRecords(id, 'contact', [], ['leadScore'])).size).toBe(0);
    });

    it('scoreBandCounts counts the newest score per record in SQL, per tenant', async () => {
      const id = await tenant();
      const other = await tenant();
      const r1 = await store.startRun(id, 'score');
      const r2 = await store.startRun(id, 'score');
      await store.saveSignals(id, r1, [
        { objectType: 'contact', externalId: 'a', signal: 'leadScore', modelVersion: 1, value: { score: 12 }, inputHash: 'h' },
        { objectType: 'contact', externalId: 'b', signal: 'leadScore', modelVersion: 1, value: { score: 19 }, inputHash: 'h' },
        { objectType: 'contact', externalId: 'c', signal: 'leadScore', modelVersion: 1, value: { score: 99 }, inputHash: 'h' },
        { objectType: 'contact', externalId: 'd', signal: 'leadScore', modelVersion: 1, value: { score: 100 }, inputHash: 'h' },
        { objectType: 'contact', externalId: 'e', signal: 'leadScore', modelVersion: 1, value: { score: '55' }, inputHash: 'h' },
        { objectType: 'contact', externalId: 'f', signal: 'leadScore', modelVersion: 1, value: null, inputHash: 'h' },
        { objectType: 'contact', externalId: 'g', signal: 'segment', modelVersion: 1, value: { score: 50 }, inputHash: 'h' },
        { objectType: 'deal', externalId: 'h', signal: 'leadScore', modelVersion: 1, value: { score: 50 }, inputHash: 'h' },
      ]);
      // a's newer score moves it from the 10s to the 70s; the older row no longer counts
      await store.saveSignals(id, r2, [{ objectType: 'contact', externalId: 'a', signal: 'leadScore', modelVersion: 2, value: { score: 71 }, inputHash: 'h2' }]);
      const o1 = await store.startRun(other, 'score');
      await store.saveSignals(other, o1, [{ objectType: 'contact', externalId: 'a', signal: 'leadScore', modelVersion: 1, value: { score: 5 }, inputHash: 'h' }]);

      expect([...(await store.scoreBandCounts(id, 'contact', 'leadScore', 10)).entries()].sort((x, y) => x[0] - y[0])).toEqual([[1, 1], [7, 1], [9, 2]]);
      expect([...(await store.scoreBandCounts(id, 'contact', 'leadScore', 50)).entries()].sort((x, y) => x[0] - y[0])).toEqual([[0, 1], [1, 3]]);
      expect([...(await store.scoreBandCounts(other, 'contact', 'leadScore', 10)).entries()]).toEqual([[0, 1]]);
      expect((await store.scoreBandCounts(id, 'ticket', 'leadScore', 10)).size).toBe(0);
      await expect(store.scoreBandCounts(id, 'contact', 'leadScore', 0)).rejects.toThrow(/width must be a positive integer/);
    });

    /* ---------------------------------------------------------------- outbox, written values, audit */

    it('enqueue replaces the pending item of a record', async () => {
      const id = await tenant();
      const run = await store.startRun(id, 'write');
      const n = await store.enqueue(id, run, [
        { objectType: 'contact', externalId: 'a', properties: { score: '10' }, previous: { score: null }, modelVersion: 1 },
        { objectType: 'contact', externalId: 'b', properties: { score: '20' }, previous: { score: null }, modelVersion: 1 },
        { objectType: 'contact', externalId: 'b', properties: { score: '21' }, previous: { score: null }, modelVersion: 1 },
        { objectType: 'contact', externalId: 'c', properties: {}, previous: {}, modelVersion: 1 },
        { objectType: 'deal', externalId: 'a', properties: { recs: 'x' }, previous: {}, modelVersion: null },
      ]);
      expect(n).toBe(3);
      expect(await store.countPending(id)).toBe(3);

      const run2 = await store.startRun(id, 'write');
      await store.enqueue(id, run2, [{ objectType: 'contact', externalId: 'a', properties: { score: '11', reasons: 'r' }, previous: { score: null, reasons: null }, modelVersion: 2 }]);
      expect(await store.countPending(id)).toBe(3);
      const pending = await store.pendingOutbox(id, 'contact', 10);
      expect(pending.map((p) => [p.externalId, p.properties, p.modelVersion, p.runId])).toEqual([
        ['a', { score: '11', reasons: 'r' }, 2, run2],
        ['b', { score: '21' }, 1, run],
      ]);
      expect(pending[0]).toMatchObject({ attempts: 0, previous: { score: null, reasons: null } });
      expect(await store.pendingOutbox(id, 'contact', 1)).toHaveLength(1);
      expect((await store.pendingOutbox(id, 'deal', 10)).map((p) => p.modelVersion)).toEqual([null]);
      // Only the items of some kind of run (a rollback sends its own restores, not a cycle's queued scores).
      const restore = await store.startRun(id, 'rollback');
      await store.enqueue(id, restore, [{ objectType: 'contact', externalId: 'z', properties: { score: '' }, previous: { score: '5' }, modelVersion: null }]);
      expect((await store.pendingOutbox(id, 'contact', 10, { runKind: 'rollback' })).map((p) => p.externalId)).toEqual(['z']);
      expect(await store.countPending(id, 'contact', { runKind: 'rollback' })).toBe(1);
      expect(await store.countPending(id, undefined, { runKind: 'rollback' })).toBe(1);
      expect(await store.countPending(id, 'deal', { runKind: 'rollback' })).toBe(0);
    });

    it('completeOutbox marks done, audits each property, and updates written values and stamps', async () => {
      const id = await tenant();
      const run = await store.startRun(id, 'write');
      await store.enqueue(id, run, [
        { objectType: 'contact', externalId: 'a', properties: { score: '42', reasons: '+ fit' }, previous: { score: null, reasons: null }, modelVersion: 3 },
        { objectType: 'contact', externalId: 'b', properties: { score: '7' }, previous: { score: null }, modelVersion: 3 },
      ]);
      const [a, b] = await store.pendingOutbox(id, 'contact', 10);
      if (!a || !b) throw new Error('expected two items');
      await store.completeOutbox(id, run, [
        { id: a.id, modifiedAt: '2024-06-01T12:00:00.123Z' },
        { id: b.id, modifiedAt: null },
      ]);
      expect(await store.countPending(id)).toBe(0);
      expect(await store.writtenValues(id, 'contact')).toEqual(
        new Map([
          ['a', { score: '42', reasons: '+ fit' }],
          ['b', { score: '7' }],
        ]),
      );
      expect(await store.ownWriteStamps(id, 'contact', ['a', 'b', 'never-written'])).toEqual(new Map([['a', '2024-06-01T12:00:00.123Z']]));
      expect(await store.ownWriteStamps(id, 'contact', ['b'])).toEqual(new Map());
      expect(await store.ownWriteStamps(id, 'contact', [])).toEqual(new Map());
      const audit = await store.audit(id);
      expect(audit.map((r) => [r.externalId, r.property, r.oldValue, r.newValue, r.modelVersion, r.runId]).sort()).toEqual([
        ['a', 'reasons', null, '+ fit', 3, run],
        ['a', 'score', null, '42', 3, run],
        ['b', 'score', null, '7', 3, run],
      ]);

      // Completing again writes nothing more.
      await store.completeOutbox(id, run, [{ id: a.id, modifiedAt: '2024-06-01T12:00:00.123Z' }]);
      expect(await store.countAudit(id)).toBe(3);

      // The next write of `a` changes one property: the audit keeps the old value, the stamp moves for the whole record.
      const run2 = await store.startRun(id, 'write');
      await store.enqueue(id, run2, [{ objectType: 'contact', externalId: 'a', properties: { score: '50' }, previous: { score: '42' }, modelVersion: 4 }]);
      const [next] = await store.pendingOutbox(id, 'contact', 10);
      await store.completeOutbox(id, run2, [{ id: next?.id ?? -1, modifiedAt: '2024-06-02T08:00:00.000+0000' }]);
      expect((await store.writtenValues(id, 'contact')).get('a')).toEqual({ score: '50', reasons: '+ fit' });
      expect((await store.ownWriteStamps(id, 'contact', ['a'])).get('a')).toBe('2024-06-02T08:00:00.000+0000');
      const latest = await store.audit(id, { runId: run2 });
      expect(latest.map((r) => [r.property, r.oldValue, r.newValue, r.modelVersion])).toEqual([['score', '42', '50', 4]]);
      expect(await store.audit(id, { limit: 2 })).toHaveLength(2);
      expect((await store.audit(id))[0]?.runId).toBe(run2); // newest first
      const all = await store.audit(id);
      const forward = await store.audit(id, { afterId: all.at(-1)!.id, limit: 2 });
      expect(forward.map((r) => r.id)).toEqual([...all].reverse().slice(1, 3).map((r) => r.id)); // oldest first after the cursor
      expect(await store.countAudit(id)).toBe(4);
    });

    it('deleteRecords forgets deleted records with their signals, written values and pending writes, in one tenant', async () => {
      const id = await tenant();
      const other = await tenant();
      for (const t of [id, other]) {
        const run = await store.startRun(t, 'cycle');
        await store.savePage(t, page(run, [rec('a', 'h1'), rec('b', 'h2')]));
        await store.saveSignals(t, run, [{ objectType: 'contact', externalId: 'a', signal: 'leadScore', modelVersion: 1, value: { score: 5 }, inputHash: 'h1' }]);
        await store.enqueue(t, run, [{ objectType: 'contact', externalId: 'a', properties: { score: '5' }, previous: { score: null }, modelVersion: 1 }]);
      }
      expect(await store.deleteRecords(id, 'contact', ['a', 'missing'])).toBe(1);
      expect((await store.getRecords(id, 'contact')).map((r) => r.externalId)).toEqual(['b']);
      expect((await store.latestSignals(id, 'contact', 'leadScore')).size).toBe(0);
      expect(await store.countPending(id)).toBe(0);
      expect(await store.countRecords(other, 'contact')).toBe(2);
      expect(await store.countPending(other)).toBe(1);
    });

    it('forgetCrmState drops records, checkpoints, signals, outbox and written values, and keeps the audit', async () => {
      const id = await tenant();
      const other = await tenant();
      for (const t of [id, other]) {
        const run = await store.startRun(t, 'cycle');
        await store.savePage(t, page(run, [rec('a', 'h1'), rec('b', 'h2')]));
        await store.saveSignals(t, run, [{ objectType: 'contact', externalId: 'a', signal: 'leadScore', modelVersion: 1, value: { score: 5 }, inputHash: 'h1' }]);
        await store.enqueue(t, run, [
          { objectType: 'contact', externalId: 'a', properties: { score: '5' }, previous: { score: null }, modelVersion: 1 },
          { objectType: 'contact', externalId: 'b', properties: { score: '6' }, previous: { score: null }, modelVersion: 1 },
        ]);
        const [first] = await store.pendingOutbox(t, 'contact', 1);
        await store.completeOutbox(t, run, [{ id: first!.id, modifiedAt: '2024-06-01T00:00:00.000Z' }]);
      }
      await store.saveCursor(id, 'history', { lastAuditId: 7 });
      await store.forgetCrmState(id);
      expect(await store.getCursor(id, 'history')).toEqual({ lastAuditId: 7 });
      expect(await store.getCursor(other, 'history')).toBeNull();
      expect(await store.countRecords(id, 'contact')).toBe(0);
      expect(await store.getCheckpoint(id, 'contact')).toBeNull();
      expect((await store.latestSignals(id, 'contact', 'leadScore')).size).toBe(0);
      expect(await store.countPending(id)).toBe(0);
      expect((await store.writtenValues(id, 'contact')).size).toBe(0);
      expect(await store.countAudit(id)).toBe(1);
      expect(await store.listRuns(id, 10)).toHaveLength(1);
      // The other tenant is untouched.
      expect(await store.countRecords(other, 'contact')).toBe(2);
      expect(await store.countPending(other)).toBe(1);
      expect(await store.countPending(other, 'contact')).toBe(1);
      expect(await store.countPending(other, 'ticket')).toBe(0);
      expect((await store.writtenValues(other, 'contact')).size).toBe(1);
    });

    it('failOutbox keeps retryable items pending and fails the others', async () => {
      const id = await tenant();
      const run = await store.startRun(id, 'write');
      await store.enqueue(id, run, [
        { objectType: 'contact', externalId: 'r', properties: { score: '1' }, previous: {}, modelVersion: 1 },
        { objectType: 'contact', externalId: 'f', properties: { score: '2' }, previous: {}, modelVersion: 1 },
      ]);
      const [r, f] = await store.pendingOutbox(id, 'contact', 10);
      if (!r || !f) throw new Error('expected two items');
      await store.failOutbox(id, [
        { id: r.id, error: '429 Too Many Requests', retryable: true },
        { id: f.id, error: 'INVALID_FIELD: score\u0000 (Authorization: Bearer abcdefghijklmnop)', retryable: false },
      ]);
      const pending = await store.pendingOutbox(id, 'contact', 10);
      expect(pending.map((p) => [p.externalId, p.attempts])).toEqual([['r', 1]]);
      await store.failOutbox(id, [{ id: r.id, error: 'again', retryable: true }]);
      expect((await store.pendingOutbox(id, 'contact', 10))[0]?.attempts).toBe(2);

      const { rows } = await target.db.query('SELECT status, last_error, attempts FROM outbox WHERE tenant_id = $1 AND id = $2', [id, f.id]);
      expect(rows[0]).toMatchObject({ status: 'failed', attempts: 1 });
      expect(String(rows[0]?.last_error)).toMatch(/^INVALID_FIELD: score \(Authorization: Bearer \[redacted\]\)$/);

      // A failed item does not block a new write for the record; completing a failed item does nothing.
      await store.enqueue(id, run, [{ objectType: 'contact', externalId: 'f', properties: { score: '3' }, previous: {}, modelVersion: 1 }]);
      expect(await store.countPending(id)).toBe(2);
      await store.completeOutbox(id, run, [{ id: f.id, modifiedAt: null }]);
      expect(await store.countAudit(id)).toBe(0);
    });

    /* ---------------------------------------------------------------- isolation */

    it('isolates tenants: A never sees or changes B', async () => {
      const a = await tenant();
      const b = await tenant();
      const ra = await store.startRun(a, 'sync');
      const rb = await store.startRun(b, 'sync');
      await store.savePage(a, page(ra, [rec('same', 'ha', { properties: { owner: 'A' } })], { checkpoint: { owner: 'A' }, rejected: [{ objectType: 'contact', externalId: 'x', reason: 'A' }] }));
      await store.savePage(b, page(rb, [rec('same', 'hb', { properties: { owner: 'B' } }), rec('only-b', 'hb')], { checkpoint: { owner: 'B' } }));
      await store.saveSignals(b, rb, [{ objectType: 'contact', externalId: 'same', signal: 'leadScore', modelVersion: 1, value: 'B', inputHash: 'hb' }]);
      await store.saveModel(b, { kind: 'leadScore', status: 'active', metrics: {}, model: 'B', trainedOn: {} });
      await store.saveCredentials(b, { token: 'B' });
      await store.enqueue(b, rb, [{ objectType: 'contact', externalId: 'same', properties: { score: 'B' }, previous: {}, modelVersion: 1 }]);
      const [itemB] = await store.pendingOutbox(b, 'contact', 10);
      if (!itemB) throw new Error('expected an item');

      expect((await store.getRecords(a, 'contact')).map((r) => r.properties.owner)).toEqual(['A']);
      expect(await store.countRecords(a, 'contact')).toBe(1);
      expect(await store.getCheckpoint(a, 'contact')).toEqual({ owner: 'A' });
      expect(await store.rejectedRecords(a, rb)).toEqual([]);
      expect(await store.rejectedRecords(b, ra)).toEqual([]);
      expect((await store.latestSignals(a, 'contact', 'leadScore')).size).toBe(0);
      expect(await store.getActiveModel(a, 'leadScore')).toBeNull();
      expect(await store.listModels(a, 'leadScore')).toEqual([]);
      expect(await store.loadCredentials(a)).toBeNull();
      expect(await store.pendingOutbox(a, 'contact', 10)).toEqual([]);
      expect(await store.countPending(a)).toBe(0);
      expect((await store.listRuns(a, 10)).map((r) => r.id)).toEqual([ra]);

      // A's hands on B's ids change nothing.
      await store.completeOutbox(a, ra, [{ id: itemB.id, modifiedAt: '2024-01-01T00:00:00Z' }]);
      await store.failOutbox(a, [{ id: itemB.id, error: 'x', retryable: false }]);
      await expect(store.promoteModel(a, 'leadScore', 1)).rejects.toThrow();
      await expect(store.finishRun(a, rb, 'failed', {})).rejects.toThrow();
      // A's leased start takes over A's own unleased run only.
      expect((await store.startLeasedRun(a, 'cycle', { owner: 'probe', instance: 'probe-1', ttlMs: 60_000 })).interrupted).toEqual([ra]);
      expect((await store.listRuns(b, 10))[0]?.status).toBe('running');
      expect(await store.countPending(b)).toBe(1);
      expect(await store.countAudit(a)).toBe(0);
      expect(await store.countAudit(b)).toBe(0);
      expect((await store.writtenValues(a, 'contact')).size).toBe(0);

      await store.completeOutbox(b, rb, [{ id: itemB.id, modifiedAt: '2024-01-01T00:00:00Z' }]);
      expect(await store.audit(a)).toEqual([]);
      expect(await store.ownWriteStamps(a, 'contact', ['same'])).toEqual(new Map());
      expect((await store.writtenValues(a, 'contact')).size).toBe(0);
      expect(await store.countAudit(b)).toBe(1);
      expect((await store.writtenValues(b, 'contact')).get('same')).toEqual({ score: 'B' });
    });

    it('object types are separate namespaces', async () => {
      const id = await tenant();
      const run = await store.startRun(id, 'sync');
      const types: ObjectType[] = ['contact', 'deal', 'ticket'];
      for (const objectType of types) {
        await store.savePage(id, { runId: run, objectType, records: [{ ...rec('1', objectType), objectType }], rejected: [], checkpoint: { objectType } });
      }
      for (const objectType of types) {
        expect((await store.getRecords(id, objectType)).map((r) => r.inputHash)).toEqual([objectType]);
        expect(await store.getCheckpoint(id, objectType)).toEqual({ objectType });
      }
    });

    /* ---- field mappings (migration 003) ---- */

    it('mappings are versioned per tenant; the newest is active and the history is kept', async () => {
      const a = await tenant();
      const b = await tenant();
      expect(await store.activeMapping(a)).toBeNull();
      expect(await store.listMappings(a)).toEqual([]);
      expect(await store.saveMapping(a, { v: 'first' })).toBe(1);
      expect(await store.saveMapping(a, { v: 'second', nested: { list: [1, 2] } }, { note: 'dropped job', author: 'revops@example.com' })).toBe(2);
      // another tenant numbers its own versions and sees nothing of a's
      expect(await store.activeMapping(b)).toBeNull();
      expect(await store.saveMapping(b, { v: 'b' })).toBe(1);

      const active = await store.activeMapping(a);
      expect(active).toMatchObject({ version: 2, mapping: { v: 'second', nested: { list: [1, 2] } }, note: 'dropped job', author: 'revops@example.com' });
      expect(active?.createdAt).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
      expect((await store.listMappings(a)).map((m) => [m.version, m.mapping, m.note])).toEqual([
        [2, { v: 'second', nested: { list: [1, 2] } }, 'dropped job'],
        [1, { v: 'first' }, null],
      ]);
      expect((await store.listMappings(b)).map((m) => m.version)).toEqual([1]);
    });

    it('concurrent saves of one tenant get distinct versions', async () => {
      const id = await tenant();
      const versions = await Promise.all(Array.from({ length: 5 }, (_, i) => store.saveMapping(id, { i })));
      expect([...versions].sort()).toEqual([1, 2, 3, 4, 5]);
      expect((await store.activeMapping(id))?.version).toBe(5);
    });

    it('a mapping is refused for an unknown tenant or a body that is not an object', async () => {
      await expect(store.saveMapping(`missing-${randomUUID()}`, { v: 1 })).rejects.toThrow(/does not exist/);
      const id = await tenant();
      await expect(store.saveMapping(id, 'not a mapping')).rejects.toThrow(/must be an object/);
      await expect(store.saveMapping(id, null)).rejects.toThrow(/must be an object/);
      expect(await store.listMappings(id)).toEqual([]);
    });

    it('saving a mapping with resync forgets those checkpoints (and only those) in the same transaction', async () => {
      const id = await tenant();
      const run = await store.startRun(id, 'sync');
      for (const objectType of ['contact', 'deal'] as const) {
        await store.savePage(id, { runId: run, objectType, records: [], rejected: [], checkpoint: { phase: 'incremental', since: '2024-01-01T00:00:00Z' } });
      }
      await store.saveCursor(id, 'contact', { kept: true });
      await store.saveMapping(id, { v: 1 }, { resync: ['contact'] });
      expect(await store.getCheckpoint(id, 'contact')).toBeNull();
      expect(await store.getCheckpoint(id, 'deal')).toEqual({ phase: 'incremental', since: '2024-01-01T00:00:00Z' });
      expect(await store.getCursor(id, 'contact')).toEqual({ kept: true });
    });

    /* ------------------------------------------------------------ run leases */

    const lease = (owner: string, instance = 'i1', ttlMs = 60_000) => ({ owner, instance, ttlMs });
    const expireLeases = (id: string) => target.db.query(`UPDATE runs SET lease_expires_at = now() - interval '1 minute' WHERE tenant_id = $1`, [id]);

    it('a live lease of another owner keeps a second run from starting and is not interrupted', async () => {
      const id = await tenant();
      const first = await store.startLeasedRun(id, 'cycle', lease('worker-a'));
      expect(first.interrupted).toEqual([]);
      const error = await store.startLeasedRun(id, 'cycle', lease('worker-b')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RunLeaseHeldError);
      expect((error as Error).message).toMatch(new RegExp(`tenant ${id} is busy: run #${first.runId} is held by worker-a until `));
      // The same process cannot start a second run of the tenant either.
      await expect(store.startLeasedRun(id, 'cycle', lease('worker-a'))).rejects.toThrow(RunLeaseHeldError);
      expect((await store.listRuns(id, 10)).map((r) => [r.id, r.status])).toEqual([[first.runId, 'running']]);
      // Another tenant is not affected.
      const other = await tenant();
      await expect(store.startLeasedRun(other, 'cycle', lease('worker-b'))).resolves.toMatchObject({ interrupted: [] });
    });

    it('only runs whose lease expired are marked interrupted, with the reason', async () => {
      const id = await tenant();
      const old = await store.startLeasedRun(id, 'cycle', lease('worker-a'));
      await expireLeases(id);
      const next = await store.startLeasedRun(id, 'cycle', lease('worker-b'));
      expect(next.interrupted).toEqual([old.runId]);
      const runs = await store.listRuns(id, 10);
      expect(runs.map((r) => [r.id, r.status])).toEqual([
        [next.runId, 'running'],
        [old.runId, 'interrupted'],
      ]);
      expect(runs[1]?.summary.error).toBe('interrupted: the lease of worker-a expired');
      expect(runs[1]?.finishedAt).not.toBeNull();
      // A finished run is never interrupted, whatever its lease.
      await store.finishRun(id, next.runId, 'succeeded', {});
      await expireLeases(id);
      const third = await store.startLeasedRun(id, 'cycle', lease('worker-a'));
      expect(third.interrupted).toEqual([]);
      expect((await store.listRuns(id, 10)).find((r) => r.id === next.runId)?.status).toBe('succeeded');
    });

    it('an owner restarted as a new instance takes over its own runs; runs without a lease count as expired', async () => {
      const id = await tenant();
      const before = await store.startLeasedRun(id, 'cycle', lease('embedded:/data', 'first-process'));
      const after = await store.startLeasedRun(id, 'cycle', lease('embedded:/data', 'second-process'));
      expect(after.interrupted).toEqual([before.runId]);
      expect((await store.listRuns(id, 10)).find((r) => r.id === before.runId)?.summary.error).toBe('interrupted: embedded:/data restarted');

      const legacy = await tenant();
      const unleased = await store.startRun(legacy, 'cycle');
      expect((await store.startLeasedRun(legacy, 'cycle', lease('worker-a'))).interrupted).toEqual([unleased]);
    });

    it('renewRunLease extends a live lease and reports a lease that was taken over', async () => {
      const id = await tenant();
      const mine = lease('worker-a');
      const { runId } = await store.startLeasedRun(id, 'cycle', mine);
      await target.db.query(`UPDATE runs SET lease_expires_at = now() + interval '1 second' WHERE tenant_id = $1`, [id]);
      expect(await store.renewRunLease(id, runId, mine)).toBe(true);
      const { rows } = await target.db.query(`SELECT lease_expires_at > now() + interval '30 seconds' AS extended FROM runs WHERE tenant_id = $1 AND id = $2`, [id, runId]);
      expect(rows[0]?.extended).toBe(true);
      expect(await store.renewRunLease(id, runId, lease('worker-a', 'another-instance'))).toBe(false);
      await expireLeases(id);
      await store.startLeasedRun(id, 'cycle', lease('worker-b'));
      expect(await store.renewRunLease(id, runId, mine)).toBe(false);
    });

    it('refuses a lease without an owner or with a ttl out of range, and a tenant that does not exist', async () => {
      const id = await tenant();
      await expect(store.startLeasedRun(id, 'cycle', lease(''))).rejects.toThrow(/needs an owner/);
      await expect(store.startLeasedRun(id, 'cycle', lease('w', 'i', 0))).rejects.toThrow(/ttlMs must be 1\.\.86400000, got 0/);
      await expect(store.startLeasedRun(`t-${randomUUID()}`, 'cycle', lease('w'))).rejects.toThrow(/does not exist/);
    });

    it('annotateRun merges into the summary; recordFailedRun keeps a reason on a failed run', async () => {
      const id = await tenant();
      const { runId } = await store.startLeasedRun(id, 'cycle', lease('worker-a'));
      await store.finishRun(id, runId, 'failed', { error: 'CRM said no', api: { calls: 3 } });
      await store.annotateRun(id, runId, { job: { attempt: 2, final: true } });
      const failedAt = await store.recordFailedRun(id, 'cycle', { error: 'no HubSpot app configured' });
      const runs = await store.listRuns(id, 10);
      expect(runs.map((r) => [r.id, r.status, r.summary])).toEqual([
        [failedAt, 'failed', { error: 'no HubSpot app configured' }],
        [runId, 'failed', { error: 'CRM said no', api: { calls: 3 }, job: { attempt: 2, final: true } }],
      ]);
      expect(runs[0]?.finishedAt).not.toBeNull();
      await expect(store.annotateRun(await tenant(), runId, {})).rejects.toThrow(/does not exist/);
    });

    /* ---------------------------------------------------------------- install (issue 13) */

    it('saveInstall saves the tenant, its account and its sealed credentials in one transaction', async () => {
      const id = `t-${randomUUID()}`;
      const credentials = { accessToken: `at-${randomUUID()}`, refreshToken: 'rt', expiresAt: 1_900_000_000_000 };
      const saved = await store.saveInstall({ id, crm: 'hubspot', name: 'Fresh', mode: 'live', accountId: '881' }, credentials);
      expect(saved).toMatchObject({ id, crm: 'hubspot', name: 'Fresh', mode: 'live', accountId: '881' });
      expect(await store.getTenant(id)).toEqual(saved);
      expect(await store.loadCredentials(id)).toEqual(credentials);
      const { rows } = await target.db.query('SELECT sealed FROM credentials WHERE tenant_id = $1', [id]);
      expect(String(rows[0]?.sealed)).not.toContain(credentials.accessToken);
    });

    it('saveInstall with forgetCrmState forgets the previous account with the same transaction, and keeps the audit', async () => {
      const id = await tenant();
      const run = await store.startRun(id, 'cycle');
      await store.savePage(id, page(run, [rec('a', 'h1')]));
      await store.enqueue(id, run, [{ objectType: 'contact', externalId: 'a', properties: { score: '5' }, previous: { score: null }, modelVersion: 1 }]);
      const [item] = await store.pendingOutbox(id, 'contact', 1);
      await store.completeOutbox(id, run, [{ id: item!.id, modifiedAt: null }]);
      await store.saveInstall({ id, crm: 'hubspot', name: 'Moved', mode: 'live', accountId: 'other-portal' }, { accessToken: 'new' }, { forgetCrmState: true });
      expect(await store.countRecords(id, 'contact')).toBe(0);
      expect((await store.writtenValues(id, 'contact')).size).toBe(0);
      expect(await store.countAudit(id)).toBe(1);
      expect(await store.loadCredentials(id)).toEqual({ accessToken: 'new' });
      expect((await store.getTenant(id))?.accountId).toBe('other-portal');
    });

    it('a saveInstall that fails part way leaves nothing of it: no new tenant, or the previous install as it was', async () => {
      // The credentials row is written last: refusing it proves the tenant row and the forgetting roll back with it.
      await target.db.exec(`
        CREATE OR REPLACE FUNCTION refuse_test_credentials() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'credentials refused by the test'; END $$;
        CREATE TRIGGER refuse_test_credentials BEFORE INSERT OR UPDATE ON credentials
          FOR EACH ROW WHEN (NEW.tenant_id LIKE 'install-fails-%') EXECUTE FUNCTION refuse_test_credentials();`);
      try {
        const fresh = `install-fails-${randomUUID()}`;
        await expect(store.saveInstall({ id: fresh, crm: 'hubspot', name: 'F', mode: 'live', accountId: '1' }, { accessToken: 'x' })).rejects.toThrow(/credentials refused by the test/);
        expect(await store.getTenant(fresh)).toBeNull();

        const installed = `install-fails-${randomUUID()}`;
        await store.upsertTenant({ id: installed, crm: 'hubspot', name: 'I', mode: 'live', accountId: 'portal-1' });
        const run = await store.startRun(installed, 'cycle');
        await store.savePage(installed, page(run, [rec('a', 'h1')]));
        await expect(
          store.saveInstall({ id: installed, crm: 'hubspot', name: 'I', mode: 'live', accountId: 'portal-2' }, { accessToken: 'y' }, { forgetCrmState: true }),
        ).rejects.toThrow(/credentials refused by the test/);
        expect((await store.getTenant(installed))?.accountId).toBe('portal-1');
        expect(await store.countRecords(installed, 'contact')).toBe(1);
        expect(await store.loadCredentials(installed)).toBeNull();
      } finally {
        await target.db.exec('DROP TRIGGER IF EXISTS refuse_test_credentials ON credentials; DROP FUNCTION IF EXISTS refuse_test_credentials();');
      }
    });
    /* ---------------------------------------------------------------- access (migration 005) */

    it('disconnects a tenant: reason kept, tokens deleted, history kept; a later install connects it again', async () => {
      const id = `t-${randomUUID()}`;
      await store.saveInstall({ id, crm: 'hubspot', name: 'D', mode: 'live', accountId: `portal-${id}` }, { accessToken: 'secret-a' });
      const run = await store.startRun(id, 'cycle');
      await store.savePage(id, page(run, [rec('a', 'h1')]));
      expect((await store.getTenant(id))?.status).toBe('connected');
      expect(await store.disconnectTenant(id, 'the app was uninstalled from portal 1')).toBe(true);
      const gone = await store.getTenant(id);
      expect(gone).toMatchObject({ status: 'disconnected', statusReason: 'the app was uninstalled from portal 1' });
      expect(gone?.statusChangedAt).not.toBeNull();
      expect(await store.loadCredentials(id)).toBeNull();
      expect(await store.countRecords(id, 'contact')).toBe(1);
      // the first reason stays: a refused refresh after the uninstall event says nothing new
      expect(await store.disconnectTenant(id, 'refresh token refused')).toBe(false);
      expect((await store.getTenant(id))?.statusReason).toBe('the app was uninstalled from portal 1');
      const back = await store.saveInstall({ id, crm: 'hubspot', name: 'D', mode: 'live', accountId: `portal-${id}` }, { accessToken: 'secret-b' });
      expect(back).toMatchObject({ status: 'connected', statusReason: null });
      expect(await store.countRecords(id, 'contact')).toBe(1);
    });

    it('finds a tenant by its CRM account, never across CRMs', async () => {
      const id = await tenant('salesforce');
      const account = `00D${randomUUID().slice(0, 12)}`;
      await store.upsertTenant({ id, crm: 'salesforce', name: 'S', mode: 'live', accountId: account });
      expect((await store.findTenantByAccount('salesforce', account))?.id).toBe(id);
      expect(await store.findTenantByAccount('hubspot', account)).toBeNull();
      expect(await store.findTenantByAccount('salesforce', `${account}x`)).toBeNull();
    });

    it('one-time tokens: used once, per purpose, not after they expire, and stored only as hashes', async () => {
      const token = `tok-${randomUUID()}`;
      await store.putOneTimeToken('oauth-state', token, { crm: 'hubspot', verifier: 'v' }, 60_000);
      expect(await store.takeOneTimeToken('login', token)).toBeNull();
      expect(await store.takeOneTimeToken('oauth-state', token)).toEqual({ crm: 'hubspot', verifier: 'v' });
      expect(await store.takeOneTimeToken('oauth-state', token)).toBeNull();
      const stale = `tok-${randomUUID()}`;
      await store.putOneTimeToken('login', stale, {}, 1);
      await new Promise((r) => setTimeout(r, 20));
      expect(await store.takeOneTimeToken('login', stale)).toBeNull();
      const kept = `tok-${randomUUID()}`;
      await store.putOneTimeToken('login', kept, {}, 60_000);
      const { rows } = await target.db.query('SELECT token_hash FROM one_time_tokens');
      expect(JSON.stringify(rows)).not.toContain(kept);
    });

    it('sessions: scoped to their tenants, expire, can be deleted, and only their hash is stored', async () => {
      const a = await tenant();
      const sid = `sid-${randomUUID()}`;
      const saved = await store.saveSession(sid, { operator: false, tenantIds: [a], label: 'installer' }, 60_000);
      expect(saved).toMatchObject({ operator: false, tenantIds: [a], label: 'installer' });
      expect(await store.loadSession(sid)).toMatchObject({ tenantIds: [a] });
      expect(await store.loadSession(`${sid}x`)).toBeNull();
      const { rows } = await target.db.query('SELECT id_hash FROM sessions');
      expect(JSON.stringify(rows)).not.toContain(sid);
      await store.deleteSession(sid);
      expect(await store.loadSession(sid)).toBeNull();
      const short = `sid-${randomUUID()}`;
      await store.saveSession(short, { operator: true, tenantIds: [], label: 'operator' }, 1);
      await new Promise((r) => setTimeout(r, 20));
      expect(await store.loadSession(short)).toBeNull();
    });

    it('webhook events: deduplicated by event id per tenant, pending in occurrence order, marked processed once', async () => {
      const a = await tenant();
      const b = await tenant();
      const event = (eventId: string, occurredAt: string) => ({ eventId, subscriptionType: 'contact.propertyChange', objectId: '42', occurredAt, payload: { propertyName: 'email' } });
      expect(await store.saveWebhookEvents(a, [event('2', '2026-01-01T00:00:02.000Z'), event('1', '2026-01-01T00:00:01.000Z')])).toBe(2);
      // A replay inserts nothing; the same id in another tenant is another event.
      expect(await store.saveWebhookEvents(a, [event('1', '2026-01-01T00:00:09.000Z')])).toBe(0);
      expect(await store.saveWebhookEvents(b, [event('1', '2026-01-01T00:00:01.000Z')])).toBe(1);
      const pending = await store.pendingWebhookEvents(a, 10);
      expect(pending.map((e) => [e.eventId, e.occurredAt])).toEqual([
        ['1', '2026-01-01T00:00:01.000Z'],
        ['2', '2026-01-01T00:00:02.000Z'],
      ]);
      expect(pending[0]).toMatchObject({ subscriptionType: 'contact.propertyChange', objectId: '42', payload: { propertyName: 'email' }, processedAt: null });
      expect(await store.markWebhookEventsProcessed(a, ['1'])).toBe(1);
      expect(await store.markWebhookEventsProcessed(a, ['1'])).toBe(0);
      expect(await store.markWebhookEventsProcessed(b, ['2'])).toBe(0);
      expect((await store.pendingWebhookEvents(a, 10)).map((e) => e.eventId)).toEqual(['2']);
      expect(await store.countWebhookEvents(a)).toBe(2);
      expect(await store.countWebhookEvents(a, { pending: true })).toBe(1);
      expect(await store.countWebhookEvents(b, { pending: true })).toBe(1);
      await expect(store.saveWebhookEvents(a, [event('3', 'not a time')])).rejects.toThrow(/occurredAt/);
    });

    it('the change feed: notes per tenant and type, oldest first, a re-note survives clearing the version read, deleted and forgotten records drop out', async () => {
      const a = await tenant();
      const b = await tenant();
      expect(await store.noteChanged(a, 'contact', ['1', '2', '2', '', 'x'.repeat(1001)])).toBe(2);
      expect(await store.noteChanged(a, 'deal', ['1'])).toBe(1);
      expect(await store.noteChanged(b, 'contact', ['9'])).toBe(1);
      const seen = await store.changedRecords(a, 'contact', 10);
      expect(seen).toEqual([
        { externalId: '1', version: 1 },
        { externalId: '2', version: 1 },
      ]);
      // '2' changes again while the sync reads the first version: clearing what was read keeps the newer note.
      await store.noteChanged(a, 'contact', ['2']);
      expect(await store.clearChanged(a, 'contact', seen)).toBe(1);
      expect(await store.changedRecords(a, 'contact', 10)).toEqual([{ externalId: '2', version: 2 }]);
      // Another tenant's notes are neither seen nor cleared.
      expect(await store.clearChanged(b, 'contact', [{ externalId: '2', version: 2 }])).toBe(0);
      expect(await store.changedRecords(b, 'contact', 10)).toEqual([{ externalId: '9', version: 1 }]);
      expect(await store.countChanged(a, 'contact')).toBe(1);
      expect(await store.countChanged(a, 'deal')).toBe(1);
      expect(await store.changedRecords(a, 'contact', 0)).toEqual([]);
      await store.deleteRecords(a, 'contact', ['2']);
      expect(await store.countChanged(a, 'contact')).toBe(0);
      await store.forgetCrmState(a);
      expect(await store.countChanged(a, 'deal')).toBe(0);
      expect(await store.countChanged(b, 'contact')).toBe(1);
    });

    it('record generations move when a record is added, its content changes or it is deleted, not when a sync re-reads it unchanged; per tenant', async () => {
      const a = await tenant();
      const b = await tenant();
      const run = await store.startRun(a, 'cycle');
      expect(await store.recordGenerations(a)).toEqual({});
      await store.savePage(a, page(run, [rec('1', 'h1'), rec('2', 'h2')]));
      await store.savePage(a, page(run, [rec('t1', 'x', { objectType: 'ticket' })], { objectType: 'ticket' }));
      const first = await store.recordGenerations(a);
      expect(Object.keys(first)).toEqual(['contact', 'ticket']);
      expect(first.contact!.count).toBe(2);
      // The same content again, even with a newer modification time: nothing changed.
      await store.savePage(a, page(run, [rec('1', 'h1', { modifiedAt: '2024-06-01T10:00:00.000Z' })]));
      expect(await store.recordGenerations(a)).toEqual(first);
      const bumps: string[] = [];
      const moved = async (what: string, change: () => Promise<unknown>) => {
        const before = (await store.recordGenerations(a)).contact!;
        await change();
        const after = (await store.recordGenerations(a)).contact ?? { count: 0, changeSeq: '0' };
        if (after.count !== before.count || after.changeSeq !== before.changeSeq) bumps.push(what);
      };
      await moved('property', () => store.savePage(a, page(run, [rec('1', 'h1', { modifiedAt: '2024-06-02T10:00:00.000Z', properties: { email: '1@example.com', lifecyclestage: 'customer' } })])));
      await moved('input hash', () => store.savePage(a, page(run, [rec('2', 'h2b', { modifiedAt: '2024-06-02T10:00:00.000Z' })])));
      await moved('association', () => store.savePage(a, page(run, [rec('2', 'h2b', { modifiedAt: '2024-06-03T10:00:00.000Z', associations: { deal: ['d1'] } })])));
      // A modification stamp named as such moves on every write, ours too: no content change.
      const stamped = (at: string) => rec('2', 'h2b', { modifiedAt: at, associations: { deal: ['d1'] }, properties: { email: '2@example.com', lifecyclestage: 'lead', lastmodifieddate: at } });
      await moved('stamp added', () => store.savePage(a, page(run, [stamped('2024-06-04T10:00:00.000Z')], { stamps: ['lastmodifieddate'] })));
      await moved('stamp moved', () => store.savePage(a, page(run, [stamped('2024-06-05T10:00:00.000Z')], { stamps: ['lastmodifieddate'] })));
      await moved('stamp moved, not named', () => store.savePage(a, page(run, [stamped('2024-06-06T10:00:00.000Z')])));
      await moved('an older copy', () => store.savePage(a, page(run, [rec('2', 'other', { modifiedAt: '2024-01-01T10:00:00.000Z' })])));
      await moved('deletion', () => store.deleteRecords(a, 'contact', ['2']));
      expect(bumps).toEqual(['property', 'input hash', 'association', 'stamp moved, not named', 'deletion']);
      // Another tenant's records are another generation.
      const other = await store.startRun(b, 'cycle');
      const aNow = await store.recordGenerations(a);
      await store.savePage(b, page(other, [rec('1', 'h1')]));
      expect(await store.recordGenerations(a)).toEqual(aNow);
      expect((await store.recordGenerations(b)).contact!.count).toBe(1);
    });

    it('recordPagesChangedSince pages, in change order, only what was added or changed after a generation, of one tenant and type; countWithValue counts exact values', async () => {
      const a = await tenant();
      const b = await tenant();
      const run = await store.startRun(a, 'cycle');
      await store.savePage(a, page(run, ['1', '2', '3', '4', '5'].map((x) => rec(x, `h${x}`))));
      const through = (await store.recordGenerations(a)).contact!.changeSeq;
      const changed = async (pageSize?: number) => {
        const pages: string[][] = [];
        for await (const p of store.recordPagesChangedSince(a, 'contact', through, pageSize)) pages.push(p.map((r) => r.externalId));
        return pages;
      };
      expect(await changed()).toEqual([]);
      await store.savePage(a, page(run, [rec('4', 'h4b', { modifiedAt: '2024-06-01T10:00:00.000Z' }), rec('6', 'h6'), rec('2', 'h2b', { modifiedAt: '2024-06-01T10:00:00.000Z' }), rec('9', 'h9')]));
      await store.savePage(a, page(run, [rec('t', 'x', { objectType: 'ticket' })], { objectType: 'ticket' }));
      await store.savePage(b, page(await store.startRun(b, 'cycle'), [rec('7', 'h7')]));
      expect(await changed()).toEqual([['4', '6', '2', '9']]);
      expect(await changed(3)).toEqual([['4', '6', '2'], ['9']]);
      expect(await changed(2)).toEqual([['4', '6'], ['2', '9']]);
      await expect(async () => {
        for await (const _ of store.recordPagesChangedSince(a, 'contact', '1; DROP TABLE records')) void _;
      }).rejects.toThrow(/changeSeq must be a change number/);

      await store.savePage(a, page(run, [rec('1', 'h1', { modifiedAt: '2024-07-01T10:00:00.000Z', properties: { email: '1@example.com', lifecyclestage: 'customer' } }), rec('3', 'h3', { modifiedAt: '2024-07-01T10:00:00.000Z', properties: { email: '3@example.com', lifecyclestage: 'Customer' } })]));
      expect(await store.countWithValue(a, 'contact', 'lifecyclestage', ['customer', 'other'])).toBe(1);
      expect(await store.countWithValue(a, 'contact', 'lifecyclestage', ['lead'])).toBe(5);
      expect(await store.countWithValue(a, 'contact', 'no such property', ['lead'])).toBe(0);
      expect(await store.countWithValue(b, 'contact', 'lifecyclestage', ['customer'])).toBe(0);
      expect(await store.countWithValue(a, 'contact', 'lifecyclestage', [])).toBe(0);
      // One per person: the same email in another case or with spaces counts once, a blank or missing one every time.
      await store.savePage(a, page(run, [
        rec('4', 'h4c', { modifiedAt: '2024-07-01T10:00:00.000Z', properties: { email: ' 1@Example.com\t', lifecyclestage: 'customer' } }),
        rec('5', 'h5c', { modifiedAt: '2024-07-01T10:00:00.000Z', properties: { email: '  ', lifecyclestage: 'customer' } }),
        rec('6', 'h6c', { modifiedAt: '2024-07-01T10:00:00.000Z', properties: { lifecyclestage: 'customer' } }),
      ]));
      expect(await store.countWithValue(a, 'contact', 'lifecyclestage', ['customer'])).toBe(4);
      expect(await store.countWithValue(a, 'contact', 'lifecyclestage', ['customer'], { onePerValueOf: 'email' })).toBe(3);
      expect(await store.countWithValue(a, 'contact', 'lifecyclestage', ['customer', 'Customer'], { onePerValueOf: 'email' })).toBe(4);
      expect(await store.countWithValue(b, 'contact', 'lifecyclestage', ['customer'], { onePerValueOf: 'email' })).toBe(0);
    });

    it('activeModelVersions names the active version of each kind, of this tenant only', async () => {
      const a = await tenant();
      const b = await tenant();
      const v1 = await store.saveModel(a, { kind: 'leadScore', status: 'candidate', metrics: {}, model: { x: 1 }, trainedOn: {} });
      await store.promoteModel(a, 'leadScore', v1);
      const v2 = await store.saveModel(a, { kind: 'leadScore', status: 'candidate', metrics: {}, model: { x: 2 }, trainedOn: {} });
      await store.saveModel(a, { kind: 'segments', status: 'candidate', metrics: {}, model: {}, trainedOn: {} });
      expect(await store.activeModelVersions(a)).toEqual({ leadScore: v1 });
      await store.promoteModel(a, 'leadScore', v2);
      expect(await store.activeModelVersions(a)).toEqual({ leadScore: v2 });
      expect(await store.activeModelVersions(b)).toEqual({});
    });

    /* ---------------------------------------------------------------- one record's signals (the app card) */

    it("signalsOfRecords gives one record's newest row of each asked signal, with its time, and only the tenant's own", async () => {
      const recordSignals = async (tenantId: string, type: ObjectType, externalId: string, signals: string[]) =>
        (await store.signalsOfRecords(tenantId, type, [externalId], signals)).get(externalId) ?? new Map();
      const id = await tenant();
      const other = await tenant();
      const r1 = await store.startRun(id, 'cycle');
      const r2 = await store.startRun(id, 'cycle');
      const row = (externalId: string, signal: string, modelVersion: number, value: unknown) => ({ objectType: 'contact' as const, externalId, signal, modelVersion, value, inputHash: 'h' });
      await store.saveSignals(id, r1, [row('a', 'leadScore', 1, { score: 40 }), row('a', 'segment', 1, { id: 's1' }), row('b', 'leadScore', 1, { score: 70 })]);
      await store.saveSignals(id, r2, [row('a', 'leadScore', 2, { score: 55 })]);
      const otherRun = await store.startRun(other, 'cycle');
      await store.saveSignals(other, otherRun, [row('a', 'leadScore', 9, { score: 99 }), row('a', 'recommendations', 9, { items: [] })]);

      const signals = await recordSignals(id, 'contact', 'a', ['leadScore', 'segment', 'recommendations']);
      expect([...signals.keys()].sort()).toEqual(['leadScore', 'segment']);
      expect(signals.get('leadScore')).toMatchObject({ externalId: 'a', signal: 'leadScore', modelVersion: 2, value: { score: 55 } });
      expect(Number.isNaN(Date.parse(signals.get('leadScore')!.computedAt))).toBe(false);
      expect((await recordSignals(id, 'contact', 'a', ['segment'])).size).toBe(1);
      expect((await recordSignals(id, 'contact', 'a', [])).size).toBe(0);
      expect((await recordSignals(id, 'ticket', 'a', ['leadScore'])).size).toBe(0);
      expect((await recordSignals(id, 'contact', 'nobody', ['leadScore'])).size).toBe(0);
      expect((await recordSignals(other, 'contact', 'a', ['leadScore'])).get('leadScore')?.modelVersion).toBe(9);
      expect((await recordSignals(`t-${randomUUID()}`, 'contact', 'a', ['leadScore'])).size).toBe(0);
    });

    /* ---------------------------------------------------------------- privacy deletion (migration 006) */

    describe('proposed changes', () => {
      const item = (externalId: string, properties: Record<string, string>, previous: Record<string, string | null> = {}): OutboxInput => ({
        objectType: 'contact',
        externalId,
        properties,
        previous,
        modelVersion: 1,
      });

      it('keeps every field of every record with old and new value: counts per field, filter and pages', async () => {
        const id = await tenant();
        const runId = await store.startRun(id, 'cycle');
        const saved = await store.saveProposedChanges(id, runId, [
          item('2', { crm_signals_lead_score: '71', crm_signals_segment: 'Builders' }, { crm_signals_lead_score: '40', crm_signals_segment: null }),
          item('1', { crm_signals_lead_score: '12' }),
          { ...item('9', { crm_signals_sentiment: 'negative' }), objectType: 'ticket' },
        ]);
        expect(saved).toBe(4);
        const all = await store.proposedChanges(id, runId);
        expect(all).toMatchObject({ total: 4, records: 3, matching: 4, counts: { 'contact.crm_signals_lead_score': 2, 'contact.crm_signals_segment': 1, 'ticket.crm_signals_sentiment': 1 } });
        expect(all.changes[0]).toEqual({ objectType: 'contact', externalId: '1', property: 'crm_signals_lead_score', oldValue: null, newValue: '12' });
        expect(all.changes[1]).toEqual({ objectType: 'contact', externalId: '2', property: 'crm_signals_lead_score', oldValue: '40', newValue: '71' });
        const scores = await store.proposedChanges(id, runId, { property: 'crm_signals_lead_score', limit: 1, offset: 1 });
        expect(scores).toMatchObject({ total: 4, matching: 2, changes: [{ externalId: '2' }] });
        expect((await store.proposedChanges(id, runId, { externalId: '2' })).matching).toBe(2);
        // Saving again replaces the run's list.
        expect(await store.saveProposedChanges(id, runId, [item('1', { crm_signals_lead_score: '13' })])).toBe(1);
        expect((await store.proposedChanges(id, runId)).changes.map((c) => c.newValue)).toEqual(['13']);
        // Appending (a diff saved a page at a time) adds to it.
        expect(await store.saveProposedChanges(id, runId, [item('5', { crm_signals_lead_score: '55' })], { append: true })).toBe(1);
        expect((await store.proposedChanges(id, runId)).changes.map((c) => c.newValue)).toEqual(['13', '55']);
      });

      it('is scoped to its tenant, forgets deleted records, and keeps only the newest runs', async () => {
        const [a, b] = [await tenant(), await tenant()];
        const runA = await store.startRun(a, 'cycle');
        await store.saveProposedChanges(a, runA, [item('1', { crm_signals_lead_score: '50' }), item('2', { crm_signals_lead_score: '60' })]);
        expect((await store.proposedChanges(b, runA)).total).toBe(0);
        await store.deleteRecords(a, 'contact', ['1']);
        expect((await store.proposedChanges(a, runA)).changes.map((c) => c.externalId)).toEqual(['2']);
        const runs: number[] = [runA];
        for (let i = 0; i < KEPT_PROPOSAL_RUNS; i++) {
          const runId = await store.startRun(a, 'cycle');
          runs.push(runId);
          await store.saveProposedChanges(a, runId, [item('3', { crm_signals_lead_score: String(i) })]);
        }
        // a run without proposals does not count as one of the newest
        await store.startRun(a, 'cycle');
        await store.saveProposedChanges(a, runs.at(-1)!, [item('4', { crm_signals_lead_score: '1' })], { append: true });
        expect((await store.proposedChanges(a, runA)).total).toBe(0);
        expect((await store.proposedChanges(a, runs.at(-1)!)).total).toBe(2);
        expect((await store.proposedChanges(a, runs[1]!)).total).toBe(1);
      });
    });

    describe('erasePerson', () => {
      const EMAIL = 'Zephyrine.Quillfeather@example.com';
      const FIRST = 'Zephyrine';
      const LAST = 'Quillfeather';
      const terms = [EMAIL, FIRST, LAST];

      /** A tenant where the person has records, linked records, signals, written values, audit rows, models, a run summary. */
      async function personTenant(): Promise<{ id: string; run: number }> {
        const id = await tenant();
        const run = await store.startRun(id, 'cycle');
        const person = rec('p1', 'h1', { properties: { email: EMAIL, firstname: FIRST, lastname: LAST, lifecyclestage: 'lead' } });
        await store.savePage(id, page(run, [person, rec('p2', 'h2')], {
          rejected: [{ objectType: 'contact', externalId: null, reason: `invalid email ${EMAIL.toUpperCase()}` }],
        }));
        const ticket = (externalId: string, contacts: string[], content: string): Rec =>
          rec(externalId, `h-${externalId}`, { objectType: 'ticket', properties: { content }, associations: { contact: contacts } });
        await store.savePage(id, page(run, [
          ticket('t-own', ['p1'], 'My order never came'),
          ticket('t-shared', ['p1', 'p2'], 'Both of us need a new invoice'),
          ticket('t-named', ['p1', 'p2'], `Please call ${FIRST} about it`),
          ticket('t-quotes', [], `forwarded from ${EMAIL}`),
          ticket('t-other', ['p2'], 'Nothing about them'),
        ], { objectType: 'ticket' }));
        await store.saveSignals(id, run, [
          { objectType: 'contact', externalId: 'p1', signal: 'leadScore', modelVersion: 1, value: { score: 71 }, inputHash: 'h1' },
          { objectType: 'contact', externalId: 'p2', signal: 'leadScore', modelVersion: 1, value: { score: 12 }, inputHash: 'h2' },
          { objectType: 'ticket', externalId: 't-own', signal: 'ticketSentiment', modelVersion: 1, value: { score: -0.5 }, inputHash: 'x' },
        ]);
        await store.enqueue(id, run, [
          { objectType: 'contact', externalId: 'p1', properties: { score: '71' }, previous: { score: null }, modelVersion: 1 },
          { objectType: 'contact', externalId: 'p2', properties: { score: '12' }, previous: { score: null }, modelVersion: 1 },
        ]);
        const pending = await store.pendingOutbox(id, 'contact', 10);
        await store.completeOutbox(id, run, pending.map((p) => ({ id: p.id, modifiedAt: null })));
        await store.enqueue(id, run, [{ objectType: 'contact', externalId: 'p1', properties: { score: '72' }, previous: { score: '71' }, modelVersion: 1 }]);
        // A model whose body holds the person's name as a category level, one holding their id, one holding nothing of them.
        await store.saveModel(id, { kind: 'leadScore', status: 'active', metrics: { auc: 0.8 }, model: { levels: { owner: [FIRST, 'Other'] } }, trainedOn: { rows: 2 } });
        await store.saveModel(id, { kind: 'recommendations', status: 'active', metrics: {}, model: { users: [['p1', [['GTX', 1]]], ['p2', []]] }, trainedOn: { rows: 1 } });
        await store.saveModel(id, { kind: 'segment', status: 'active', metrics: { silhouette: 0.4 }, model: { centroids: [[0.1, 0.2]] }, trainedOn: { rows: 2 } });
        await store.finishRun(id, run, 'succeeded', { rejected: [{ externalId: null, reason: `invalid email ${EMAIL}` }], note: `${LAST} synced` });
        return { id, run };
      }

      async function tenantRows(id: string): Promise<string> {
        const out: unknown[] = [];
        for (const table of ['records', 'signals', 'outbox', 'written_values', 'audit', 'rejected_records', 'models', 'runs', 'checkpoints', 'erasures', 'retrain_requests']) {
          const { rows } = await target.db.query(`SELECT t::text AS row FROM ${table} t WHERE tenant_id = $1`, [id]);
          out.push(...rows.map((r) => r.row));
        }
        return JSON.stringify(out).toLowerCase();
      }

      it('removes the person from every table in one go, keeps ids and a date in the audit, unlinks shared records and asks every model kind to retrain', async () => {
        const { id } = await personTenant();
        const before = await tenantRows(id);
        for (const term of terms) expect(before).toContain(term.toLowerCase());

        const result = await store.erasePerson(id, { objectType: 'contact', externalIds: ['p1'], emails: [EMAIL], names: [FIRST, LAST, `${FIRST} ${LAST}`] }, new Date('2026-03-04T05:06:07.000Z'));
        expect(result.records).toEqual({ contact: 1, ticket: 3 });
        expect(result.unlinked).toBe(1);
        expect(result.modelBodies).toBe(2);
        expect(result.retrain).toEqual(['leadScore', 'recommendations', 'segment']);
        expect(result.tombstones.map((t) => `${t.objectType}/${t.externalId}`).sort()).toEqual(['contact/p1', 'ticket/t-named', 'ticket/t-own', 'ticket/t-quotes']);

        const after = await tenantRows(id);
        for (const term of terms) expect(after).not.toContain(term.toLowerCase());
        expect((await store.getRecords(id, 'contact')).map((r) => r.externalId)).toEqual(['p2']);
        const tickets = await store.getRecords(id, 'ticket');
        expect(tickets.map((t) => t.externalId)).toEqual(['t-other', 't-shared']);
        expect(tickets.find((t) => t.externalId === 't-shared')?.associations.contact).toEqual(['p2']);
        expect([...(await store.latestSignals(id, 'contact', 'leadScore')).keys()]).toEqual(['p2']);
        expect(await store.latestSignals(id, 'ticket', 'ticketSentiment')).toEqual(new Map());
        expect([...(await store.writtenValues(id, 'contact')).keys()]).toEqual(['p2']);
        expect(await store.countPending(id)).toBe(0);
        const audit = await store.audit(id);
        expect(audit).toHaveLength(2);
        const erasedRow = audit.find((a) => a.externalId === 'p1');
        expect(erasedRow).toMatchObject({ objectType: 'contact', property: 'score', oldValue: null, newValue: 'erased on 2026-03-04', erasedAt: '2026-03-04T05:06:07.000Z' });
        expect(audit.find((a) => a.externalId === 'p2')).toMatchObject({ newValue: '12', erasedAt: null });
        // Bodies holding the person are gone and not served; the one without them serves until the retrain.
        expect(await store.getActiveModel(id, 'leadScore')).toBeNull();
        expect(await store.getActiveModel(id, 'recommendations')).toBeNull();
        expect((await store.getActiveModel(id, 'segment'))?.model).toEqual({ centroids: [[0.1, 0.2]] });
        expect([...(await store.retrainRequests(id)).values()].map((r) => r.reason)).toEqual(Array(3).fill('person erased (privacy deletion)'));
        expect([...(await store.erasedIds(id, 'contact')).entries()]).toEqual([['p1', '2026-03-04T05:06:07.000Z']]);
        expect((await store.listRuns(id, 1))[0]?.summary).toMatchObject({ note: '[erased] synced' });
      });

      it('is idempotent: erasing again finds nothing more and asks for no second retrain', async () => {
        const { id } = await personTenant();
        const request = { objectType: 'contact' as const, externalIds: ['p1'], emails: [EMAIL], names: [FIRST, LAST] };
        await store.erasePerson(id, request, new Date());
        const requests = await store.retrainRequests(id);
        for (const [kind, r] of requests) await store.completeRetrainRequest(id, kind, r.requestedAt);
        const again = await store.erasePerson(id, { objectType: 'contact', externalIds: ['p1'] }, new Date());
        expect(again).toMatchObject({ records: {}, unlinked: 0, signals: 0, outbox: 0, writtenValues: 0, audit: 0, modelBodies: 0, retrain: [] });
        expect((await store.retrainRequests(id)).size).toBe(0);
        expect((await store.audit(id)).find((a) => a.externalId === 'p1')?.newValue).toMatch(/^erased on /);
      });

      it('a later sync skips the erased person and what was only theirs, and drops them from shared links', async () => {
        const { id, run } = await personTenant();
        await store.erasePerson(id, { objectType: 'contact', externalIds: ['p1'], emails: [EMAIL] }, new Date());
        const again = await store.savePage(id, page(run, [rec('p1', 'h1', { properties: { email: EMAIL } }), rec('p3', 'h3')]));
        expect(again).toEqual({ changedIds: ['p3'], unchanged: 0, rejected: 0, erased: 1 });
        const tickets = await store.savePage(id, page(run, [
          rec('t-own', 'h', { objectType: 'ticket', associations: { contact: ['p1'] } }),
          rec('t-new', 'h', { objectType: 'ticket', associations: { contact: ['p1'] } }),
          rec('t-mixed', 'h', { objectType: 'ticket', associations: { contact: ['p1', 'p3'] } }),
        ], { objectType: 'ticket' }));
        expect(tickets).toMatchObject({ changedIds: ['t-mixed'], erased: 2 });
        expect((await store.getRecords(id, 'ticket', ['t-mixed']))[0]?.associations.contact).toEqual(['p3']);
        expect(await store.getRecords(id, 'contact', ['p1'])).toEqual([]);
      });

      it('drops old model bodies once the kind is retrained, keeping a newer request', async () => {
        const { id } = await personTenant();
        await store.erasePerson(id, { objectType: 'contact', externalIds: ['p1'] }, new Date());
        const request = (await store.retrainRequests(id)).get('segment')!;
        const v2 = await store.saveModel(id, { kind: 'segment', status: 'candidate', metrics: {}, model: { centroids: [[0.3]] }, trainedOn: {} });
        await store.promoteModel(id, 'segment', v2);
        await store.completeRetrainRequest(id, 'segment', request.requestedAt);
        expect((await store.retrainRequests(id)).has('segment')).toBe(false);
        const { rows } = await target.db.query('SELECT version, status, model FROM models WHERE tenant_id = $1 AND kind = $2 ORDER BY version', [id, 'segment']);
        expect(rows.map((r) => [Number(r.version), r.status, r.model])).toEqual([[1, 'retired', null], [2, 'active', { centroids: [[0.3]] }]]);
        // A request made after the retrain began stays for the next cycle.
        expect((await store.retrainRequests(id)).has('leadScore')).toBe(true);
        await store.completeRetrainRequest(id, 'leadScore', '2000-01-01T00:00:00.000Z');
        expect((await store.retrainRequests(id)).has('leadScore')).toBe(true);
      });

      it('touches only its tenant, and refuses bad requests with a message naming the problem', async () => {
        const a = await personTenant();
        const b = await personTenant();
        await store.erasePerson(b.id, { objectType: 'contact', externalIds: ['p1'], emails: [EMAIL], names: [FIRST, LAST] }, new Date());
        const untouched = await tenantRows(a.id);
        for (const term of terms) expect(untouched).toContain(term.toLowerCase());
        expect(await store.countRecords(a.id, 'contact')).toBe(2);
        expect((await store.erasedIds(a.id, 'contact')).size).toBe(0);

        const erase = (request: unknown, at: Date = new Date()) => store.erasePerson(a.id, request as never, at);
        await expect(erase({ objectType: 'contact', externalIds: [] })).rejects.toThrow(/at least one external id/);
        await expect(erase({ objectType: 'contact', externalIds: ['  '] })).rejects.toThrow(/at least one external id/);
        await expect(erase({ objectType: 'contact', externalIds: 'p1' })).rejects.toThrow(/externalIds must be a list/);
        await expect(erase({ objectType: 'contact', externalIds: [7] })).rejects.toThrow(/externalIds\[0\] is not a string/);
        await expect(erase({ objectType: '', externalIds: ['p1'] })).rejects.toThrow(/objectType is missing/);
        await expect(erase({ objectType: 'contact', externalIds: ['x'.repeat(1001)] })).rejects.toThrow(/longer than 1000/);
        await expect(erase({ objectType: 'contact', externalIds: ['p1'] }, new Date(Number.NaN))).rejects.toThrow(/not a valid date/);
        await expect(store.erasePerson(`missing-${randomUUID()}`, { objectType: 'contact', externalIds: ['p1'] }, new Date())).rejects.toThrow(/does not exist/);
        expect(await store.countRecords(a.id, 'contact')).toBe(2);
      });

      it('finds a person by email (trimmed, any case) or by any property holding another id of theirs', async () => {
        const { id } = await personTenant();
        const run = await store.startRun(id, 'cycle');
        await store.savePage(id, page(run, [rec('lead-9', 'h', { properties: { Email: 'x@y.z', ConvertedContactId: '003000000000009AAA' } })]));
        expect(await store.findRecordIds(id, 'contact', { property: 'email', values: [`  ${EMAIL.toUpperCase()} `] })).toEqual(['p1']);
        expect(await store.findRecordIds(id, 'contact', { values: ['003000000000009AAA'] })).toEqual(['lead-9']);
        expect(await store.findRecordIds(id, 'contact', { property: 'email', values: [] })).toEqual([]);
        const other = await tenant();
        expect(await store.findRecordIds(other, 'contact', { property: 'email', values: [EMAIL] })).toEqual([]);
      });
    });
  });
}
