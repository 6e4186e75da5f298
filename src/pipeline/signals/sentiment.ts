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
import { byId, due, hashOf, type SignalStage, type StageReport } from './stage.ts';

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

async function activeModel(ctx: PipelineContext, tickets: CanonicalRecord[], force: boolean): Promise<ModelOutcome> {
  const { mapping } = ctx;
  const labelled = tickets.flatMap((t) => {
    const label = labelOf(t, mapping.sentiment);
    const text = textOf(t, mapping.sentiment);
    return label === null || !text ? [] : [{ text, label }];
  });
  const positives = labelled.filter((l) => l.label === 1).length;
  const enoughLabels = positives >= MIN_LABELS_PER_CLASS && labelled.length - positives >= MIN_LABELS_PER_CLASS;
  const wantKind = enoughLabels ? 'naive-bayes' : 'lexicon';
  return ensureModel(ctx, {
    kind: SENTIMENT_MODEL,
    label: 'sentiment',
    specHash: sentimentSpecHash(mapping),
    legacySpecHash: sentimentSpecHash(defaultMapping(mapping.crm)),
    rows: labelled.length,
    force,
    cannotFit: tickets.length > 0 || force ? null : 'no tickets with text',
    unusable: (model) => (model.metrics.type !== wantKind ? `switching to the ${wantKind} model` : null),
    describe: (m) => `${m.type}, ${m.labelled} labelled tickets`,
    fit: async () => {
      ctx.onProgress?.({ stage: 'train', message: `sentiment: ${enoughLabels ? `training on ${labelled.length} labelled tickets` : `lexicon (${labelled.length} labelled tickets, ${MIN_LABELS_PER_CLASS} per class needed to train)`}` });
      const texts = labelled.map((l) => l.text);
      const labels = labelled.map((l) => l.label);
      const options = { language: mapping.sentiment.language };
      const lexicon = lexiconModel(mapping.sentiment.language);
      const model = enoughLabels ? fitSentiment(texts, labels, options) : lexicon;
      const accuracy = sentimentAccuracy(texts, labels, lexicon, enoughLabels ? { options, folds: 5, seed: ctx.seed } : null);
      return { model: sentimentToJSON(model), metrics: { type: wantKind, labelled: labelled.length, positives, ...(accuracy ? { accuracy } : {}) } };
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
    const tickets = byId(await store.getRecords(tenant.id, 'ticket')).filter((t) => textOf(t, mapping.sentiment));
    const outcome = await activeModel(ctx, tickets, retrain);
    const report: StageReport = { signal: TICKET_SENTIMENT, trained: outcome.trained, reason: outcome.reason, modelVersion: null, metrics: {}, computed: 0, eligible: tickets.length };
    if (!outcome.active) return report;
    const active = { version: outcome.active.version, model: sentimentFromJSON(outcome.active.model) };
    report.modelVersion = active.version;
    report.metrics = outcome.active.metrics;

    const textHash = (t: CanonicalRecord) => hashOf(textOf(t, mapping.sentiment));
    const todo = due(tickets, await store.latestSignals(tenant.id, 'ticket', TICKET_SENTIMENT), active.version, textHash);
    if (todo.length > 0) {
      const predictions = predictSentiment(active.model, todo.map((t) => textOf(t, mapping.sentiment)));
      await store.saveSignals(
        tenant.id,
        runId,
        todo.map((t, i) => {
          const p = predictions[i]!;
          const value: SentimentValue = { score: round(p.score), label: p.label, count: 1 };
          return { objectType: 'ticket', externalId: t.externalId, signal: TICKET_SENTIMENT, modelVersion: active.version, inputHash: textHash(t), value };
        }),
      );
    }
    report.computed = todo.length;

    // Roll up per contact from every ticket's newest sentiment.
    const ticketSignals = await store.latestSignals(tenant.id, 'ticket', TICKET_SENTIMENT);
    const perContact = new Map<string, Array<{ score: number; at: string; id: string }>>();
    for (const t of tickets) {
      const signal = ticketSignals.get(t.externalId);
      if (!signal) continue;
      const at = t.properties[mapping.sentiment.time] ?? t.modifiedAt;
      for (const contact of t.associations.contact ?? []) {
        perContact.set(contact, [...(perContact.get(contact) ?? []), { score: (signal.value as SentimentValue).score, at, id: t.externalId }]);
      }
    }
    const contacts = [...perContact.keys()].sort().map((externalId) => ({ externalId, items: perContact.get(externalId)!.sort((a, b) => a.id.localeCompare(b.id)) }));
    const rollupHash = (c: { items: unknown[] }) => hashOf(c.items);
    const stale = due(contacts, await store.latestSignals(tenant.id, 'contact', FEEDBACK_SENTIMENT), active.version, rollupHash);
    await store.saveSignals(
      tenant.id,
      runId,
      stale.map((c) => {
        const newest = c.items.reduce((max, i) => (Date.parse(i.at) > Date.parse(max) ? i.at : max), c.items[0]!.at);
        const r = rollUp(c.items.map((i) => ({ score: i.score, at: i.at })), newest, HALF_LIFE_DAYS);
        const value: SentimentValue = { score: round(r.score), label: r.label, count: r.count };
        return { objectType: 'contact', externalId: c.externalId, signal: FEEDBACK_SENTIMENT, modelVersion: active.version, inputHash: rollupHash(c), value };
      }),
    );
    return report;
  },
};
