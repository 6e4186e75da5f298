import { describe, expect, it } from 'vitest';
import { DEFAULT_HUBSPOT_MAPPING, DEFAULT_SALESFORCE_MAPPING, parseMapping } from '../mapping/index.ts';
import { sharedSpecProblems } from './linked.ts';

const sf = DEFAULT_SALESFORCE_MAPPING;

describe('one lead score model across CRMs', () => {
  it('the default mappings share their model columns, whatever fields feed them', () => {
    expect(sharedSpecProblems([{ tenantId: 'h', mapping: DEFAULT_HUBSPOT_MAPPING }, { tenantId: 's', mapping: sf }])).toEqual([]);
  });

  it('names the columns one tenant lacks or adds, other ranges and other directions', () => {
    const other = parseMapping({
      ...sf,
      leadScore: {
        ...sf.leadScore,
        categorical: [...sf.leadScore.categorical.filter((c) => c !== 'job'), 'industry'],
        ranges: { ...sf.leadScore.ranges, age: { min: 18 } },
        monotone: { age: 'increasing' },
      },
    });
    const problems = sharedSpecProblems([{ tenantId: 'h', mapping: DEFAULT_HUBSPOT_MAPPING }, { tenantId: 's', mapping: other }]);
    expect(problems).toEqual([
      { path: 'leadScore.categorical', message: 'tenant s lacks categorical columns job and adds categorical columns industry compared with tenant h: one model across CRMs needs the same model columns' },
      { path: 'leadScore.ranges.age', message: 'tenant s gives column "age" another range than tenant h' },
      { path: 'leadScore.monotone.age', message: 'tenant s gives column "age" another direction than tenant h' },
    ]);
  });
});
