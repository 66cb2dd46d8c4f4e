// Offline use of the map: registers the service worker (web/sw/worker.js, served as /sw.js),
// offers its updates without ever forcing one, hands it what the first visit read so the next
// visit opens with no network, and says in the top bar how fresh the data on screen is.

import { onAnswer, readSoFar } from './api.js';
import { wipeLocal } from './wipe.js';
import { el, replace } from './dom.js';
import { formatDate, t, tf } from './i18n.js';

const LAST_SYNC = 'antq-last-sync';

/** `at` (an ISO time) as an age people read: "vừa xong", "5 phút trước", "3 giờ trước". */
export function ageText(at, now = Date.now()) {
  const minutes = Math.floor((now - new Date(at).getTime()) / 60_000);
  if (!(minutes >= 1)) return t('ageNow');
  if (minutes < 60) return tf('ageMinutes', { n: minutes });
  if (minutes < 48 * 60) return tf('ageHours', { n: Math.floor(minutes / 60) });
  return tf('ageDays', { n: Math.floor(minutes / 1440) });
}

/**
 * The offline machinery. `status`: where the freshness line goes; `banner`: where an update is
 * offered; `formOpen()`: whether a form or dialog is open (no update then); `onOnline()`: what
 * to do when the network comes back (read everything again).
 */
export function createOffline({ status, banner, formOpen, onOnline }) {
  const supported = 'serviceWorker' in navigator;
  // Whether this page's first requests went through the worker (kept): a worker that took over
  // later in the page's life (the first visit) never saw them, and is handed them to keep.
  const controlled = supported && Boolean(navigator.serviceWorker.controller);
  let oldestCopy = null; // the oldest kept copy on screen since the data was last read afresh
  let registration = null;
  let ready = null;
  let updating = false;
  let waiting = null;
  let rereading = false; // reading everything again after the signal returned

  onAnswer(({ fromCache, syncedAt }) => {
    if (fromCache) {
      if (syncedAt && (!oldestCopy || syncedAt < oldestCopy)) oldestCopy = syncedAt;
    } else {
      localStorage.setItem(LAST_SYNC, new Date().toISOString());
    }
    render();
  });

  function render() {
    const offline = !navigator.onLine || Boolean(oldestCopy);
    const at = oldestCopy || localStorage.getItem(LAST_SYNC);
    status.dataset.offline = String(offline);
    status.textContent = `${offline ? t('offline') : t('online')}${at ? ` · ${tf('syncedAt', { at: formatDate(at), age: ageText(at) })}` : ''}`;
    if (waiting) {
      replace(banner, el('span', {}, t('updateReady')), ' ',
        el('button', { type: 'button', id: 'update-now', onclick: update }, t('updateNow')),
        el('span', { id: 'update-message', role: 'status' }));
    }
    banner.hidden = !waiting;
  }

  function update() {
    if (formOpen()) {
      banner.querySelector('#update-message').textContent = ` ${t('updateAfterForm')}`;
      return;
    }
    updating = true;
    waiting.postMessage({ type: 'skip-waiting' });
  }

  function offer(worker) {
    waiting = worker;
    render();
  }

  /**
   * Registers the worker once the first map is drawn (its install downloads the whole shell,
   * which the first map should not wait for), and hands it what this page read before it was
   * in control. Resolves when that is kept.
   */
  function start() {
    if (!supported) return Promise.resolve();
    navigator.serviceWorker.addEventListener('controllerchange', () => { if (updating) location.reload(); });
    ready = navigator.serviceWorker.register('/sw.js').then(async (reg) => {
      registration = reg;
      if (reg.waiting && navigator.serviceWorker.controller) offer(reg.waiting);
      reg.addEventListener('updatefound', () => {
        const worker = reg.installing;
        worker?.addEventListener('statechange', () => {
          if (worker.state === 'installed' && navigator.serviceWorker.controller) offer(worker);
        });
      });
      const active = (await navigator.serviceWorker.ready).active;
      if (!controlled) await ask(active, { type: 'warm', urls: readSoFar() });
    }).catch((error) => {
      // No worker (a browser or a test that blocks them): the map works, only not offline.
      console.warn('service worker', error);
    });
    return ready;
  }

  /**
   * Empties what this device keeps (at sign-out): every `antq-` cache but the app, the outbox,
   * recorded tracks, packages and settings (web/js/wipe.js).
   */
  const wipe = () => wipeLocal();

  // The first requests after the signal returns often still fail (and kept copies answer):
  // read again a few times, a few seconds apart, until the network answers.
  async function reread(tries) {
    if (!navigator.onLine) return;
    oldestCopy = null;
    rereading = true;
    render();
    await onOnline().finally(() => { rereading = false; });
    if (oldestCopy && tries > 1) setTimeout(() => reread(tries - 1), 3000);
  }
  window.addEventListener('online', () => reread(10));
  window.addEventListener('offline', render);
  // The age moves on while the page stays open.
  setInterval(render, 60_000);

  return {
    start,
    render,
    wipe,
    /** For tests: resolves once the worker keeps what the page read. */
    ready: () => ready || Promise.resolve(),
    registration: () => registration,
    /** The time of the oldest kept copy on screen (null: everything came from the network). */
    oldestCopy: () => oldestCopy,
    /** For tests: online, and everything on screen read afresh since. */
    fresh: () => navigator.onLine && !rereading && oldestCopy === null,
  };
}

/** Sends `message` to `worker` and resolves with its answer. */
function ask(worker, message) {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (event) => resolve(event.data);
    worker.postMessage(message, [channel.port2]);
  });
}
