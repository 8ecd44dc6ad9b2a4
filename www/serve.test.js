// `make demo` (node www/serve.mjs) as a user runs it, as a real child process:
// a taken port is a message naming the variable to set (exit code 2, no
// stack trace), and SIGTERM or SIGINT — to the node process alone, to its
// process group, or to `make demo` with everything it started — stops every
// child (workerd) and frees both ports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** A port nobody listens on (taken from the kernel, then given back). */
async function freePort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

/** Listens on a port, so that the demo finds it taken. */
async function occupy() {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  return s;
}

/** Whether something listens on 127.0.0.1:port. */
async function inUse(port) {
  const s = createServer();
  return new Promise((resolve) => {
    s.once('error', () => resolve(true));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(false)));
  });
}

/** Spawns a command in a process group of its own; collects its output; resolves `exited` with { code, signal }. */
function start(command, args, env) {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => out, exited };
}

/** Resolves when `text` appears in the output, rejects after `ms`. */
async function waitFor(run, text, ms = 90_000) {
  const until = Date.now() + ms;
  while (!run.output().includes(text)) {
    if (Date.now() > until) throw new Error(`no "${text}" after ${ms} ms:\n${run.output()}`);
    if (run.child.exitCode !== null) throw new Error(`exited (${run.child.exitCode}) before "${text}":\n${run.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every descendant pid of `pid` (from /proc). */
async function descendants(pid) {
  const parents = new Map();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …: comm may hold spaces, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {}
  }
  const out = [];
  const walk = (p) => {
    for (const [child, parent] of parents) if (parent === p) out.push(child), walk(child);
  };
  walk(pid);
  return out;
}

/** Whether `pid` still runs (a zombie, exited but not yet reaped by its new parent, does not). */
async function alive(pid) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat !== '' && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}

/** Polls until no pid in `pids` runs (up to `ms`); resolves to those still running. */
async function stillRunning(pids, ms = 5000) {
  const until = Date.now() + ms;
  for (;;) {
    const running = [];
    for (const pid of pids) if (await alive(pid)) running.push(pid);
    if (!running.length || Date.now() > until) return running;
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a taken PROVIDER_PORT or DEMO_PORT: a message naming the variable, exit code 2, no stack trace', async () => {
  for (const variable of ['PROVIDER_PORT', 'DEMO_PORT']) {
    const taken = await occupy();
    const port = taken.address().port;
    try {
      const env = { DEMO_PORT: String(await freePort()), PROVIDER_PORT: String(await freePort()), [variable]: String(port) };
      const run = start(process.execPath, ['www/serve.mjs'], env);
      const { code } = await run.exited;
      assert.equal(code, 2, run.output());
      assert.match(run.output(), new RegExp(`port ${port} on 127\\.0\\.0\\.1 .*is in use: set ${variable} to another port`));
      assert.doesNotMatch(run.output(), /\n\s+at /, 'no stack trace');
      assert.doesNotMatch(run.output(), /EADDRINUSE/);
    } finally {
      taken.close();
    }
  }
});

test('a PROVIDER_PORT that is not a port number is refused by name', async () => {
  const run = start(process.execPath, ['www/serve.mjs'], { DEMO_PORT: '0', PROVIDER_PORT: 'nine thousand' });
  assert.equal((await run.exited).code, 1);
  assert.match(run.output(), /PROVIDER_PORT must be a port number/);
});

// How the demo is stopped: [what is spawned, whom the signal goes to, which signal].
const STOPS = [
  ['node www/serve.mjs', 'the node process alone', 'SIGTERM'],
  ['node www/serve.mjs', 'its process group', 'SIGINT'],
  // make with its prerequisites taken as done (-o): only the recipe, `node www/serve.mjs`, runs.
  ['make -o setup -o build demo', 'the process group of make (Ctrl-C in a terminal)', 'SIGINT'],
  ['make -o setup -o build demo', 'the process group of make', 'SIGTERM'],
];

for (const [command, target, signal] of STOPS) {
  test(`${signal} to ${target} (${command}) stops workerd and the provider: both ports free`, async () => {
    const demoPort = await freePort();
    const providerPort = await freePort();
    const [cmd, ...args] = command.split(' ');
    const run = start(cmd === 'node' ? process.execPath : cmd, args, { DEMO_PORT: String(demoPort), PROVIDER_PORT: String(providerPort) });
    try {
      await waitFor(run, 'Press Ctrl-C to stop.');
      assert.ok(await inUse(demoPort), 'the SPA listens');
      assert.ok(await inUse(providerPort), 'the provider listens');
      const children = await descendants(run.child.pid);
      const workerd = [];
      for (const pid of children) {
        const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
        if (/workerd/.test(cmdline)) workerd.push(pid);
      }
      assert.ok(workerd.length >= 1, `workerd runs as a child (${children.length} descendants)`);

      if (target === 'the node process alone') process.kill(run.child.pid, signal);
      else process.kill(-run.child.pid, signal);
      const exited = await Promise.race([run.exited, new Promise((r) => setTimeout(() => r('timeout'), 15_000))]);
      assert.notEqual(exited, 'timeout', `stopped within 15 s:\n${run.output()}`);
      if (cmd === 'node') assert.equal(exited.code, 0, run.output());
      assert.match(run.output(), new RegExp(`${signal}: stopping the demo…[\\s\\S]*Stopped\\.`));
      // Give the kernel a moment to release the sockets of processes that have just exited.
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(await inUse(demoPort), false, 'DEMO_PORT is free');
      assert.equal(await inUse(providerPort), false, 'PROVIDER_PORT is free');
      const running = await stillRunning(children);
      const names = await Promise.all(running.map((pid) => readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '?')));
      assert.deepEqual(names, [], 'every child (workerd, esbuild) has stopped');
    } finally {
      try {
        process.kill(-run.child.pid, 'SIGKILL');
      } catch {}
    }
  });
}
