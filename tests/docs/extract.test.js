// The marker convention of tests/docs/extract.mjs: what is picked up, and mistakes that are errors
// rather than silently untested blocks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractBlocks } from './extract.mjs';

test('a marker on the line before a fenced js or ts block makes it a test; unmarked blocks are not', () => {
  const md = ['# t', '<!-- test: spa -->', '```js', 'a();', '```', '', '```js', 'not a test', '```', '<!-- test: worker -->', '````ts', 'b();', '```', '````'].join('\n');
  assert.deepEqual(extractBlocks(md, 'x.md'), [
    { file: 'x.md', line: 3, kind: 'spa', lang: 'js', code: 'a();\n' },
    { file: 'x.md', line: 11, kind: 'worker', lang: 'ts', code: 'b();\n```\n' },
  ]);
});

test('markers inside an unmarked fence or inline code are examples, not tests', () => {
  const md = ['````md', '<!-- test: spa -->', '```js', 'x', '```', '````', 'see `<!-- test: spa -->` here', '<!-- test: tsc -->', '```ts', 'y', '```'].join('\n');
  assert.deepEqual(extractBlocks(md, 'x.md').map((b) => [b.kind, b.code]), [['tsc', 'y\n']]);
});

test('marker mistakes are errors, never a block left untested', () => {
  for (const [md, re] of [
    ['<!-- test: browser -->\n```js\nx\n```', /unknown test kind "browser"/],
    ['<!-- test: spa -->\n\n```js\nx\n```', /must be followed at once by a fenced block/],
    ['<!-- test: spa -->\n```sh\nx\n```', /js or ts, not sh/],
    ['<!-- test: spa -->\n```js\nx\n', /not closed/],
    ['<!-- test: spa --> and text\n```js\nx\n```', /alone on its line/],
  ]) {
    assert.throws(() => extractBlocks(md, 'x.md'), re);
  }
});
