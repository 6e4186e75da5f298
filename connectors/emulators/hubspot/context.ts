/** What every route module gets: the portal, its auth, the fault switches and the limiters. */
import type { MiddlewareHandler } from 'hono';
import type { AuthStore } from './auth.ts';
import type { Faults } from './faults.ts';
import type { EmulatorState } from './state.ts';

/**
 * Which limit a route counts against: the 10-second rolling limit, search's own per-second limit,
 * or none (v4 association batch endpoints are marked exempt in HubSpot's spec).
 */
export type Policy = 'ten-secondly' | 'search' | 'exempt';

export interface Stats {
  calls: number;
  byRoute: Record<string, number>;
  writeCalls: number;
  throttled: number;
}

export interface EmulatorContext {
  state: EmulatorState;
  auth: AuthStore;
  faults: Faults;
  stats: Stats;
  portalId: number;
  appId: number;
  /** Rate limiting + injected faults for one route; runs after authentication. */
  guard(policy: Policy): MiddlewareHandler;
}
