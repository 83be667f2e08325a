/**
 * The structure check (issue 21): the README's boundary table is the one
 * description of the workspace's shape, and three things must agree with it —
 * the packages and arrows of the Nx project graph (`npx nx graph`, from
 * imports and package.json dependencies), each package's Nx tags, and the
 * lint rule (`@nx/enforce-module-boundaries` in eslint.config.mjs) that lets
 * a tag import exactly the packages of the "may import" column.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');

interface Row {
  tags: string[];
  mayImport: string[] | 'anything';
  imports: string[];
}

const names = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);

/** The rows of README "Dependency rules": one per package. */
function readBoundaryTable(readme: string): Map<string, Row> {
  const section = readme.slice(readme.indexOf('## Dependency rules'));
  const lines = section.split('\n');
  const head = lines.findIndex((l) => l.startsWith('| package |'));
  if (head < 0) throw new Error('README.md: no boundary table (a line starting "| package |") under "## Dependency rules"');
  const columns = lines[head].split('|').slice(1, -1).map((c) => c.trim());
  const col = (title: string): number => {
    const i = columns.findIndex((c) => c.startsWith(title));
    if (i < 0) throw new Error(`README.md: boundary table has no "${title}" column (columns: ${columns.join(' | ')})`);
    return i;
  };
  const [cTags, cMay, cImports] = [col('tags'), col('may import'), col('imports')];
  const rows = new Map<string, Row>();
  for (const line of lines.slice(head + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    const [pkg] = names(cells[0]);
    const may = cells[cMay];
    rows.set(pkg, {
      tags: names(cells[cTags]),
      mayImport: may === 'anything' ? 'anything' : may === 'nothing of ours' ? [] : may.split(',').map((s) => s.trim()),
      imports: cells[cImports] === '—' ? [] : cells[cImports].split(',').map((s) => s.trim()),
    });
  }
  return rows;
}

const sorted = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();

describe('workspace structure = README boundary table', () => {
  const table = readBoundaryTable(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
  const env = { ...process.env, NX_DAEMON: 'false' };

  it('`npx nx graph` shows the packages and arrows of the table and nothing else; every arrow is allowed', () => {
    const file = path.join(os.tmpdir(), `semadapt-graph-${process.pid}-${Date.now()}.json`);
    try {
      const r = spawnSync('npx', ['nx', 'graph', `--file=${file}`], { cwd: ROOT, encoding: 'utf8', env });
      if (r.status !== 0 || !fs.existsSync(file)) throw new Error(`nx graph failed (status ${r.status}): ${r.stdout}${r.stderr}`);
      const graph = JSON.parse(fs.readFileSync(file, 'utf8')).graph as { nodes: Record<string, unknown>; dependencies: Record<string, { target: string }[]> };
      const short = (p: string) => p.replace(/^@semadapt\//, '');
      const projects = Object.keys(graph.nodes).map(short);
      expect(sorted(projects)).toEqual(sorted(table.keys()));
      for (const p of Object.keys(graph.nodes)) {
        const arrows = sorted(graph.dependencies[p].filter((d) => !d.target.startsWith('npm:')).map((d) => short(d.target)));
        const row = table.get(short(p)) as Row;
        expect({ package: short(p), imports: arrows }).toEqual({ package: short(p), imports: sorted(row.imports) });
        if (row.mayImport !== 'anything') {
          const may = row.mayImport;
          expect({ package: short(p), notAllowed: arrows.filter((a) => !may.includes(a)) }).toEqual({ package: short(p), notAllowed: [] });
        }
      }
    } finally {
      fs.rmSync(file, { force: true });
    }
  });

  it("each package's Nx tags are the table's, and the lint rule lets each tag import exactly the table's packages", () => {
    const tagsOf = new Map<string, string[]>();
    for (const pkg of table.keys()) {
      const json = JSON.parse(fs.readFileSync(path.join(ROOT, 'packages', pkg, 'package.json'), 'utf8')) as { nx?: { tags?: string[] } };
      tagsOf.set(pkg, json.nx?.tags ?? []);
      expect({ package: pkg, tags: sorted(tagsOf.get(pkg) as string[]) }).toEqual({ package: pkg, tags: sorted(table.get(pkg)?.tags ?? []) });
    }
    // The depConstraints of eslint.config.mjs (an ES module: read through node).
    const script = `import('./eslint.config.mjs').then((m) => {
      const rule = m.default.map((c) => c.rules && c.rules['@nx/enforce-module-boundaries']).find(Boolean);
      console.log(JSON.stringify(rule[1].depConstraints));
    })`;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`reading eslint.config.mjs failed: ${r.stderr}`);
    const constraints = JSON.parse(r.stdout) as { sourceTag: string; onlyDependOnLibsWithTags?: string[] }[];
    for (const [pkg, row] of table) {
      const scope = (tagsOf.get(pkg) as string[]).find((t) => t.startsWith('scope:'));
      const c = constraints.find((x) => x.sourceTag === scope && x.onlyDependOnLibsWithTags);
      if (!c) throw new Error(`eslint.config.mjs: no onlyDependOnLibsWithTags constraint for ${scope} (package ${pkg})`);
      const allowed = c.onlyDependOnLibsWithTags as string[];
      const expected = row.mayImport === 'anything'
        ? ['*']
        : sorted(row.mayImport.map((m) => (tagsOf.get(m) ?? [`<unknown package ${m}>`]).find((t) => t.startsWith('scope:')) as string));
      expect({ package: pkg, allowedTags: sorted(allowed) }).toEqual({ package: pkg, allowedTags: expected });
    }
  });
});
