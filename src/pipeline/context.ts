/**
 * What one tenant's cycle works with. The CLI, the server and the tests build it; the pipeline stages
 * only read from it.
 */
import type { Connector } from '../../connectors/connector.ts';
import type { Mapping } from '../mapping/index.ts';
import type { Store, Tenant } from '../store/types.ts';
import type { ChangeFeed } from './changeFeed.ts';
import type { LeaseSettings } from './jobs/runLease.ts';

export type ProgressEvent =
  | { stage: 'sync'; objectType: string; records: number; pages: number }
  | { stage: 'train'; message: string }
  | { stage: 'score'; done: number; total: number }
  | { stage: 'write'; done: number; total: number };

/** Where a run's progress is kept while it runs (the service's cycle jobs: on the run row); told when a run starts and ends. */
export interface RunProgressSink {
  started(runId: number): void;
  /** Waits for the progress writes in flight, so none lands after the run's outcome. */
  ended(): Promise<void>;
}

export interface PipelineContext {
  store: Store;
  tenant: Tenant;
  connector: Connector;
  mapping: Mapping;
  /** Seed for every random choice in training, so a re-run reproduces the same model. */
  seed: number;
  log: (message: string) => void;
  onProgress?: (event: ProgressEvent) => void;
  /** Who holds this cycle's runs; without one, this process (host:pid, one instance per process). */
  lease?: LeaseSettings;
  runProgress?: RunProgressSink;
  /** Where webhooks are received (the worker, the demo server): the sync reads what they named instead of searching. */
  changeFeed?: ChangeFeed;
  /** The clock of the daily API budget's UTC day and the feed's reconcile; the system clock by default. */
  now?: () => Date;
}
