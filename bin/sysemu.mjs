#!/usr/bin/env node
// The `sysemu` command. The CLI itself is the bundle dist/sysemu.mjs; on first use (no bundle yet) this runs
// the project's setup once, quietly, to install dependencies, fetch the engine and build the bundle.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUNDLE = path.join(ROOT, 'dist', 'sysemu.mjs');

if (!fs.existsSync(BUNDLE)) {
  const setup = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'setup.mjs'), '--quiet'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (!fs.existsSync(BUNDLE)) {
    console.error(`sysemu: ${path.relative(process.cwd(), BUNDLE) || BUNDLE} is missing and setup ` +
      `(exit ${setup.status ?? setup.signal}) did not build it; run \`npm run setup\` in ${ROOT}`);
    process.exit(1);
  }
}

// Stack traces of emulator bugs should point into the TypeScript sources, not the bundle.
process.setSourceMapsEnabled(true);
await import(pathToFileURL(BUNDLE).href);
