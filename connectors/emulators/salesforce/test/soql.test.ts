/** SOQL through GET /query: the parser's errors and the executor's semantics. */
import { describe, expect, it } from 'vitest';
import { parseSoql } from '../soql/parser.ts';
import { harness, type ErrorBody, type QueryBody } from './helpers.ts';

const h = harness({ leads: 400 });
const { state } = h.sb;

async function expectError(q: string, errorCode: string, message?: RegExp | string): Promise<string> {
  const res = await h.soql<ErrorBody>(q);
  expect(res.status, q).toBe(400);
  expect(res.body).toHaveLength(1);
  expect(res.body[0]?.errorCode, `${q}: ${res.body[0]?.message}`).toBe(errorCode);
  if (message !== undefined) expect(res.body[0]?.message).toMatch(message);
  return res.body[0]?.message ?? '';
}

async function rows(q: string, all = false): Promise<Record<string, unknown>[]> {
  const res = await h.soql<QueryBody>(q, all);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.records;
}

describe('SOQL parser', () => {
  it('parses the subset into a tree (not regexes over the string)', () => {
    const q = parseSoql("SELECT Id, Account.Name, COUNT() FROM Contact WHERE (Age__c >= 30 AND NOT Job__c IN ('student', 'retired')) OR Email LIKE '%\\_x%' ORDER BY LastName DESC NULLS FIRST, Id LIMIT 10 OFFSET 5");
    expect(q.select.map((s) => s.kind)).toEqual(['field', 'field', 'count']);
    expect(q.from.name).toBe('Contact');
    expect(q.where?.kind).toBe('or');
    expect(q.orderBy).toEqual([
      expect.objectContaining({ descending: true, nullsLast: false }),
      expect.objectContaining({ descending: false, nullsLast: false }),
    ]);
    expect([q.limit, q.offset]).toEqual([10, 5]);
  });

  it('answers MALFORMED_QUERY with the line, a caret and the position', async () => {
    const msg = await expectError('SELECT Id FROM Lead WHERE', 'MALFORMED_QUERY');
    expect(msg).toBe("\nSELECT Id FROM Lead WHERE\n                         ^\nERROR at Row:1:Column:26\nunexpected token: '<EOF>'");
    await expectError('SELECT FROM Lead', 'MALFORMED_QUERY', /unexpected token: 'FROM'/);
    await expectError('SELECT * FROM Lead', 'MALFORMED_QUERY', /Column:8\nunexpected token: '\*'/);
    await expectError("SELECT Id FROM Lead WHERE Name = 'unterminated", 'MALFORMED_QUERY', /mismatched character '<EOF>'/);
    await expectError("SELECT Id FROM Lead WHERE Name = 'bad \\q escape'", 'MALFORMED_QUERY', /Illegal character sequence '\\q'/);
    await expectError('SELECT Id FROM Lead LIMIT -1', 'MALFORMED_QUERY');
    await expectError('SELECT Id FROM Lead WHERE Id = :leadId', 'MALFORMED_QUERY', /unexpected token: ':'/);
    // SOQL has no precedence between AND and OR.
    await expectError("SELECT Id FROM Lead WHERE Age__c > 1 AND Age__c < 5 OR Job__c = 'x'", 'MALFORMED_QUERY', /unexpected token: 'OR'/);
    await expectError('SELECT Id FROM Lead GROUP BY Status', 'MALFORMED_QUERY', /GROUP is not supported/);
    await expectError('SELECT Id FROM Lead WHERE Id IN (SELECT LeadId FROM Task)', 'MALFORMED_QUERY', /semi-join/);
    const empty = await h.json<ErrorBody>('GET', '/services/data/v62.0/query');
    expect(empty.body[0]?.errorCode).toBe('MALFORMED_QUERY');
  });

  it('treats injection attempts as syntax errors', async () => {
    await expectError('SELECT Name; DELETE FROM Lead', 'MALFORMED_QUERY', /Column:12\nunexpected token: ';'/);
    await expectError("SELECT Id FROM Lead WHERE Email = 'x' OR 1=1", 'MALFORMED_QUERY');
    await expectError('SELECT Id FROM Lead -- comment', 'MALFORMED_QUERY');
    await expectError('SELECT Id FROM Lead; SELECT Id FROM Contact', 'MALFORMED_QUERY', /';'/);
    await expectError('SELECT Id, "Name" FROM Lead', 'MALFORMED_QUERY', /'"'/);
    // A quote inside a properly escaped literal is just data.
    expect(await rows("SELECT Id FROM Lead WHERE LastName = 'x\\' OR Name != \\'y'")).toEqual([]);
  });

  it("resolves names against the org: INVALID_TYPE, INVALID_FIELD with Salesforce's messages", async () => {
    await expectError('SELECT Id FROM Foo', 'INVALID_TYPE', /sObject type 'Foo' is not supported\. If you are attempting to use a custom object, be sure to append the '__c'/);
    const msg = await expectError('SELECT Id, Foo__c FROM Lead', 'INVALID_FIELD');
    expect(msg).toBe(
      "\nSELECT Id, Foo__c FROM Lead\n           ^\nERROR at Row:1:Column:12\nNo such column 'Foo__c' on entity 'Lead'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
    );
    await expectError('SELECT Id, Account.Name FROM Lead', 'INVALID_FIELD', /Didn't understand relationship 'Account' in field path/);
    await expectError('SELECT Id, Account.Foo FROM Contact', 'INVALID_FIELD', /No such column 'Foo' on entity 'Account'/);
    await expectError('SELECT Id, id FROM Lead', 'INVALID_FIELD', /duplicate field selected: Id/);
    await expectError('SELECT Id FROM Lead WHERE Description = null', 'INVALID_FIELD', /can not be filtered/);
    await expectError('SELECT Id FROM Lead ORDER BY Description', 'INVALID_FIELD', /can not be sorted/);
    await expectError('SELECT Id, (SELECT Id FROM Foos) FROM Account', 'INVALID_TYPE', /Didn't understand relationship 'Foos' in FROM part/);
    await expectError('SELECT Id FROM Lead OFFSET 2001', 'NUMBER_OUTSIDE_VALID_RANGE');
    await expectError('SELECT Id, COUNT(Id) FROM Lead', 'MALFORMED_QUERY', /Field must be grouped or aggregated: Id/);
  });

  it('checks filter literals against the field type', async () => {
    await expectError("SELECT Id FROM Lead WHERE SystemModstamp > '2026-01-01T00:00:00Z'", 'INVALID_FIELD', /must be of type dateTime and should not be enclosed in quotes/);
    await expectError('SELECT Id FROM Lead WHERE Email = 5', 'INVALID_FIELD', /must be of type string and should be enclosed in quotes/);
    await expectError("SELECT Id FROM Lead WHERE Age__c > '30'", 'INVALID_FIELD', /must be of type double/);
    await expectError("SELECT Id FROM Lead WHERE IsConverted = 'true'", 'INVALID_FIELD', /must be of type boolean/);
    await expectError("SELECT Id FROM Lead WHERE Id = 'nope'", 'INVALID_QUERY_FILTER_OPERATOR', /invalid ID field: nope/);
    await expectError('SELECT Id FROM Lead WHERE CreatedDate > 2026-13-01T00:00:00Z', 'MALFORMED_QUERY', /Invalid date/);
  });
});

describe('SOQL execution', () => {
  it('filters with AND/OR/NOT, parentheses, IN, LIKE (case-insensitive) and null', async () => {
    const leads = state.list('Lead');
    const expected = leads.filter((l) => ((l['Age__c'] as number) >= 30 && (l['Age__c'] as number) < 40 && !['student', 'retired'].includes(l['Job__c'] as string)) || l['Marital__c'] === 'divorced');
    const got = await rows("SELECT Id FROM Lead WHERE (Age__c >= 30 AND Age__c < 40 AND Job__c NOT IN ('student', 'retired')) OR Marital__c = 'DIVORCED'");
    expect(got.map((r) => r['Id'])).toEqual(expected.map((l) => l['Id']));
    const like = await rows("SELECT Email FROM Lead WHERE Email LIKE 'ANA.%'");
    expect(like.length).toBe(leads.filter((l) => (l['Email'] as string).startsWith('ana.')).length);
    expect(like.length).toBeGreaterThan(0);
    const notConverted = await rows('SELECT Id FROM Lead WHERE NOT (ConvertedContactId != null)');
    expect(notConverted.length).toBe(leads.filter((l) => l['ConvertedContactId'] === null).length);
    const byDate = await rows('SELECT Id FROM Lead WHERE ConvertedDate >= 2026-06-01 AND IsConverted = true');
    expect(byDate.length).toBe(leads.filter((l) => typeof l['ConvertedDate'] === 'string' && (l['ConvertedDate'] as string) >= '2026-06-01').length);
    // 15-character ids work in filters; results carry 18.
    const first = leads[0]?.['Id'] as string;
    expect((await rows(`SELECT Id FROM Lead WHERE Id = '${first.slice(0, 15)}'`))[0]?.['Id']).toBe(first);
  });

  it('orders with ASC/DESC and NULLS FIRST/LAST, then LIMIT/OFFSET', async () => {
    const all = await rows('SELECT Id, ConvertedDate FROM Lead ORDER BY ConvertedDate DESC NULLS LAST, Id');
    const dates = all.map((r) => r['ConvertedDate']);
    const firstNull = dates.indexOf(null);
    expect(firstNull).toBeGreaterThan(0);
    expect(dates.slice(firstNull).every((d) => d === null)).toBe(true);
    const nonNull = dates.slice(0, firstNull) as string[];
    expect(nonNull).toEqual([...nonNull].sort().reverse());
    const asc = await rows('SELECT Id, ConvertedDate FROM Lead ORDER BY ConvertedDate');
    expect(asc[0]?.['ConvertedDate']).toBeNull();
    const page = await rows('SELECT Id FROM Lead ORDER BY ConvertedDate DESC NULLS LAST, Id LIMIT 5 OFFSET 3');
    expect(page.map((r) => r['Id'])).toEqual(all.slice(3, 8).map((r) => r['Id']));
  });

  it('returns parent fields as nested objects and child subqueries as {totalSize, done, records} or null', async () => {
    const [c] = await rows('SELECT Id, Name, Account.Name, Account.Owner.Name, Owner.Id FROM Contact ORDER BY Id LIMIT 1');
    const contact = state.list('Contact')[0] ?? {};
    const account = state.get('Account', contact['AccountId'] as string) ?? {};
    expect(c).toEqual({
      attributes: { type: 'Contact', url: `/services/data/v62.0/sobjects/Contact/${contact['Id'] as string}` },
      Id: contact['Id'],
      Name: contact['Name'],
      Account: {
        attributes: { type: 'Account', url: `/services/data/v62.0/sobjects/Account/${account['Id'] as string}` },
        Name: account['Name'],
        Owner: { attributes: { type: 'User', url: `/services/data/v62.0/sobjects/User/${account['OwnerId'] as string}` }, Name: state.getById(account['OwnerId'] as string)?.['Name'] },
      },
      Owner: { attributes: { type: 'User', url: `/services/data/v62.0/sobjects/User/${contact['OwnerId'] as string}` }, Id: contact['OwnerId'] },
    });
    const leadsWithoutAccount = await rows('SELECT Id, ConvertedAccount.Name FROM Lead WHERE IsConverted = false LIMIT 1');
    expect(leadsWithoutAccount[0]?.['ConvertedAccount']).toBeNull();

    const opps = await rows('SELECT Id, Amount, (SELECT Quantity, TotalPrice, Product2.Name FROM OpportunityLineItems ORDER BY TotalPrice DESC) FROM Opportunity');
    for (const o of opps.slice(0, 50)) {
      const items = o['OpportunityLineItems'] as { totalSize: number; done: boolean; records: Record<string, unknown>[] };
      expect(items.done).toBe(true);
      expect(items.totalSize).toBe(items.records.length);
      const totals = items.records.map((r) => r['TotalPrice'] as number);
      expect(totals).toEqual([...totals].sort((a, b) => b - a));
      expect(totals.reduce((s, t) => s + t, 0)).toBeCloseTo(o['Amount'] as number, 2);
    }
    const noCases = await rows('SELECT Id, (SELECT Id FROM Cases WHERE Status = \'NoSuchStatus\') FROM Account LIMIT 1');
    expect(noCases[0]?.['Cases']).toBeNull();
  });

  it('counts with COUNT() and COUNT(field); queryAll sees deleted rows', async () => {
    const converted = state.list('Lead').filter((l) => l['IsConverted'] === true).length;
    const count = await h.soql<QueryBody>('SELECT COUNT() FROM Lead WHERE IsConverted = true');
    expect(count.body).toEqual({ totalSize: converted, done: true, records: [] });
    const agg = await h.soql<QueryBody>('SELECT COUNT(ConvertedDate) n FROM Lead');
    expect(agg.body.records).toEqual([{ attributes: { type: 'AggregateResult' }, n: converted }]);

    const victim = state.list('Case')[0]?.['Id'] as string;
    state.delete('Case', victim);
    expect(await rows(`SELECT Id FROM Case WHERE Id = '${victim}'`)).toEqual([]);
    const all = await rows(`SELECT Id, IsDeleted FROM Case WHERE Id = '${victim}'`, true);
    expect(all).toEqual([expect.objectContaining({ Id: victim, IsDeleted: true })]);
  });

  it('supports date literals relative to the org clock', async () => {
    const sb = harness({ leads: 50 });
    const id = sb.sb.state.list('Lead')[0]?.['Id'] as string;
    sb.sb.state.update('Lead', id, { Rating: 'Hot' });
    const today = await sb.soql<QueryBody>('SELECT Id FROM Lead WHERE LastModifiedDate = TODAY');
    expect(today.body.records.map((r) => r['Id'])).toEqual([id]);
    const recent = await sb.soql<QueryBody>('SELECT Id FROM Lead WHERE SystemModstamp = LAST_N_DAYS:30');
    expect(recent.body.records.map((r) => r['Id'])).toContain(id);
    const old = await sb.soql<QueryBody>('SELECT Id FROM Lead WHERE CreatedDate < LAST_N_DAYS:400');
    expect(old.body.totalSize).toBe(0);
  });
});
