/**
 * Product recommendations for contacts: item-based collaborative filtering over the contact x product
 * matrix of won deals' line items, blended with popularity (and its fallback for contacts with little
 * history). Products are named by their line item names, so reasons read "bought by 40 % of contacts
 * that own GTX Pro".
 */
import type { CanonicalRecord } from '../../domain/records.ts';
import { fitRecommender, holdoutHitRate, recommend, recommenderFromJSON, recommenderToJSON, type Interaction, type Recommendation } from '../../models/recommend/index.ts';
import type { SignalRow } from '../../store/types.ts';
import { defaultMapping, recommendationsSpecHash, type DealsMapping } from '../../mapping/index.ts';
import { ensureModel } from './lifecycle.ts';
import { byId, hashOf, saveDueSignals, type SignalStage, type StageReport } from './stage.ts';

export const RECOMMENDATIONS = 'recommendations';
const TOP_N = 3;

export interface RecommendationsValue {
  items: Array<{ item: string; reason: string }>;
}

/** Won deals' line items: what each contact owns. */
function ownership(deals: readonly CanonicalRecord[], m: DealsMapping): Interaction[] {
  const won = new Set(m.wonStages);
  const out: Interaction[] = [];
  for (const deal of deals) {
    if (!won.has(deal.properties[m.stageField] ?? '')) continue;
    for (const contact of deal.associations.contact ?? []) {
      for (const line of deal.lineItems ?? []) {
        const item = line.name ?? line.productId;
        if (item) out.push({ user: contact, item, weight: line.quantity ?? 1 });
      }
    }
  }
  return out;
}

export function formatRecommendations(value: RecommendationsValue): string {
  return value.items.map((r, i) => `${i + 1}. ${r.item} (${r.reason})`).join('\n');
}

export const recommendationsStage: SignalStage = {
  name: RECOMMENDATIONS,
  // owners come from the deals' associations: contact records themselves are not read
  reads: ['deal'],
  outputs: [{ signal: RECOMMENDATIONS, objectType: 'contact', values: (row: SignalRow) => ({ recommendations: formatRecommendations(row.value as RecommendationsValue) }) }],
  async run(ctx, runId, { retrain }) {
    const { store, tenant } = ctx;
    // The deals are read page by page and only their purchases kept: the model is fitted on those alone.
    // In deal id order as JavaScript sorts (the database's collation may differ): the fit and its holdout depend on it.
    const withPurchases: Array<{ externalId: string; bought: Interaction[] }> = [];
    for await (const page of store.recordPages(tenant.id, 'deal')) {
      for (const deal of page) {
        const bought = ownership([deal], ctx.mapping.deals);
        if (bought.length > 0) withPurchases.push({ externalId: deal.externalId, bought });
      }
    }
    const interactions = byId(withPurchases).flatMap((d) => d.bought);
    const owned = new Map<string, Set<string>>();
    for (const i of interactions) {
      const items = owned.get(i.user);
      if (items) items.add(i.item);
      else owned.set(i.user, new Set([i.item]));
    }

    const { active, trained, reason } = await ensureModel(ctx, {
      kind: RECOMMENDATIONS,
      label: 'recommendations',
      specHash: recommendationsSpecHash(ctx.mapping),
      legacySpecHash: recommendationsSpecHash(defaultMapping(ctx.mapping.crm)),
      rows: interactions.length,
      force: retrain,
      cannotFit: interactions.length > 0 ? null : 'no won deals with line items',
      fit: async (why) => {
        ctx.onProgress?.({ stage: 'train', message: `recommendations: ${interactions.length} purchases by ${owned.size} contacts (${why})` });
        const options = { userNoun: 'contacts' };
        const model = fitRecommender(interactions, options);
        const holdout = holdoutHitRate(interactions, TOP_N, ctx.seed, options);
        const metrics = { purchases: interactions.length, contacts: owned.size, products: new Set(interactions.map((i) => i.item)).size, ...(holdout ? { holdout } : {}) };
        return { model: recommenderToJSON(model), metrics };
      },
    });
    const report: StageReport = { signal: RECOMMENDATIONS, trained, reason, modelVersion: null, metrics: {}, computed: 0, eligible: owned.size };
    if (!active) return report;
    report.modelVersion = active.version;
    report.metrics = active.metrics;

    // Contacts that own something; a contact with no purchase would only get the same popular products.
    const contacts = [...owned.keys()].sort().map((externalId) => ({ externalId, history: [...owned.get(externalId)!].sort() }));
    const model = recommenderFromJSON(active.model);
    report.computed = await saveDueSignals(ctx, runId, { objectType: 'contact', signal: RECOMMENDATIONS, modelVersion: active.version }, contacts, (c) => hashOf(c.history), (c): RecommendationsValue => {
      const recs: Recommendation[] = recommend(model, c.externalId, { n: TOP_N });
      return { items: recs.map((r) => ({ item: r.item, reason: r.reason })) };
    });
    return report;
  },
};
