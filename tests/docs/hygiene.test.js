// The repository as published: no absolute paths of a developer's machine
// (the folders work, root or home at the filesystem root) in any tracked
// file. A relative path (fuzz/run.sh's work folder) is fine: the pattern wants the
// path to start at the root. (This file spells those paths in pieces, so that
// a plain git grep for them finds nothing here either.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
// The look-behind keeps relative paths out.
const PATTERN = String.raw`(?<![\w.~-])/(work|root|home)/[\w.-]`;

test('no absolute machine paths in tracked files', async () => {
  // -I: text files only.
  let out = '';
  try {
    ({ stdout: out } = await run('git', ['grep', '-nIP', PATTERN, '--', '.'], { cwd: ROOT, maxBuffer: 8 * 1024 * 1024 }));
  } catch (e) {
    if (e.code !== 1) throw e; // 1: no match
  }
  assert.equal(out, '', `absolute machine paths:\n${out}`);
});

test('the same git grep finds a machine path, and not a relative one', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hygiene-'));
  try {
    const machinePath = ['', 'home', 'alice', 'notes'].join('/');
    const relativePath = ['fuzz', 'work', 'target'].join('/');
    await writeFile(join(dir, 'a.md'), `see ${machinePath}\n${relativePath} is relative\n`);
    const { stdout } = await run('git', ['grep', '--no-index', '-nIP', PATTERN, '--', '.'], { cwd: dir });
    assert.equal(stdout.trim(), `a.md:1:see ${machinePath}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
