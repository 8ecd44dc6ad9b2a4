// Test patients for the local NHS-login-like provider (tests/provider/provider.mjs).
//
// Every value here is fictional test data:
// - `sub` values are fixed UUIDs, like the ones NHS login issues (reference §4: "Observed values are
//   UUIDs"). They never change, so tests may hard-code them.
// - NHS numbers are in the NHS test range 999 000 0000 – 999 999 9999, with a valid modulus-11 check
//   digit (see `isValidNhsNumber` below).
// - Phone numbers are in Ofcom's range reserved for drama (07700 900000 – 900999), written in E.164.
// - E-mail addresses use the reserved `example.org` domain (RFC 2606).
//
// `identityProofingLevel` is the user's highest proven level (EIS Table 19; DOCS step-up-p5-p9):
// P0 = e-mail and mobile number verified only, P5 = details matched against PDS, P9 = photo ID checked.
// It is the level at start-up: an uplift raises it inside one provider instance only, which keeps
// its own record (these objects are frozen and shared by every instance in the process).

/**
 * @typedef {object} Patient
 * @property {string} id                      short key used by the login form (`patient=p9`)
 * @property {string} label                   accessible label shown on the login page
 * @property {string} sub                     stable subject identifier (UUID)
 * @property {'P0'|'P5'|'P9'} identityProofingLevel
 * @property {string} nhsNumber               10 digits, valid check digit, 999 test range
 * @property {string} givenName
 * @property {string} familyName
 * @property {string} birthdate               YYYY-MM-DD (EIS Table 11)
 * @property {string} email
 * @property {boolean} emailVerified
 * @property {string} phoneNumber             E.164
 * @property {boolean} phoneNumberVerified
 * @property {boolean} phoneNumberPdsMatched  true only when the 2FA phone matches PDS (P5/P9 only)
 * @property {string} gpOdsCode               GP practice ODS code
 */

/** @type {Readonly<Record<string, Readonly<Patient>>>} */
export const patients = Object.freeze({
  p9: Object.freeze({
    id: 'p9',
    label: 'Sign in as P9 patient Alice Pennington (high identity verification)',
    sub: '91c06923-0585-434a-b649-ab72f37972c9',
    identityProofingLevel: 'P9',
    nhsNumber: '9990000018',
    givenName: 'Alice',
    familyName: 'Pennington',
    birthdate: '1984-03-17',
    email: 'alice.pennington@example.org',
    emailVerified: true,
    phoneNumber: '+447700900101',
    phoneNumberVerified: true,
    phoneNumberPdsMatched: true,
    gpOdsCode: 'A20047',
  }),
  p5: Object.freeze({
    id: 'p5',
    label: 'Sign in as P5 patient Bilal Okafor (medium identity verification)',
    sub: '78a5b40e-7d8f-4fc4-a2f6-87ffe98fddc1',
    identityProofingLevel: 'P5',
    nhsNumber: '9990000026',
    givenName: 'Bilal',
    familyName: 'Okafor',
    birthdate: '1992-11-05',
    email: 'bilal.okafor@example.org',
    emailVerified: true,
    phoneNumber: '+447700900202',
    phoneNumberVerified: true,
    phoneNumberPdsMatched: false,
    gpOdsCode: 'B82005',
  }),
  p0: Object.freeze({
    id: 'p0',
    label: 'Sign in as P0 patient Chloe Duarte (no identity verification)',
    sub: '847bf5bb-df30-4954-ae8f-8b0e4e7948cd',
    identityProofingLevel: 'P0',
    // A P0 account is not matched to PDS, so NHS login releases no NHS number, name, birth date or GP
    // for it (DOCS scopes-and-claims: those scopes are "P5/P9" only). The fixture still carries a
    // test-range number so it has the same shape as the others; the provider never releases it at
    // P0. Once an uplift page has raised this patient to P5 or P9 (in one provider instance; this
    // object never changes), it is released like any P5/P9 patient's.
    nhsNumber: '9990000034',
    givenName: 'Chloe',
    familyName: 'Duarte',
    birthdate: '2001-07-29',
    email: 'chloe.duarte@example.org',
    emailVerified: true,
    phoneNumber: '+447700900303',
    phoneNumberVerified: true,
    phoneNumberPdsMatched: false,
    gpOdsCode: 'C81040',
  }),
});

/** Proofing levels in ascending order of assurance (EIS Table 19). */
export const PROOFING_LEVELS = Object.freeze(['P0', 'P5', 'P9']);

/** All patients as an array, in the order shown on the login page. */
export const patientList = Object.freeze(Object.values(patients));

/**
 * Find a patient by short id (`p9`) or by `sub`.
 * @param {string | undefined} idOrSub
 * @returns {Readonly<Patient> | undefined}
 */
export function findPatient(idOrSub) {
  if (typeof idOrSub !== 'string') return undefined;
  return patients[idOrSub] ?? patientList.find((p) => p.sub === idOrSub);
}

/**
 * NHS number check: 10 digits, digits 1–9 weighted 10..2, check digit = 11 − (sum mod 11),
 * where 11 becomes 0 and 10 means the number is invalid (NHS Data Dictionary, "NHS NUMBER").
 * @param {string} nhsNumber
 * @returns {boolean}
 */
export function isValidNhsNumber(nhsNumber) {
  if (!/^\d{10}$/.test(nhsNumber)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i += 1) sum += Number(nhsNumber[i]) * (10 - i);
  let check = 11 - (sum % 11);
  if (check === 11) check = 0;
  if (check === 10) return false;
  return check === Number(nhsNumber[9]);
}

/**
 * A new patient, as the registration journey creates one (DOCS testing-scenarios, "Registration":
 * a new user registers at the service's level). They start at P0 (e-mail and mobile number
 * verified); the uplift page then proves their identity to the level the service asked for.
 * `n` makes every value distinct; all are fictional test data as above.
 * @param {number} n 1, 2, ...
 * @param {string} sub a fresh UUID
 * @returns {Readonly<Patient>}
 */
export function newPatient(n, sub) {
  // 999 1nn nnn c: the test range, away from the fixed patients, with a valid check digit.
  let nhsNumber;
  for (let k = n; !nhsNumber; k += 1000) {
    const body = `9991${String(k % 100000).padStart(5, '0')}`;
    const candidates = [...'0123456789'].map((d) => body + d).filter(isValidNhsNumber);
    nhsNumber = candidates[0];
  }
  return Object.freeze({
    id: `new-${n}`,
    label: `Registered patient ${n}`,
    sub,
    identityProofingLevel: 'P0',
    nhsNumber,
    givenName: 'Robin',
    familyName: `Newcombe-${n}`,
    birthdate: '1999-01-01',
    email: `robin.newcombe.${n}@example.org`,
    emailVerified: true,
    phoneNumber: `+4477009${String(500 + (n % 500)).padStart(5, '0')}`,
    phoneNumberVerified: true,
    phoneNumberPdsMatched: false,
    gpOdsCode: 'D82001',
  });
}
