#!/usr/bin/env node
// Docs that are tests: finds the fenced code blocks in README.md,
// pkg/README.md and docs/*.md that are marked to run, with an HTML comment
// (invisible on GitHub and npm) on the line just before the fence:
//
//   <!-- test: spa -->      a page of a single-page app: type-checked, then run in Chromium (tests/docs/docs.test.js)
//   <!-- test: worker -->   a Cloudflare Worker: type-checked, then run in workerd through miniflare
//   <!-- test: node -->     a Node program: type-checked, then run with node
//   <!-- test: tsc -->      type-checked only
//
// The convention and what each kind is run against: docs/docs-tests.md.
// `node tests/docs/extract.mjs` lists the marked blocks.
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const KINDS = ['spa', 'worker', 'node', 'tsc'];

/** The Markdown files whose marked blocks are tests. */
export async function docFiles(root = ROOT) {
  const docs = (await readdir(join(root, 'docs'))).filter((f) => f.endsWith('.md')).sort().map((f) => join(root, 'docs', f));
  return [join(root, 'README.md'), join(root, 'pkg', 'README.md'), ...docs];
}

/**
 * The marked blocks of one Markdown text.
 * @param {string} text
 * @param {string} file a name for messages
 * @returns {{ file: string, line: number, kind: string, lang: string, code: string }[]}
 * @throws on a marker with an unknown kind, a marker not followed by a fence, or an unclosed fence
 */
export function extractBlocks(text, file) {
  const lines = text.split('\n');
  const blocks = [];
  let open = null; // the fence of an unmarked block being skipped (markers inside it are examples)
  for (let i = 0; i < lines.length; i++) {
    if (open) {
      if (lines[i].startsWith(open) && /^(`+|~+)\s*$/.test(lines[i])) open = null;
      continue;
    }
    const fenceOpen = /^(`{3,}|~{3,})/.exec(lines[i]);
    if (fenceOpen) {
      open = fenceOpen[1];
      continue;
    }
    const marker = /^<!--\s*test:\s*([\w-]+)\s*-->\s*$/.exec(lines[i]);
    if (!marker) {
      if (/^\s*<!--\s*test:/.test(lines[i])) throw new Error(`${file}:${i + 1}: a test marker must be alone on its line: <!-- test: KIND -->`);
      continue;
    }
    const kind = marker[1];
    if (!KINDS.includes(kind)) throw new Error(`${file}:${i + 1}: unknown test kind "${kind}" (one of ${KINDS.join(', ')})`);
    const fence = /^(`{3,})(\w+)\s*$/.exec(lines[i + 1] ?? '');
    if (!fence) throw new Error(`${file}:${i + 1}: <!-- test: ${kind} --> must be followed at once by a fenced block with a language (\`\`\`js or \`\`\`ts)`);
    const lang = fence[2];
    if (!['js', 'ts'].includes(lang)) throw new Error(`${file}:${i + 2}: a tested block is js or ts, not ${lang}`);
    const start = i + 2;
    let end = start;
    while (end < lines.length && lines[end] !== fence[1]) end++;
    if (end === lines.length) throw new Error(`${file}:${i + 2}: the fenced block is not closed`);
    blocks.push({ file, line: i + 2, kind, lang, code: lines.slice(start, end).join('\n') + '\n' });
    i = end;
  }
  return blocks;
}

/** Every marked block of every doc file. */
export async function allBlocks(root = ROOT) {
  const out = [];
  for (const path of await docFiles(root)) out.push(...extractBlocks(await readFile(path, 'utf8'), relative(root, path)));
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  for (const b of await allBlocks()) console.log(`${b.file}:${b.line}\t${b.kind}\t${b.lang}\t${b.code.split('\n').length - 1} lines`);
}
