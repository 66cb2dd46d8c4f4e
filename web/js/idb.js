// The IndexedDB plumbing the phone's stores share (the outbox `antq-field`, recorded tracks
// `antq-tracks`, the wipe): requests turned into promises. Each store keeps its own database name,
// version and schema; phones in the field hold data under them, so changing any of them is a
// migration (a new version with an upgrade), never a rename.

/**
 * A database `name` at `version`, whose `upgrade(db, oldVersion)` creates its schema when the
 * phone has none (or an older version). Returns `transact(stores, mode, work)`: it runs
 * `work(tx)` in one transaction over `stores` and resolves, once the transaction has completed
 * (the data is written), with the result of the request `work` returns. The database is opened
 * for each transaction and closed after it, so that a wipe's delete is never blocked by a page
 * holding it open.
 */
export function database(name, version, upgrade) {
  const open = () => new Promise((resolve, reject) => {
    const request = indexedDB.open(name, version);
    request.onupgradeneeded = (event) => upgrade(request.result, event.oldVersion);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return async function transact(stores, mode, work) {
    const db = await open();
    try {
      return await new Promise((resolve, reject) => {
        const tx = db.transaction(stores, mode);
        const request = work(tx);
        tx.oncomplete = () => resolve(request?.result);
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error);
      });
    } finally {
      db.close();
    }
  };
}

/** Deletes database `name`: true once deleted; never rejects (a blocked delete completes when the page goes). */
export function deleteDatabase(name) {
  return new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve(true);
    request.onerror = () => resolve(false);
    request.onblocked = () => resolve(false);
  });
}
