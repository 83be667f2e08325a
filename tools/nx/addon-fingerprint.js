#!/usr/bin/env node
/**
 * Nx runtime input (nx.json): prints a hash of the built native addon, so a
 * rebuilt or missing addon changes the cache key of every test and bench
 * target (the binary is git-ignored, so Nx's file hashing never sees it).
 */
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..', '..');
const candidates = ['packages/compute/native/build/Release', 'packages/core-layers/native/build/Release'];
const hash = crypto.createHash('sha256');
let found = 0;
for (const rel of candidates) {
  const dir = path.join(root, rel);
  if (!fs.existsSync(dir)) continue;
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.node')).sort()) {
    hash.update(`${rel}/${f}\n`).update(fs.readFileSync(path.join(dir, f)));
    found++;
  }
}
process.stdout.write(found ? hash.digest('hex') : 'no-addon');
