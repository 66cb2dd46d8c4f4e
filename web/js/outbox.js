// The outbox: key points and model sites written with no network, or whose sending failed, wait
// in IndexedDB (they survive a reload, closing the browser and a new deploy) until the server has
// answered. Each carries a key made on the phone, sent as `Idempotency-Key`, so a send cut after
// the server wrote but before the phone heard is sent again without making a second record, and
// an edit carries the version it was based on (`If-Match`). An item leaves the outbox only when
// the server took it, or when the user discards it:
// - a 412 (someone changed the record since) opens the conflict dialog: apply mine (again, on
//   their version) or keep theirs (the item is dropped);
// - a refusal (422, 403, 409, ...) keeps the item, with the server's reason, until the user fixes
//   it (the form opens with its values) or discards it;
// - no network, 401, 429 or a 5xx stop the sync; everything waits for the next one.

import { ApiError } from './api.js';
import { el, replace } from './dom.js';
import { database } from './idb.js';
import { errorText, t, tf } from './i18n.js';

const DB = 'antq-field';
const STORE = 'outbox';

// Version 1 and its one store are what phones hold: a change of schema needs a new version.
const transact = database(DB, 1, (db) => db.createObjectStore(STORE, { keyPath: 'id' }));

/** Runs `work(store)` in one transaction; resolves with what `work`'s request gives. */
const inStore = (mode, work) => transact(STORE, mode, (tx) => work(tx.objectStore(STORE)));

/** Every item, oldest first. */
export async function items() {
  const all = await inStore('readonly', (store) => store.getAll());
  return (all || []).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}
export const keep = (item) => inStore('readwrite', (store) => store.put(item));
const drop = (id) => inStore('readwrite', (store) => store.delete(id));

/** A new item: `{layer, method, path, body, ifMatch, label}`; its id is the idempotency key. */
export function newItem(fields) {
  return { id: crypto.randomUUID(), createdAt: new Date().toISOString(), state: 'pending', ...fields };
}

/**
 * The outbox panel in `container` and the sync. `ctx`: `send(method, path, body, options)`,
 * `beforeSync()` (a fresh session token), `conflict(item, error)` resolving 'mine' or 'theirs',
 * `fix(item)` (opens the form with the item's values), `synced(count)` (after records went in).
 */
export function createOutbox(container, ctx) {
  let syncing = null;
  let list = [];
  let note = '';

  async function render() {
    list = await items();
    const stateText = (item) => (item.state === 'refused'
      ? `${t('outboxRefused')}: ${errorText({ code: item.error?.code, message: item.error?.description })}`
      : t(item.state === 'conflict' ? 'outboxConflict' : 'outboxPending'));
    replace(container,
      el('p', { class: 'hint', id: 'outbox-count' }, list.length ? tf('outboxCount', { n: list.length }) : t('outboxEmpty')),
      el('ul', { class: 'outbox', id: 'outbox-list' }, list.map((item) => el('li', {
        'data-outbox': item.id, 'data-state': item.state,
      },
      el('strong', {}, `${t(item.method === 'POST' ? 'outboxNew' : 'outboxEdit')} ${item.label || ''}`), ' ',
      el('span', { class: item.state === 'refused' ? 'error' : 'hint', 'data-reason': '' }, stateText(item)),
      item.state === 'refused' ? el('span', { class: 'buttons' },
        el('button', { type: 'button', 'data-fix': item.id, onclick: () => ctx.fix(item) }, t('outboxFix')),
        el('button', { type: 'button', 'data-discard': item.id, onclick: () => discard(item) }, t('outboxDiscard'))) : null))),
      el('button', { type: 'button', id: 'outbox-sync', onclick: () => sync() }, t('outboxSync')),
      el('span', { class: 'hint', id: 'outbox-note', role: 'status' }, note));
  }

  async function discard(item) {
    await drop(item.id);
    await render();
  }

  /** Adds (or replaces, when fixed) an item, then tries to send it. */
  async function add(item) {
    await keep({ ...item, state: 'pending', error: null });
    await render();
    if (navigator.onLine) sync();
  }

  /** Sends the waiting items in order; resolves with how many the server took. */
  function sync() {
    if (syncing) return syncing;
    syncing = run().finally(() => { syncing = null; });
    return syncing;
  }

  async function run() {
    let taken = 0;
    note = t('outboxSyncing');
    await render();
    try {
      if ((await items()).some((i) => i.state === 'pending')) await ctx.beforeSync();
      for (const item of await items()) {
        if (item.state !== 'pending') continue;
        const outcome = await sendOne(item);
        if (outcome === 'stop') break;
        if (outcome === 'taken') taken += 1;
      }
      note = '';
    } catch (error) {
      // No network (or the session check failed): everything waits for the next sync.
      note = t('outboxWaiting');
      console.warn('outbox', error);
    }
    await render();
    if (taken) await ctx.synced(taken);
    return taken;
  }

  async function sendOne(item) {
    try {
      await ctx.send(item.method, item.path, item.body, { ifMatch: item.ifMatch, key: item.id });
      await drop(item.id);
      return 'taken';
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if ([401, 408, 429].includes(error.status) || error.status >= 500) {
        note = errorText(error);
        return 'stop';
      }
      if (error.status === 412) {
        await keep({ ...item, state: 'conflict' });
        await render();
        if (await ctx.conflict(item, error) === 'mine') {
          // Applied on their version: the same key, since the refused send kept none.
          const again = { ...item, state: 'pending', ifMatch: `"${error.body.current_version}"` };
          await keep(again);
          return sendOne(again);
        }
        await drop(item.id);
        return 'dropped';
      }
      await keep({ ...item, state: 'refused', error: { status: error.status, code: error.code, description: error.message } });
      return 'refused';
    }
  }

  return { render, add, sync, items };
}
