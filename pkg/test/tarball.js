// Test helpers for "the package as users get it": `npm pack` of pkg/ into a
// temporary folder, and scratch apps with that tarball installed (offline: the
// package has no dependencies) next to fixture files. Used by pack.test.js,
// bundlers.test.js and deno.test.js.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** pkg/ (the package folder). */
export const PKG_DIR = fileURLToPath(new URL('../', import.meta.url));
/** The workspace root (devDependencies: bundlers, deno, typescript). */
export const ROOT_DIR = fileURLToPath(new URL('../../', import.meta.url));
/** pkg/test/fixtures/. */
export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

// npm writes nothing outside the scratch folders, and asks nothing of the network.
const npmEnv = (cache) => ({
  ...process.env,
  npm_config_cache: cache,
  npm_config_update_notifier: 'false',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_loglevel: 'error',
});

const scratch = [];

/** A new temporary folder, removed by cleanup(). */
export async function tempDir(prefix = 'nhs-login-client-') {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

export async function cleanup() {
  await Promise.all(scratch.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

let packed;
/**
 * `npm pack` in pkg/ (once per process). Resolves to { tarball, info } where
 * info is npm's --json description (files with sizes, size, unpackedSize).
 */
export function pack() {
  return (packed ??= (async () => {
    const dest = await tempDir('nhs-login-client-pack-');
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dest], {
      cwd: PKG_DIR,
      env: npmEnv(join(dest, '.npm')),
      maxBuffer: 16 * 1024 * 1024,
    });
    const [info] = JSON.parse(stdout);
    return { tarball: join(dest, info.filename), info };
  })());
}

/**
 * A scratch app folder: package.json, the fixture folder's files copied in,
 * and the packed tarball installed with `npm install --offline`, so
 * `nhs-login-client` resolves from the app's own node_modules (a real copy,
 * not the workspace link).
 */
export async function scratchApp(fixture) {
  const { tarball } = await pack();
  const dir = await tempDir('nhs-login-client-app-');
  if (fixture) await cp(join(FIXTURES, fixture), dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'scratch-app', private: true, type: 'module' }, null, 2));
  await run('npm', ['install', '--offline', '--no-package-lock', tarball], { cwd: dir, env: npmEnv(join(dir, '.npm-cache')) });
  return dir;
}
