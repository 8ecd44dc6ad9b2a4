// HTTP and HTML helpers of the local NHS-login-like provider (provider.mjs and its
// own routes, journeys.mjs): bearer challenges, escaping, the plain page style, and
// request bodies with a size cap. No state; nothing here knows about OpenID.

/**
 * A `WWW-Authenticate` challenge carrying a bearer-token error (RFC 6750 §3).
 * @param {{ error: string, error_description?: string, scope?: string }} out
 */
export function bearerChallenge({ error, error_description: description, scope }) {
  const quoted = (value) => `"${String(value).replace(/[\\"]/g, '\\$&')}"`;
  const fields = Object.entries({ error, error_description: description, scope })
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}=${quoted(value)}`);
  return `Bearer ${fields.join(', ')}`;
}


/** Text safe to put in HTML. */
export const escapeHtml = (value) => String(value).replace(/[&<>"']/g, (c) => ({
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
}[c]));

/** Remove anything that looks like a JWT before logging (never log assertions or tokens). */
export const redact = (text) => String(text)
  .replace(/eyJ[\w-]*\.[\w-]*\.[\w-]*/g, '[redacted JWT]')
  .slice(0, 500);

const STYLE = `
  body { font-family: system-ui, Arial, sans-serif; margin: 0; background: #f0f4f5; color: #212b32; }
  header { background: #005eb8; color: #fff; padding: 12px 24px; font-weight: 700; }
  main { max-width: 40rem; margin: 24px auto; background: #fff; padding: 24px; }
  h1 { font-size: 1.6rem; margin-top: 0; }
  fieldset { border: 0; padding: 0; margin: 0 0 16px; }
  legend { font-weight: 700; margin-bottom: 8px; }
  .option { margin: 12px 0; }
  .option label { font-weight: 600; }
  .hint { display: block; color: #4c6272; margin-left: 1.8rem; font-size: 0.9rem; }
  button { font: inherit; font-weight: 700; padding: 10px 20px; margin: 8px 8px 0 0; cursor: pointer; }
  button.primary { background: #007f3b; color: #fff; border: 0; }
  button.secondary { background: #fff; color: #005eb8; border: 2px solid #005eb8; }
  button:focus, input:focus { outline: 3px solid #ffeb3b; outline-offset: 2px; }
  code { background: #f0f4f5; padding: 0 4px; }
  .error { border-left: 6px solid #d5281b; padding-left: 12px; }
`;

/** A whole page in this provider's plain style: no scripts, no external resources. */
export function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} – NHS login (local test provider)</title>
<style>${STYLE}</style>
</head>
<body>
<header>NHS login – local test provider (not the real NHS login)</header>
<main>
${body}
</main>
</body>
</html>`;
}

/** Sends `html` with `status` and a CSP that allows nothing from outside. */
export function sendHtml(res, status, html) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  // No external resources at all. `form-action` is deliberately not set: Chromium applies it to the
  // redirect that follows the form POST, which here goes on to the client's redirect_uri.
  res.setHeader(
    'Content-Security-Policy',
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'",
  );
  res.end(html);
}

/** Read a request body as text (at most 16 KiB; larger → an error with status 413). */
export async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 16 * 1024) {
      const err = new Error('request body too large');
      err.status = 413;
      throw err;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Read an `application/x-www-form-urlencoded` body (at most 16 KiB). */
export async function readForm(req) {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    const err = new Error('expected an application/x-www-form-urlencoded body');
    err.status = 415;
    throw err;
  }
  return new URLSearchParams(await readBody(req));
}

/** A 303 See Other to `location`, with no body. */
export function seeOther(res, location) {
  res.statusCode = 303;
  res.setHeader('Location', location);
  res.setHeader('Content-Length', '0');
  res.end();
}
