/**
 * A PNG of the report as a browser draws it (`semadapt report --screenshot`):
 * headless Chromium with a fresh profile and no network, the page loaded
 * from the file. Chromium is optional (tools/setup-system.sh installs
 * Debian's); without it the command says so and exits 1.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The Chromium binary: $SEMADAPT_CHROMIUM, else Debian's names; undefined when none exists. */
export function findChromium(): string | undefined {
  const env = process.env['SEMADAPT_CHROMIUM'];
  return [env, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p): p is string => !!p && fs.existsSync(p));
}

/** Flags for a headless run that touches nothing outside `profile`. */
export function headlessFlags(profile: string): string[] {
  return ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', `--user-data-dir=${profile}`];
}

/** Writes a `width`×`height` PNG of `htmlFile` to `pngFile` (temp file + rename); returns `pngFile`. */
export function screenshot(htmlFile: string, pngFile: string, size: [number, number] = [1300, 4000]): string {
  const chromium = findChromium();
  if (!chromium) throw new Error('report --screenshot needs Chromium (sudo tools/setup-system.sh installs it, or set SEMADAPT_CHROMIUM)');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-chromium-'));
  const tmp = path.join(path.dirname(pngFile), `.${path.basename(pngFile)}.tmp-${process.pid}.png`);
  try {
    execFileSync(chromium, [...headlessFlags(profile), `--window-size=${size[0]},${size[1]}`, '--hide-scrollbars', `--screenshot=${tmp}`, `file://${path.resolve(htmlFile)}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 120_000,
    });
    if (!fs.existsSync(tmp)) throw new Error(`${chromium} wrote no screenshot of ${htmlFile}`);
    fs.renameSync(tmp, pngFile);
    return pngFile;
  } finally {
    fs.rmSync(profile, { recursive: true, force: true });
    fs.rmSync(tmp, { force: true });
  }
}
