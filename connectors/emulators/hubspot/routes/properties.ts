/**
 * /crm/v3/properties: the connector's install step provisions its output fields here, so creation
 * is validated like HubSpot's PropertyCreate and duplicates answer 409.
 */
import type { Context, Hono } from 'hono';
import {
  COMPATIBLE_FIELD_TYPES, FIELD_TYPES, PROPERTY_TYPES, toApiGroup, toApiProperty,
  type FieldType, type GroupDef, type OptionDef, type PropertyDef, type PropertyType,
} from '../catalog.ts';
import type { EmulatorContext } from '../context.ts';
import { hubspotError, isRecord, notFound, readJson, standardError, unknownObjectType, validationError } from '../errors.ts';
import { resolveObjectType, type ObjectType } from '../objectTypes.ts';
import type { EmulatorState } from '../state.ts';

const NAME_RE = /^[a-z][a-z0-9_]*$/;
/** The enum of BatchReadInputPropertyName.dataSensitivity (v3/properties.json). */
const DATA_SENSITIVITIES = ['non_sensitive', 'sensitive', 'highly_sensitive'] as const;

type Built<T> = { ok: true; value: T } | { ok: false; message: string; status: 400 | 409; subCategory?: string };

function parseOptions(raw: unknown): OptionDef[] | string {
  if (!Array.isArray(raw)) return 'options must be an array';
  const out: OptionDef[] = [];
  const values = new Set<string>();
  for (const [i, o] of raw.entries()) {
    if (!isRecord(o) || typeof o['label'] !== 'string' || typeof o['value'] !== 'string') return 'Each option needs a string label and value';
    if (values.has(o['value'])) return `Duplicate option value: ${o['value']}`;
    values.add(o['value']);
    out.push({
      label: o['label'],
      value: o['value'],
      displayOrder: typeof o['displayOrder'] === 'number' ? o['displayOrder'] : i,
      hidden: o['hidden'] === true,
      ...(typeof o['description'] === 'string' ? { description: o['description'] } : {}),
    });
  }
  return out;
}

/** Validates a PropertyCreate body the way HubSpot does (required fields, enums, options). */
function buildProperty(state: EmulatorState, type: ObjectType, raw: unknown): Built<PropertyDef> {
  const bad = (message: string): Built<PropertyDef> => ({ ok: false, message, status: 400 });
  if (!isRecord(raw)) return bad('Invalid input JSON: expected a property definition');
  const missing = ['name', 'label', 'type', 'fieldType', 'groupName'].filter((k) => typeof raw[k] !== 'string' || raw[k] === '');
  if (missing.length > 0) return bad(`Missing required fields: ${missing.join(', ')}`);
  const name = raw['name'] as string;
  const propType = raw['type'] as string;
  const fieldType = raw['fieldType'] as string;
  const groupName = raw['groupName'] as string;
  if (!NAME_RE.test(name)) return bad(`Property name "${name}" must start with a lowercase letter and contain only lowercase letters, digits and underscores`);
  if (!(PROPERTY_TYPES as readonly string[]).includes(propType)) return bad(`Invalid type "${propType}"; expected one of ${PROPERTY_TYPES.join(', ')}`);
  if (!(FIELD_TYPES as readonly string[]).includes(fieldType)) return bad(`Invalid fieldType "${fieldType}"; expected one of ${FIELD_TYPES.join(', ')}`);
  if (!COMPATIBLE_FIELD_TYPES[propType as PropertyType].includes(fieldType as FieldType)) {
    return bad(`fieldType "${fieldType}" is not valid for a property of type "${propType}"`);
  }
  if (state.property(type, name)) {
    return { ok: false, status: 409, message: `A property named '${name}' already exists.`, subCategory: 'Properties.PROPERTY_WITH_NAME_EXISTS' };
  }
  if (!state.catalogue(type).groups.has(groupName)) return bad(`Property group "${groupName}" does not exist`);
  let options: OptionDef[] = [];
  if (propType === 'enumeration') {
    if (raw['options'] === undefined) return bad('Enumeration properties need options');
    const parsed = parseOptions(raw['options']);
    if (typeof parsed === 'string') return bad(parsed);
    if (parsed.length === 0) return bad('Enumeration properties need at least one option');
    options = parsed;
  } else if (propType === 'bool') {
    options = [
      { label: 'Yes', value: 'true', displayOrder: 0, hidden: false },
      { label: 'No', value: 'false', displayOrder: 1, hidden: false },
    ];
  }
  const now = new Date(state.now()).toISOString();
  return {
    ok: true,
    value: {
      name,
      label: raw['label'] as string,
      type: propType as PropertyType,
      fieldType: fieldType as FieldType,
      groupName,
      description: typeof raw['description'] === 'string' ? raw['description'] : '',
      options,
      displayOrder: typeof raw['displayOrder'] === 'number' ? raw['displayOrder'] : -1,
      hidden: raw['hidden'] === true,
      formField: raw['formField'] === true,
      hasUniqueValue: raw['hasUniqueValue'] === true,
      hubspotDefined: false,
      readOnlyValue: false,
      calculated: false,
      createdAt: now,
      updatedAt: now,
      ...(typeof raw['numberDisplayHint'] === 'string' ? { numberDisplayHint: raw['numberDisplayHint'] } : {}),
    },
  };
}

function buildGroup(state: EmulatorState, type: ObjectType, raw: unknown): Built<GroupDef> {
  if (!isRecord(raw) || typeof raw['name'] !== 'string' || typeof raw['label'] !== 'string' || raw['name'] === '') {
    return { ok: false, status: 400, message: 'Missing required fields: name, label' };
  }
  const name = raw['name'];
  if (!NAME_RE.test(name)) return { ok: false, status: 400, message: `Group name "${name}" must be lowercase letters, digits and underscores` };
  if (state.catalogue(type).groups.has(name)) {
    return { ok: false, status: 409, message: `A property group named '${name}' already exists.`, subCategory: 'PropertyGroupError.GROUP_WITH_NAME_EXISTS' };
  }
  return { ok: true, value: { name, label: raw['label'], displayOrder: typeof raw['displayOrder'] === 'number' ? raw['displayOrder'] : -1, archived: false } };
}

function refuse(c: Context, r: Extract<Built<unknown>, { ok: false }>): Response {
  if (r.status === 409) return hubspotError(c, 409, { message: r.message, category: 'OBJECT_ALREADY_EXISTS', ...(r.subCategory ? { subCategory: r.subCategory } : {}) });
  return validationError(c, r.message);
}

export function mountProperties(app: Hono, ctx: EmulatorContext): void {
  const { state } = ctx;
  const guard = ctx.guard('ten-secondly');
  const typeOf = (c: Context): ObjectType | undefined => resolveObjectType(c.req.param('objectType') ?? '');

  // Groups first: otherwise "/groups" would be taken for a property name.
  app.get('/crm/v3/properties/:objectType/groups', guard, (c) => {
    const type = typeOf(c);
    if (!type) return unknownObjectType(c, c.req.param('objectType') ?? '');
    return c.json({ results: [...state.catalogue(type).groups.values()].map(toApiGroup) });
  });

  app.post('/crm/v3/properties/:objectType/groups', guard, async (c) => {
    const type = typeOf(c);
    if (!type) return unknownObjectType(c, c.req.param('objectType') ?? '');
    const built = buildGroup(state, type, await readJson(c));
    if (!built.ok) return refuse(c, built);
    state.catalogue(type).groups.set(built.value.name, built.value);
    return c.json(toApiGroup(built.value), 201);
  });

  app.get('/crm/v3/properties/:objectType/groups/:groupName', guard, (c) => {
    const type = typeOf(c);
    if (!type) return unknownObjectType(c, c.req.param('objectType') ?? '');
    const group = state.catalogue(type).groups.get(c.req.param('groupName'));
    if (!group) return notFound(c, `Unable to find property group ${c.req.param('groupName')}`);
    return c.json(toApiGroup(group));
  });

  app.post('/crm/v3/properties/:objectType/batch/create', guard, async (c) => {
    const startedAt = new Date().toISOString();
    const type = typeOf(c);
    if (!type) return unknownObjectType(c, c.req.param('objectType') ?? '');
    const body = await readJson(c);
    const inputs = isRecord(body) ? body['inputs'] : undefined;
    if (!Array.isArray(inputs)) return validationError(c, 'Invalid input JSON: expected {"inputs": [PropertyCreate...]}');
    if (inputs.length > 100) return validationError(c, `Batch input exceeds the limit of 100 inputs; got ${inputs.length}`);
    const results: unknown[] = [];
    const errors: unknown[] = [];
    for (const input of inputs) {
      const built = buildProperty(state, type, input);
      if (!built.ok) {
        const name = isRecord(input) && typeof input['name'] === 'string' ? input['name'] : '';
        errors.push(standardError({
          category: built.status === 409 ? 'OBJECT_ALREADY_EXISTS' : 'VALIDATION_ERROR',
          message: built.message,
          context: { name: [name] },
          ...(built.subCategory ? { subCategory: built.subCategory } : {}),
        }));
        continue;
      }
      state.catalogue(type).properties.set(built.value.name, built.value);
      results.push(toApiProperty(built.value));
    }
    const base = { status: 'COMPLETE', results, startedAt, completedAt: new Date().toISOString() };
    if (errors.length === 0) return c.json(base, 201);
    return c.json({ ...base, errors, numErrors: errors.length }, 207);
  });

  app.post('/crm/v3/properties/:objectType/batch/read', guard, async (c) => {
    const startedAt = new Date().toISOString();
    const type = typeOf(c);
    if (!type) return unknownObjectType(c, c.req.param('objectType') ?? '');
    const body = await readJson(c);
    const inputs = isRecord(body) ? body['inputs'] : undefined;
    if (!Array.isArray(inputs)) return validationError(c, 'Invalid input JSON: expected {"inputs": [{"name": "..."}]}');
    // BatchReadInputPropertyName lists `archived` and `dataSensitivity` as required, but like the search and
    // object batch-read schemas (reference section 7, quirk 3) it over-requires: @hubspot/api-client 13 has
    // no dataSensitivity field at all (its serializer drops unknown keys, so it can never send one), and
    // HubSpot's 2026-03 reference example sends only archived and inputs. Absent means what the GET
    // endpoints' `dataSensitivity` parameter defaults to, non_sensitive; present, it must be one of the
    // schema's enum. This portal stores no sensitive properties, so the level never changes an answer.
    const sensitivity = isRecord(body) ? body['dataSensitivity'] : undefined;
    if (sensitivity !== undefined && !(DATA_SENSITIVITIES as readonly unknown[]).includes(sensitivity)) {
      return validationError(c, `dataSensitivity must be one of ${DATA_SENSITIVITIES.join(', ')}; got ${JSON.stringify(sensitivity)}`);
    }
    const archived = isRecord(body) ? body['archived'] : undefined;
    if (archived !== undefined && typeof archived !== 'boolean') return validationError(c, `archived must be a boolean; got ${JSON.stringify(archived)}`);
    const results: unknown[] = [];
    const missing: string[] = [];
    for (const input of inputs) {
      const name = isRecord(input) && typeof input['name'] === 'string' ? input['name'] : undefined;
      if (name === undefined) return validationError(c, 'Each input needs a name');
      const def = state.property(type, name);
      if (def) results.push(toApiProperty(def));
      else missing.push(name);
    }
    const base = { status: 'COMPLETE', results, startedAt, completedAt: new Date().toISOString() };
    if (missing.length === 0) return c.json(base);
    const errors = missing.map((name) => standardError({ category: 'OBJECT_NOT_FOUND', message: `Unable to find property ${name}`, context: { name: [name] } }));
    return c.json({ ...base, errors, numErrors: errors.length }, 207);
  });

  app.get('/crm/v3/properties/:objectType', guard, (c) => {
    const type = typeOf(c);
    if (!type) return unknownObjectType(c, c.req.param('objectType') ?? '');
    return c.json({ results: state.properties(type).map(toApiProperty) });
  });

  app.post('/crm/v3/properties/:objectType', guard, async (c) => {
    const type = typeOf(c);
    if (!type) return unknownObjectType(c, c.req.param('objectType') ?? '');
    const built = buildProperty(state, type, await readJson(c));
    if (!built.ok) return refuse(c, built);
    state.catalogue(type).properties.set(built.value.name, built.value);
    return c.json(toApiProperty(built.value), 201);
  });

  app.get('/crm/v3/properties/:objectType/:propertyName', guard, (c) => {
    const type = typeOf(c);
    if (!type) return unknownObjectType(c, c.req.param('objectType') ?? '');
    const def = state.property(type, c.req.param('propertyName'));
    if (!def) return notFound(c, `Unable to find property ${c.req.param('propertyName')}`);
    return c.json(toApiProperty(def));
  });

  /** PATCH exists so an install can repair drift (label, options...) on its own properties. */
  app.patch('/crm/v3/properties/:objectType/:propertyName', guard, async (c) => {
    const type = typeOf(c);
    if (!type) return unknownObjectType(c, c.req.param('objectType') ?? '');
    const def = state.property(type, c.req.param('propertyName'));
    if (!def) return notFound(c, `Unable to find property ${c.req.param('propertyName')}`);
    const body = await readJson(c);
    if (!isRecord(body)) return validationError(c, 'Invalid input JSON: expected a property update');
    if (def.hubspotDefined) return validationError(c, `HubSpot-defined property ${def.name} cannot be modified this way`);
    const next: PropertyDef = { ...def, updatedAt: new Date(state.now()).toISOString() };
    if (typeof body['label'] === 'string') next.label = body['label'];
    if (typeof body['description'] === 'string') next.description = body['description'];
    if (typeof body['hidden'] === 'boolean') next.hidden = body['hidden'];
    if (typeof body['displayOrder'] === 'number') next.displayOrder = body['displayOrder'];
    if (typeof body['formField'] === 'boolean') next.formField = body['formField'];
    if (typeof body['groupName'] === 'string') {
      if (!state.catalogue(type).groups.has(body['groupName'])) return validationError(c, `Property group "${body['groupName']}" does not exist`);
      next.groupName = body['groupName'];
    }
    if (typeof body['type'] === 'string' || typeof body['fieldType'] === 'string') {
      const t = (body['type'] ?? def.type) as string;
      const f = (body['fieldType'] ?? def.fieldType) as string;
      if (!(PROPERTY_TYPES as readonly string[]).includes(t) || !(FIELD_TYPES as readonly string[]).includes(f) || !COMPATIBLE_FIELD_TYPES[t as PropertyType].includes(f as FieldType)) {
        return validationError(c, `Invalid type/fieldType combination: ${t}/${f}`);
      }
      next.type = t as PropertyType;
      next.fieldType = f as FieldType;
    }
    if (body['options'] !== undefined) {
      const parsed = parseOptions(body['options']);
      if (typeof parsed === 'string') return validationError(c, parsed);
      next.options = parsed;
    }
    if (next.type === 'enumeration' && next.options.length === 0) return validationError(c, 'Enumeration properties need at least one option');
    state.catalogue(type).properties.set(def.name, next);
    return c.json(toApiProperty(next));
  });
}
