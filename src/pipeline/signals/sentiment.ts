/**
 * Feedback sentiment: each ticket's text scored -1..1 (a naive Bayes model when the tenant has enough
 * labelled feedback, the lexicon otherwise), then rolled up per contact with recency weighting.
 * The roll-up weighs tickets relative to the contact's newest ticket, not to the clock, so a contact's
 * value changes only when its tickets do (no re-write every cycle as time passes).
 */
import type { CanonicalRecord } from '../../domain/records.ts';
import { fitSentiment, lexiconModel, predictSentiment, rollUp, sentimentFromJSON, sentimentToJSON } from '../../models/sentiment/index.ts';
import { sentimentAccuracy } from '../../models/sentiment/accuracy.ts';
import { defaultMapping, sentimentSpecHash, type SentimentMapping } from '../../mapping/index.ts';
import type { SignalRow } from '../../store/types.ts';
import type { PipelineContext } from '../context.ts';
import { ensureModel, type ModelOutcome } from './lifecycle.ts';
import { spreadSample } from '../spreadSample.ts';
import { due, hashOf, saveDueSignals, type SignalStage, type StageReport } from './stage.ts';

export const TICKET_SENTIMENT = 'ticketSentiment';
export const FEEDBACK_SENTIMENT = 'feedbackSentiment';
export const SENTIMENT_MODEL = 'sentiment';
/** Labelled tickets of each class needed before a trained model replaces the lexicon. */
const MIN_LABELS_PER_CLASS = 25;
const HALF_LIFE_DAYS = 30;

export interface SentimentValue {
  score: number;
  label: 'positive' | 'neutral' | 'negative';
  /** Tickets behind a contact's roll-up; 1 for a ticket. */
  count: number;
}

function textOf(ticket: CanonicalRecord, m: SentimentMapping): string {
  for (const field of m.text) {
    const value = ticket.properties[field];
    if (value && value.trim()) return value;
  }
  return '';
}

function labelOf(ticket: CanonicalRecord, m: SentimentMapping): 0 | 1 | null {
  const value = m.label ? ticket.properties[m.label.field] : null;
  if (!value || !m.label) return null;
  if (m.label.positive.includes(value)) return 1;
  if (m.label.negative.includes(value)) return 0;
  return null;
}

/** Two decimals: finer changes are noise and would only cause writes. */
const round = (x: number) => Math.round(x * 100) / 100;

/**
 * Most labelled tickets the classifier is trained on: every k-th of them beyond this, spread over the whole
 * portal. Word counts settle long before 50,000 texts, and the texts are what a training pass holds in memory.
 */
export const SENTIMENT_TRAINING_ROWS = 50_000;

interface TicketCounts {
  withText: number;
  labelled: number;
  positives: number;
}

/** One pass over the tickets counting what the model choice needs; no ticket is kept. */
async function countTickets(ctx: PipelineContext): Promise<TicketCounts> {
  const counts: TicketCounts = { withText: 0, labelled: 0, positives: 0 };
  for await (const page of ctx.store.recordPages(ctx.tenant.id, 'ticket')) {
    for (const t of page) {
      if (!textOf(t, ctx.mapping.sentiment)) continue;
      counts.withText++;
      const label = labelOf(t, ctx.mapping.sentiment);
      if (label === null) continue;
      counts.labelled++;
      counts.positives += label;
    }
  }
  return counts;
}

/** The labelled texts, every k-th beyond SENTIMENT_TRAINING_ROWS (the same ones on every run). */
async function labelledSample(ctx: PipelineContext, labelled: number): Promise<Array<{ text: string; label: 0 | 1 }>> {
  return spreadSample(ctx.store, ctx.tenant.id, 'ticket', labelled, SENTIMENT_TRAINING_ROWS, (t) => {
    const text = textOf(t, ctx.mapping.sentiment);
    const label = text ? labelOf(t, ctx.mapping.sentiment) : null;
    return label === null ? null : { text, label };
  });
}

async function activeModel(ctx: PipelineContext, counts: TicketCounts, force: boolean): Promise<ModelOutcome> {
  const { mapping } = ctx;
  const { labelled, positives } = counts;
  const enoughLabels = positives >= MIN_LABELS_PER_CLASS && labelled - positives >= MIN_LABELS_PER_CLASS;
  const wantKind = enoughLabels ? 'naive-bayes' : 'lexicon';
  return ensureModel(ctx, {
    kind: SENTIMENT_MODEL,
    label: 'sentiment',
    specHash: sentimentSpecHash(mapping),
    legacySpecHash: sentimentSpecHash(defaultMapping(mapping.crm)),
    rows: labelled,
    force,
    cannotFit: counts.withText > 0 || force ? null : 'no tickets with text',
    unusable: (model) => (model.metrics.type !== wantKind ? `switching to the ${wantKind} model` : null),
    describe: (m) => `${m.type}, ${m.labelled} labelled tickets`,
    fit: async () => {
      const sample = await labelledSample(ctx, labelled);
      const trainedOn = sample.length < labelled ? `${sample.length} of ${labelled}` : `${labelled}`;
      ctx.onProgress?.({ stage: 'train', message: `sentiment: ${enoughLabels ? `training on ${trainedOn} labelled tickets` : `lexicon (${labelled} labelled tickets, ${MIN_LABELS_PER_CLASS} per class needed to train)`}` });
      const texts = sample.map((l) => l.text);
      const labels = sample.map((l) => l.label);
      const options = { language: mapping.sentiment.language };
      const lexicon = lexiconModel(mapping.sentiment.language);
      const model = enoughLabels ? fitSentiment(texts, labels, options) : lexicon;
      const accuracy = sentimentAccuracy(texts, labels, lexicon, enoughLabels ? { options, folds: 5, seed: ctx.seed } : null);
      return { model: sentimentToJSON(model), metrics: { type: wantKind, labelled, positives, ...(sample.length < labelled ? { trainedOn: sample.length } : {}), ...(accuracy ? { accuracy } : {}) } };
    },
  });
}

export const sentimentStage: SignalStage = {
  name: SENTIMENT_MODEL,
  // the per-contact roll-up follows the tickets' associations: contact records themselves are not read
  reads: ['ticket'],
  outputs: [
    {
      signal: TICKET_SENTIMENT,
      objectType: 'ticket',
      values: (row: SignalRow) => {
        const v = row.value as SentimentValue;
        return { ticketSentiment: v.score.toFixed(2), ticketSentimentLabel: v.label };
      },
    },
    {
      signal: FEEDBACK_SENTIMENT,
      objectType: 'contact',
      values: (row: SignalRow) => {
        const v = row.value as SentimentValue;
        return { feedbackSentiment: v.score.toFixed(2), feedbackSentimentLabel: v.label };
      },
    },
  ],
  async run(ctx, runId, { retrain }) {
    const { store, tenant, mapping } = ctx;
    const counts = await countTickets(ctx);
    const outcome = await activeModel(ctx, counts, retrain);
    const report: StageReport = { signal: TICKET_SENTIMENT, trained: outcome.trained, reason: outcome.reason, modelVersion: null, metrics: {}, computed: 0, eligible: counts.withText };
    if (!outcome.active) return report;
    const active = { version: outcome.active.version, model: sentimentFromJSON(outcome.active.model) };
    report.modelVersion = active.version;
    report.metrics = outcome.active.metrics;

    // Scored page by page; what the roll-up needs of each ticket (its score, time, id) is all that is kept.
    const textHash = (t: CanonicalRecord) => hashOf(textOf(t, mapping.sentiment));
    const perContact = new Map<string, Array<{ score: number; at: string; id: string }>>();
    for await (const page of store.recordPages(tenant.id, 'ticket')) {
      const tickets = page.filter((t) => textOf(t, mapping.sentiment));
      if (tickets.length === 0) continue;
      const latest = await store.latestSignals(tenant.id, 'ticket', TICKET_SENTIMENT, tickets.map((t) => t.externalId));
      const scores = new Map([...latest].map(([id, row]) => [id, (row.value as SentimentValue).score]));
      const todo = due(tickets, latest, active.version, textHash);
      if (todo.length > 0) {
        const predictions = predictSentiment(active.model, todo.map((t) => textOf(t, mapping.sentiment)));
        const rows = todo.map((t, i): SignalRow => {
          const p = predictions[i]!;
          const value: SentimentValue = { score: round(p.score), label: p.label, count: 1 };
          scores.set(t.externalId, value.score);
          return { objectType: 'ticket', externalId: t.externalId, signal: TICKET_SENTIMENT, modelVersion: active.version, inputHash: textHash(t), value };
        });
        await store.saveSignals(tenant.id, runId, rows);
      }
      report.computed += todo.length;
      for (const t of tickets) {
        const score = scores.get(t.externalId);
        if (score === undefined) continue;
        const at = t.properties[mapping.sentiment.time] ?? t.modifiedAt;
        for (const contact of t.associations.contact ?? []) {
          const items = perContact.get(contact);
          if (items) items.push({ score, at, id: t.externalId });
          else perContact.set(contact, [{ score, at, id: t.externalId }]);
        }
      }
    }

    // Rolled up per contact from every ticket's newest sentiment, compared a chunk of contacts at a time.
    const contacts = [...perContact.keys()].sort().map((externalId) => ({ externalId, items: perContact.get(externalId)!.sort((a, b) => a.id.localeCompare(b.id)) }));
    const rollupHash = (c: { items: unknown[] }) => hashOf(c.items);
    await saveDueSignals(ctx, runId, { objectType: 'contact', signal: FEEDBACK_SENTIMENT, modelVersion: active.version }, contacts, rollupHash, (c): SentimentValue => {
      const newest = c.items.reduce((max, i) => (Date.parse(i.at) > Date.parse(max) ? i.at : max), c.items[0]!.at);
      const r = rollUp(c.items.map((i) => ({ score: i.score, at: i.at })), newest, HALF_LIFE_DAYS);
      return { score: round(r.score), label: r.label, count: r.count };
    });
    return report;
  },
};
