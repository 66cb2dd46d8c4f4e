// One wipe of everything this site keeps on the device, by the names every module keeps to (see
// the README, "What is on the phone"): Cache Storage caches `antq-*` except the app itself
// (`antq-shell-*`, no police data), IndexedDB databases `antq*` (the outbox, recorded tracks,
// anything added later under that prefix), and localStorage keys `antq-*`. It runs at sign-out
// and when the server says an admin ended the session or disabled the user.

import { deleteDatabase } from './idb.js';

// IndexedDB databases known today, for browsers without indexedDB.databases() (Firefox before 126).
const KNOWN_DATABASES = ['antq-field', 'antq-tracks'];

/** The names of this site's IndexedDB databases (the known ones where the browser cannot list them). */
export async function localDatabases() {
  if (!indexedDB.databases) return KNOWN_DATABASES;
  return (await indexedDB.databases().catch(() => [])).map((d) => d.name);
}

/** What is wiped: `{caches, databases, keys}`, the names deleted (for tests and the log). */
export async function wipeLocal() {
  const wiped = { caches: [], databases: [], keys: [] };
  if ('caches' in self) {
    for (const name of await caches.keys()) {
      if (name.startsWith('antq-') && !name.startsWith('antq-shell-')) {
        await caches.delete(name);
        wiped.caches.push(name);
      }
    }
  }
  if ('indexedDB' in self) {
    for (const name of await localDatabases()) {
      if (name?.startsWith('antq')) {
        await deleteDatabase(name);
        wiped.databases.push(name);
      }
    }
  }
  for (const key of Object.keys(localStorage)) {
    if (key.startsWith('antq-')) {
      localStorage.removeItem(key);
      wiped.keys.push(key);
    }
  }
  return wiped;
}

/** The codes of a 401 for a session ended on the server (src/http/error.rs): the device wipes. */
export const ENDED_CODES = new Set(['session_revoked', 'user_disabled', 'session_signed_out']);
