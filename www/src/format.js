// Display formats of the NHS.UK service manual (content style guide).

// NHS login developer documentation, "Scopes and claims", note 1
// (https://nhsconnect.github.io/nhslogin/scopes-and-claims/): "NHS number is part of a user's
// claimed identity. The user must not be given or presented with the NHS number which has been
// traced by NHS login." So the demo only ever says that one was received: in the details list,
// in the decoded ID token and in the userinfo answer alike.

/** What the details list shows for a received NHS number. */
export const NHS_NUMBER_RECEIVED = 'Received (not shown, as NHS login requires)';
/** What a displayed claims object (ID token payload, userinfo) shows in place of the NHS number. */
export const NHS_NUMBER_REDACTED = '•••• (received)';

/** A copy of `value` for display, with every `nhs_number` member's value (at any depth) redacted. */
export function redactNhsNumber(value) {
  if (Array.isArray(value)) return value.map(redactNhsNumber);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === 'nhs_number' ? NHS_NUMBER_REDACTED : redactNhsNumber(v)]));
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** `1968-02-12` → `12 February 1968` (no leading zero, month in full). Other values are returned as they are. */
export function formatDate(iso) {
  const m = typeof iso === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso) : null;
  if (!m) return iso;
  const [, y, mo, d] = m;
  const month = MONTHS[Number(mo) - 1];
  return month && Number(d) >= 1 && Number(d) <= 31 ? `${Number(d)} ${month} ${y}` : iso;
}

/** Seconds since the epoch → `12 February 1968 at 2:05pm` in the browser's time zone. */
export function formatTime(seconds) {
  if (typeof seconds !== 'number') return String(seconds);
  const d = new Date(seconds * 1000);
  const h = d.getHours();
  const mm = String(d.getMinutes()).padStart(2, '0');
  const date = `${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()}`;
  return `${date} at ${h % 12 || 12}:${mm}${h < 12 ? 'am' : 'pm'}`;
}

/** Identity levels as the demo offers them (NHS login vectors of trust, EIS §5.1 Table 21). */
export const LEVELS = Object.freeze({
  P9: { label: 'High', vtr: ['P9.Cp.Cd', 'P9.Cp.Ck', 'P9.Cm'], hint: 'Identity checked against photo ID or in person.' },
  P5: { label: 'Medium', vtr: ['P5.Cp.Cd', 'P5.Cp.Ck', 'P5.Cm'], hint: 'Name, date of birth and NHS number or postcode matched.' },
  P0: { label: 'Low', vtr: ['P0.Cp'], hint: 'Email and phone number confirmed, identity not checked.' },
});

/** P0 < P5 < P9, for comparing a `vot`'s level with another. */
export const LEVEL_RANK = Object.freeze({ P0: 0, P5: 1, P9: 2 });

/** `P9` → `High (P9)`. */
export function formatLevel(level) {
  return LEVELS[level] ? `${LEVELS[level].label} (${level})` : level;
}

/** A JWT's header and payload as objects (no validation: for display only). */
export function decodeJwt(jwt) {
  const part = (s) => {
    const b64 = s.replace(/-/g, '+').replace(/_/g, '/');
    const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0))));
  };
  const [h, p] = String(jwt).split('.');
  return { header: part(h), payload: part(p) };
}
