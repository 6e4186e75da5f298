/** Validation of written property values, shared by batch/update and the single-record PATCH. */
import { validateValue, type ValueProblem } from '../catalog.ts';
import type { ObjectType } from '../objectTypes.ts';
import type { EmulatorState } from '../state.ts';
import { isRecord } from '../errors.ts';

/**
 * Coerces a JSON property map to strings as HubSpot does (numbers and booleans are accepted, null
 * clears). Objects and arrays cannot be stored and are reported as problems.
 */
export function coerceProperties(raw: Record<string, unknown>): { values: Record<string, string>; problems: ValueProblem[] } {
  const values: Record<string, string> = {};
  const problems: ValueProblem[] = [];
  for (const [name, v] of Object.entries(raw)) {
    if (typeof v === 'string') values[name] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') values[name] = String(v);
    else if (v === null) values[name] = '';
    else {
      const message = `The value for ${name} must be a string, number or boolean.`;
      problems.push({ isValid: false, message, error: 'INVALID_VALUE_TYPE', name, localizedErrorMessage: message });
    }
  }
  return { values, problems };
}

export function checkProperties(state: EmulatorState, type: ObjectType, raw: unknown): { values: Record<string, string>; problems: ValueProblem[] } {
  if (!isRecord(raw)) {
    const message = 'properties must be an object of property name to value';
    return { values: {}, problems: [{ isValid: false, message, error: 'INVALID_PROPERTIES', name: 'properties', localizedErrorMessage: message }] };
  }
  const { values, problems } = coerceProperties(raw);
  const catalogue = state.catalogue(type).properties;
  for (const [name, value] of Object.entries(values)) {
    const p = validateValue(catalogue, name, value);
    if (p) problems.push(p);
  }
  return { values, problems };
}

/** HubSpot's wording: the JSON list of problems is embedded in the message. */
export function problemsMessage(problems: ValueProblem[]): string {
  return `Property values were not valid: ${JSON.stringify(problems)}`;
}

export function problemDetails(problems: ValueProblem[]): { message: string; code: string; context: Record<string, string[]> }[] {
  return problems.map((p) => ({ message: p.message, code: p.error, context: { propertyName: [p.name] } }));
}
