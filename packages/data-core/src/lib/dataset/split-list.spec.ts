import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readSplitList, writeSplitList } from './split-list';

describe('split lists (one relative path per line)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-split-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('skips blank lines and # comments, trims, accepts CRLF, normalizes ./', () => {
    const f = path.join(dir, 'a.txt');
    fs.writeFileSync(f, '# GTA5 subset\r\nimages/00001.png\r\n\r\n  ./images/00002.png  \n');
    expect(readSplitList(f)).toEqual(['images/00001.png', 'images/00002.png']);
  });

  it('refuses absolute and escaping paths, naming file and line', () => {
    const f = path.join(dir, 'b.txt');
    fs.writeFileSync(f, 'images/1.png\n/etc/passwd\n');
    expect(() => readSplitList(f)).toThrow(`${f}:2: split list entries are relative to the dataset root, got '/etc/passwd'`);
    fs.writeFileSync(f, '../x.png\n');
    expect(() => readSplitList(f)).toThrow(/b\.txt:1: .*got '\.\.\/x\.png'/);
    expect(() => readSplitList(path.join(dir, 'none.txt'))).toThrow(/none\.txt: cannot read split list \(ENOENT\)/);
  });

  it('writeSplitList writes one entry per line', () => {
    const f = path.join(dir, 'c.txt');
    writeSplitList(f, ['RGB/0000001.png', 'RGB/0000002.png']);
    expect(fs.readFileSync(f, 'utf8')).toBe('RGB/0000001.png\nRGB/0000002.png\n');
  });
});
