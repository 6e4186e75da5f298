/**
 * Record cards asked at the same moment are read together: every card request of one event-loop turn
 * waits for one batch per tenant (contactCardPayloads: one query for their signals, one more only for
 * contacts without any). Under load (200 reps opening records at once) the database then answers a few
 * queries per turn instead of one per card, and a quiet service pays one turn's wait (setImmediate).
 */
import type { ContactCardPayload } from '../../domain/card.ts';
import { contactCardPayloads } from '../../pipeline/cardPayload.ts';
import type { Store } from '../../store/types.ts';

/** Most contacts in one query; a bigger turn is split. */
export const CARD_BATCH_MAX = 500;

export type CardLoader = (tenantId: string, contactId: string) => Promise<ContactCardPayload>;

interface Waiter {
  resolve: (payload: ContactCardPayload) => void;
  reject: (error: unknown) => void;
}

export function createCardLoader(store: Pick<Store, 'signalsOfRecords' | 'getRecords'>, options: { maxBatch?: number } = {}): CardLoader {
  const maxBatch = options.maxBatch ?? CARD_BATCH_MAX;
  let pending = new Map<string, Map<string, Waiter[]>>();
  let scheduled = false;

  const loadBatch = async (tenantId: string, batch: Array<[string, Waiter[]]>): Promise<void> => {
    try {
      const payloads = await contactCardPayloads(store, tenantId, batch.map(([id]) => id));
      for (const [id, waiters] of batch) for (const w of waiters) w.resolve(payloads.get(id) as ContactCardPayload);
    } catch (error) {
      for (const [, waiters] of batch) for (const w of waiters) w.reject(error);
    }
  };

  const flush = (): void => {
    scheduled = false;
    const turn = pending;
    pending = new Map();
    for (const [tenantId, contacts] of turn) {
      const all = [...contacts.entries()];
      for (let from = 0; from < all.length; from += maxBatch) void loadBatch(tenantId, all.slice(from, from + maxBatch));
    }
  };

  return (tenantId, contactId) =>
    new Promise<ContactCardPayload>((resolve, reject) => {
      let contacts = pending.get(tenantId);
      if (contacts === undefined) pending.set(tenantId, (contacts = new Map()));
      const waiters = contacts.get(contactId);
      if (waiters === undefined) contacts.set(contactId, [{ resolve, reject }]);
      else waiters.push({ resolve, reject });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
}
