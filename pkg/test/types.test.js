// The hand-written declarations (index.d.ts, edge.d.ts) as a TypeScript user
// gets them: the `npm pack` tarball installed into a scratch app with two
// strict TypeScript files using every export (fixtures/types/app.ts and
// edge.ts, with @ts-expect-error lines for what must be rejected), checked
// with `tsc --noEmit --strict` under moduleResolution bundler and nodenext, so
// the exports map's `types` conditions are what TypeScript follows. The .d.ts
// files themselves are checked too (skipLibCheck off), with the stricter
// options many apps turn on. Also: the declared exports and error codes match
// what the JavaScript exports at run time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as lib from 'nhs-login-client';
import * as edge from 'nhs-login-client/edge';
import * as edgeNode from 'nhs-login-client/edge/node';
import { scratchApp, cleanup, ROOT_DIR, PKG_DIR } from './tarball.js';

const run = promisify(execFile);
const TSC = join(ROOT_DIR, 'node_modules/typescript/bin/tsc');
let app, tscVersion;

before(async () => {
  app = await scratchApp('types');
  tscVersion = (await run(process.execPath, [TSC, '--version'])).stdout.trim();
});
after(cleanup);

const base = {
  strict: true,
  noEmit: true,
  skipLibCheck: false,
  target: 'es2022',
  lib: ['es2022', 'dom', 'dom.iterable'],
  types: [],
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  noImplicitOverride: true,
  verbatimModuleSyntax: true,
  isolatedModules: true,
  noFallthroughCasesInSwitch: true,
};

/** Runs tsc on the scratch app with `compilerOptions`; resolves to { code, output }. */
async function tsc(name, compilerOptions, extraArgs = [], files = ['app.ts', 'edge.ts']) {
  const config = join(app, `tsconfig.${name}.json`);
  await writeFile(config, JSON.stringify({ compilerOptions: { ...base, ...compilerOptions }, files }, null, 2));
  try {
    const { stdout, stderr } = await run(process.execPath, [TSC, '-p', config, '--noEmit', '--strict', '--pretty', 'false', ...extraArgs], { cwd: app, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, output: stdout + stderr };
  } catch (e) {
    return { code: e.code, output: `${e.stdout}${e.stderr}` };
  }
}

for (const [name, options] of [
  ['bundler', { module: 'preserve', moduleResolution: 'bundler' }],
  ['nodenext', { module: 'nodenext', moduleResolution: 'nodenext' }],
]) {
  test(`tsc --noEmit --strict with moduleResolution ${name}: every export type-checks, misuse is rejected`, async (t) => {
    const r = await tsc(name, options, ['--explainFiles']);
    t.diagnostic(`${tscVersion}, ${name}: exit ${r.code}`);
    const errors = r.output.split('\n').filter((l) => /error TS\d+/.test(l));
    assert.deepEqual(errors, [], r.output.slice(0, 4000));
    assert.equal(r.code, 0);
    // The declarations came through the exports map's `types` conditions, from the installed tarball.
    assert.match(r.output, /node_modules\/nhs-login-client\/index\.d\.ts/);
    assert.match(r.output, /node_modules\/nhs-login-client\/edge\.d\.ts/);
    assert.match(r.output, /node_modules\/nhs-login-client\/edge-node\.d\.ts/);
    assert.doesNotMatch(r.output, /nhs-login-client\/wasm\/.*\.d\.ts/, 'the wasm-bindgen declarations are not needed');
  });
}

test('the declared exports are exactly the runtime exports', async () => {
  const declared = async (file) => {
    const text = await readFile(join(PKG_DIR, file), 'utf8');
    return [...text.matchAll(/^export declare (?:function|class|const) (\w+)/gm)].map((m) => m[1]).sort();
  };
  assert.deepEqual(await declared('index.d.ts'), Object.keys(lib).sort());
  assert.deepEqual(await declared('edge.d.ts'), Object.keys(edge).sort());
  // edge-node.d.ts: `export * from './edge.js'` and its own declarations.
  assert.match(await readFile(join(PKG_DIR, 'edge-node.d.ts'), 'utf8'), /^export \* from '\.\/edge\.js';$/m);
  assert.deepEqual([...(await declared('edge.d.ts')), ...(await declared('edge-node.d.ts'))].sort(), Object.keys(edgeNode).sort());
});

test('the ErrorCode union (generated.d.ts, re-exported by index.d.ts) lists exactly ERROR_CODES', async () => {
  const text = await readFile(join(PKG_DIR, 'generated.d.ts'), 'utf8');
  assert.match(await readFile(join(PKG_DIR, 'index.d.ts'), 'utf8'), /export type \{ Environment, VectorOfTrust, ErrorCode, Scope \}/);
  const union = /export type ErrorCode =([^;]+);/.exec(text)[1];
  const declared = [...union.matchAll(/"([a-z_]+)"/g)].map((m) => m[1]);
  assert.ok(declared.length >= 25);
  assert.deepEqual([...declared].sort(), [...lib.ERROR_CODES].sort());
  assert.equal(new Set(declared).size, declared.length);
});

// index.d.ts against the runtime: the NhsLoginError constructor and RemoteJwks
// (fixtures/types/findings.ts explains each).
test('index.d.ts: NhsLoginError constructor and RemoteJwks match the runtime', async () => {
  const r = await tsc('findings', { module: 'nodenext', moduleResolution: 'nodenext' }, [], ['findings.ts']);
  assert.equal(r.code, 0, r.output);
});
