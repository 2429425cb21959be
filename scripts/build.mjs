#!/usr/bin/env node
// Bundles the CLI (emu/cli.ts and everything it imports from emu/ and kernel/) into dist/sysemu.mjs.
// Only koffi stays external (it loads a native addon); the pure-JS dependencies are bundled, which saves the
// CommonJS loader's work at every start. Node built-ins are external because the platform is node.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ENTRY = path.join(ROOT, 'emu', 'cli.ts');
const OUT = path.join(ROOT, 'dist', 'sysemu.mjs');

/** Packages left as imports in the bundle: the ones with native code. */
function externals() {
  return ['koffi'];
}

// An ESM bundle has no `require`; esbuild's shim for CommonJS code calls it, so define one up front.
const BANNER = [
  "import { createRequire as __sysemuCreateRequire } from 'node:module';",
  'const require = __sysemuCreateRequire(import.meta.url);',
].join('\n');

async function main() {
  if (!fs.existsSync(ENTRY)) {
    console.log('build: emu/cli.ts does not exist yet; nothing to bundle');
    return 0;
  }
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [ENTRY],
    outfile: OUT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: externals(),
    banner: { js: BANNER },
    sourcemap: true,
    logLevel: 'warning',
    absWorkingDir: ROOT,
  });
  if (result.errors.length > 0) return 1;
  const kib = (fs.statSync(OUT).size / 1024).toFixed(0);
  console.log(`build: ${path.relative(ROOT, OUT)} (${kib} KiB)`);
  return 0;
}

process.exitCode = await main().catch((e) => {
  // esbuild has already printed its diagnostics; this line says which step failed.
  console.error(`build: bundling failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  return 1;
});
