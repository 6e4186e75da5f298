/**
 * The field mapping RevOps controls: which CRM properties feed the lead score, which property tells the
 * outcome, and which ones never enter a model. Validated with zod; a bad mapping is refused with the
 * path of what is wrong.
 */
import { z } from 'zod';
import { own } from '../domain/own.ts';
import type { Crm } from '../domain/records.ts';
import { OUTPUT_FIELDS } from '../domain/outputFields.ts';

/** A CRM field name: letters, digits, underscores, dots (Salesforce relationships). Nothing that could be a query. */
export const FieldName = z.string().regex(/^[A-Za-z][A-Za-z0-9_.]{0,99}$/, 'is not a valid field name');

/** A readable label a rep sees in reasons ("Previous campaign outcome"). */
export const MAX_LABEL_LENGTH = 80;
const Label = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(MAX_LABEL_LENGTH, `must be at most ${MAX_LABEL_LENGTH} characters`)
  .refine((text) => !/[\u0000-\u001f\u007f]/.test(text), 'must not contain control characters (line breaks, tabs)');

/**
 * zod's record drops a `__proto__` key silently; a label under that name is refused, not ignored, so
 * whoever sent it learns it did nothing.
 */
const Labels = z.preprocess(
  (value, ctx) => {
    if (typeof value === 'object' && value !== null && Object.hasOwn(value, '__proto__')) {
      ctx.issues.push({ code: 'custom', input: value, path: ['__proto__'], message: 'labels: "__proto__" is not a model column or the CRM field of one' });
    }
    return value;
  },
  z.record(FieldName, Label),
);

export const LeadScoreMapping = z
  .object({
    numeric: z.array(FieldName),
    categorical: z.array(FieldName),
    /** Values that mean "not filled in" (HubSpot forms' "Select", "unknown" where configured). */
    placeholders: z.array(z.string()).default([]),
    /**
     * Model column -> the CRM field that feeds it, where the names differ. Model columns are the same in
     * every CRM, so one model can be trained across a company's HubSpot and Salesforce.
     */
    fields: z.record(z.string(), FieldName).default({}),
    /** The field holding the person's email: how the same person is matched across CRMs. */
    emailField: FieldName.default('email'),
    /** Fields a record must have to be scored (email: people are matched across CRMs by it). */
    required: z.array(FieldName).default([]),
    /** Fields never used by the model, e.g. ones known only after the outcome (call duration). */
    exclude: z.array(FieldName).default([]),
    /**
     * Values a numeric model column can possibly hold (`{ age: { min: 16, max: 110, integer: true } }`):
     * anything else is a typo or a test record and is read as missing, in training and in scoring alike.
     */
    ranges: z
      .record(
        FieldName,
        z.object({ min: z.number().finite().optional(), max: z.number().finite().optional(), integer: z.boolean().optional() }).strict(),
      )
      .default({}),
    /**
     * What RevOps knows about a numeric column's direction (`{ "nr_employees": "increasing" }`): the score
     * never falls as an "increasing" column rises, whatever the data's noise says (every component of the
     * blend honours it). A rep then never sees "more employees lowered the score".
     */
    monotone: z.record(FieldName, z.enum(['increasing', 'decreasing'], { message: 'must be "increasing" or "decreasing"' })).default({}),
    outcome: z.object({
      field: FieldName,
      converted: z.array(z.string()).min(1),
      lost: z.array(z.string()).min(1),
    }),
    /**
     * Readable names for model inputs in the reasons a rep reads, by model column or by the CRM field
     * behind it; without one, the CRM's own field label is used (src/mapping/labels.ts).
     */
    labels: Labels.optional(),
    /**
     * The CRM's existing score (HubSpot's `hubspotscore`, a Salesforce rating kept as a number): the model
     * report compares it with ours on the same labelled records (champion/challenger). Never a model input.
     */
    championField: FieldName.optional(),
  })
  .superRefine((m, ctx) => {
    const seen = new Set<string>();
    for (const name of [...m.numeric, ...m.categorical]) {
      if (seen.has(name)) ctx.addIssue({ code: 'custom', path: ['categorical'], message: `field "${name}" is mapped twice` });
      seen.add(name);
    }
    for (const [name, range] of Object.entries(m.ranges)) {
      if (!m.numeric.includes(name)) ctx.addIssue({ code: 'custom', path: ['ranges', name], message: `ranges: "${name}" is not a numeric model column` });
      if (range.min !== undefined && range.max !== undefined && range.min > range.max) {
        ctx.addIssue({ code: 'custom', path: ['ranges', name], message: `ranges: "${name}" has min ${range.min} above max ${range.max}` });
      }
    }
    for (const name of Object.keys(m.monotone)) {
      if (!m.numeric.includes(name)) ctx.addIssue({ code: 'custom', path: ['monotone', name], message: `monotone: "${name}" is not a numeric model column (only a number has a direction)` });
    }
    const labelled = new Set([...m.numeric, ...m.categorical].flatMap((c) => [c, own(m.fields, c) ?? c]));
    for (const name of Object.keys(m.labels ?? {})) {
      if (!labelled.has(name)) ctx.addIssue({ code: 'custom', path: ['labels', name], message: `labels: "${name}" is not a model column or the CRM field of one` });
    }
    if (seen.has(m.outcome.field)) ctx.addIssue({ code: 'custom', path: ['outcome', 'field'], message: `the outcome field "${m.outcome.field}" cannot also be a model input` });
    const overlap = m.outcome.converted.filter((v) => m.outcome.lost.includes(v));
    if (overlap.length) ctx.addIssue({ code: 'custom', path: ['outcome'], message: `outcome values ${overlap.join(', ')} are both converted and lost` });
  });

export const SentimentMapping = z.object({
  /** Ticket/case fields holding the customer's words, first non-empty wins. */
  text: z.array(FieldName).min(1),
  /** An optional field where agents record whether feedback was positive: with enough of it, a model is trained. */
  label: z
    .object({ field: FieldName, positive: z.array(z.string()).min(1), negative: z.array(z.string()).min(1) })
    .optional(),
  /** Field with the ticket's time, for recency weighting. */
  time: FieldName,
  language: z.string().default('en'),
});

export const DealsMapping = z.object({
  /** The deal field holding the stage, and the stages that mean the products were bought. */
  stageField: FieldName,
  wonStages: z.array(z.string()).min(1),
});

export const Mapping = z.object({
  /** Checked against the registry where a mapping meets a connection (connectors/registry.ts). */
  crm: z.custom<Crm>((v) => typeof v === 'string' && /^[a-z][a-z0-9_-]*$/.test(v), 'is not a CRM name'),
  leadScore: LeadScoreMapping,
  sentiment: SentimentMapping,
  deals: DealsMapping,
  /**
   * Where a signal goes instead of crm-signals' own field, by output key (`{"leadScore": "lead_rating"}`):
   * an existing CRM field of the output's object, writable and of a fitting type (checked against the CRM).
   * Our own fields are still installed; one not chosen here stays empty.
   */
  outputs: z.partialRecord(z.enum(OUTPUT_FIELDS.map((f) => f.key) as [string, ...string[]], { message: 'is not one of the outputs' }), FieldName).optional(),
});
export type DealsMapping = z.infer<typeof DealsMapping>;
export type SentimentMapping = z.infer<typeof SentimentMapping>;
export type Mapping = z.infer<typeof Mapping>;
export type LeadScoreMapping = z.infer<typeof LeadScoreMapping>;

/** One thing wrong with a mapping: where in the mapping, and the CRM field when one is concerned. */
export interface MappingProblem {
  /** Dotted path in the mapping (`leadScore.numeric.3`), or `mapping` for the whole. */
  path: string;
  field?: string;
  message: string;
}

export class MappingError extends Error {
  override readonly name = 'MappingError';
  constructor(
    message: string,
    /** Every problem found, not only the first: an admin fixes them in one go. */
    readonly problems: readonly MappingProblem[] = [],
  ) {
    super(message);
  }
}

export function parseMapping(input: unknown): Mapping {
  const parsed = Mapping.safeParse(input);
  if (!parsed.success) {
    const problems: MappingProblem[] = parsed.error.issues.map((i) => ({ path: i.path.join('.') || 'mapping', message: i.message }));
    throw new MappingError(`invalid field mapping: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, problems);
  }
  return parsed.data;
}

/**
 * Whether two mappings say the same thing. Key order is not part of it: a mapping read back from the
 * store's jsonb has its keys in another order than the one the code built.
 */
export function sameMapping(a: Mapping, b: Mapping): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The CRM field behind a model column. */
export function crmField(m: LeadScoreMapping, column: string): string {
  return own(m.fields, column) ?? column;
}

/** The model inputs actually used: mapped columns minus excluded ones. */
export function modelInputs(m: LeadScoreMapping): { numeric: string[]; categorical: string[] } {
  const excluded = new Set(m.exclude);
  return { numeric: m.numeric.filter((f) => !excluded.has(f)), categorical: m.categorical.filter((f) => !excluded.has(f)) };
}

/** Keeps the entries of a per-column record whose column is a numeric model input (an excluded one keeps its rule in the mapping). */
function ofNumericInputs<T>(m: LeadScoreMapping, byColumn: Record<string, T>): Record<string, T> {
  const { numeric } = modelInputs(m);
  return Object.fromEntries(Object.entries(byColumn).filter(([c]) => numeric.includes(c)));
}

/** What the mapping tells the lead score's fit: its inputs, the possible values and the directions of the numeric ones. */
export function leadScoreFitSpec(m: LeadScoreMapping) {
  const { numeric, categorical } = modelInputs(m);
  return {
    spec: { numeric, categorical, placeholders: m.placeholders },
    ranges: ofNumericInputs(m, m.ranges),
    monotone: ofNumericInputs(m, m.monotone),
  };
}
