import { DatasetTreeError, pairByKey, type TreeProblem } from './tree-check';

describe('tree checks', () => {
  it('pairByKey pairs by key and names orphans on both sides with the expected counterpart', () => {
    const problems: TreeProblem[] = [];
    const images = new Map([
      ['a', { abs: '/r/images/a.png', name: 'images/a.png' }],
      ['b', { abs: '/r/images/b.png', name: 'images/b.png' }],
    ]);
    const labels = new Map([
      ['b', '/r/labels/b.png'],
      ['c', '/r/labels/c.png'],
    ]);
    const pairs = pairByKey('all', images, labels, (k) => `/r/labels/${k}.png`, (k) => `/r/images/${k}.png`, problems);
    expect(pairs).toEqual([{ split: 'all', name: 'images/b.png', image: '/r/images/b.png', label: '/r/labels/b.png' }]);
    expect(problems).toEqual([
      { kind: 'missing-label', path: '/r/images/a.png', message: 'image has no label (expected /r/labels/a.png)' },
      { kind: 'missing-image', path: '/r/labels/c.png', message: 'label has no image (expected /r/images/c.png)' },
    ]);
  });

  it('DatasetTreeError lists the first 20 problems and says how many more', () => {
    const problems: TreeProblem[] = Array.from({ length: 23 }, (_, i) => ({ kind: 'missing-label', path: `/r/images/${i}.png`, message: 'image has no label' }));
    const err = new DatasetTreeError('gta5', '/r', problems);
    const lines = err.message.split('\n');
    expect(lines[0]).toBe('gta5 at /r: 23 problems:');
    expect(lines).toHaveLength(1 + 20 + 1);
    expect(lines[1]).toBe('  /r/images/0.png: image has no label');
    expect(lines[21]).toBe('  … and 3 more (run `data check` for the full list)');
    expect(err.problems).toHaveLength(23);
  });
});
