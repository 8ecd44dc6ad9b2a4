// Checks (and optionally repairs) the one export wasm-bindgen's glue needs to
// be a specific table: `__wbindgen_externrefs`, the externref table.
//
// Why: binaryen's wasm-opt (seen with version 108, Debian/Ubuntu's package;
// upstream binaryen#4711) rebinds that export to the funcref table when it
// rewrites the module, even with no passes. The code inside still uses the
// right table, only the export points at the wrong one, and the glue then
// fails at init with "WebAssembly.Table.set(): Argument 1 is invalid for
// table". Re-pointing the export is the whole repair.
//
// CLI:  node benches/wasm-tables.mjs check FILE   exit 1 (with a message) if broken
//       node benches/wasm-tables.mjs fix FILE     repair in place if broken
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const EXPORT = '__wbindgen_externrefs';
const FUNCREF = 0x70;
const EXTERNREF = 0x6f;

/** Parses what is needed: table types (imported first) and table exports with their byte offsets. */
function scan(buf) {
  if (buf.readUInt32LE(0) !== 0x6d736100) throw new Error('not a wasm binary');
  let i = 8;
  const leb = () => {
    let r = 0, shift = 0, b;
    do { b = buf[i++]; r += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
    return r;
  };
  const name = () => { const n = leb(); const s = buf.subarray(i, i + n).toString(); i += n; return s; };
  const limits = () => { const flags = buf[i++]; leb(); if (flags & 1) leb(); };
  const tables = [];
  const exports = [];
  while (i < buf.length) {
    const id = buf[i++];
    const len = leb();
    const end = i + len;
    if (id === 2) { // imports: only tables matter, the rest is skipped by kind
      for (let n = leb(); n > 0; n--) {
        name(); name();
        const kind = buf[i++];
        if (kind === 0) leb(); // func: type index
        else if (kind === 1) { tables.push(buf[i++]); limits(); }
        else if (kind === 2) limits(); // memory
        else if (kind === 3) i += 2; // global: valtype + mut
        else if (kind === 4) { i++; leb(); } // tag
        else throw new Error(`unknown import kind ${kind}`);
      }
    } else if (id === 4) {
      for (let n = leb(); n > 0; n--) { tables.push(buf[i++]); limits(); }
    } else if (id === 7) {
      for (let n = leb(); n > 0; n--) {
        const exportName = name();
        const kind = buf[i++];
        const at = i;
        const index = leb();
        if (kind === 1) exports.push({ name: exportName, index, at, width: i - at });
      }
    }
    i = end;
  }
  return { tables, exports };
}

/** null if fine (or no such export), else a description of the problem. */
export function checkExternrefExport(buf) {
  const { tables, exports } = scan(buf);
  const e = exports.find((x) => x.name === EXPORT);
  if (!e || tables[e.index] === EXTERNREF) return null;
  const kind = tables[e.index] === FUNCREF ? 'funcref' : `type 0x${tables[e.index]?.toString(16)}`;
  return `export \`${EXPORT}\` points at table ${e.index} (${kind}), not the externref table (a wasm-opt bug, binaryen#4711)`;
}

/** Re-points the export at the only externref table. Returns true if it changed `buf`. */
export function fixExternrefExport(buf) {
  const { tables, exports } = scan(buf);
  const e = exports.find((x) => x.name === EXPORT);
  if (!e || tables[e.index] === EXTERNREF) return false;
  const candidates = tables.flatMap((t, i) => (t === EXTERNREF ? [i] : []));
  if (candidates.length !== 1 || candidates[0] > 127 || e.width !== 1) throw new Error(`cannot repair ${EXPORT}: ${candidates.length} externref tables`);
  buf[e.at] = candidates[0];
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [cmd, file] = process.argv.slice(2);
  const buf = readFileSync(file);
  const problem = checkExternrefExport(buf);
  if (cmd === 'check') {
    if (problem) { console.error(`${file}: ${problem}`); process.exit(1); }
  } else if (cmd === 'fix') {
    if (problem) {
      fixExternrefExport(buf);
      new WebAssembly.Module(buf); // still valid
      writeFileSync(file, buf);
      console.error(`warning: ${file}: ${problem}; repaired the export`);
    }
  } else {
    console.error('usage: node benches/wasm-tables.mjs check|fix FILE.wasm');
    process.exit(2);
  }
}
