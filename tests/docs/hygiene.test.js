// The repository as published: no absolute paths of a developer's machine
// (/work/..., /root/..., /home/...) in any tracked file. A path such as
// fuzz/work/ (relative) is fine: the pattern wants the path to start there.
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
// The look-behind keeps relative paths such as fuzz/work/ out.
const PATTERN = String.raw`(?<![\w.~-])/(work|root|home)/[\w.-]`;

test('no absolute machine paths in tracked files', async () => {
  // -I: text files only; the look-behind keeps relative paths such as fuzz/work/ out.
  let out = '';
  try {
    ({ stdout: out } = await run('git', ['grep', '-nIP', PATTERN, '--', '.', ':!tests/docs/hygiene.test.js'], { cwd: ROOT, maxBuffer: 8 * 1024 * 1024 }));
  } catch (e) {
    if (e.code !== 1) throw e; // 1: no match
  }
  assert.equal(out, '', `absolute machine paths:\n${out}`);
});

test('the same git grep finds a machine path, and not a relative one', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hygiene-'));
  try {
    await writeFile(join(dir, 'a.md'), 'see /home/alice/notes\nfuzz/work/target is relative\n');
    const { stdout } = await run('git', ['grep', '--no-index', '-nIP', PATTERN, '--', '.'], { cwd: dir });
    assert.equal(stdout.trim(), 'a.md:1:see /home/alice/notes');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
