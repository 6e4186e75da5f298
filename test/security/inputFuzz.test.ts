/**
 * Bounded fuzz of the inputs that are files and records rather than routes: the files `crm-signals eval`
 * reads (lead score, segments and recommendation CSVs, labelled sentences), mutated from valid ones and
 * drawn at random, and pages of CRM records (HubSpot objects, Salesforce records) mixing valid records,
 * valid records with one field broken, and arbitrary JSON, mapped and stored the way a sync does.
 * The checks: no throw and no internal error; every refusal names what is wrong (eval: the command and
 * the problem, no stack; records: the field); every valid record of a page is stored as it came, and
 * records stored before are never lost.
 *
 * INPUT_FUZZ_RUNS inputs per surface (default 60; `npm run bench -- fuzz` runs 10,000), INPUT_FUZZ_LOG
 * writes each surface's count and time, then its problems, for the bench's report.
 */
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapPage } from '../../connectors/hubspot/mapRecord.ts';
import { mapSalesforcePage } from '../../connectors/salesforce/mapRecord.ts';
import { runEval } from '../../src/cli/eval/index.ts';
import { mulberry32 } from '../../src/domain/random.mjs';
import type { CanonicalRecord, ObjectType, RejectedRecord } from '../../src/domain/records.ts';
import { openStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';

const RUNS = Number(process.env.INPUT_FUZZ_RUNS ?? 60);
const LOG = process.env.INPUT_FUZZ_LOG;
const TIMEOUT = Number(process.env.INPUT_FUZZ_TIMEOUT ?? 240_000);

/** What one input came to: its outcome (counted for the report) and a problem when the check failed. */
interface Checked {
  outcome: string;
  problem?: string;
}

/** Runs `check` on each input, collecting problems instead of stopping at the first; logs the surface. */
async function fuzz<T>(surface: string, inputs: T[], check: (input: T) => Promise<Checked>): Promise<string[]> {
  const problems: string[] = [];
  const outcomes = new Map<string, number>();
  const started = performance.now();
  for (const input of inputs) {
    const checked = await check(input).catch((error: unknown): Checked => ({ outcome: 'threw', problem: `threw: ${error instanceof Error ? error.stack ?? error.message : String(error)}` }));
    outcomes.set(checked.outcome, (outcomes.get(checked.outcome) ?? 0) + 1);
    if (checked.problem) problems.push(checked.problem);
  }
  const counts = [...outcomes].map(([outcome, n]) => `${n} ${outcome}`).join(', ');
  if (LOG) appendFileSync(LOG, `${surface} ${inputs.length} inputs, ${Math.round(performance.now() - started)} ms; ${counts}\n${problems.slice(0, 20).map((p) => `${p.slice(0, 500).replace(/\n/g, ' ')}\n`).join('')}`);
  return problems;
}

/* ------------------------------------------------------------------------------------------- eval files */

function leadsCsv(seed: number): string {
  const random = mulberry32(seed);
  const lines = ['id,engagement,plan,region,signup,converted'];
  for (let i = 0; i < 40; i++) {
    const engagement = Math.round(random() * 100);
    const plan = ['basic', 'pro', 'enterprise'][Math.floor(random() * 3)];
    const day = String(1 + Math.floor(random() * 28)).padStart(2, '0');
    lines.push(`l${i},${engagement},${plan},${['north', 'south'][i % 2]},2024-03-${day},${engagement + random() * 40 > 70 ? 'yes' : 'no'}`);
  }
  return `${lines.join('\n')}\n`;
}

function customersCsv(seed: number): string {
  const random = mulberry32(seed);
  const lines = ['id,spend,visits,tier'];
  for (let i = 0; i < 40; i++) {
    const big = i % 3 === 0;
    lines.push(`c${i},${(big ? 900 : 100) + Math.round(random() * 50)},${(big ? 30 : 4) + Math.round(random() * 3)},${big ? 'gold' : 'basic'}`);
  }
  return `${lines.join('\n')}\n`;
}

function sentences(seed: number): string {
  const random = mulberry32(seed);
  const good = ['great service', 'love this product', 'fast and friendly', 'works perfectly'];
  const bad = ['terrible support', 'broken on arrival', 'slow and rude', 'never again'];
  return `${Array.from({ length: 40 }, (_, i) => `${(i % 2 ? bad : good)[Math.floor(random() * 4)]}\t${i % 2 ? 0 : 1}`).join('\n')}\n`;
}

function interactionsCsv(seed: number, rows: number): string {
  const random = mulberry32(seed);
  const lines = ['user,item,rating'];
  for (let i = 0; i < rows; i++) lines.push(`u${Math.floor(random() * 12)},p${Math.floor(random() * 15)},${1 + Math.floor(random() * 5)}`);
  return `${lines.join('\n')}\n`;
}

const SPECIAL = ['"', ',', ';', '\t', '|', '\n', '\r', '\r\n', '\uFEFF', '\u0000', '\uD800', '\u202E', 'é', ' ', '""'];
const CELLS = ['', 'NaN', 'Infinity', '-1e309', '1e309', '2024-13-45', 'yes', 'no', '0', '1', 'true', '=cmd()', '"unclosed', 'x'.repeat(70_000), '\uDC00lone'];

type Mutation =
  | { op: 'insert'; at: number; text: string }
  | { op: 'delete'; at: number; length: number }
  | { op: 'cell'; line: number; column: number; value: string }
  | { op: 'line'; line: number; how: 'drop' | 'duplicate' | 'empty' }
  | { op: 'truncate'; at: number }
  | { op: 'delimiter'; to: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...SPECIAL), fc.string({ maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 4 })) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ op: fc.constant('cell' as const), line: fc.nat(), column: fc.nat({ max: 6 }), value: fc.oneof(fc.constantFrom(...CELLS), fc.string({ maxLength: 12 })) }),
  fc.record({ op: fc.constant('line' as const), line: fc.nat(), how: fc.constantFrom('drop' as const, 'duplicate' as const, 'empty' as const) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('delimiter' as const), to: fc.constantFrom(';', '\t', '|', ' ', '') }),
);

function mutate(text: string, mutations: readonly Mutation[]): string {
  let out = text;
  for (const m of mutations) {
    const at = (n: number) => (out.length === 0 ? 0 : n % (out.length + 1));
    const lines = () => out.split('\n');
    switch (m.op) {
      case 'insert':
        out = out.slice(0, at(m.at)) + m.text + out.slice(at(m.at));
        break;
      case 'delete':
        out = out.slice(0, at(m.at)) + out.slice(at(m.at) + m.length);
        break;
      case 'truncate':
        out = out.slice(0, at(m.at));
        break;
      case 'delimiter':
        out = out.replaceAll(',', m.to);
        break;
      case 'cell': {
        const all = lines();
        const i = m.line % all.length;
        const cells = all[i]!.split(',');
        cells[m.column % cells.length] = m.value;
        all[i] = cells.join(',');
        out = all.join('\n');
        break;
      }
      case 'line': {
        const all = lines();
        const i = m.line % all.length;
        if (m.how === 'drop') all.splice(i, 1);
        else if (m.how === 'duplicate') all.splice(i, 0, all[i]!);
        else all[i] = '';
        out = all.join('\n');
      }
    }
  }
  return out;
}

/** A file as eval would be given one: a valid file with a few mutations, or, one time in eight, anything. */
function evalFile(valid: string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 7, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 4 }).map((ms) => mutate(valid, ms)) },
    { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 100 }), fc.constant('')) },
  );
}

/** Options a user might get wrong, one time in ten. */
const optionNoise = fc.oneof(
  { weight: 9, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constantFrom<string[]>(['--folds', '0'], ['--folds', '-3'], ['--folds', 'many'], ['--folds', '1000'], ['--seed', 'x'], ['--delimiter', 'ab'], ['--k', '0'], ['--drop', '']) },
);

interface EvalCase {
  argv: string[];
}

describe('fuzz: the files crm-signals eval reads', () => {
  let dir = '';
  let n = 0;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'crm-signals-input-fuzz-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const write = (content: string) => {
    const file = join(dir, `input-${n++}.csv`);
    writeFileSync(file, content);
    return file;
  };

  async function checkEval(command: string, argv: string[]): Promise<Checked> {
    let stdout = '';
    let stderr = '';
    const code = await runEval(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
    const shown = `${argv.join(' ')}`;
    if (code === 0) {
      try {
        JSON.parse(stdout);
        return { outcome: 'evaluated' };
      } catch {
        return { outcome: 'evaluated', problem: `${shown}: exit 0 without one JSON object on stdout` };
      }
    }
    if (code !== 2) return { outcome: `exit ${code}`, problem: `${shown}: exit ${code} (an internal error): ${stderr.slice(0, 300)}` };
    // Progress lines ("[eval leadscore] reading ...") come first; the refusal is its own line.
    if (!new RegExp(`^crm-signals eval ${command}: \\S`, 'm').test(stderr)) return { outcome: 'refused', problem: `${shown}: refused without saying what is wrong: ${JSON.stringify(stderr.slice(0, 200))}` };
    if (/\n\s+at /.test(stderr)) return { outcome: 'refused', problem: `${shown}: refused with a stack trace` };
    return { outcome: 'refused' };
  }

  const surfaces: Array<{ command: string; cases: fc.Arbitrary<EvalCase>; seed: number }> = [
    {
      command: 'leadscore',
      seed: 31,
      cases: fc.tuple(evalFile(leadsCsv(1)), optionNoise, fc.oneof({ weight: 8, arbitrary: fc.constant('converted') }, { weight: 1, arbitrary: fc.constantFrom('plan', 'missing') })).map(([text, noise, label]) => ({ argv: ['leadscore', '--csv', text, '--label', label, '--folds', '3', ...(noise ?? []), '--json'] })),
    },
    {
      command: 'segments',
      seed: 32,
      cases: fc.tuple(evalFile(customersCsv(2)), optionNoise).map(([text, noise]) => ({ argv: ['segments', '--csv', text, '--drop', 'id', ...(noise ?? []), '--json'] })),
    },
    {
      command: 'sentiment',
      seed: 33,
      cases: fc.tuple(evalFile(sentences(3)), optionNoise).map(([text, noise]) => ({ argv: ['sentiment', '--file', text, '--folds', '3', ...(noise ?? []), '--json'] })),
    },
    {
      command: 'recommend',
      seed: 34,
      cases: fc.tuple(evalFile(interactionsCsv(4, 90)), fc.boolean(), optionNoise).map(([text, trainBroken, noise]) => {
        const [train, test] = trainBroken ? [text, interactionsCsv(5, 30)] : [interactionsCsv(4, 90), text];
        return { argv: ['recommend', '--train', train, '--test', test, ...(noise ?? []), '--json'] };
      }),
    },
  ];

  for (const { command, cases, seed } of surfaces) {
    it(
      `eval ${command}: ${RUNS} mutated or random files end in a result or a refusal that names the problem`,
      async () => {
        const inputs = fc.sample(cases, { numRuns: RUNS, seed });
        const problems = await fuzz(`eval ${command}`, inputs, async ({ argv }) => {
          // The file arguments are contents until here: each is written to a file of its own.
          const withFiles = argv.map((arg, i) => (i > 0 && ['--csv', '--file', '--train', '--test'].includes(argv[i - 1]!) ? write(arg) : arg));
          return checkEval(command, withFiles);
        });
        expect(problems).toEqual([]);
      },
      TIMEOUT,
    );
  }
});

/* ------------------------------------------------------------------------------------- CRM record pages */

const NAMES = ['email', 'firstname', 'age', 'job', 'lifecyclestage', 'hs_lead_status', 'Email', 'Title', 'Rating', 'Product2.Name'];
const VALUE = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom('\uD800', 'a\u0000b', 'x'.repeat(70_000), '\u202Eevil', '👩‍💻', '') },
);
const STAMP = fc.date({ min: new Date('2020-01-01'), max: new Date('2026-12-01'), noInvalidDate: true }).map((d) => d.toISOString());
/** Values that are not what a field should hold (JSON can carry any of them). */
const WRONG = fc.oneof(fc.anything({ maxDepth: 2 }), fc.constantFrom('\uD800', 'x'.repeat(70_000), 'not a date', '', '-1', '1e400'));

/** A record drawn with `valid` true is one the mapper must accept as it is. */
interface Drawn {
  raw: unknown;
  valid: boolean;
  id?: string;
}

function hubspotItem(ids: fc.Arbitrary<string>): fc.Arbitrary<Drawn> {
  const validProps = fc.dictionary(fc.constantFrom(...NAMES), fc.string({ maxLength: 20 }), { maxKeys: 5 });
  const valid = fc.tuple(ids, validProps, STAMP).map(([id, props, stamp]) => ({ raw: { id, properties: { ...props, hs_lastmodifieddate: stamp } }, valid: true, id }));
  const broken = fc.tuple(ids, validProps, STAMP, fc.constantFrom('id', 'properties', 'value', 'stamp', 'extra'), WRONG, VALUE).map(([id, props, stamp, field, wrong, value]) => {
    const raw: Record<string, unknown> = { id, properties: { ...props, hs_lastmodifieddate: stamp } };
    if (field === 'id') raw.id = typeof wrong === 'string' && /^\d+$/.test(wrong) ? `obj-${wrong}` : wrong;
    if (field === 'properties') raw.properties = Array.isArray(wrong) || wrong === null || typeof wrong !== 'object' ? wrong : [wrong];
    if (field === 'value') raw.properties = { ...(raw.properties as object), age: typeof wrong === 'string' ? value : wrong };
    if (field === 'stamp') raw.properties = { ...(raw.properties as object), hs_lastmodifieddate: typeof wrong === 'string' && !Number.isNaN(Date.parse(wrong)) ? 'not a date' : wrong };
    if (field === 'extra') raw.properties = { ...(raw.properties as object), ['__proto__']: value };
    return { raw, valid: false };
  });
  return fc.oneof({ weight: 3, arbitrary: valid }, { weight: 3, arbitrary: broken }, { weight: 1, arbitrary: fc.anything({ maxDepth: 3 }).map((raw) => ({ raw, valid: false })) });
}

function salesforceItem(ids: fc.Arbitrary<string>): fc.Arbitrary<Drawn> {
  const fields = fc.dictionary(fc.constantFrom('Email', 'Title', 'Rating', 'LeadSource', 'Company'), fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean(), fc.constant(null)), { maxKeys: 4 });
  const valid = fc.tuple(ids, fields, STAMP, fc.option(fc.string({ maxLength: 10 }), { nil: null })).map(([id, props, stamp, product]) => ({
    raw: { attributes: { type: 'Lead', url: `/services/data/v62.0/sobjects/Lead/${id}` }, Id: id, SystemModstamp: stamp, ...props, Product2: product === null ? null : { attributes: { type: 'Product2' }, Name: product } },
    valid: true,
    id,
  }));
  const broken = fc.tuple(valid, fc.constantFrom('Id', 'SystemModstamp', 'value', 'nested'), WRONG).map(([drawn, field, wrong]) => {
    const raw = { ...(drawn.raw as Record<string, unknown>) };
    if (field === 'Id') raw.Id = typeof wrong === 'string' && /^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/.test(wrong) ? `${wrong}!` : wrong;
    if (field === 'SystemModstamp') raw.SystemModstamp = typeof wrong === 'string' && !Number.isNaN(Date.parse(wrong)) ? 'not a date' : wrong ?? 'not a date';
    if (field === 'value') raw.Title = typeof wrong === 'string' ? '\uD800' : 'x'.repeat(70_000);
    if (field === 'nested') raw.Owner = { attributes: { type: 'User' }, Name: '\uDC00', Manager: { Name: 'x'.repeat(70_000) } };
    return { raw, valid: false };
  });
  return fc.oneof({ weight: 3, arbitrary: valid }, { weight: 3, arbitrary: broken }, { weight: 1, arbitrary: fc.anything({ maxDepth: 3 }).map((raw) => ({ raw, valid: false })) });
}

/** A refusal names what is wrong: the id, the properties, a property by name, the stamp, or the record. */
const NAMED = /^(?:(?:id|Id|record|hs_lastmodifieddate|SystemModstamp|properties(?:\.\S+)?)\b|property "[^"]*" )/;

describe('fuzz: pages of malformed CRM records', () => {
  let store: Store;
  const TENANT = 'fuzz-records';
  let runId = 0;
  const BASELINE: CanonicalRecord[] = ['1', '2', '3'].map((id) => ({ objectType: 'contact', externalId: id, modifiedAt: '2024-01-01T00:00:00.000Z', properties: { email: `${id}@example.com`, hs_lastmodifieddate: '2024-01-01T00:00:00.000Z' }, associations: {} }));

  beforeAll(async () => {
    store = await openStore({ inMemory: true });
    await store.upsertTenant({ id: TENANT, crm: 'hubspot', name: 'Fuzz', mode: 'live', accountId: '1' });
    runId = await store.startRun(TENANT, 'sync');
    await store.savePage(TENANT, { runId, objectType: 'contact', records: BASELINE.map((r) => ({ ...r, inputHash: `base-${r.externalId}` })), rejected: [], checkpoint: undefined });
  }, 60_000);
  afterAll(async () => {
    await store?.close();
  });

  /** Maps a page, stores it as a sync does, and checks that no valid record went missing. */
  async function checkPage(objectType: ObjectType, drawn: Drawn[], map: (raws: unknown[]) => { records: CanonicalRecord[]; rejected: RejectedRecord[] }): Promise<Checked> {
    const { records, rejected } = map(drawn.map((d) => d.raw));
    const outcome = rejected.length === 0 ? 'pages all stored' : records.length === 0 ? 'pages all rejected' : 'pages partly rejected';
    const fail = (problem: string): Checked => ({ outcome, problem });
    if (records.length + rejected.length !== drawn.length) return fail(`${drawn.length} records in, ${records.length} mapped and ${rejected.length} rejected out`);
    const unnamed = rejected.find((r) => !NAMED.test(r.reason));
    if (unnamed) return fail(`a rejection that names no field: ${JSON.stringify(unnamed.reason).slice(0, 200)}`);
    const expected = new Set(drawn.filter((d) => d.valid).map((d) => d.id!));
    const accepted = new Set(records.map((r) => r.externalId));
    for (const id of expected) if (!accepted.has(id)) return fail(`the valid record ${id} was rejected: ${rejected.find((r) => r.externalId === id)?.reason}`);
    await store.savePage(TENANT, { runId, objectType, records: records.map((r, i) => ({ ...r, inputHash: `h${i}-${r.modifiedAt}` })), rejected, checkpoint: undefined });
    const stored = new Map((await store.getRecords(TENANT, objectType, [...expected])).map((r) => [r.externalId, r]));
    for (const id of expected) {
      const record = stored.get(id);
      // A valid id drawn twice in a page: the last copy is the one the store keeps.
      const mapped = records.filter((r) => r.externalId === id).at(-1)!;
      if (!record) return fail(`the valid record ${id} was not stored`);
      if (record.modifiedAt < mapped.modifiedAt) return fail(`the valid record ${id} is stored with an older copy`);
    }
    return { outcome };
  }

  async function baselineKept(): Promise<string | null> {
    const stored = await store.getRecords(TENANT, 'contact', BASELINE.map((r) => r.externalId));
    return stored.length === BASELINE.length && stored.every((r) => r.properties.email === `${r.externalId}@example.com`) ? null : `records stored before the fuzz changed or went missing: ${JSON.stringify(stored.map((r) => r.externalId))}`;
  }

  it(
    `HubSpot: ${RUNS} pages of objects end mapped or rejected with the field named, valid ones stored, nothing stored lost`,
    async () => {
      const ids = fc.integer({ min: 1_000, max: 50_000 }).map(String);
      const pages = fc.sample(fc.array(hubspotItem(ids), { minLength: 1, maxLength: 12 }), { numRuns: RUNS, seed: 41 });
      const problems = await fuzz('records hubspot', pages, (page) => checkPage('contact', page, (raws) => mapPage('contact', raws)));
      const lost = await baselineKept();
      expect([...problems, ...(lost ? [lost] : [])]).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    `Salesforce: ${RUNS} pages of records end mapped or rejected with the field named, valid ones stored, nothing stored lost`,
    async () => {
      const ids = fc.stringMatching(/^00Q[A-Za-z0-9]{12}$/);
      const pages = fc.sample(fc.array(salesforceItem(ids), { minLength: 1, maxLength: 12 }), { numRuns: RUNS, seed: 42 });
      const problems = await fuzz('records salesforce', pages, (page) => checkPage('contact', page, (raws) => mapSalesforcePage('contact', raws, '005000000000001AAA')));
      const lost = await baselineKept();
      expect([...problems, ...(lost ? [lost] : [])]).toEqual([]);
    },
    TIMEOUT,
  );
});
