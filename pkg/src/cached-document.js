// One cache policy for documents fetched from the provider: the JWKS that
// createRemoteJwks (core.js) keeps, and the JWKS and discovery document the
// edge handler keeps. Each caller brings its own fetch, parsing, maximum age
// and errors; the cache decides when to fetch.
//
// - A document is fetched when first needed and kept until its maximum age.
// - One fetch at a time: concurrent callers share the one in flight.
// - A failed fetch keeps the previous document (if any) and its expiry; the
//   failure goes to the callers of that fetch only.
// - `refresh()` (an unknown `kid`: the provider may have rotated its keys)
//   fetches again, at most once per cooldown, whatever the age.

/**
 * A lazily fetched, shared document.
 *
 * @template T
 * @param {() => Promise<{ value: T, maxAgeMs: number }>} load fetches and
 *   parses the document once, and says how long it may be kept (it throws the
 *   caller's own errors).
 * @param {{ cooldownMs: number }} options the least time between two
 *   `refresh()` fetches.
 * @returns {{ get: () => T | Promise<T>, refresh: () => T | Promise<T> | undefined }}
 *   `get` answers the document while fresh, else fetches it. `refresh`
 *   fetches again; within the cooldown it answers the fetch in flight or the
 *   document held (undefined when there is none).
 */
export function cachedDocument(load, { cooldownMs }) {
  let value, expires = -Infinity, lastForced = -Infinity, pending;
  const fetchNow = () =>
    (pending ??= (async () => {
      try {
        const got = await load();
        value = got.value;
        expires = Date.now() + got.maxAgeMs;
        return value;
      } finally {
        pending = undefined;
      }
    })());
  return {
    get: () => (value !== undefined && Date.now() < expires ? value : fetchNow()),
    refresh: () => {
      // Within the cooldown, share the refetch in flight (or its result) with
      // the other requests that saw the new kid.
      if (Date.now() - lastForced < cooldownMs) return pending ?? value;
      lastForced = Date.now();
      return fetchNow();
    },
  };
}
