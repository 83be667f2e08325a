/**
 * Fault injection for kill tests (`node --require fault-preload.js ...`):
 * counts every file-system call that changes something under a run's
 * `checkpoints/` folder (open for writing, write, fsync, close, rename, rm,
 * mkdir, copy, unlink; sync and promise APIs, file handles included) and
 * SIGKILLs the process itself right before or right after one of them — a
 * crash at an exact point of a checkpoint save, as a power cut or the OOM
 * killer would cause it.
 *
 * Environment:
 *   SEMADAPT_FAULT_AT=N        kill at the N-th counted call (1-based), or
 *   SEMADAPT_FAULT_MATCH=re    kill at the SEMADAPT_FAULT_NTH-th (default 1)
 *                              counted call whose "op path[ -> path]" matches re;
 *   SEMADAPT_FAULT_WHEN=before|after   (default before);
 *   SEMADAPT_FAULT_TRACE=file  append "n<TAB>op<TAB>paths" for every counted call.
 */
'use strict';
const fs = require('fs');
const path = require('path');

const env = process.env;
const at = Number(env.SEMADAPT_FAULT_AT || 0);
const match = env.SEMADAPT_FAULT_MATCH ? new RegExp(env.SEMADAPT_FAULT_MATCH) : undefined;
const nth = Number(env.SEMADAPT_FAULT_NTH || 1);
const when = env.SEMADAPT_FAULT_WHEN === 'after' ? 'after' : 'before';
const traceFile = env.SEMADAPT_FAULT_TRACE;
const scope = `${path.sep}checkpoints${path.sep}`;
const appendFileSync = fs.appendFileSync;

let count = 0;
let matched = 0;
const fds = new Set();

const inScope = (p) => typeof p === 'string' && path.resolve(p).includes(scope);

function die() {
  process.kill(process.pid, 'SIGKILL');
  // SIGKILL is delivered at once; never continue past the fault point.
  for (;;) {
    /* unreachable */
  }
}

/** Called before the operation; returns whether to kill after it. */
function enter(op, paths) {
  count += 1;
  const text = `${op} ${paths.join(' -> ')}`;
  if (traceFile) appendFileSync(traceFile, `${count}\t${op}\t${paths.join(' -> ')}\n`);
  let hit = at > 0 && count === at;
  if (match && match.test(text)) {
    matched += 1;
    if (matched === nth) hit = true;
  }
  if (hit && when === 'before') die();
  return hit;
}

function wrapSync(name, pathsOf) {
  const orig = fs[name];
  fs[name] = function (...args) {
    const paths = pathsOf(args);
    if (!paths.some(inScope)) return orig.apply(this, args);
    const killAfter = enter(name, paths);
    const r = orig.apply(this, args);
    if (killAfter) die();
    return r;
  };
}

function wrapFdSync(name) {
  const orig = fs[name];
  fs[name] = function (fd, ...rest) {
    if (!fds.has(fd)) return orig.call(this, fd, ...rest);
    const killAfter = enter(name, [`fd${fd}`]);
    const r = orig.call(this, fd, ...rest);
    if (name === 'closeSync') fds.delete(fd);
    if (killAfter) die();
    return r;
  };
}

const one = (args) => [String(args[0])];
const two = (args) => [String(args[0]), String(args[1])];
for (const name of ['renameSync', 'cpSync']) wrapSync(name, two);
for (const name of ['rmSync', 'mkdirSync', 'unlinkSync', 'rmdirSync', 'writeFileSync', 'appendFileSync']) wrapSync(name, one);
const openSync = fs.openSync;
fs.openSync = function (file, flags, ...rest) {
  const writing = typeof flags === 'string' ? /[wa+]/.test(flags) : flags !== undefined && flags !== fs.constants.O_RDONLY;
  if (!writing || !inScope(String(file))) return openSync.call(this, file, flags, ...rest);
  const killAfter = enter('openSync', [String(file)]);
  const fd = openSync.call(this, file, flags, ...rest);
  fds.add(fd);
  if (killAfter) die();
  return fd;
};
for (const name of ['writeSync', 'fsyncSync', 'closeSync']) wrapFdSync(name);

const fsp = fs.promises;
function wrapAsync(name, pathsOf) {
  const orig = fsp[name];
  fsp[name] = async function (...args) {
    const paths = pathsOf(args);
    if (!paths.some(inScope)) return orig.apply(this, args);
    const killAfter = enter(`promises.${name}`, paths);
    const r = await orig.apply(this, args);
    if (killAfter) die();
    return r;
  };
}
for (const name of ['rename', 'cp']) wrapAsync(name, two);
for (const name of ['rm', 'mkdir', 'unlink', 'rmdir', 'writeFile']) wrapAsync(name, one);
const fspOpen = fsp.open;
fsp.open = async function (file, flags, ...rest) {
  const writing = typeof flags === 'string' && /[wa+]/.test(flags);
  if (!writing || !inScope(String(file))) return fspOpen.call(this, file, flags, ...rest);
  const killAfter = enter('promises.open', [String(file)]);
  const handle = await fspOpen.call(this, file, flags, ...rest);
  for (const m of ['write', 'sync', 'close']) {
    const orig = handle[m].bind(handle);
    handle[m] = async (...args) => {
      const killAfterM = enter(`handle.${m}`, [String(file)]);
      const r = await orig(...args);
      if (killAfterM) die();
      return r;
    };
  }
  if (killAfter) die();
  return handle;
};
