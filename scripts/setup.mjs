#!/usr/bin/env node
// First-use setup for sysemu. Plain Node ESM with no npm dependencies, so it can run before `npm ci`.
// `pretest` and `prestart` call it on every run: when everything is present it only stats files and returns.
//
// Steps, in order:
//   1. deps     npm ci (or npm install without a lock) when node_modules is missing or older than the lock
//   2. tools    compilers and helpers the guests need; installed with apt-get when root on Debian
//   3. engine   Unicorn 2.1.x from the trixie suite into .engine/lib/libunicorn.so.2 (private apt state)
//   4. guests   scripts/build-guests.sh when guest sources are newer than the last build
//   5. bundle   scripts/build.mjs when CLI sources are newer than dist/sysemu.mjs
//
// `--quiet` prints only what a step does (or fails to do). Output of the commands run goes to
// .engine/logs/<step>.log. Exit status is non-zero only when the npm dependencies are missing and cannot be
// installed, since then nothing works; every other failure prints one line and setup goes on.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const QUIET = process.argv.includes('--quiet');
const ENGINE = path.join(ROOT, '.engine');
const LOGS = path.join(ENGINE, 'logs');
const IS_ROOT = typeof process.getuid === 'function' && process.getuid() === 0;
const IS_DEBIAN = fs.existsSync('/etc/debian_version');
const HAS_APT = onPath('apt-get') !== null;

/** Suite and package that carry Unicorn 2.1.x (see docs/UNICORN-NOTES.md, "Which Unicorn"). */
const ENGINE_SUITE = 'trixie';
const ENGINE_PACKAGE = 'libunicorn2t64';
/** Debian package of the slow 2.0.1 fallback, and where its library lands. */
const FALLBACK_PACKAGE = 'libunicorn2';
const SYSTEM_LIB_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/local/lib', '/usr/lib64', '/usr/lib'];
/** Skip a failed engine fetch in --quiet runs for this long, so every `npm test` does not retry it. */
const FETCH_RETRY_MS = 24 * 3600 * 1000;

let systemAptUpdated = false;

// ---------------------------------------------------------------------------------------------- output

/** A line about something setup did or failed to do: always printed. */
function say(line) {
  console.log(`setup: ${line}`);
}

/** A line saying that nothing was needed: printed only without --quiet. */
function info(line) {
  if (!QUIET) console.log(`setup: ${line}`);
}

// ---------------------------------------------------------------------------------------------- files

/** Modification time in ms, or -1 when the path does not exist. */
function mtime(p) {
  try {
    return fs.statSync(p).mtimeMs;
  } catch {
    return -1;
  }
}

/** Newest mtime (ms) of the files under `dir`, skipping the folder names in `skip`; -1 when none. */
function newestUnder(dir, skip = new Set()) {
  let newest = -1;
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return -1;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!skip.has(p)) newest = Math.max(newest, newestUnder(p, skip));
    } else {
      newest = Math.max(newest, mtime(p));
    }
  }
  return newest;
}

/** Absolute path of an executable named `name` on PATH, or null. */
function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return null;
}

/** True when `file` is an ELF64 with no PT_INTERP program header, i.e. it needs no dynamic loader. */
function isStaticElf(file) {
  let buf;
  try {
    buf = fs.readFileSync(file);
  } catch {
    return false;
  }
  if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46 || buf[4] !== 2) return false;
  const phoff = Number(buf.readBigUInt64LE(0x20));
  const phentsize = buf.readUInt16LE(0x36);
  const phnum = buf.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (at + 4 > buf.length) return false;
    if (buf.readUInt32LE(at) === 3 /* PT_INTERP */) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------- commands

/**
 * Runs a command to completion with its output captured into .engine/logs/<log>.log.
 * Returns { ok, out } where out is stdout and stderr together.
 */
function run(cmd, args, { log, cwd = ROOT, env = {} } = {}) {
  const r = spawnSync(cmd, args, {
    cwd,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? `\n${r.error.message}\n` : ''}`;
  if (log) appendLog(log, `$ ${cmd} ${args.join(' ')}\n${out}\n[exit ${r.status ?? r.signal}]\n`);
  return { ok: r.status === 0, out };
}

function appendLog(name, text) {
  fs.mkdirSync(LOGS, { recursive: true });
  fs.appendFileSync(path.join(LOGS, `${name}.log`), text);
}

/** Empties a step's log before the step runs its commands. */
function startLog(name) {
  fs.mkdirSync(LOGS, { recursive: true });
  fs.writeFileSync(path.join(LOGS, `${name}.log`), `# ${new Date().toISOString()}\n`);
}

function logHint(name) {
  return `see ${path.relative(ROOT, path.join(LOGS, `${name}.log`))}`;
}

/** `apt-get update` of the system's own sources, at most once per setup run. */
function systemAptUpdate() {
  if (systemAptUpdated) return true;
  systemAptUpdated = true;
  say('apt: apt-get update');
  return run('apt-get', ['update'], { log: 'apt' }).ok;
}

/** `apt-get install -y pkgs` as root; returns true on success. */
function aptInstall(pkgs) {
  systemAptUpdate();
  say(`apt: apt-get install -y ${pkgs.join(' ')}`);
  const r = run('apt-get', ['install', '-y', ...pkgs], {
    log: 'apt',
    env: { DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (!r.ok) say(`apt: installing ${pkgs.join(' ')} failed (${logHint('apt')})`);
  return r.ok;
}

// ---------------------------------------------------------------------------------------------- 1. deps

/** Step 1: returns false only when node_modules is absent and could not be installed. */
function stepDeps() {
  const lock = path.join(ROOT, 'package-lock.json');
  const hasLock = fs.existsSync(lock);
  const nm = path.join(ROOT, 'node_modules');
  const stamp = path.join(nm, '.package-lock.json'); // npm rewrites it on every install
  const installed = mtime(stamp) >= 0 ? mtime(stamp) : mtime(nm);
  const wanted = mtime(hasLock ? lock : path.join(ROOT, 'package.json'));
  if (installed >= 0 && installed >= wanted) {
    info('deps: node_modules is up to date');
    return true;
  }
  startLog('npm');
  if (npmInstall(hasLock ? 'ci' : 'install')) {
    const now = new Date();
    if (fs.existsSync(stamp)) fs.utimesSync(stamp, now, now);
    return true;
  }
  return fs.existsSync(nm);
}

/**
 * Runs `npm ci` (or `npm install`); when `npm ci` refuses a lock that is out of step with package.json
 * (an optional dependency the registry cannot resolve is enough), tries `npm install` once.
 */
function npmInstall(verb) {
  say(`deps: npm ${verb}`);
  const r = run('npm', [verb, '--no-audit', '--no-fund'], { log: 'npm' });
  if (r.ok) return true;
  if (verb === 'ci' && /EUSAGE|in sync/.test(r.out)) {
    say('deps: npm ci says package-lock.json is out of sync with package.json; trying npm install');
    return npmInstall('install');
  }
  say(`deps: npm ${verb} failed (${logHint('npm')})`);
  return false;
}

// ---------------------------------------------------------------------------------------------- 2. tools

const STATIC_GLIBC = ['/usr/lib/x86_64-linux-gnu/libc.a', '/usr/lib64/libc.a', '/usr/lib/libc.a'];

/** What the guest build and the tests need: a name, its Debian package, and a presence check. */
const TOOLS = [
  { name: 'gcc', pkg: 'gcc', present: () => onPath('gcc') !== null },
  { name: 'static glibc (libc.a)', pkg: 'libc6-dev', present: () => STATIC_GLIBC.some((f) => fs.existsSync(f)) },
  { name: 'make', pkg: 'make', present: () => onPath('make') !== null },
  { name: 'musl-gcc', pkg: 'musl-tools', present: () => onPath('musl-gcc') !== null },
  { name: 'static busybox', pkg: 'busybox-static', present: () => isStaticElf('/bin/busybox') },
  { name: 'strace', pkg: 'strace', present: () => onPath('strace') !== null },
];

/** Step 2: installs missing tools as root on Debian, otherwise says which packages to install. */
function stepTools() {
  const missing = TOOLS.filter((t) => !t.present());
  if (missing.length === 0) {
    info('tools: gcc, make, musl-gcc, static busybox and strace are present');
    return;
  }
  const pkgs = missing.map((t) => t.pkg);
  const names = missing.map((t) => t.name).join(', ');
  if (IS_ROOT && IS_DEBIAN && HAS_APT) {
    startLog('apt');
    aptInstall(pkgs);
    return;
  }
  say(`tools: missing ${names}; install the packages: apt-get install -y ${pkgs.join(' ')}`);
}

// ---------------------------------------------------------------------------------------------- 3. engine

/** Splits deb822 text into stanzas of lower-cased key -> value (continuation lines joined). */
function parseDeb822(text) {
  const stanzas = [];
  let cur = null;
  let key = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    if (line.trim() === '') {
      cur = null;
      continue;
    }
    if (/^\s/.test(line) && cur && key) {
      cur[key] += `\n${line.trim()}`;
      continue;
    }
    const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    if (!cur) stanzas.push((cur = {}));
    key = m[1].toLowerCase();
    cur[key] = m[2].trim();
  }
  return stanzas;
}

/** The system's codename (bookworm, trixie, ...) from /etc/os-release, or ''. */
function codename() {
  try {
    const m = /^VERSION_CODENAME=("?)([^"\n]*)\1$/m.exec(fs.readFileSync('/etc/os-release', 'utf8'));
    return m ? m[2] : '';
  } catch {
    return '';
  }
}

/** Entries { uri, suites[], signedBy } from the system's deb822 `.sources` files. */
function deb822Entries() {
  const dir = '/etc/apt/sources.list.d';
  let files = [];
  try {
    files = fs.readdirSync(dir).filter((f) => f.endsWith('.sources')).sort();
  } catch {
    return [];
  }
  const entries = [];
  for (const f of files) {
    for (const s of parseDeb822(fs.readFileSync(path.join(dir, f), 'utf8'))) {
      if (!(s.types ?? '').split(/\s+/).includes('deb')) continue;
      if (/^(no|false)$/i.test(s.enabled ?? 'yes')) continue;
      const uri = (s.uris ?? '').split(/\s+/)[0];
      if (uri) entries.push({ uri, suites: (s.suites ?? '').split(/\s+/), signedBy: s['signed-by'] ?? '' });
    }
  }
  return entries;
}

/** Entries { uri, suites[], signedBy } from one-line `deb` lines in sources.list and *.list files. */
function oneLineEntries() {
  const files = ['/etc/apt/sources.list'];
  try {
    const dir = '/etc/apt/sources.list.d';
    files.push(...fs.readdirSync(dir).filter((f) => f.endsWith('.list')).sort().map((f) => path.join(dir, f)));
  } catch {
    // no parts folder
  }
  const entries = [];
  for (const f of files) {
    let text = '';
    try {
      text = fs.readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const m = /^\s*deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)/.exec(line);
      if (!m) continue;
      const signed = /(?:^|\s)signed-by=(\S+)/.exec(m[1] ?? '');
      entries.push({ uri: m[2], suites: [m[3]], signedBy: signed ? signed[1] : '' });
    }
  }
  return entries;
}

/**
 * The system's main Debian mirror entry: the first `deb` entry whose suites include the release codename
 * (so not the security archive), else the first whose suites have no `-security`. Null when none.
 */
function debianMirror() {
  const entries = [...deb822Entries(), ...oneLineEntries()];
  const name = codename();
  const main = entries.find((e) => name && e.suites.includes(name));
  return main ?? entries.find((e) => !e.suites.some((s) => s.endsWith('-security'))) ?? null;
}

/** The keyring file apt should check the private index with, or '' to use apt's default trust. */
function keyringFor(entry) {
  if (entry.signedBy.startsWith('/') && fs.existsSync(entry.signedBy)) return entry.signedBy;
  const debian = '/usr/share/keyrings/debian-archive-keyring.gpg';
  return fs.existsSync(debian) ? debian : '';
}

/** apt options that point apt at the private sources list, lists and cache under .engine/apt/. */
function privateAptOptions(aptDir) {
  return [
    '-o', `Dir::Etc::sourcelist=${path.join(aptDir, 'sources.list')}`,
    '-o', 'Dir::Etc::sourceparts=-',
    '-o', `Dir::State::Lists=${path.join(aptDir, 'lists')}`,
    '-o', `Dir::Cache=${path.join(aptDir, 'cache')}`,
    '-o', 'Acquire::Languages=none',
  ];
}

/** Writes .engine/apt/sources.list naming the engine suite on the system's mirror; returns false if none. */
function writePrivateSources(aptDir) {
  const entry = debianMirror();
  if (!entry) return false;
  const keyring = keyringFor(entry);
  const opts = keyring ? `[signed-by=${keyring}] ` : '';
  fs.mkdirSync(path.join(aptDir, 'lists', 'partial'), { recursive: true });
  fs.mkdirSync(path.join(aptDir, 'cache', 'archives', 'partial'), { recursive: true });
  fs.writeFileSync(path.join(aptDir, 'sources.list'), `deb ${opts}${entry.uri} ${ENGINE_SUITE} main\n`);
  return true;
}

/** Finds a file named `name` below `dir`, or null. */
function findFile(dir, name) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.name === name && !e.isDirectory()) return p;
    if (e.isDirectory()) {
      const hit = findFile(p, name);
      if (hit) return hit;
    }
  }
  return null;
}

/**
 * Downloads and unpacks the engine package with private apt state. Returns the package version, or an
 * error string starting with 'error: '.
 */
function fetchEngine() {
  const aptDir = path.join(ENGINE, 'apt');
  if (!HAS_APT || !onPath('dpkg-deb')) return 'error: apt-get or dpkg-deb not found';
  if (!writePrivateSources(aptDir)) return 'error: no Debian mirror found in the apt configuration';
  const opts = privateAptOptions(aptDir);
  if (!run('apt-get', [...opts, 'update'], { log: 'engine' }).ok) return 'error: apt-get update failed';
  const debs = path.join(aptDir, 'debs');
  fs.rmSync(debs, { recursive: true, force: true });
  fs.mkdirSync(debs, { recursive: true });
  if (!run('apt-get', [...opts, 'download', ENGINE_PACKAGE], { log: 'engine', cwd: debs }).ok) {
    return `error: apt-get download ${ENGINE_PACKAGE} failed`;
  }
  const deb = fs.readdirSync(debs).find((f) => f.endsWith('.deb'));
  if (!deb) return 'error: no .deb was downloaded';
  return unpackEngine(path.join(debs, deb));
}

/** dpkg -x the package into .engine/pkg and installs its library as .engine/lib/libunicorn.so.2. */
function unpackEngine(deb) {
  const version = run('dpkg-deb', ['-f', deb, 'Version'], { log: 'engine' });
  if (!version.ok) return 'error: dpkg-deb could not read the package';
  const pkgDir = path.join(ENGINE, 'pkg');
  fs.rmSync(pkgDir, { recursive: true, force: true });
  if (!run('dpkg-deb', ['-x', deb, pkgDir], { log: 'engine' }).ok) return 'error: dpkg -x failed';
  const lib = findFile(pkgDir, 'libunicorn.so.2');
  if (!lib) return 'error: the package holds no libunicorn.so.2';
  const libDir = path.join(ENGINE, 'lib');
  fs.mkdirSync(libDir, { recursive: true });
  const v = version.out.trim();
  fs.writeFileSync(path.join(ENGINE, 'VERSION'), `${v}\n`);
  // The library is the "done" marker, so it is put in place last and atomically.
  fs.renameSync(lib, path.join(libDir, 'libunicorn.so.2.tmp'));
  fs.renameSync(path.join(libDir, 'libunicorn.so.2.tmp'), path.join(libDir, 'libunicorn.so.2'));
  return v;
}

/** Removes the downloaded index and package once the library is in place (about 25 MB). */
function cleanEngineDownloads() {
  for (const d of ['lists', 'cache', 'debs']) {
    fs.rmSync(path.join(ENGINE, 'apt', d), { recursive: true, force: true });
  }
}

/** Path of the system's libunicorn.so.2 (the 2.0.1 fallback), or null. */
function systemUnicorn() {
  return SYSTEM_LIB_DIRS.map((d) => path.join(d, 'libunicorn.so.2')).find((p) => fs.existsSync(p)) ?? null;
}

/** After a failed fetch: says the slow system engine will be used, installing it as root if absent. */
function engineFallback(reason) {
  const failed = path.join(ENGINE, 'FETCH-FAILED');
  fs.writeFileSync(failed, `${new Date().toISOString()} ${reason}\n`);
  say(`engine: fetching Unicorn 2.1 failed (${reason.slice(7)}; ${logHint('engine')}); ` +
    `the slow system Unicorn 2.0.1 (${FALLBACK_PACKAGE}) will be used`);
  if (systemUnicorn()) return;
  if (IS_ROOT && IS_DEBIAN && HAS_APT) {
    startLog('apt');
    if (aptInstall([FALLBACK_PACKAGE])) return;
  }
  say(`engine: no Unicorn library at all: install ${FALLBACK_PACKAGE} or set SYSEMU_LIBUNICORN; guests cannot run`);
}

/** Step 3: puts Unicorn 2.1.x at .engine/lib/libunicorn.so.2 unless it is there already. */
function stepEngine() {
  const lib = path.join(ENGINE, 'lib', 'libunicorn.so.2');
  if (fs.existsSync(lib)) {
    info(`engine: ${path.relative(ROOT, lib)} (${readVersion()})`);
    return;
  }
  if (process.env.SYSEMU_LIBUNICORN) {
    info(`engine: SYSEMU_LIBUNICORN=${process.env.SYSEMU_LIBUNICORN} is set; not fetching`);
    return;
  }
  const failed = path.join(ENGINE, 'FETCH-FAILED');
  if (QUIET && Date.now() - mtime(failed) < FETCH_RETRY_MS) return; // `npm run setup` retries at once
  say(`engine: fetching Unicorn 2.1 (${ENGINE_PACKAGE} from ${ENGINE_SUITE}) into .engine/`);
  fs.mkdirSync(ENGINE, { recursive: true });
  startLog('engine');
  let result;
  try {
    result = fetchEngine();
  } catch (e) {
    result = `error: ${e instanceof Error ? e.message : String(e)}`;
  }
  if (result.startsWith('error: ')) return engineFallback(result);
  fs.rmSync(failed, { force: true });
  cleanEngineDownloads();
  say(`engine: Unicorn ${result} at .engine/lib/libunicorn.so.2`);
}

function readVersion() {
  try {
    return fs.readFileSync(path.join(ENGINE, 'VERSION'), 'utf8').trim();
  } catch {
    return 'version unknown';
  }
}

// ---------------------------------------------------------------------------------------------- 4. guests

/** Step 4: runs scripts/build-guests.sh when guest sources are newer than the last successful build. */
function stepGuests() {
  const script = path.join(ROOT, 'scripts', 'build-guests.sh');
  if (!fs.existsSync(script)) {
    info('guests: scripts/build-guests.sh does not exist yet; skipped');
    return;
  }
  const build = path.join(ROOT, 'guest', 'build');
  const stamp = path.join(build, '.setup-stamp');
  const sources = Math.max(newestUnder(path.join(ROOT, 'guest'), new Set([build])), mtime(script));
  if (mtime(stamp) >= sources) {
    info('guests: guest/build is up to date');
    return;
  }
  say('guests: building (scripts/build-guests.sh)');
  startLog('guests');
  if (!run('bash', [script], { log: 'guests' }).ok) {
    say(`guests: build failed (${logHint('guests')})`);
    return;
  }
  fs.mkdirSync(build, { recursive: true });
  fs.writeFileSync(stamp, `${new Date().toISOString()}\n`);
}

// ---------------------------------------------------------------------------------------------- 5. bundle

/** Step 5: rebuilds dist/sysemu.mjs when emu/, kernel/, the build script or package.json changed. */
function stepBundle() {
  if (!fs.existsSync(path.join(ROOT, 'emu', 'cli.ts'))) {
    info('bundle: emu/cli.ts does not exist yet; skipped');
    return;
  }
  const out = path.join(ROOT, 'dist', 'sysemu.mjs');
  const sources = Math.max(
    newestUnder(path.join(ROOT, 'emu')),
    newestUnder(path.join(ROOT, 'kernel')),
    mtime(path.join(ROOT, 'scripts', 'build.mjs')),
    mtime(path.join(ROOT, 'package.json')),
  );
  if (mtime(out) >= sources) {
    info('bundle: dist/sysemu.mjs is up to date');
    return;
  }
  say('bundle: building dist/sysemu.mjs');
  startLog('bundle');
  if (!run(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { log: 'bundle' }).ok) {
    say(`bundle: build failed (${logHint('bundle')})`);
  }
}

// ---------------------------------------------------------------------------------------------- main

function main() {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log('usage: node scripts/setup.mjs [--quiet]\n' +
      '  installs npm dependencies, guest build tools, the Unicorn engine, the guests and the CLI bundle');
    return 0;
  }
  if (!stepDeps()) {
    say('deps: node_modules is missing and npm could not install it; nothing can run');
    return 1;
  }
  stepTools();
  stepEngine();
  stepGuests();
  stepBundle();
  return 0;
}

process.exitCode = main();
