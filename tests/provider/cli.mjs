#!/usr/bin/env node
// Run the local NHS-login-like provider on its own, for the demo or manual testing.
//
//   node tests/provider/cli.mjs --port 9000 --client-id demo-client \
//     --redirect-uri http://127.0.0.1:8080/callback --client-jwks path/to/jwks.json
//
// Without --client-jwks a client key pair is generated: the private key is written as a PKCS#8 PEM
// and the public key as a JWKS into --out (default: target/provider/ in the repository). The issuer
// URL is printed alone on the first line of stdout, so scripts can read it. Stop with Ctrl-C.

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { PROFILE_DEFAULTS, redirectUriProblem, resolveProfile, startProvider } from './provider.mjs';
import { patientList } from './patients.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const usage = `Usage: node tests/provider/cli.mjs [options]

  --port <n>             port on 127.0.0.1 (default 9000; 0 picks a free one)
  --client-id <id>       client_id to register (default demo-client)
  --redirect-uri <uri>   redirect URI to register; repeat for several
                         (default http://127.0.0.1:8080/callback)
  --client-jwks <file>   the client's public JWKS ({"keys":[...]}) or a single public JWK
  --out <dir>            where to write a generated client key pair when --client-jwks is not given
                         (default target/provider/)
  --signing-key <file>   provider signing key, RSA private key PEM (default: generated at start-up)
  --quiet                do not log provider diagnostics to stderr
  -h, --help             show this help

Profile switches (default: behave like NHS login; see README "Profile switches"):
  --iss-parameter                send the RFC 9207 iss parameter on the redirect back
  --access-token-ttl <seconds>   access token lifetime, 1-3600 (default ${PROFILE_DEFAULTS.accessTokenTtl})
  --id-token-claims all|identity put every scope claim in the ID token, or only the identity
                                 claims (default ${PROFILE_DEFAULTS.idTokenClaims})
  --verified-as-strings          email_verified, phone_number_verified and phone_number_pds_matched
                                 as the strings "true"/"false"
  --assertion-audience token-endpoint|issuer-or-token-endpoint
                                 what the client assertion aud must contain
                                 (default ${PROFILE_DEFAULTS.assertionAudience})
  --no-uplift                    a patient below the requested level gets access_denied instead
                                 of the uplift page`;

/** The profile switches given on the command line, as `startProvider` options (unchecked). */
function profileOptions(args) {
  const options = {
    ...(args['iss-parameter'] ? { issParameter: true } : {}),
    ...(args['id-token-claims'] ? { idTokenClaims: args['id-token-claims'] } : {}),
    ...(args['verified-as-strings'] ? { verifiedAsStrings: true } : {}),
    ...(args['assertion-audience'] ? { assertionAudience: args['assertion-audience'] } : {}),
    ...(args['no-uplift'] ? { uplift: false } : {}),
  };
  if (args['access-token-ttl'] !== undefined) {
    // Only whole decimal numbers: Number('') and Number('0x10') would slip through.
    const ttl = args['access-token-ttl'];
    options.accessTokenTtl = /^\d+$/.test(ttl) ? Number(ttl) : ttl;
  }
  return options;
}

/** The switches that differ from NHS login's behaviour, or "NHS login defaults". */
function describeProfile(profile) {
  const changed = Object.entries(profile).filter(([name, value]) => value !== PROFILE_DEFAULTS[name]);
  return changed.length ? changed.map(([name, value]) => `${name}=${value}`).join(' ') : 'NHS login defaults';
}

async function main() {
  let args;
  try {
    ({ values: args } = parseArgs({
      options: {
        port: { type: 'string', default: '9000' },
        'client-id': { type: 'string', default: 'demo-client' },
        'redirect-uri': { type: 'string', multiple: true },
        'client-jwks': { type: 'string' },
        out: { type: 'string' },
        'signing-key': { type: 'string' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        'iss-parameter': { type: 'boolean', default: false },
        'access-token-ttl': { type: 'string' },
        'id-token-claims': { type: 'string' },
        'verified-as-strings': { type: 'boolean', default: false },
        'assertion-audience': { type: 'string' },
        'no-uplift': { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`${err.message}\n\n${usage}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }

  const port = Number(args.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`invalid --port ${args.port}\n`);
    return 2;
  }
  const clientId = args['client-id'];
  const redirectUris = args['redirect-uri']?.length ? args['redirect-uri'] : ['http://127.0.0.1:8080/callback'];
  for (const uri of redirectUris) {
    const problem = redirectUriProblem(uri);
    if (problem) {
      process.stderr.write(`invalid --redirect-uri ${uri}: it ${problem}\n`);
      return 2;
    }
  }
  let profile;
  try {
    profile = resolveProfile(profileOptions(args));
  } catch (err) {
    process.stderr.write(`${err.message}\n`);
    return 2;
  }

  let jwks;
  if (args['client-jwks']) {
    const parsed = JSON.parse(await readFile(args['client-jwks'], 'utf8'));
    jwks = Array.isArray(parsed.keys) ? parsed : { keys: [parsed] };
  }
  const signingKey = args['signing-key'] ? await readFile(args['signing-key'], 'utf8') : undefined;

  const op = await startProvider({
    port,
    clients: [{ client_id: clientId, redirect_uris: redirectUris, ...(jwks ? { jwks } : {}) }],
    signingKey,
    ...profile,
    ...(args.quiet ? { log: false } : {}),
  });

  const lines = [op.issuer];
  lines.push(
    '  NHS login local test provider (not the real NHS login), listening on 127.0.0.1 only.',
    `  discovery:     ${op.endpoints.discovery}`,
    `  client_id:     ${clientId}`,
    `  redirect_uris: ${redirectUris.join(' ')}`,
    `  profile:       ${describeProfile(op.profile)}`,
  );

  const generated = op.clientKeys?.[clientId];
  if (generated) {
    const outDir = args.out ? resolve(args.out) : resolve(repoRoot, 'target', 'provider');
    await mkdir(outDir, { recursive: true });
    const pemPath = resolve(outDir, `${clientId}.private.pem`);
    const jwksPath = resolve(outDir, `${clientId}.jwks.json`);
    await writeFile(pemPath, generated.privateKeyPem, { mode: 0o600 });
    await writeFile(jwksPath, `${JSON.stringify(generated.jwks, null, 2)}\n`);
    const show = (p) => relative(process.cwd(), p) || p;
    lines.push(
      `  generated client key pair (kid ${generated.kid}):`,
      `    private key (PKCS#8 PEM): ${show(pemPath)}`,
      `    public JWKS:              ${show(jwksPath)}`,
    );
  } else {
    lines.push(`  client JWKS:   ${args['client-jwks']}`);
  }
  lines.push('  test patients:');
  for (const p of patientList) {
    lines.push(`    ${p.id}  ${p.identityProofingLevel}  sub ${p.sub}  NHS number ${p.nhsNumber}  ${p.givenName} ${p.familyName}`);
  }
  lines.push('  Ctrl-C to stop.');
  process.stdout.write(`${lines.join('\n')}\n`);

  const stop = async () => {
    await op.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return undefined;
}

main().then((code) => {
  if (code !== undefined) process.exitCode = code;
}, (err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exitCode = 1;
});
