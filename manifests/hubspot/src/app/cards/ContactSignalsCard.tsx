/**
 * crm-signals on the contact record: the lead score with its reasons, the segment, the recommended
 * products and the feedback sentiment, with loading, empty and error states. `load` is the request
 * (hubspot.fetch in the card, a stand-in in the tests), so the component renders the same either way.
 */
import { useCallback, useEffect, useState } from 'react';
import { Button, Divider, EmptyState, ErrorState, Flex, Heading, List, LoadingSpinner, Statistics, StatisticsItem, StatusTag, Text } from '@hubspot/ui-extensions';
import type { ContactSignals } from '../../../../../src/domain/card.ts';
import { cardStateFromResponse, cardView, type CardResponse, type CardState } from './contactCard.ts';

export interface ContactSignalsCardProps {
  objectId: string;
  load: (objectId: string) => Promise<CardResponse>;
}

export function ContactSignalsCard({ objectId, load }: ContactSignalsCardProps) {
  const [state, setState] = useState<CardState>({ status: 'loading' });

  const refresh = useCallback(async () => {
    setState({ status: 'loading' });
    try {
      setState(await cardStateFromResponse(await load(objectId)));
    } catch (error) {
      setState({ status: 'error', message: error instanceof Error ? error.message : String(error) });
    }
  }, [objectId, load]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  if (state.status === 'loading') return <LoadingSpinner label="Loading crm-signals" layout="centered" />;
  if (state.status === 'error') {
    return (
      <ErrorState title="crm-signals could not load this contact's signals.">
        <Text>{state.message}</Text>
        <Button onClick={() => void refresh()}>Try again</Button>
      </ErrorState>
    );
  }
  if (state.status === 'empty') {
    return (
      <EmptyState title="No signals yet" layout="vertical">
        <Text>{state.message}</Text>
      </EmptyState>
    );
  }
  return <Signals signals={state.signals} />;
}

function Signals({ signals }: { signals: ContactSignals }) {
  const view = cardView(signals);
  return (
    <Flex direction="column" gap="sm">
      <Statistics>
        <StatisticsItem label="Lead score" number={view.score} />
        <StatisticsItem label="Feedback sentiment" number={view.sentiment} />
      </Statistics>
      {view.reasons.length > 0 && (
        <>
          <Heading>Why this score</Heading>
          <List variant="unordered-styled" testId="reasons">
            {view.reasons.map((reason) => (
              <Text key={reason}>{reason}</Text>
            ))}
          </List>
        </>
      )}
      <Divider />
      <Text format={{ fontWeight: 'bold' }}>Segment</Text>
      <Text testId="segment">{view.segment}</Text>
      <Text format={{ fontWeight: 'bold' }}>Recommended products</Text>
      {view.recommendations.length > 0 ? (
        <List variant="ordered-styled" testId="recommendations">
          {view.recommendations.map((line) => (
            <Text key={line}>{line}</Text>
          ))}
        </List>
      ) : (
        <Text testId="recommendations">No recommendation yet.</Text>
      )}
      <Text format={{ fontWeight: 'bold' }}>Feedback</Text>
      {view.feedback ? (
        <Text testId="feedback">
          <StatusTag variant={view.feedback.tag}>{view.feedback.label}</StatusTag> {view.feedback.summary}
        </Text>
      ) : (
        <Text testId="feedback">No tickets yet.</Text>
      )}
      {view.footer && (
        <Text variant="microcopy" testId="footer">
          {view.footer}
        </Text>
      )}
    </Flex>
  );
}
