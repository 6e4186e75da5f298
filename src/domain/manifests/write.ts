/**
 * Writes the marketplace manifests under manifests/ (or checks them).
 *
 *   npx tsx src/domain/manifests/write.ts                 regenerate manifests/hubspot and manifests/salesforce
 *   npx tsx src/domain/manifests/write.ts --check         exit 1, naming each file, when the committed files are out of date
 *   npx tsx src/domain/manifests/write.ts --out <dir> --backend-url https://api.example.net
 *                                                         a release build for the real backend host (not committed)
 *   node --import tsx src/domain/manifests/write.ts       the same without npm/npx (Node 20.19+; Node 24 also runs it
 *                                                         as `node src/domain/manifests/write.ts`, stripping the types)
 *
 * This file is the one place the generator is wired to the rest of the app: the webhook inputs come from
 * the default field mapping (src/mapping) and the signal stages. The generator itself (index.ts and
 * its modules) depends on src/domain only. Files that no longer generate are deleted, so a removed
 * output field takes its Salesforce field file with it.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DEFAULT_HUBSPOT_MAPPING, readFields, type Mapping } from '../../mapping/index.ts';
import { generateManifests, MANIFEST_ROOTS, REGENERATE_COMMAND, type ManifestFiles, type ManifestInputs } from './index.ts';

/** The repository's manifests/ folder. */
export const MANIFESTS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../manifests');

/** The HubSpot properties the mapping feeds into the models, per object: the ones worth a change subscription. */
export function webhookInputsFromMapping(mapping: Mapping): ManifestInputs['hubspotWebhookInputs'] {
  return readFields(mapping);
}

export function defaultManifestInputs(): ManifestInputs {
  return { hubspotWebhookInputs: webhookInputsFromMapping(DEFAULT_HUBSPOT_MAPPING) };
}

/**
 * Never generated and never deleted: installed dependencies, CLI state, and the External Client App,
 * which is created in the packaging org and retrieved into force-app (manifests/README.md).
 */
const IGNORED_DIRS = new Set(['node_modules', '.sfdx', '.sf', '.localdevserver', '.hs', 'dist', 'coverage', 'externalClientApps', 'extlClntAppOauthSettings']);
/** package-lock.json appears when a card or the LWC tests are installed; local.json is `hs project dev`'s proxy. */
const IGNORED_FILES = new Set(['package-lock.json', 'local.json', '.DS_Store']);

/** Files under the generated roots of `dir`, relative to it with forward slashes. */
export function listGeneratedRoots(dir: string): string[] {
  const out: string[] = [];
  const walk = (path: string) => {
    let entries;
    try {
      entries = readdirSync(path, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.isDirectory()) {
        if (!IGNORED_DIRS.has(entry.name)) walk(join(path, entry.name));
      } else if (!IGNORED_FILES.has(entry.name)) {
        out.push(relative(dir, join(path, entry.name)).split(sep).join('/'));
      }
    }
  };
  for (const root of MANIFEST_ROOTS) walk(join(dir, root));
  return out.sort();
}

export interface ManifestDrift {
  /** Generated but absent from disk. */
  missing: string[];
  /** On disk with other content. */
  changed: string[];
  /** On disk under a generated root but no longer generated. */
  extra: string[];
}

export function compareWithDisk(dir: string, files: ManifestFiles): ManifestDrift {
  const onDisk = new Set(listGeneratedRoots(dir));
  const drift: ManifestDrift = { missing: [], changed: [], extra: [] };
  for (const [path, content] of Object.entries(files)) {
    if (!onDisk.has(path)) drift.missing.push(path);
    else if (readFileSync(join(dir, path), 'utf8') !== content) drift.changed.push(path);
  }
  for (const path of onDisk) if (!(path in files)) drift.extra.push(path);
  return drift;
}

export function describeDrift(drift: ManifestDrift, dir = 'manifests'): string | null {
  const lines = [
    ...drift.changed.map((p) => `  out of date: ${dir}/${p}`),
    ...drift.missing.map((p) => `  missing:     ${dir}/${p}`),
    ...drift.extra.map((p) => `  not generated any more: ${dir}/${p}`),
  ];
  if (lines.length === 0) return null;
  return `The committed manifests differ from src/domain/outputFields.ts:\n${lines.join('\n')}\nRegenerate them with: ${REGENERATE_COMMAND}`;
}

/** Writes `files` under `dir` and deletes generated-root files that are no longer generated. */
export function writeManifests(dir: string, files: ManifestFiles): ManifestDrift {
  const drift = compareWithDisk(dir, files);
  for (const path of [...drift.missing, ...drift.changed]) {
    const target = join(dir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, files[path]!);
  }
  for (const path of drift.extra) rmSync(join(dir, path));
  return drift;
}

function parseArgs(argv: readonly string[]): { check: boolean; out: string; backendUrl?: string } {
  const args = { check: false, out: MANIFESTS_DIR, backendUrl: undefined as string | undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--check') args.check = true;
    else if (arg === '--out' && argv[i + 1]) args.out = resolve(argv[++i]!);
    else if (arg === '--backend-url' && argv[i + 1]) args.backendUrl = argv[++i];
    else throw new Error(`unknown argument ${arg}; usage: write.ts [--check] [--out <dir>] [--backend-url <https url>]`);
  }
  return args;
}

function main(argv: readonly string[]): number {
  const args = parseArgs(argv);
  const files = generateManifests({ ...defaultManifestInputs(), ...(args.backendUrl ? { backendUrl: args.backendUrl } : {}) });
  if (args.check) {
    const message = describeDrift(compareWithDisk(args.out, files), relative(process.cwd(), args.out) || '.');
    if (message) {
      console.error(message);
      return 1;
    }
    console.log(`manifests are up to date (${Object.keys(files).length} files)`);
    return 0;
  }
  const drift = writeManifests(args.out, files);
  const touched = drift.missing.length + drift.changed.length + drift.extra.length;
  console.log(
    touched === 0
      ? `manifests are up to date (${Object.keys(files).length} files)`
      : `wrote ${drift.missing.length + drift.changed.length} and deleted ${drift.extra.length} of ${Object.keys(files).length} files under ${relative(process.cwd(), args.out) || '.'}`,
  );
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
