/**
 * A test double of the `lwc` module, enough to run a component's logic under vitest: LightningElement,
 * the @api and @wire decorators (compiled as legacy decorators by lwcTestPlugin.ts), and `mount`, which
 * creates a component, sets its public properties and connects its wires the way the LWC engine does
 * (`'$name'` config values read from the component, a first call with no data and no error).
 */

export class LightningElement {}

export interface Wiring {
  method: string;
  adapter: WireAdapterDouble;
  config: Record<string, unknown>;
}

const wirings = new WeakMap<object, Wiring[]>();
const publicProperties = new WeakMap<object, string[]>();

export function api(target: object, key: string): void {
  publicProperties.set(target, [...(publicProperties.get(target) ?? []), key]);
}

export function wire(adapter: WireAdapterDouble, config: Record<string, unknown> = {}) {
  return (target: object, key: string): void => {
    wirings.set(target, [...(wirings.get(target) ?? []), { method: key, adapter, config }]);
  };
}

export interface WireResult {
  data: unknown;
  error: unknown;
}

/** A wire adapter double: `emit` and `error` deliver to every component wired to it, as sfdx-lwc-jest's test adapters do. */
export interface WireAdapterDouble {
  readonly adapterName: string;
  connect(component: object, method: string, config: Record<string, unknown>): void;
  emit(data: unknown): void;
  error(body?: unknown, status?: number): void;
  /** The resolved config of the last component connected. */
  lastConfig(): Record<string, unknown> | undefined;
  reset(): void;
}

export function wireAdapterDouble(adapterName: string): WireAdapterDouble {
  let connected: { component: object; method: string; config: Record<string, unknown> }[] = [];
  const deliver = (result: WireResult) => {
    for (const { component, method } of connected) (component as Record<string, (r: WireResult) => void>)[method]!(result);
  };
  return {
    adapterName,
    connect(component, method, config) {
      connected.push({ component, method, config });
      (component as Record<string, (r: WireResult) => void>)[method]!({ data: undefined, error: undefined });
    },
    emit: (data) => deliver({ data, error: undefined }),
    error: (body = { message: 'An internal server error has occurred' }, status = 400) =>
      deliver({ data: undefined, error: { body, ok: false, status, statusText: status === 400 ? 'Bad Request' : 'Error' } }),
    lastConfig: () => connected.at(-1)?.config,
    reset: () => {
      connected = [];
    },
  };
}

function chain(prototype: object | null): object[] {
  const out: object[] = [];
  for (let p = prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) out.push(p);
  return out;
}

/** The @api properties a component class declares. */
export function publicPropertiesOf(component: abstract new () => unknown): string[] {
  return chain(component.prototype).flatMap((p) => publicProperties.get(p) ?? []);
}

/** Creates the component, sets its @api properties, then connects each @wire with its reactive config resolved. */
export function mount<T extends object>(component: new () => T, props: Record<string, unknown>): T {
  const declared = publicPropertiesOf(component);
  for (const key of Object.keys(props)) if (!declared.includes(key)) throw new Error(`${component.name} has no @api property ${key}`);
  const element = new component();
  Object.assign(element, props);
  for (const p of chain(component.prototype)) {
    for (const { method, adapter, config } of wirings.get(p) ?? []) {
      const resolved = Object.fromEntries(
        Object.entries(config).map(([key, value]) => [key, typeof value === 'string' && value.startsWith('$') ? (element as Record<string, unknown>)[value.slice(1)] : value]),
      );
      adapter.connect(element, method, resolved);
    }
  }
  return element;
}
