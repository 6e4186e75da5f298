/**
 * Progress bars for long stages on a terminal; plain one-line updates elsewhere (CI logs, pipes).
 */
import cliProgress from 'cli-progress';
import type { ProgressEvent } from '../pipeline/context.ts';

export function createProgress(stream: NodeJS.WriteStream = process.stderr): { onProgress: (e: ProgressEvent) => void; stop: () => void } {
  const tty = Boolean(stream.isTTY);
  let bar: cliProgress.SingleBar | null = null;
  let barStage = '';
  const lastLine = new Map<string, number>();

  const stopBar = () => {
    bar?.stop();
    bar = null;
    barStage = '';
  };

  const line = (key: string, text: string, every: number, value: number) => {
    const last = lastLine.get(key) ?? -Infinity;
    if (value - last >= every) {
      stream.write(`${text}\n`);
      lastLine.set(key, value);
    }
  };

  return {
    onProgress(e) {
      if (e.stage === 'sync') {
        stopBar();
        line(`sync-${e.objectType}`, `  syncing ${e.objectType}s: ${e.records} records, ${e.pages} pages`, tty ? 1000 : 2000, e.records);
      } else if (e.stage === 'train') {
        stopBar();
        stream.write(`  ${e.message}\n`);
      } else if (!tty) {
        line(e.stage, `  ${e.stage === 'score' ? 'scoring' : 'writing back'}: ${e.done}/${e.total}`, Math.max(1, Math.ceil(e.total / 4)), e.done);
      } else {
        if (barStage !== e.stage) {
          stopBar();
          barStage = e.stage;
          bar = new cliProgress.SingleBar(
            { format: `  ${e.stage === 'score' ? 'scoring     ' : 'writing back'} [{bar}] {value}/{total}`, stream, clearOnComplete: false },
            cliProgress.Presets.shades_classic,
          );
          bar.start(e.total, 0);
        }
        bar?.setTotal(Math.max(e.total, e.done));
        bar?.update(e.done);
      }
    },
    stop: stopBar,
  };
}
