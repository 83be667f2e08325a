/**
 * The progress bar on a terminal (issue 19 §4), drawn into a fake TTY
 * stream: log lines printed while it is up appear on their own line (the
 * bar's line cleared first, the bar redrawn after), every bar line fits the
 * terminal's width, and the loss list leaves out learning rates and terms
 * that have only been 0.
 */
import { Writable } from 'stream';
import { echoLine, fitLosses, startProgress } from './progress';

function fakeTty(columns: number): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const w = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  }) as unknown as NodeJS.WriteStream & { isTTY: boolean; columns: number };
  w.isTTY = true;
  w.columns = columns;
  // cli-progress asks the terminal to move the cursor; a fake one only needs the calls to exist.
  Object.assign(w, { cursorTo: (x: number) => (chunks.push(`<cursorTo ${x}>`), true), clearLine: () => true, moveCursor: () => true, getWindowSize: () => [columns, 24] });
  return { stream: w, text: () => chunks.join('') };
}

// eslint-disable-next-line no-control-regex
const visible = (s: string): string => s.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[78]/g, '');

describe('progress bar', () => {
  it('fitLosses: drops lr* and never-non-zero terms, keeps a term once it was non-zero, fits the width with …', () => {
    const seen = new Set<string>();
    const v = { segSource: 2.8965, segTarget: 0, adv: 0, total: 2.8965, lr: 2.5e-4, lrDiscriminator: 0 };
    expect(fitLosses(v, seen, 200)).toBe('segSource 2.90  total 2.90');
    expect(fitLosses({ ...v, adv: 0.5 }, seen, 200)).toBe('segSource 2.90  adv 0.500  total 2.90');
    expect(fitLosses(v, seen, 200)).toBe('segSource 2.90  adv 0.00  total 2.90');
    const cut = fitLosses(v, seen, 20);
    expect(cut).toBe('segSource 2.90 …');
    expect(cut.length).toBeLessThanOrEqual(20);
  });

  it('log lines go above the bar; bar lines fit 140 columns', () => {
    const tty = fakeTty(140);
    const lines: string[] = [];
    const p = startProgress({ label: 'round1/train-segmenter', total: 250000, start: 0, mode: 'auto', log: () => undefined, stream: tty.stream });
    const values = { segSource: 1.234567, segTarget: 0.98765, adv: 0.693147, total: 2.5, dSource: 0.69, dTarget: 0.7, lr: 2.5e-4, lrDiscriminator: 1e-4, extraTermWithALongName: 123.456 };
    p.update(1, values);
    echoLine('[round1/train-segmenter] eval at step 1: score 12.34', (l) => {
      lines.push(l);
      tty.stream.write(`${l}\n`);
    });
    p.update(2, values);
    p.stop();
    const out = tty.text();
    expect(lines).toEqual(['[round1/train-segmenter] eval at step 1: score 12.34']);
    // Cleared, then the line on a line of its own, then the bar again.
    const at = out.indexOf('[round1/train-segmenter] eval at step 1');
    expect(out.slice(at - 5, at)).toBe('\r\x1b[2K');
    expect(out.slice(at).split('\n')[0]).toBe('[round1/train-segmenter] eval at step 1: score 12.34');
    expect(out.slice(at)).toMatch(/round1\/train-segmenter \|/);
    // eslint-disable-next-line no-control-regex
    const barLines = out.split(/[\r\n]|<cursorTo 0>|\x1b\[1G/).map(visible).filter((l) => l.includes('|'));
    expect(barLines.length).toBeGreaterThan(0);
    for (const l of barLines) {
      expect(l.length).toBeLessThanOrEqual(140);
      expect(l).not.toMatch(/\blr/);
    }
    expect(barLines.some((l) => l.includes('segSource 1.23'))).toBe(true);
  });
});
