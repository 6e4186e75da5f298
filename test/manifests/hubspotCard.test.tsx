/**
 * The hand-written contact app card: its data module (URL, payload checking, states, display shaping)
 * tested directly, and the component rendered with HubSpot's own test renderer
 * (@hubspot/ui-extensions/testing) against a stand-in for hubspot.fetch.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Button, EmptyState, ErrorState, List, LoadingSpinner, StatisticsItem, StatusTag, Text } from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { describe, expect, it } from 'vitest';
import { ContactSignalsCard } from '../../manifests/hubspot/src/app/cards/ContactSignalsCard.tsx';
import {
  cardStateFromResponse,
  cardView,
  contactCardUrl,
  formatTime,
  NOT_SCORED_MESSAGE,
  parseCardPayload,
  type CardResponse,
} from '../../manifests/hubspot/src/app/cards/contactCard.ts';
import { CONTACT_CARD_URL } from '../../manifests/hubspot/src/app/cards/endpoint.generated.ts';
import type { ContactCardPayload, ContactSignals } from '../../src/domain/card.ts';
import { BACKEND_PATHS, BACKEND_URL_PLACEHOLDER, CARD_PACKAGE_VERSIONS, HUBSPOT_CARD, hubspotProject, isServed } from '../../src/manifests/index.ts';
import { defaultManifestInputs, MANIFESTS_DIR } from '../../src/manifests/write.ts';
import { SERVED_PATHS } from '../../src/server/app.ts';

const ENDPOINT = `${BACKEND_URL_PLACEHOLDER}${BACKEND_PATHS.hubspotContactCard}`;

const SIGNALS: ContactSignals = {
  leadScore: {
    score: 81,
    reasons: [
      { text: 'Previous campaign outcome: success — raises the score by 14 points', label: 'Previous campaign outcome', value: 'success', direction: 'raises', points: 14 },
      { text: 'Contacts during this campaign: between 4 and 6 — lowers the score by 5 points', label: 'Contacts during this campaign', value: 'between 4 and 6', direction: 'lowers', points: 5 },
    ],
    codesVersion: 1,
    modelVersion: 'leadScore v7',
    scoredAt: '2026-11-20T09:30:00.000Z',
  },
  segment: { id: 'seg-2', name: 'Young professionals, cellular' },
  recommendations: [{ item: 'GTX Pro', reason: 'bought by 40 % of contacts that own GTX Lite' }],
  feedbackSentiment: { score: 0.62, label: 'positive', tickets: 3 },
};
const READY: ContactCardPayload = { status: 'ready', signals: SIGNALS };
const NONE: ContactSignals = { leadScore: null, segment: null, recommendations: [], feedbackSentiment: null };

function answer(status: number, body: unknown): CardResponse {
  return { status, ok: status >= 200 && status < 300, json: async () => (body instanceof Error ? Promise.reject(body) : body) };
}

describe('card request', () => {
  it('asks the generated endpoint for the record', () => {
    expect(contactCardUrl(ENDPOINT, 1501)).toBe(`${ENDPOINT}?objectId=1501`);
    expect(contactCardUrl(ENDPOINT, '77')).toBe(`${ENDPOINT}?objectId=77`);
  });

  it('refuses to build a request while the server does not serve the card, and a malformed id', () => {
    expect(() => contactCardUrl(null, 1)).toThrow(/does not serve the contact card yet/);
    expect(() => contactCardUrl(ENDPOINT, '1&portalId=2')).toThrow(/contact id must be a HubSpot object id \(digits\), got "1&portalId=2"/);
  });

  it('has an endpoint exactly when the server serves the card route', () => {
    expect(CONTACT_CARD_URL).toBe(isServed(BACKEND_PATHS.hubspotContactCard, SERVED_PATHS) ? ENDPOINT : null);
    const served = hubspotProject({ webhookInputs: defaultManifestInputs().hubspotWebhookInputs, servedPaths: [BACKEND_PATHS.hubspotContactCard] });
    expect(served[HUBSPOT_CARD.endpointModule]).toContain(`export const CONTACT_CARD_URL: string | null = ${JSON.stringify(ENDPOINT)};`);
    const unserved = hubspotProject({ webhookInputs: defaultManifestInputs().hubspotWebhookInputs, servedPaths: [] });
    expect(unserved[HUBSPOT_CARD.endpointModule]).toContain('export const CONTACT_CARD_URL: string | null = null;');
  });
});

describe('card payload', () => {
  it('accepts the three states of the shared type', () => {
    expect(parseCardPayload(READY)).toEqual(READY);
    expect(parseCardPayload({ status: 'empty', message: 'first sync running' })).toEqual({ status: 'empty', message: 'first sync running' });
    expect(parseCardPayload({ status: 'error', message: 'portal not connected' })).toEqual({ status: 'error', message: 'portal not connected' });
  });

  it('names the field that is wrong', () => {
    expect(() => parseCardPayload({ ...READY, signals: { ...SIGNALS, leadScore: { ...SIGNALS.leadScore, score: '81' } } })).toThrow('signals.leadScore.score must be a number');
    expect(() => parseCardPayload({ ...READY, signals: { ...SIGNALS, recommendations: [{ item: 'x' }] } })).toThrow('signals.recommendations[0].reason must be a string');
    expect(() => parseCardPayload({ ...READY, signals: { ...SIGNALS, feedbackSentiment: { ...SIGNALS.feedbackSentiment, label: 'angry' } } })).toThrow(
      'signals.feedbackSentiment.label must be one of positive, neutral, negative, got "angry"',
    );
    const reason = SIGNALS.leadScore!.reasons[0]!;
    const withReason = (r: unknown) => ({ ...READY, signals: { ...SIGNALS, leadScore: { ...SIGNALS.leadScore, reasons: [r] } } });
    expect(() => parseCardPayload(withReason('Previous campaign outcome: success'))).toThrow('signals.leadScore.reasons[0] must be an object');
    expect(() => parseCardPayload(withReason({ ...reason, direction: 'up' }))).toThrow('signals.leadScore.reasons[0].direction must be one of raises, lowers, got "up"');
    expect(() => parseCardPayload(withReason({ ...reason, points: -3 }))).toThrow('signals.leadScore.reasons[0].points must not be negative');
    expect(() => parseCardPayload(withReason({ ...reason, label: null }))).toThrow('signals.leadScore.reasons[0].label must be a string');
    expect(() => parseCardPayload({ ...READY, signals: { ...SIGNALS, leadScore: { ...SIGNALS.leadScore, codesVersion: '1' } } })).toThrow('signals.leadScore.codesVersion must be a number');
    expect(() => parseCardPayload({ status: 'done' })).toThrow('status must be ready, empty or error, got "done"');
    expect(() => parseCardPayload([])).toThrow('the answer must be an object');
  });
});

describe('card states', () => {
  it('is ready with signals, empty without', async () => {
    expect(await cardStateFromResponse(answer(200, READY))).toEqual(READY);
    expect(await cardStateFromResponse(answer(200, { status: 'ready', signals: NONE }))).toEqual({ status: 'empty', message: NOT_SCORED_MESSAGE });
    expect(await cardStateFromResponse(answer(200, { status: 'empty', message: 'first sync running' }))).toEqual({ status: 'empty', message: 'first sync running' });
  });

  it('turns a missing route, a refusal, a server error and a broken body into errors that say which', async () => {
    expect(await cardStateFromResponse(answer(404, { error: 'not found' }))).toEqual({ status: 'error', message: 'crm-signals does not answer the card request (HTTP 404)' });
    expect(await cardStateFromResponse(answer(403, { status: 'error', message: 'this contact is not in portal 42' }))).toEqual({ status: 'error', message: 'this contact is not in portal 42' });
    expect(await cardStateFromResponse(answer(502, { error: 'bad gateway' }))).toEqual({ status: 'error', message: 'crm-signals answered HTTP 502' });
    expect(await cardStateFromResponse(answer(200, new SyntaxError('Unexpected token <')))).toEqual({ status: 'error', message: 'crm-signals answered HTTP 200 with a body that is not JSON' });
    expect(await cardStateFromResponse(answer(200, { status: 'ready', signals: { ...SIGNALS, segment: 'x' } }))).toEqual({
      status: 'error',
      message: 'crm-signals answered with an unexpected payload: signals.segment must be an object',
    });
  });

  it('shapes signals for display', () => {
    expect(cardView(SIGNALS)).toEqual({
      score: '81',
      sentiment: '0.62',
      reasons: SIGNALS.leadScore!.reasons.map((r) => r.text),
      segment: 'Young professionals, cellular',
      recommendations: ['GTX Pro: bought by 40 % of contacts that own GTX Lite'],
      feedback: { tag: 'success', label: 'positive', summary: 'over 3 tickets' },
      footer: 'Model leadScore v7, scored 2026-11-20 09:30 UTC',
    });
    const partial = cardView({ ...NONE, feedbackSentiment: { score: -0.5, label: 'negative', tickets: 1 } });
    expect(partial).toMatchObject({ score: '-', sentiment: '-0.50', reasons: [], segment: 'Not segmented yet', recommendations: [], footer: null });
    expect(partial.feedback).toEqual({ tag: 'danger', label: 'negative', summary: 'over 1 ticket' });
    expect(formatTime('not a time')).toBe('not a time');
  });
});

describe('card component (ui-extensions test renderer)', () => {
  function renderCard(answers: (CardResponse | Error)[]) {
    const calls: string[] = [];
    const load = async (objectId: string) => {
      calls.push(objectId);
      const next = answers.shift();
      if (!next) throw new Error('no more answers');
      if (next instanceof Error) throw next;
      return next;
    };
    const renderer = createRenderer('crm.record.tab');
    renderer.render(<ContactSignalsCard objectId="1501" load={load} />);
    return { renderer, calls };
  }

  it('shows a spinner, then the score, reasons, segment, recommendations, feedback and model', async () => {
    const { renderer, calls } = renderCard([answer(200, READY)]);
    expect(renderer.maybeFind(LoadingSpinner)).not.toBeNull();
    await renderer.waitFor(() => expect(renderer.maybeFind(LoadingSpinner)).toBeNull());
    expect(calls).toEqual(['1501']);
    expect(renderer.findAll(StatisticsItem).map((s) => [s.props.label, s.props.number])).toEqual([
      ['Lead score', '81'],
      ['Feedback sentiment', '0.62'],
    ]);
    expect(renderer.findByTestId(List, 'reasons').findAll(Text).map((t) => t.text)).toEqual([
      'Previous campaign outcome: success — raises the score by 14 points',
      'Contacts during this campaign: between 4 and 6 — lowers the score by 5 points',
    ]);
    expect(renderer.findByTestId(Text, 'segment').text).toBe('Young professionals, cellular');
    expect(renderer.findByTestId(List, 'recommendations').findAll(Text).map((t) => t.text)).toEqual(['GTX Pro: bought by 40 % of contacts that own GTX Lite']);
    expect(renderer.find(StatusTag).props.variant).toBe('success');
    expect(renderer.findByTestId(Text, 'feedback').text).toContain('over 3 tickets');
    expect(renderer.findByTestId(Text, 'footer').text).toBe('Model leadScore v7, scored 2026-11-20 09:30 UTC');
  });

  it('shows the empty state when nothing is computed yet', async () => {
    const { renderer } = renderCard([answer(200, { status: 'ready', signals: NONE })]);
    await renderer.waitFor(() => expect(renderer.maybeFind(EmptyState)).not.toBeNull());
    expect(renderer.find(EmptyState).find(Text).text).toBe(NOT_SCORED_MESSAGE);
    expect(renderer.maybeFind(StatisticsItem)).toBeNull();
  });

  it('shows the error with its message, and tries again on the button', async () => {
    const { renderer, calls } = renderCard([new Error('request timed out'), answer(200, READY)]);
    await renderer.waitFor(() => expect(renderer.maybeFind(ErrorState)).not.toBeNull());
    expect(renderer.find(ErrorState).find(Text).text).toBe('request timed out');
    renderer.find(Button).trigger('onClick');
    await renderer.waitFor(() => expect(renderer.maybeFind(StatisticsItem)).not.toBeNull());
    expect(calls).toEqual(['1501', '1501']);
    expect(renderer.maybeFind(ErrorState)).toBeNull();
  });
});

describe('card package', () => {
  const cards = join(MANIFESTS_DIR, 'hubspot', HUBSPOT_CARD.folder);
  const rootPackage = JSON.parse(readFileSync(join(MANIFESTS_DIR, '..', 'package.json'), 'utf8'));

  it('pins the versions this repository type-checks and tests it with', () => {
    const pkg = JSON.parse(readFileSync(join(cards, 'package.json'), 'utf8'));
    expect(pkg.dependencies).toEqual(CARD_PACKAGE_VERSIONS);
    for (const [name, version] of Object.entries(CARD_PACKAGE_VERSIONS)) expect(rootPackage.devDependencies[name], name).toBe(version);
    expect(pkg.devDependencies['@types/react']).toBe(rootPackage.devDependencies['@types/react']);
    expect(pkg.devDependencies.typescript).toBe(rootPackage.devDependencies.typescript);
  });

  it('is type-checked by npm test with its own tsconfig', () => {
    expect(rootPackage.scripts['typecheck:manifests']).toBe(`tsc -p manifests/hubspot/${HUBSPOT_CARD.folder}/tsconfig.json`);
    expect(rootPackage.scripts.test).toContain('npm run typecheck:manifests');
    const tsconfig = JSON.parse(readFileSync(join(cards, 'tsconfig.json'), 'utf8'));
    expect(tsconfig.compilerOptions).toMatchObject({ jsx: 'react-jsx', strict: true, noEmit: true });
  });

  it('imports nothing from outside the HubSpot project but types (erased when HubSpot bundles the card)', () => {
    for (const file of ['LeadSignalsCard.tsx', 'ContactSignalsCard.tsx', 'contactCard.ts']) {
      const source = readFileSync(join(cards, file), 'utf8');
      for (const [, statement, from] of source.matchAll(/^(import\s[^;]*?)\sfrom\s'([^']+)'/gms)) {
        if (from!.startsWith('../')) expect(statement, `${file}: ${from}`).toMatch(/^import type /);
      }
    }
  });
});
