import { createElement } from 'lwc';
import SignalHistory from 'c/signalHistory';
import { getRecord } from 'lightning/uiRecordApi';
import { getRelatedListRecords } from 'lightning/uiRelatedListApi';

// Recorded wire data (generated with the component from src/domain/outputFields.ts).
const mockGetRecord = require('./data/getRecord.json');
const mockGetRelatedListRecords = require('./data/getRelatedListRecords.json');

const EXPECTED = {
    "score": "81",
    "reasons": "Raised by: previous_outcome = success (+14), contact_channel = cellular (+6); Lowered by: campaign_contacts 4-6 (-5)",
    "detailLabels": [
        "Lead score model",
        "Segment",
        "Recommended products",
        "Feedback sentiment",
        "Feedback sentiment label"
    ],
    "detailValues": [
        "leadScore v7",
        "Not segmented yet",
        "1. GTX Pro (bought by 40 % of contacts that own GTX Lite)\n2. Service plan (popular)",
        "0.62",
        "Positive"
    ],
    "historyRows": 2,
    "newestSignal": "Lead score",
    "newestChange": "64 → 81"
};

describe('c-signal-history', () => {
    afterEach(() => {
        // The jsdom instance is shared across test cases in a single file so reset the DOM
        while (document.body.firstChild) {
            document.body.removeChild(document.body.firstChild);
        }
        jest.clearAllMocks();
    });

    // Helper function to wait until the microtask queue is empty.
    async function flushPromises() {
        return Promise.resolve();
    }

    function createComponent() {
        const element = createElement('c-signal-history', { is: SignalHistory });
        element.recordId = mockGetRecord.id;
        element.objectApiName = 'Lead';
        document.body.appendChild(element);
        return element;
    }

    it('shows the current score with its reasons', async () => {
        const element = createComponent();
        getRecord.emit(mockGetRecord);
        await flushPromises();

        expect(element.shadowRoot.querySelector('.score').textContent).toBe(EXPECTED.score);
        expect(element.shadowRoot.querySelector('.reasons').textContent).toBe(EXPECTED.reasons);
    });

    it('lists the other crm-signals fields with their labels', async () => {
        const element = createComponent();
        getRecord.emit(mockGetRecord);
        await flushPromises();

        const details = [...element.shadowRoot.querySelectorAll('.detail')];
        expect(details.map((d) => d.querySelector('dt').textContent)).toEqual(EXPECTED.detailLabels);
        expect(details.map((d) => d.querySelector('dd').textContent)).toEqual(EXPECTED.detailValues);
    });

    it('says so when the record has no score yet', async () => {
        const element = createComponent();
        getRecord.emit({ ...mockGetRecord, fields: {} });
        await flushPromises();

        expect(element.shadowRoot.querySelector('.score')).toBeNull();
        expect(element.shadowRoot.querySelector('.no-score')).not.toBeNull();
    });

    it('renders one timeline row per history record, newest first', async () => {
        const element = createComponent();
        getRelatedListRecords.emit(mockGetRelatedListRecords);
        await flushPromises();

        const rows = element.shadowRoot.querySelectorAll('.history-row');
        expect(rows.length).toBe(EXPECTED.historyRows);
        expect(rows[0].querySelector('.signal').textContent).toBe(EXPECTED.newestSignal);
        expect(rows[0].querySelector('.change').textContent).toBe(EXPECTED.newestChange);
    });

    it('says so when nothing has been recorded yet', async () => {
        const element = createComponent();
        getRelatedListRecords.emit({ ...mockGetRelatedListRecords, count: 0, records: [] });
        await flushPromises();

        expect(element.shadowRoot.querySelectorAll('.history-row').length).toBe(0);
        expect(element.shadowRoot.querySelector('.no-history')).not.toBeNull();
    });

    it('shows an error when the history cannot be read', async () => {
        const element = createComponent();
        getRelatedListRecords.error({ message: 'Insufficient access to Signal History' });
        await flushPromises();

        const error = element.shadowRoot.querySelector('.history-error');
        expect(error).not.toBeNull();
        expect(element.shadowRoot.querySelectorAll('.history-row').length).toBe(0);
    });
});
