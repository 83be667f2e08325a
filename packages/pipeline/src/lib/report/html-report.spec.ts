/**
 * The report is loaded in a real headless browser (Debian's chromium) and the
 * DOM it builds is inspected: the mIoU table, every image decoded (a probe
 * script added to a copy of the report counts `naturalWidth > 0`), the SVG
 * curves and the config. Without chromium the test says so loudly and checks
 * the HTML text instead.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { encodePng } from '@semadapt/data-core';
import { colorizeTrainIds, TRAIN_ID_COLORS } from '@semadapt/labels';
import { pngDataUrl, renderReport, ReportInput, RoundRow } from './html-report';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));

function sampleReport(): ReportInput {
  const w = 8;
  const h = 4;
  const ids = Uint8Array.from({ length: w * h }, (_, i) => (i % 20 === 19 ? 255 : i % 19));
  const label = pngDataUrl(encodePng({ width: w, height: h, channels: 3, data: colorizeTrainIds(ids) }));
  const rgb = pngDataUrl(encodePng({ width: w, height: h, channels: 3, data: Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 7) % 256) }));
  const perClass = Array.from({ length: 19 }, (_, i) => (i === 16 ? NaN : i / 19));
  return {
    title: 'run <test>',
    miou: [
      { name: 'source-only', perClass, miou19: 0.25, miou16: 0.3, miou13: 0.35 },
      { name: 'round 1', perClass, miou19: 0.4, miou16: 0.45, miou13: 0.5 },
    ],
    losses: [
      { stage: 'round0/train-source', name: 'ce', points: [[1, 2], [2, 1.5], [3, 1.1]] },
      { stage: 'round0/train-source', name: 'adv', points: [[1, 0.3], [2, 0.2], [3, 0.25]] },
    ],
    grids: [{ title: 'val samples', columns: ['source', 'translated', 'guidance', 'prediction', 'ground truth'], rows: [{ name: 'a', cells: [rgb, rgb, label, label, label] }, { name: 'b', cells: [rgb, null, label, label, label] }] }],
    config: { optimization: { seed: 1 }, note: '</pre><script>alert(1)</script>' },
  };
}

describe('HTML report', () => {
  it('colorizeTrainIds maps trainId 13 (car) to (0,0,142) and 255 to black, as cityscapesScripts labels.py', () => {
    expect(Array.from(colorizeTrainIds([13, 255, 0]))).toEqual([0, 0, 142, 0, 0, 0, 128, 64, 128]);
    expect(TRAIN_ID_COLORS).toHaveLength(19);
  });

  it('round table: FID/IS columns when adapt computed them, none otherwise; summary gain from the rows', () => {
    const base = { miou16: 0.2, miou13: 0.3, seconds: 10 };
    const rounds: RoundRow[] = [
      { round: 0, miou19: 0.1, ...base },
      { round: 1, miou19: 0.15, fid: 123.456, is: { mean: 2.5, std: 0.25 }, pseudoKept: 0.6, ...base },
      { round: 2, miou19: 0.14, fid: 110.1, is: { mean: 2.75, std: 0.125 }, pseudoKept: 0.7, ...base },
    ];
    const html = renderReport({ ...sampleReport(), rounds });
    expect(html).toContain('<th>FID</th><th>IS</th>');
    expect(html).toContain('<td>123.5</td><td>2.50 ± 0.25</td>');
    expect(html).toContain('<td>60.0 %</td>');
    // Best adapted round by mIoU19 is 1 (15.0), 5.0 points over source-only (10.0).
    expect(html).toMatch(/id="best-round">best round: 1</);
    expect(html).toMatch(/id="gain">gain over source-only: \+5\.0</);
    const without = renderReport({ ...sampleReport(), rounds: rounds.map(({ fid: _f, is: _i, ...r }) => r) });
    expect(without).not.toContain('<th>FID</th>');
    expect(without).toContain('FID/IS: not computed');
  });

  it('is self-contained: no external URL, no script, config escaped', () => {
    const html = renderReport(sampleReport());
    expect(html).not.toMatch(/(src|href)="(https?:|file:|\/\/)/);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('&lt;/pre&gt;&lt;script&gt;');
  });

  it('loads in headless chromium with the table, 9 decoded images, 2 curves and the config', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-report-'));
    const html = renderReport(sampleReport());
    if (!CHROMIUM) {
      console.warn('!!! chromium not found (tools/setup-system.sh installs it): checking the HTML text only, not a browser DOM');
      expect((html.match(/<img /g) ?? []).length).toBe(9);
      expect(html).toContain('id="miou-table"');
      expect((html.match(/<polyline class="smoothed"/g) ?? []).length).toBe(2);
      return;
    }
    // A copy with a probe script (the report itself has none) that records what the browser decoded.
    const probe = `<script>window.addEventListener('load',()=>{const imgs=[...document.images];
document.body.setAttribute('data-images',imgs.length);
document.body.setAttribute('data-decoded',imgs.filter(i=>i.complete&&i.naturalWidth>0).length);
const t=document.getElementById('miou-table');document.body.setAttribute('data-rows',t?t.tBodies[0].rows.length:-1);
document.body.setAttribute('data-cols',t?t.tHead.rows[0].cells.length:-1);
document.body.setAttribute('data-svg',document.querySelectorAll('svg polyline.smoothed').length);});</script>`;
    const file = path.join(dir, 'report.html');
    fs.writeFileSync(file, html.replace('</body>', `${probe}</body>`));
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-chromium-'));
    try {
      const dom = execFileSync(
        CHROMIUM,
        ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', `--user-data-dir=${profile}`, '--virtual-time-budget=5000', '--dump-dom', `file://${file}`],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000 },
      );
      const attr = (name: string): number => Number(new RegExp(`${name}="(-?\\d+)"`).exec(dom)?.[1] ?? NaN);
      expect(attr('data-images')).toBe(9);
      expect(attr('data-decoded')).toBe(9);
      expect(attr('data-rows')).toBe(2);
      expect(attr('data-cols')).toBe(1 + 19 + 3);
      expect(attr('data-svg')).toBe(2);
      expect(dom).toContain('source-only');
      expect(dom).toContain('id="config"');
    } finally {
      fs.rmSync(profile, { recursive: true, force: true });
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
