// Recording a patrol's track on the phone (patrol users and admins: permission `upload_tracks`).
// Start, Pause, Resume and End; positions from `navigator.geolocation.watchPosition` with high
// accuracy, each kept with its time and accuracy as it comes (js/trackstore.js), so a reload or
// a closed tab loses nothing and an unfinished recording is offered again on return. Pause, and
// Resume after an interruption, start a new segment: the gap stays a gap, as in a GPX upload.
//
// On End the GPX is made once and kept; it is sent to `POST /api/v1/patrols/{id}/tracks` (the
// GPX upload's route and rules) with the recording's id as its `Idempotency-Key`, now or when the
// network returns, so a send cut after the server stored it is answered, not stored twice. A
// refusal stays on the phone with the server's reason until the user saves the GPX or discards it.

/* global L */

import { ApiError, clearCache, get, query, send } from './api.js';
import { el, replace } from './dom.js';
import { problems } from './form.js';
import { errorText, formatDate, formatNumber, t, tf } from './i18n.js';
import {
  addFix, clock, download, dropRecording, fixesOf, metres, recordedMs, recordings, saveRecording, segmentsOf, toGpx,
} from './trackstore.js';

/**
 * Fixes worse than this (the browser's 95% radius, in metres) are dropped. A phone's GPS gives
 * 3-15 m in the open and 20-40 m in a valley or under trees; past 50 m the position usually comes
 * from Wi-Fi or the cell tower (hundreds of metres), which would draw zigzags across the border
 * line the patrol walks. 50 m keeps the mountain fixes and refuses those.
 */
export const ACCURACY_LIMIT_M = 50;
const GPX = 'application/gpx+xml';
// After a failed send with the network said to be on, try again this often, this many times.
const RETRY_MS = 5000;
const RETRIES = 12;
const STALE_MS = 60_000;

/**
 * The recorder in `container`. `ctx`: `me` (the signed-in user), `map()`, `refresh()` (after a
 * track went in), `beforeSync()` (a fresh session token).
 */
export function createTrackRecorder(container, ctx) {
  let patrols = null; // [{id, code, start, end}], null until read
  let patrolsFailed = false;
  let list = []; // every recording on the phone
  let current = null; // the unfinished one (recording or paused)
  let watchId = null;
  let lock = null;
  let wake = ''; // '', 'on', 'unsupported', or the refusal's reason
  let note = '';
  let geoError = '';
  let writing = Promise.resolve(); // fixes are written one after another, in order
  let syncing = null;
  let retries = 0;
  let drawn = null;
  let interrupted = false;
  let ending = false;
  const confirming = new Set();

  async function start() {
    await recover();
    render();
    try {
      const data = await get(`/api/v1/collections/patrol_routes/items${query({ limit: 1000, sortby: '-planned_start' })}`);
      // Planned or under way: not ended before today began (Vietnam, UTC+7).
      const today = new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10);
      const since = Date.parse(`${today}T00:00:00+07:00`);
      patrols = data.features
        .map((f) => ({ id: f.id, code: f.properties.code, start: f.properties.planned_start, end: f.properties.planned_end }))
        .filter((p) => !p.end || Date.parse(p.end) >= since)
        .reverse();
    } catch (error) {
      console.warn('patrols', error);
      patrolsFailed = true;
    }
    render();
    window.addEventListener('online', () => { retries = 0; sync(); });
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible' && current?.state === 'recording' && !lock) keepScreenOn();
    });
    setInterval(() => {
      const node = container.querySelector('#track-duration');
      if (node && current) node.textContent = clock(recordedMs(current));
    }, 1000);
    if (navigator.onLine) sync();
  }

  /** The list of what the phone keeps, read again (the recording under way stays the one in memory). */
  async function reread() {
    list = await mine();
  }

  /**
   * The recordings of the signed-in user. Another user's (left by a session that expired rather
   * than signed out) are neither shown nor sent: they would go in under this user's name.
   */
  const mine = async () => (await recordings()).filter((r) => r.username === ctx.me?.username);

  /** At page start: an unfinished recording is offered again; one left running by a closed page becomes paused. */
  async function recover() {
    await reread();
    current = list.find((r) => r.state === 'recording' || r.state === 'paused') || null;
    if (current?.state === 'recording') {
      const open = current.spans[current.spans.length - 1];
      open.to = current.lastFixAt && current.lastFixAt > open.from ? current.lastFixAt : open.from;
      current.state = 'paused';
      interrupted = true;
      await saveRecording(current);
    }
    await draw();
  }

  async function begin(patrol) {
    if (current) return; // a second press
    const now = new Date().toISOString();
    current = {
      id: crypto.randomUUID(), patrolId: patrol.id, patrolCode: patrol.code, createdAt: now, state: 'recording',
      segment: 0, spans: [{ from: now, to: null }], kept: 0, dropped: 0, distance: 0, lastAccuracy: null,
      last: null, lastFixAt: null, username: ctx.me?.username,
    };
    note = '';
    // Best effort: storage the browser may not evict under pressure, so a long recording is not lost to it.
    navigator.storage?.persist?.().catch(() => {});
    await saveRecording(current);
    await reread();
    watch();
  }

  async function pause() {
    if (current?.state !== 'recording') return;
    // Paused first: a fix arriving while the pending ones are written is not taken.
    current.state = 'paused';
    stopWatching();
    await writing;
    current.spans[current.spans.length - 1].to = new Date().toISOString();
    await saveRecording(current);
    render();
  }

  async function resume() {
    if (current?.state !== 'paused') return;
    interrupted = false;
    current.state = 'recording';
    current.segment += 1;
    current.last = null; // the distance does not bridge the gap
    current.spans.push({ from: new Date().toISOString(), to: null });
    await saveRecording(current);
    watch();
  }

  async function end() {
    if (!current || ending) return;
    ending = true;
    try {
      await finish();
    } finally {
      ending = false;
    }
  }

  async function finish() {
    await pause();
    const fixes = await fixesOf(current.id);
    const segments = segmentsOf(fixes);
    const sendable = segments.filter((s) => s.length >= 2);
    if (!sendable.length) {
      note = t('trackTooFew');
      render();
      return;
    }
    const ended = { ...current, state: 'ended', endedAt: new Date().toISOString(), gpx: toGpx(current, fixes, { minPoints: 2 }) };
    await saveRecording(ended);
    current = null;
    interrupted = false;
    note = segments.length > sendable.length ? tf('trackLeftOut', { n: segments.length - sendable.length }) : '';
    await reread();
    await draw();
    render();
    retries = 0;
    sync();
  }

  function watch() {
    if (!('geolocation' in navigator)) {
      geoError = t('trackNoGeolocation');
      render();
      return;
    }
    geoError = '';
    watchId = navigator.geolocation.watchPosition(onFix, onGeoError, { enableHighAccuracy: true, maximumAge: 0 });
    keepScreenOn();
    render();
  }

  function stopWatching() {
    if (watchId !== null) navigator.geolocation.clearWatch(watchId);
    watchId = null;
    lock?.release().catch(() => {});
    lock = null;
    wake = '';
  }

  function onGeoError(error) {
    geoError = t(error.code === error.PERMISSION_DENIED ? 'trackGeoDenied' : 'trackGeoUnavailable');
    render();
  }

  function onFix(position) {
    const rec = current;
    if (!rec || rec.state !== 'recording') return;
    const { latitude: lat, longitude: lon, accuracy } = position.coords;
    if (geoError) {
      geoError = '';
      render();
    }
    rec.lastAccuracy = accuracy;
    if (!(accuracy <= ACCURACY_LIMIT_M)) {
      rec.dropped += 1;
      writing = writing.then(() => saveRecording(rec));
    } else if (rec.last && rec.last.lat === lat && rec.last.lon === lon) {
      // The same position handed over again (a watch restarted, a cached fix): nothing new.
      return;
    } else {
      // A fix taken before this stretch began (a browser handing over the one it had, as Chromium's
      // emulation does even with maximumAge 0) is where the phone stood then: stale by more than
      // STALE_MS it is ignored, otherwise it is timed at the stretch's start, so times never go back.
      const from = Date.parse(rec.spans[rec.spans.length - 1].from);
      const taken = position.timestamp || Date.now();
      if (taken < from - STALE_MS) return;
      const fix = { segment: rec.segment, lat, lon, time: new Date(Math.max(taken, from)).toISOString(), accuracy };
      if (rec.last) rec.distance += metres(rec.last, fix);
      rec.last = { lat, lon };
      rec.lastFixAt = fix.time;
      rec.kept += 1;
      const copy = structuredClone(rec);
      writing = writing.then(() => addFix(copy, fix)).then(draw);
    }
    // Only the figures change: rebuilding the buttons under a finger about to press Pause would lose the press.
    writing = writing.catch((error) => { note = errorText(error); render(); }).then(() => showFigures(rec));
  }

  /** Keeps the screen on while recording (released by the browser when the page is hidden; asked again on return). */
  async function keepScreenOn() {
    if (!('wakeLock' in navigator)) {
      wake = 'unsupported';
      return;
    }
    try {
      lock = await navigator.wakeLock.request('screen');
      wake = 'on';
      lock.addEventListener('release', () => {
        // Hidden pages lose the lock: it is asked again when the page is shown.
        lock = null;
        wake = '';
        render();
      });
    } catch (error) {
      wake = error.message || error.name;
    }
    render();
  }

  async function discard(rec, button) {
    if (!confirming.has(rec.id)) {
      confirming.add(rec.id);
      button.textContent = t('trackDiscardConfirm');
      return;
    }
    confirming.delete(rec.id);
    if (rec.id === current?.id) {
      stopWatching();
      current = null;
      interrupted = false;
    }
    await dropRecording(rec.id);
    await reread();
    await draw();
    render();
  }

  /** Sends the ended recordings; resolves with how many the server took. */
  function sync() {
    if (syncing) return syncing;
    syncing = run().finally(() => { syncing = null; });
    return syncing;
  }

  async function run() {
    const waiting = (await mine()).filter((r) => r.state === 'ended');
    if (!waiting.length) return 0;
    note = t('trackSending');
    render();
    let taken = 0;
    try {
      await ctx.beforeSync();
      for (const rec of waiting) {
        try {
          const { data } = await send('POST', `/api/v1/patrols/${rec.patrolId}/tracks`, rec.gpx, { type: GPX, key: rec.id });
          await dropRecording(rec.id);
          taken += 1;
          note = tf('trackSent', { code: rec.patrolCode, tracks: data?.properties?.tracks ?? '?' });
        } catch (error) {
          if (!(error instanceof ApiError) || [401, 408, 429].includes(error.status) || error.status >= 500) throw error;
          await saveRecording({ ...rec, state: 'refused', error: { status: error.status, body: error.body } });
          note = '';
        }
      }
    } catch (error) {
      // No network, or the server could not take it now: everything waits for the next try.
      console.warn('track upload', error);
      note = error instanceof ApiError ? errorText(error) : t('trackWaiting');
      if (navigator.onLine && retries < RETRIES) {
        retries += 1;
        setTimeout(sync, RETRY_MS);
      }
    }
    await reread();
    render();
    if (taken) {
      clearCache();
      await ctx.refresh();
    }
    return taken;
  }

  async function draw() {
    const map = ctx.map?.();
    if (!map || typeof L === 'undefined') return;
    const lines = current ? segmentsOf(await fixesOf(current.id)).map((s) => s.map((f) => [f.lat, f.lon])) : [];
    if (!drawn) drawn = L.layerGroup().addTo(map);
    drawn.clearLayers();
    for (const line of lines) L.polyline(line, { color: '#d35400', weight: 4 }).addTo(drawn);
  }

  /** The figures of `rec` on screen, by the id of the cell that shows each. */
  const figures = (rec) => [
    ['track-kept', t('trackKept'), formatNumber(rec.kept)],
    ['track-dropped', tf('trackDropped', { limit: ACCURACY_LIMIT_M }), formatNumber(rec.dropped)],
    ['track-distance', t('trackDistance'), `${formatNumber(Math.round(rec.distance) / 1000)} km`],
    ['track-duration', t('trackDuration'), clock(recordedMs(rec))],
    ['track-accuracy', t('trackAccuracy'), rec.lastAccuracy === null ? t('trackNone') : `${formatNumber(Math.round(rec.lastAccuracy))} m`],
    ['track-segments', t('trackSegments'), formatNumber(rec.segment + 1)],
  ];

  const stats = (rec) => el('table', { class: 'props track-stats', id: 'track-stats' }, el('tbody', {},
    figures(rec).map(([id, label, value]) => el('tr', {}, el('th', { scope: 'row' }, label), el('td', { id }, value)))));

  function showFigures(rec) {
    if (rec !== current) return;
    for (const [id, , value] of figures(rec)) {
      const cell = container.querySelector(`#${id}`);
      if (cell) cell.textContent = value;
    }
  }

  function wakeLine() {
    if (current?.state !== 'recording' || !wake) return null;
    if (wake === 'on') return el('p', { class: 'hint', id: 'track-wake', 'data-wake': 'on' }, t('trackWakeOn'));
    if (wake === 'unsupported') return el('p', { class: 'error', id: 'track-wake', 'data-wake': 'unsupported' }, t('trackWakeUnsupported'));
    return el('p', { class: 'error', id: 'track-wake', 'data-wake': 'refused' }, tf('trackWakeRefused', { why: wake }));
  }

  function controls() {
    const button = (id, key, onclick) => el('button', { type: 'button', id, onclick }, t(key));
    if (!current) {
      if (patrolsFailed) return [el('p', { class: 'hint' }, t('trackPatrolsFailed'))];
      if (!patrols) return [];
      if (!patrols.length) return [el('p', { class: 'hint' }, t('trackNoPatrols'))];
      const now = Date.now();
      const under = patrols.find((p) => p.start && Date.parse(p.start) <= now && (!p.end || Date.parse(p.end) >= now));
      const select = el('select', { id: 'track-patrol' }, patrols.map((p) => el('option', {
        value: p.id, selected: p === under,
      }, p.start ? `${p.code} (${formatDate(p.start)})` : p.code)));
      return [el('label', { for: 'track-patrol' }, t('trackPatrol')), select,
        el('div', { class: 'buttons' }, button('track-start', 'trackStart',
          () => begin(patrols.find((p) => String(p.id) === select.value))))];
    }
    const recording = current.state === 'recording';
    const discardButton = el('button', { type: 'button', id: 'track-discard', onclick: (e) => discard(current, e.target) }, t('trackDiscard'));
    return [
      el('p', { id: 'track-state', 'data-state': current.state },
        el('strong', {}, `${t(recording ? 'trackStateRecording' : 'trackStatePaused')}: ${current.patrolCode}`)),
      interrupted ? el('p', { class: 'hint', id: 'track-interrupted' }, tf('trackInterrupted', { at: formatDate(current.createdAt) })) : null,
      stats(current),
      el('div', { class: 'buttons' },
        recording ? button('track-pause', 'trackPause', pause) : button('track-resume', 'trackResume', resume),
        button('track-end', 'trackEnd', end),
        button('track-gpx', 'trackSaveGpx', () => download(current)),
        recording ? null : discardButton),
    ];
  }

  function queued() {
    const waiting = list.filter((r) => r.state === 'ended' || r.state === 'refused');
    if (!waiting.length) return null;
    return [el('h3', {}, t('trackOutbox')), el('ul', { class: 'outbox', id: 'track-outbox' }, waiting.map((rec) => {
      const refused = rec.state === 'refused';
      const error = refused ? new ApiError(rec.error.status, rec.error.body) : null;
      return el('li', { 'data-track': rec.id, 'data-state': rec.state },
        el('strong', {}, `${rec.patrolCode} · ${formatDate(rec.createdAt)}`), ' ',
        el('span', {}, tf('trackPoints', { n: formatNumber(rec.kept) })), ' ',
        el('span', { class: refused ? 'error' : 'hint', 'data-reason': '' },
          refused ? `${t('trackRefusedItem')}: ${errorText(error)}` : t('trackWaitingItem')),
        refused ? problems(error) : null,
        el('span', { class: 'buttons' },
          el('button', { type: 'button', 'data-gpx': rec.id, onclick: () => download(rec) }, t('trackSaveGpx')),
          refused
            ? el('button', { type: 'button', 'data-discard': rec.id, onclick: (e) => discard(rec, e.target) }, t('trackDiscard'))
            : el('button', { type: 'button', 'data-send': rec.id, onclick: () => { retries = 0; sync(); } }, t('trackSendNow'))));
    }))];
  }

  function render() {
    replace(container,
      el('p', { class: 'hint track-keep-on', id: 'track-keep-on' }, t('trackKeepOn')),
      controls(),
      wakeLine(),
      geoError ? el('p', { class: 'error', role: 'alert', id: 'track-geo-error' }, geoError) : null,
      el('p', { role: 'status', id: 'track-note', class: 'hint' }, note),
      queued());
  }

  return {
    start,
    render,
    sync,
    /** Recordings on the phone not yet on the server (sign-out warns of them). */
    waiting: () => list.length,
    /** For tests: resolves once the fixes that came so far are written. */
    written: () => writing,
    recordings: mine,
  };
}
