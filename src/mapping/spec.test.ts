import { describe, expect, it } from 'vitest';
import { DEFAULT_HUBSPOT_MAPPING, DEFAULT_SALESFORCE_MAPPING, leadScoreSpecHash, parseMapping, recommendationsSpecHash, segmentSpecHash, sentimentSpecHash, type Mapping } from './index.ts';

const base = DEFAULT_HUBSPOT_MAPPING;
const lead = base.leadScore;
const change = (patch: Partial<Mapping>): Mapping => parseMapping({ ...base, ...patch });
const hashes = (m: Mapping) => ({ lead: leadScoreSpecHash(m), segment: segmentSpecHash(m), recommendations: recommendationsSpecHash(m), sentiment: sentimentSpecHash(m) });

/** Which of the four specs differ between two mappings. */
function changed(a: Mapping, b: Mapping): string[] {
  const x = hashes(a);
  const y = hashes(b);
  return (Object.keys(x) as Array<keyof typeof x>).filter((k) => x[k] !== y[k]);
}

describe('spec hashes: which model a mapping change retrains', () => {
  it('an input dropped, added or remapped changes the lead score and segments only', () => {
    expect(changed(base, change({ leadScore: { ...lead, categorical: lead.categorical.filter((c) => c !== 'job') } }))).toEqual(['lead', 'segment']);
    expect(changed(base, change({ leadScore: { ...lead, exclude: [] } }))).toEqual(['lead', 'segment']);
    expect(changed(base, change({ leadScore: { ...lead, fields: { age: 'age_years' } } }))).toEqual(['lead', 'segment']);
    expect(changed(base, change({ leadScore: { ...lead, placeholders: ['', 'Select', 'n/a'] } }))).toEqual(['lead', 'segment']);
  });

  it('the outcome definition and value ranges change the lead score only', () => {
    expect(changed(base, change({ leadScore: { ...lead, outcome: { ...lead.outcome, converted: ['customer'] } } }))).toEqual(['lead']);
    expect(changed(base, change({ leadScore: { ...lead, ranges: { ...lead.ranges, age: { min: 18, max: 110, integer: true } } } }))).toEqual(['lead']);
  });

  it('deal stages change recommendations only; ticket text, label and language change sentiment only', () => {
    expect(changed(base, change({ deals: { stageField: 'dealstage', wonStages: ['closedwon', 'contractsent'] } }))).toEqual(['recommendations']);
    expect(changed(base, change({ sentiment: { ...base.sentiment, text: ['content'] } }))).toEqual(['sentiment']);
    expect(changed(base, change({ sentiment: { ...base.sentiment, label: undefined } }))).toEqual(['sentiment']);
  });

  it('changes that alter no model change no hash', () => {
    // the ticket time only weighs the roll-up
    expect(changed(base, change({ sentiment: { ...base.sentiment, time: 'hs_lastmodifieddate' } }))).toEqual([]);
    // value order is no meaning; a range on an excluded column reaches no model
    expect(changed(base, change({ leadScore: { ...lead, outcome: { ...lead.outcome, converted: ['evangelist', 'customer'] } } }))).toEqual([]);
    expect(changed(base, change({ leadScore: { ...lead, ranges: { ...lead.ranges, call_duration: { min: 0 } } } }))).toEqual([]);
    expect(changed(base, parseMapping(JSON.parse(JSON.stringify(base))))).toEqual([]);
  });

  it('the same columns fed by other CRM fields are another spec', () => {
    expect(leadScoreSpecHash(DEFAULT_SALESFORCE_MAPPING)).not.toBe(leadScoreSpecHash(base));
  });
});
