/**
 * The marketplace manifests, generated from the one output-field definition (src/domain/outputFields.ts):
 * pure functions from inputs to a map of relative path -> file content. write.ts puts them on disk and
 * test/manifests fails when the committed files under manifests/ differ from what these return.
 */
import { hubspotProject, type HubSpotWebhookInputs } from './hubspot.ts';
import { prefixed, sortedFiles, type ManifestFiles } from './files.ts';
import { salesforceProject } from './salesforce.ts';

export * from './backend.ts';
export * from './files.ts';
export * from './hubspot.ts';
export * from './hubspotCard.ts';
export * from './salesforce.ts';
export { LWC_HISTORY_FIELDS, LWC_NAME, LWC_OBJECTS } from './salesforceLwc.ts';

/** The generated folders under manifests/ (everything else there, e.g. README.md, is written by hand). */
export const MANIFEST_ROOTS = ['hubspot', 'salesforce'] as const;

/** The command that regenerates the committed manifests. */
export const REGENERATE_COMMAND = 'npx tsx src/domain/manifests/write.ts';

export interface ManifestInputs {
  /** HubSpot properties that feed the models: the only ones worth a propertyChange subscription. */
  hubspotWebhookInputs: HubSpotWebhookInputs;
  /** The backend origin the marketplaces call; the committed files use the placeholder. */
  backendUrl?: string;
}

/** Every generated file, relative to manifests/ ("hubspot/...", "salesforce/..."), sorted. */
export function generateManifests(inputs: ManifestInputs): ManifestFiles {
  return sortedFiles({
    ...prefixed('hubspot', hubspotProject({ webhookInputs: inputs.hubspotWebhookInputs, ...(inputs.backendUrl ? { backendUrl: inputs.backendUrl } : {}) })),
    ...prefixed('salesforce', salesforceProject()),
  });
}
