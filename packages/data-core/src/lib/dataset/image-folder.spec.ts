import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { encodeJpeg } from '../codec/jpeg';
import { writeFileAtomic, writePngAtomic } from '../codec/png';
import { openImageFolder } from './image-folder';

describe('openImageFolder (unlabeled target photos, PNG and JPEG)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-folder-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lists PNG and JPEG files recursively, sorted, and decodes both to RGB with the pipeline', async () => {
    writePngAtomic(path.join(dir, 'b', '2.png'), { width: 8, height: 4, channels: 3, data: new Uint8Array(96).fill(40) });
    writeFileAtomic(path.join(dir, 'a', '1.JPG'), encodeJpeg({ width: 16, height: 8, channels: 3, data: new Uint8Array(384).fill(200) }, 95));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'ignored');
    const ds = openImageFolder(dir, { pipeline: { resize: { kind: 'size', width: 8, height: 4 } } });
    expect(ds.length).toBe(2);
    expect([ds.name(0), ds.name(1)]).toEqual(['a/1.JPG', 'b/2.png']);
    const jpg = await ds.get(0);
    expect([jpg.image.width, jpg.image.height, jpg.label]).toEqual([8, 4, undefined]);
    expect(Math.abs(jpg.image.data[0] - 200)).toBeLessThanOrEqual(3);
    expect(Array.from((await ds.get(1)).image.data.slice(0, 3))).toEqual([40, 40, 40]);
  });

  it('a missing or empty folder is named', () => {
    expect(() => openImageFolder(path.join(dir, 'none'))).toThrow(/none: missing folder/);
    fs.mkdirSync(path.join(dir, 'empty'));
    expect(() => openImageFolder(path.join(dir, 'empty'))).toThrow(/empty: no images/);
  });
});
