/**
 * metrics.jsonl is read record by record, never as one string (issue 19 §9):
 * a file of several 1 MiB chunks with multi-byte characters straddling chunk
 * boundaries and a torn last line reads back exactly the records written
 * (compared with JSON.parse of each line, done here independently), and
 * RunDir.truncateMetrics rewrites it streamed, keeping what it should.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { forEachMetric } from './metrics-stream';
import { MetricRecord, RunDir } from './run-dir';

describe('metrics.jsonl streaming', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-metrics-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads every complete record across chunk boundaries, skips a torn last line', () => {
    const file = path.join(dir, 'metrics.jsonl');
    const lines: string[] = [];
    // ~2.9 MiB (three chunks); 'λ' and '→' are 2- and 3-byte UTF-8 characters at every offset modulo 3.
    for (let i = 0; i < 30000; i++) {
      lines.push(JSON.stringify({ stage: `round${i % 3}/λ→${'x'.repeat(i % 7)}`, kind: 'train', step: i, time: 't', values: { loss: i / 7 } }));
    }
    fs.writeFileSync(file, lines.join('\n') + '\n{"stage":"torn",');
    const got: MetricRecord[] = [];
    forEachMetric(file, (r) => got.push(r));
    expect(fs.statSync(file).size).toBeGreaterThan(2 * (1 << 20));
    expect(got).toEqual(lines.map((l) => JSON.parse(l)));
  });

  it('truncateMetrics keeps other stages and this stage up to the step, streamed', () => {
    const run = new RunDir(path.join(dir, 'run'));
    run.echo = () => undefined;
    for (let s = 1; s <= 6; s++) {
      run.metric({ stage: 'a', kind: 'train', step: s, values: { loss: s } });
      run.metric({ stage: 'b', kind: 'train', step: s, values: { loss: -s } });
    }
    run.truncateMetrics('a', 3);
    const kept = run.metrics().map((r) => `${r.stage}${r.step}`);
    expect(kept).toEqual(['a1', 'b1', 'a2', 'b2', 'a3', 'b3', 'b4', 'b5', 'b6']);
    expect(fs.readdirSync(run.root).filter((f) => f.includes('.tmp'))).toEqual([]);
  });
});
