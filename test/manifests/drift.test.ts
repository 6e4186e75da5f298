/**
 * The committed manifests are exactly what the generator returns today: an output field added, renamed
 * or removed in src/domain/outputFields.ts without regenerating fails here, naming the file and the
 * command that fixes it.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateManifests, hubspotProject, prefixed, REGENERATE_COMMAND, salesforceProject, sortedFiles } from '../../src/domain/manifests/index.ts';
import { OUTPUT_FIELDS, type OutputField } from '../../src/domain/outputFields.ts';
import { compareWithDisk, defaultManifestInputs, describeDrift, MANIFESTS_DIR, writeManifests } from '../../src/domain/manifests/write.ts';

const generated = generateManifests(defaultManifestInputs());
const temp = mkdtempSync(join(tmpdir(), 'crm-signals-manifests-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe('committed manifests', () => {
  it('equal the generator output, file by file', () => {
    const message = describeDrift(compareWithDisk(MANIFESTS_DIR, generated));
    // On failure the message names each stale file and the command to regenerate.
    expect(message, message ?? '').toBeNull();
  });

  it('are deterministic: sorted paths, LF line ends, one trailing newline', () => {
    const again = generateManifests(defaultManifestInputs());
    expect(again).toEqual(generated);
    expect(Object.keys(generated)).toEqual(Object.keys(sortedFiles(generated)));
    for (const [path, content] of Object.entries(generated)) {
      expect(content.endsWith('\n') && !content.endsWith('\n\n'), path).toBe(true);
      expect(content.includes('\r'), path).toBe(false);
    }
  });
});

describe('drift detection', () => {
  it('names the stale file and the command when an output field changes', () => {
    writeManifests(temp, generated);
    expect(describeDrift(compareWithDisk(temp, generated))).toBeNull();

    const renamed: OutputField[] = OUTPUT_FIELDS.map((f) => (f.key === 'leadScore' ? { ...f, label: 'Lead score v2 (crm-signals)' } : f));
    const changed = sortedFiles({ ...prefixed('hubspot', hubspotProject({ webhookInputs: defaultManifestInputs().hubspotWebhookInputs })), ...prefixed('salesforce', salesforceProject(renamed)) });
    const message = describeDrift(compareWithDisk(temp, changed));
    expect(message).toContain('out of date: manifests/salesforce/force-app/main/default/objects/Lead/fields/Signals_Lead_Score__c.field-meta.xml');
    expect(message).toContain('out of date: manifests/salesforce/force-app/main/default/objects/Contact/fields/Signals_Lead_Score__c.field-meta.xml');
    expect(message).toContain(`Regenerate them with: ${REGENERATE_COMMAND}`);
  });

  it('reports a removed field file as no longer generated, and writing deletes it', () => {
    writeManifests(temp, generated);
    const fewer = OUTPUT_FIELDS.filter((f) => f.key !== 'recommendations');
    const files = sortedFiles({ ...prefixed('hubspot', hubspotProject({ webhookInputs: defaultManifestInputs().hubspotWebhookInputs })), ...prefixed('salesforce', salesforceProject(fewer)) });
    const stale = 'salesforce/force-app/main/default/objects/Lead/fields/Signals_Recommendations__c.field-meta.xml';
    expect(describeDrift(compareWithDisk(temp, files))).toContain(`not generated any more: manifests/${stale}`);
    writeManifests(temp, files);
    expect(existsSync(join(temp, stale))).toBe(false);
    expect(describeDrift(compareWithDisk(temp, files))).toBeNull();
  });

  it('reports a hand edit of a generated file', () => {
    writeManifests(temp, generated);
    const path = 'hubspot/src/app/app-hsmeta.json';
    writeFileSync(join(temp, path), readFileSync(join(temp, path), 'utf8').replace('"tickets"', '"tickets", "timeline"'));
    expect(describeDrift(compareWithDisk(temp, generated))).toContain(`out of date: manifests/${path}`);
  });

  it('leaves installed dependencies, lock files, local configuration and a retrieved External Client App alone', () => {
    writeManifests(temp, generated);
    const local = ['hubspot/src/app/cards/node_modules/react/index.js', 'hubspot/src/app/cards/package-lock.json', 'hubspot/src/app/local.json', 'salesforce/.sfdx/sfdx-config.json',
      // Created in the packaging org and retrieved into the package (manifests/README.md).
      'salesforce/force-app/main/default/externalClientApps/crm_signals.eca-meta.xml'];
    for (const path of local) {
      mkdirSync(dirname(join(temp, path)), { recursive: true });
      writeFileSync(join(temp, path), '{}\n');
    }
    expect(compareWithDisk(temp, generated)).toEqual({ missing: [], changed: [], extra: [] });
    writeManifests(temp, generated);
    for (const path of local) expect(existsSync(join(temp, path)), path).toBe(true);
  });
});
