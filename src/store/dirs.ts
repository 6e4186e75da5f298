/**
 * Creating the data directory. Node's `mkdir(..., { recursive: true })` never returns under a
 * pseudo-filesystem such as /proc (mkdir answers ENOENT for /proc/x, the parent exists, and it retries for
 * ever), so the path is created one component at a time and the first failure is reported.
 */
import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** `path` and its missing parents as directories; a clear error naming the directory that cannot be made. */
export async function makeDirectory(path: string, mode?: number): Promise<void> {
  const target = resolve(path);
  const missing: string[] = [];
  for (let dir = target; ; dir = dirname(dir)) {
    const kind = await stat(dir).then(
      (s) => (s.isDirectory() ? 'directory' : 'other'),
      () => 'absent' as const,
    );
    if (kind === 'directory') break;
    if (kind === 'other') throw new Error(`cannot create directory ${target}: ${dir} exists and is not a directory`);
    missing.unshift(dir);
    if (dirname(dir) === dir) break;
  }
  for (const dir of missing) {
    try {
      await mkdir(dir, mode === undefined ? {} : { mode });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      throw new Error(`cannot create directory ${target}: ${dir}: ${code ?? (error as Error).message}`);
    }
  }
}
