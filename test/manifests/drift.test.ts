/**
 * The committed generated files are exactly what the generator returns today: an output field added,
 * renamed or removed in src/domain/outputFields.ts, a mapping change or a newly served path without
 * regenerating fails here, naming the file and the command that fixes it. The writer touches only the
 * files it generates (manifests/GENERATED.txt), never the hand-written sources beside them.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BACKEND_PATHS, generateManifests, GENERATED_LIST, parseGeneratedList, REGENERATE_COMMAND, sortedFiles } from '../../src/manifests/index.ts';
import { OUTPUT_FIELDS, type OutputField } from '../../src/domain/outputFields.ts';
import { compareWithDisk, defaultManifestInputs, describeDrift, listedAsGenerated, MANIFESTS_DIR, parseArgs, writeManifests } from '../../src/manifests/write.ts';

const inputs = defaultManifestInputs();
const generated = generateManifests(inputs);
const temp = mkdtempSync(join(tmpdir(), 'crm-signals-manifests-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function fresh(): string {
  const dir = mkdtempSync(join(temp, 'run-'));
  writeManifests(dir, generated);
  return dir;
}

/** Files under `dir`, relative with forward slashes, skipping installed packages. */
function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .filter((p) => !p.split('/').includes('node_modules'))
    .sort();
}

describe('committed manifests', () => {
  it('equal the generator output, file by file', () => {
    const message = describeDrift(compareWithDisk(MANIFESTS_DIR, generated));
    // On failure the message names each stale file and the command to regenerate.
    expect(message, message ?? '').toBeNull();
  });

  it('are deterministic: sorted paths, LF line ends, one trailing newline', () => {
    expect(generateManifests(defaultManifestInputs())).toEqual(generated);
    expect(Object.keys(generated)).toEqual(Object.keys(sortedFiles(generated)));
    for (const [path, content] of Object.entries(generated)) {
      expect(content.endsWith('\n') && !content.endsWith('\n\n'), path).toBe(true);
      expect(content.includes('\r'), path).toBe(false);
    }
  });

  it('list every generated file in GENERATED.txt; every other file is hand-written and named in manifests/README.md', () => {
    expect(parseGeneratedList(generated[GENERATED_LIST]!)).toEqual(Object.keys(generated).filter((p) => p !== GENERATED_LIST));
    const listed = new Set([...listedAsGenerated(MANIFESTS_DIR), GENERATED_LIST, 'README.md']);
    const handWritten = walk(MANIFESTS_DIR).filter((p) => !listed.has(p));
    expect(handWritten).toContain('hubspot/src/app/cards/ContactSignalsCard.tsx');
    expect(handWritten).toContain('salesforce/force-app/main/default/lwc/signalHistory/signalHistory.js');
    const readme = readFileSync(join(MANIFESTS_DIR, 'README.md'), 'utf8');
    for (const path of handWritten) {
      const name = path.split('/').at(-1)!;
      expect(readme.includes(path) || readme.includes(`\`${name}\``), `manifests/README.md names the hand-written ${path}`).toBe(true);
    }
  });
});

describe('drift detection', () => {
  it('names the stale file and the command when an output field changes', () => {
    const dir = fresh();
    expect(describeDrift(compareWithDisk(dir, generated))).toBeNull();
    const renamed: OutputField[] = OUTPUT_FIELDS.map((f) => (f.key === 'leadScore' ? { ...f, label: 'Lead score v2 (crm-signals)' } : f));
    const message = describeDrift(compareWithDisk(dir, generateManifests({ ...inputs, fields: renamed })));
    expect(message).toContain('out of date: manifests/salesforce/force-app/main/default/objects/Lead/fields/Signals_Lead_Score__c.field-meta.xml');
    expect(message).toContain('out of date: manifests/salesforce/force-app/main/default/objects/Contact/fields/Signals_Lead_Score__c.field-meta.xml');
    expect(message).toContain('out of date: manifests/salesforce/force-app/main/default/lwc/signalHistory/fields.js');
    expect(message).toContain('out of date: manifests/hubspot/properties.json');
    expect(message).toContain(`Regenerate them with: ${REGENERATE_COMMAND}`);
  });

  it('names the files that appear when the server starts serving a path', () => {
    const dir = fresh();
    // The files as they were before the webhook route was served, then the generation now that it is.
    writeManifests(dir, generateManifests({ ...inputs, servedPaths: inputs.servedPaths.filter((p) => p !== BACKEND_PATHS.hubspotWebhooks) }));
    const message = describeDrift(compareWithDisk(dir, generated));
    expect(message).toContain('missing:     manifests/hubspot/src/app/webhooks/webhooks-hsmeta.json');
  });

  it('reports a removed field file as no longer generated, and writing deletes it', () => {
    const dir = fresh();
    const files = generateManifests({ ...inputs, fields: OUTPUT_FIELDS.filter((f) => f.key !== 'recommendations') });
    const stale = 'salesforce/force-app/main/default/objects/Lead/fields/Signals_Recommendations__c.field-meta.xml';
    expect(describeDrift(compareWithDisk(dir, files))).toContain(`not generated any more: manifests/${stale}`);
    writeManifests(dir, files);
    expect(existsSync(join(dir, stale))).toBe(false);
    expect(listedAsGenerated(dir)).not.toContain(stale);
    expect(describeDrift(compareWithDisk(dir, files))).toBeNull();
  });

  it('reports a hand edit of a generated file', () => {
    const dir = fresh();
    const path = 'hubspot/src/app/app-hsmeta.json';
    writeFileSync(join(dir, path), readFileSync(join(dir, path), 'utf8').replace('"tickets"', '"tickets", "timeline"'));
    expect(describeDrift(compareWithDisk(dir, generated))).toContain(`out of date: manifests/${path}`);
  });

  it('never touches a file it did not generate: hand-written sources, installed packages, lock files, CLI state, a retrieved External Client App', () => {
    const dir = fresh();
    const others = [
      'hubspot/src/app/cards/ContactSignalsCard.tsx',
      'hubspot/src/app/cards/node_modules/react/index.js',
      'hubspot/src/app/cards/package-lock.json',
      'hubspot/src/app/local.json',
      'salesforce/.sfdx/sfdx-config.json',
      'salesforce/force-app/main/default/lwc/signalHistory/signalHistory.js',
      // Created in the packaging org and retrieved into the package (manifests/README.md).
      'salesforce/force-app/main/default/externalClientApps/crm_signals.eca-meta.xml',
    ];
    for (const path of others) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), '{}\n');
    }
    expect(compareWithDisk(dir, generated)).toEqual({ missing: [], changed: [], extra: [] });
    writeManifests(dir, generateManifests({ ...inputs, fields: OUTPUT_FIELDS.filter((f) => f.objectType !== 'ticket') }));
    for (const path of others) expect(readFileSync(join(dir, path), 'utf8'), path).toBe('{}\n');
  });
});

describe('write.ts arguments', () => {
  it('reads --check, --out and --backend-url, and names what is wrong', () => {
    expect(parseArgs(['--check'])).toMatchObject({ check: true, out: MANIFESTS_DIR });
    expect(parseArgs(['--out', temp, '--backend-url', 'https://api.example.net'])).toEqual({ check: false, out: temp, backendUrl: 'https://api.example.net' });
    expect(() => parseArgs(['--backend-url'])).toThrow(/^--backend-url needs a value; usage: write.ts/);
    expect(() => parseArgs(['--out', '--check'])).toThrow(/^--out needs a value/);
    expect(() => parseArgs(['--force'])).toThrow(/^unknown argument --force; usage: write.ts/);
  });
});
