/** The object types the emulator serves, with the aliases HubSpot accepts in paths. */
export const OBJECT_TYPES = ['contacts', 'companies', 'deals', 'tickets', 'line_items', 'products'] as const;
export type ObjectType = (typeof OBJECT_TYPES)[number];

const ALIASES: Record<string, ObjectType> = {
  contacts: 'contacts', contact: 'contacts', '0-1': 'contacts',
  companies: 'companies', company: 'companies', '0-2': 'companies',
  deals: 'deals', deal: 'deals', '0-3': 'deals',
  tickets: 'tickets', ticket: 'tickets', '0-5': 'tickets',
  line_items: 'line_items', line_item: 'line_items', '0-8': 'line_items',
  products: 'products', product: 'products', '0-7': 'products',
};

/** HubSpot accepts plural names, singular names and type ids ("0-1"), case-insensitively. */
export function resolveObjectType(raw: string): ObjectType | undefined {
  return ALIASES[raw.toLowerCase()];
}

export const SINGULAR: Record<ObjectType, string> = {
  contacts: 'contact', companies: 'company', deals: 'deal', tickets: 'ticket', line_items: 'line_item', products: 'product',
};

/** Default HUBSPOT_DEFINED association type ids (SDK AssociationTypes.ts / reference section 4). */
const TYPE_IDS: Record<string, number> = {
  'contacts->deals': 4, 'deals->contacts': 3,
  'contacts->tickets': 15, 'tickets->contacts': 16,
  'deals->line_items': 19, 'line_items->deals': 20,
  'deals->tickets': 27, 'tickets->deals': 28,
  'contacts->companies': 279, 'companies->contacts': 280,
  'deals->companies': 341, 'companies->deals': 342,
  'tickets->companies': 339, 'companies->tickets': 340,
};

export function associationTypeId(from: ObjectType, to: ObjectType): number | undefined {
  return TYPE_IDS[`${from}->${to}`];
}

/** The v3 "associations" block names the pair, e.g. contact_to_deal. */
export function associationTypeName(from: ObjectType, to: ObjectType): string {
  return `${SINGULAR[from]}_to_${SINGULAR[to]}`;
}
