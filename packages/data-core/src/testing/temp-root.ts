import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * A temporary folder for the calling spec file (call it at the top level):
 * created before its tests, removed after them. Returns `fresh(name)`, the
 * path of `name` inside it.
 */
export function useTempRoot(prefix: string): (name: string) => string {
  let tmp = '';
  beforeAll(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), prefix))));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  return (name) => path.join(tmp, name);
}
