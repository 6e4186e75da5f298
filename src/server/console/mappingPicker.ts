/**
 * The field picker of the mapping page: the form an admin ticks (which contact fields feed the lead score,
 * which are excluded, the outcome, the deal stages that mean "won", the ticket fields sentiment reads)
 * turned into a mapping document, and the mapping turned back into what the form shows. The document is
 * not trusted here: it is saved or previewed through the same validation as the JSON editor's
 * (parseMapping, then the CRM's fields and the leak checks), so a bad pick is refused by its path.
 */
import { z } from 'zod';
import type { FieldInfo } from '../../../connectors/connector.ts';
import { own, recordFromEntries } from '../../domain/own.ts';
import { OUTPUT_FIELDS } from '../../domain/outputFields.ts';
import { crmField, TEXT_TYPES, type Mapping, type MappingProblem } from '../../mapping/index.ts';

/** A form value as hono's parseBody({ all: true }) gives it: one string, or several for a repeated name. */
const Many = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]));
const One = z.union([z.string(), z.array(z.string())]).optional().transform((v) => (Array.isArray(v) ? (v[0] ?? '') : (v ?? '')).trim());

/** Far more than any CRM's contact fields; a bigger form is not a person ticking boxes. */
const MAX_PICKS = 2_000;
const limited = (what: string) => [(values: string[]) => values.length <= MAX_PICKS, `${what}: at most ${MAX_PICKS} values`] as const;

export const PickerAction = z.enum(['save', 'preview', 'refresh'], { message: 'must be save, preview or refresh' });

/**
 * The picker's form. Names: `input` (ticked contact fields), `kind.<field>` (numeric or categorical, for
 * fields the CRM types as numbers), `direction.<field>` (increasing, decreasing or empty for a number), `exclude`, `outcomeField` with `converted` / `lost` (options ticked)
 * and `convertedText` / `lostText` (comma-separated, for fields without options), `stageField` with
 * `wonStages` / `wonStagesText`, `text`, `timeField`, `labelField` with `positiveChoice` / `negativeChoice`
 * and `positiveText` / `negativeText`.
 */
export const PickerForm = z
  .object({
    action: One.pipe(PickerAction),
    note: One.pipe(z.string().max(500, 'must be at most 500 characters')),
    input: Many.refine(...limited('input')),
    exclude: Many.refine(...limited('exclude')),
    outcomeField: One,
    converted: Many.refine(...limited('converted')),
    lost: Many.refine(...limited('lost')),
    convertedText: One,
    lostText: One,
    stageField: One,
    wonStages: Many.refine(...limited('wonStages')),
    wonStagesText: One,
    text: Many.refine(...limited('text')),
    timeField: One,
    labelField: One,
    positiveChoice: Many.refine(...limited('positiveChoice')),
    negativeChoice: Many.refine(...limited('negativeChoice')),
    positiveText: One,
    negativeText: One,
  })
  .catchall(z.unknown());
export type PickerForm = z.infer<typeof PickerForm>;

/** `output.<key>` values of the form: the field chosen to receive a signal ('' or absent: our own). */
function outputsOf(form: Record<string, unknown>): Record<string, string> | undefined {
  const chosen: Record<string, string> = {};
  for (const output of OUTPUT_FIELDS) {
    const value = form[`output.${output.key}`];
    const v = Array.isArray(value) ? value[0] : value;
    if (typeof v === 'string' && v !== '') chosen[output.key] = v;
  }
  return Object.keys(chosen).length ? chosen : undefined;
}

/** `<prefix>.<field>` values of the form that are one of `allowed`, by field (others and empty ones are absent). */
function perField<T extends string>(form: Record<string, unknown>, prefix: string, allowed: readonly T[]): Map<string, T> {
  const chosen = new Map<string, T>();
  for (const [key, value] of Object.entries(form)) {
    if (!key.startsWith(`${prefix}.`)) continue;
    const v = Array.isArray(value) ? value[0] : value;
    if (allowed.includes(v as T)) chosen.set(key.slice(prefix.length + 1), v as T);
  }
  return chosen;
}

const list = (text: string) =>
  text
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
const unique = (values: readonly string[]) => [...new Set(values)];

export interface PickerContext {
  /** The running mapping: what the form leaves alone (placeholders, required fields, labels, ranges) comes from it. */
  base: Mapping;
  /** The CRM's contact fields (discover): a ticked number field feeds the model as a number unless the form says otherwise. */
  contactFields: readonly FieldInfo[];
  numericTypes: ReadonlySet<string>;
}

/**
 * The mapping document the form describes. A field the running mapping already reads keeps its model
 * column (a Salesforce field keeps `age` for `Age__c`), a new one is its own column; ranges and labels of
 * columns no longer read are dropped (they would name nothing), everything the form does not show is kept.
 */
export function mappingFromPicker(form: PickerForm, { base, contactFields, numericTypes }: PickerContext): Mapping {
  const lead = base.leadScore;
  // how a number-typed field feeds the model, and the way a number may move the score
  const kinds = perField(form, 'kind', ['numeric', 'categorical'] as const);
  const typeOf = new Map(contactFields.map((f) => [f.name, f.type]));
  const columnOf = new Map<string, string>();
  for (const column of [...lead.numeric, ...lead.categorical, ...lead.exclude]) columnOf.set(crmField(lead, column), column);
  const column = (field: string) => columnOf.get(field) ?? field;
  const wasNumeric = new Set(lead.numeric.map((c) => crmField(lead, c)));

  const numeric: string[] = [];
  const categorical: string[] = [];
  // the running order first, so a save that ticks nothing new changes nothing
  const picked = unique(form.input);
  const order = [...[...lead.numeric, ...lead.categorical].map((c) => crmField(lead, c)).filter((f) => picked.includes(f)), ...picked];
  for (const field of unique(order)) {
    const kind = kinds.get(field) ?? (wasNumeric.has(field) || numericTypes.has(typeOf.get(field) ?? '') ? 'numeric' : 'categorical');
    (kind === 'numeric' ? numeric : categorical).push(column(field));
  }
  const exclude = unique(form.exclude).map(column);
  const kept = new Set([...numeric, ...categorical, ...exclude]);
  const fields = recordFromEntries(Object.entries(lead.fields).filter(([c]) => kept.has(c)));
  const ranges = Object.fromEntries(Object.entries(lead.ranges).filter(([c]) => numeric.includes(c)));
  const directions = perField(form, 'direction', ['increasing', 'decreasing'] as const);
  const monotone = Object.fromEntries(numeric.flatMap((c) => {
    const d = directions.get(own(fields, c) ?? c);
    return d ? [[c, d] as const] : [];
  }));
  const readColumns = new Set([...numeric, ...categorical].flatMap((c) => [c, own(fields, c) ?? c]));
  const labels = lead.labels ? Object.fromEntries(Object.entries(lead.labels).filter(([k]) => readColumns.has(k))) : undefined;

  const sentiment = base.sentiment;
  const labelField = form.labelField;
  return {
    crm: base.crm,
    leadScore: {
      ...lead,
      numeric,
      categorical,
      fields,
      exclude,
      ranges,
      monotone,
      ...(labels && Object.keys(labels).length ? { labels } : { labels: undefined }),
      outcome: {
        field: form.outcomeField,
        converted: unique([...form.converted, ...list(form.convertedText)]),
        lost: unique([...form.lost, ...list(form.lostText)]),
      },
    },
    sentiment: {
      ...sentiment,
      text: unique(form.text),
      time: form.timeField,
      ...(labelField === ''
        ? { label: undefined }
        : { label: { field: labelField, positive: unique([...form.positiveChoice, ...list(form.positiveText)]), negative: unique([...form.negativeChoice, ...list(form.negativeText)]) } }),
    },
    deals: { stageField: form.stageField, wonStages: unique([...form.wonStages, ...list(form.wonStagesText)]) },
    outputs: outputsOf(form),
  };
}

/** Without undefined members: the document as JSON would carry it (and as the store keeps it). */
export function withoutUndefined<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** One contact field as the picker shows it. */
export interface PickerRow {
  field: FieldInfo;
  /** The model column behind it when it differs from the field's name (Salesforce). */
  column: string;
  input: boolean;
  /** How it feeds the model when ticked; null when the CRM's type allows only a category. */
  kind: 'numeric' | 'categorical';
  /** The direction the mapping gives the field's column, '' for none. */
  direction: 'increasing' | 'decreasing' | '';
  numericCapable: boolean;
  excluded: boolean;
  /** Why ticking it would leak the outcome or loop our own signal back (shown beside its checkbox). */
  flags: string[];
  /** Problems of the last refused save or preview that concern this field. */
  problems: string[];
}

/**
 * Why a field must not feed the model, as far as the mapping alone tells (the data's leak screen adds
 * its own flags): the outcome field, a field excluded as leaky, our own outputs, the CRM's existing score.
 */
export function staticFlags(m: Mapping, field: string): string[] {
  const lead = m.leadScore;
  const flags: string[] = [];
  if (field === lead.outcome.field) flags.push('the outcome field: as an input it gives the answer away');
  if (lead.exclude.some((c) => c === field || crmField(lead, c) === field)) flags.push('excluded as leaky');
  if (OUTPUT_FIELDS.some((o) => o.objectType === 'contact' && o.names[m.crm] === field)) flags.push("crm-signals' own output: the model would learn its own signal");
  if (lead.championField === field) flags.push('the existing score compared with ours: the model would copy it');
  return flags;
}

/** The CRM field a problem's path points at (`leadScore.categorical.3` -> that column's field), if any. */
export function problemField(m: Mapping, problem: MappingProblem): string | null {
  if (problem.field) return problem.field;
  const lead = m.leadScore as Partial<Mapping['leadScore']> | undefined;
  const [head, list, index] = problem.path.split('.');
  if (head !== 'leadScore' || !lead) return null;
  if ((list === 'numeric' || list === 'categorical' || list === 'exclude') && index !== undefined) {
    const column = lead[list]?.[Number(index)];
    return typeof column === 'string' ? (own(lead.fields ?? {}, column) ?? column) : null;
  }
  if (list === 'fields' && index !== undefined) return own(lead.fields ?? {}, index) ?? null;
  if (list === 'outcome') return typeof lead.outcome?.field === 'string' ? lead.outcome.field : null;
  return null;
}

/** The contact fields as rows: the mapping's reading of each, its flags and its problems. */
export function pickerRows(m: Mapping, contactFields: readonly FieldInfo[], numericTypes: ReadonlySet<string>, leakFlags: ReadonlyMap<string, readonly string[]> = new Map(), problems: readonly MappingProblem[] = []): PickerRow[] {
  const lead = m.leadScore;
  const byField = new Map<string, { column: string; kind: 'numeric' | 'categorical' }>();
  for (const c of lead.categorical) byField.set(crmField(lead, c), { column: c, kind: 'categorical' });
  for (const c of lead.numeric) byField.set(crmField(lead, c), { column: c, kind: 'numeric' });
  const excluded = new Set(lead.exclude.flatMap((c) => [c, crmField(lead, c)]));
  return contactFields.map((field) => {
    const read = byField.get(field.name);
    const numericCapable = numericTypes.has(field.type);
    return {
      field,
      column: read?.column ?? field.name,
      input: read !== undefined,
      kind: read?.kind ?? (numericCapable ? 'numeric' : 'categorical'),
      direction: read ? (own(lead.monotone, read.column) ?? '') : '',
      numericCapable,
      excluded: excluded.has(field.name),
      flags: [...staticFlags(m, field.name).filter((f) => f !== 'excluded as leaky'), ...(leakFlags.get(field.name) ?? [])],
      problems: problems.filter((p) => problemField(m, p) === field.name).map((p) => `${p.path}: ${p.message}`),
    };
  });
}

/** Where each signal is written, per CRM: fixed by crm-signals' own field definitions (src/domain/outputFields.ts). */
/**
 * Each signal with the field that receives it (the mapping's choice or our own), its state in the CRM, and
 * the fields it could go to instead: writable fields of its object that hold its type, not ours.
 */
export function outputRows(m: Mapping, discovered: Partial<Record<string, readonly FieldInfo[]>>, numericTypes: ReadonlySet<string>) {
  const ours = new Set(OUTPUT_FIELDS.map((o) => o.names[m.crm]));
  return OUTPUT_FIELDS.map((o) => {
    const own = o.names[m.crm];
    const chosen = m.outputs?.[o.key] ?? '';
    const name = chosen || own;
    const fields = discovered[o.objectType];
    const found = fields?.find((f) => f.name === name);
    const candidates = (fields ?? []).filter((f) => !f.readOnly && !ours.has(f.name) && (o.type === 'number' ? numericTypes.has(f.type) : TEXT_TYPES.has(f.type)));
    return { key: o.key, label: o.label, objectType: o.objectType, own, chosen, name, type: o.type, candidates, state: found ? (found.readOnly ? 'read-only in the CRM' : chosen ? 'chosen field' : 'installed') : fields ? (chosen ? 'not in the CRM' : 'not installed yet') : 'not checked' };
  });
}
