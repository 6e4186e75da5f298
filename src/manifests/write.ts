/**
 * Writes the generated half of the marketplace manifests under manifests/ (or checks it).
 *
 *   npx tsx src/manifests/write.ts                 regenerate the generated files under manifests/
 *   npx tsx src/manifests/write.ts --check         exit 1, naming each file, when the committed files are out of date
 *   npx tsx src/manifests/write.ts --out <dir> --backend-url https://api.example.net
 *                                                  a release build for the real backend host (not committed)
 *   node --import tsx src/manifests/write.ts       the same without npm/npx (Node 20.19+; Node 24 also runs it
 *                                                  as `node src/manifests/write.ts`, stripping the types)
 *
 * This file is the one place the generator is wired to the rest of the app: the webhook inputs come from
 * the default field mapping (src/mapping), the served paths from the HTTP app (src/server). The
 * generator itself (index.ts and its modules) depends on src/domain only. The writer touches only the
 * files it generates: it deletes a file only when manifests/GENERATED.txt lists it and the generator no
 * longer produces it, so a removed output field takes its Salesforce field file with it while
 * hand-written sources, installed packages and CLI state are never touched.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { appSubscriptions } from '../pipeline/changeFeed.ts';
import { SERVED_PATHS } from '../server/app.ts';
import { generateManifests, GENERATED_LIST, parseGeneratedList, REGENERATE_COMMAND, type ManifestFiles, type ManifestInputs } from './index.ts';

/** The repository's manifests/ folder. */
export const MANIFESTS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../manifests');

export function defaultManifestInputs(): ManifestInputs {
  // The change feed reads by id only what these deliver: one derivation for both.
  return { hubspotWebhookInputs: appSubscriptions(), servedPaths: SERVED_PATHS };
}

/** The files `dir` says were generated (its GENERATED.txt), or none when it has no list yet. */
export function listedAsGenerated(dir: string): string[] {
  const path = join(dir, GENERATED_LIST);
  return existsSync(path) ? parseGeneratedList(readFileSync(path, 'utf8')) : [];
}

export interface ManifestDrift {
  /** Generated but absent from disk. */
  missing: string[];
  /** On disk with other content. */
  changed: string[];
  /** Listed as generated, still on disk, but no longer generated. */
  extra: string[];
}

export function compareWithDisk(dir: string, files: ManifestFiles): ManifestDrift {
  const drift: ManifestDrift = { missing: [], changed: [], extra: [] };
  for (const [path, content] of Object.entries(files)) {
    const target = join(dir, path);
    if (!existsSync(target)) drift.missing.push(path);
    else if (readFileSync(target, 'utf8') !== content) drift.changed.push(path);
  }
  for (const path of listedAsGenerated(dir)) if (!(path in files) && existsSync(join(dir, path))) drift.extra.push(path);
  return drift;
}

export function describeDrift(drift: ManifestDrift, dir = 'manifests'): string | null {
  const lines = [
    ...drift.changed.map((p) => `  out of date: ${dir}/${p}`),
    ...drift.missing.map((p) => `  missing:     ${dir}/${p}`),
    ...drift.extra.map((p) => `  not generated any more: ${dir}/${p}`),
  ];
  if (lines.length === 0) return null;
  return `The committed manifests differ from what src/manifests generates (output fields, default mapping, served paths):\n${lines.join('\n')}\nRegenerate them with: ${REGENERATE_COMMAND}`;
}

/** Writes `files` under `dir` and deletes the files it once generated and no longer does. */
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

const USAGE = 'usage: write.ts [--check] [--out <dir>] [--backend-url <https url>]';

export function parseArgs(argv: readonly string[]): { check: boolean; out: string; backendUrl?: string } {
  const args = { check: false, out: MANIFESTS_DIR, backendUrl: undefined as string | undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--check') args.check = true;
    else if (arg === '--out' || arg === '--backend-url') {
      const value = argv[++i];
      if (value === undefined || value.startsWith('--')) throw new Error(`${arg} needs a value; ${USAGE}`);
      if (arg === '--out') args.out = resolve(value);
      else args.backendUrl = value;
    } else throw new Error(`unknown argument ${arg}; ${USAGE}`);
  }
  return args;
}

function main(argv: readonly string[]): number {
  const args = parseArgs(argv);
  const files = generateManifests({ ...defaultManifestInputs(), ...(args.backendUrl ? { backendUrl: args.backendUrl } : {}) });
  const where = relative(process.cwd(), args.out) || '.';
  if (args.check) {
    const message = describeDrift(compareWithDisk(args.out, files), where);
    if (message) {
      console.error(message);
      return 1;
    }
    console.log(`manifests are up to date (${Object.keys(files).length} generated files)`);
    return 0;
  }
  const drift = writeManifests(args.out, files);
  const touched = drift.missing.length + drift.changed.length + drift.extra.length;
  console.log(
    touched === 0
      ? `manifests are up to date (${Object.keys(files).length} generated files)`
      : `wrote ${drift.missing.length + drift.changed.length} and deleted ${drift.extra.length} of ${Object.keys(files).length} generated files under ${where}`,
  );
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
