// What the patrol track recorder keeps on the phone (IndexedDB `antq-tracks`, so that one wipe of
// `antq-…` removes it with the rest): one row per recording in `recordings` (its patrol, state,
// counts, the spans of time it recorded and, once ended, the GPX to send), and one row per kept
// fix in `fixes`. Each fix is written with its recording's new counts in one transaction as it
// arrives, so a reload, a closed tab or a flat battery loses at most the fix being written.
//
// Also the GPX 1.1 document of a recording: one <trk> named after the patrol, one <trkseg> per
// stretch recorded between Start/Resume and Pause (a gap stays a gap), each <trkpt> with its
// lat, lon, <time> and the fix's accuracy in metres as an extension element. <hdop> is not used:
// it is a dilution of precision (a ratio), not the metres the browser reports.

import { el } from './dom.js';
import { database } from './idb.js';
import { formatDate } from './i18n.js';

const DB = 'antq-tracks';
const RECORDINGS = 'recordings';
const FIXES = 'fixes';
/** The namespace of the accuracy extension (a URN: it names, it is never fetched). */
export const GPX_NS = 'urn:antq-atlas:gpx:1';

// Version 1 and this schema are what phones hold: a change of schema needs a new version.
const transact = database(DB, 1, (db) => {
  db.createObjectStore(RECORDINGS, { keyPath: 'id' });
  db.createObjectStore(FIXES, { autoIncrement: true }).createIndex('recording', 'recording');
});

/** Runs `work(stores)` in one transaction over both stores; resolves with what its request gives. */
const inStores = (mode, work) => transact([RECORDINGS, FIXES], mode,
  (tx) => work({ recordings: tx.objectStore(RECORDINGS), fixes: tx.objectStore(FIXES) }));

/** Every recording, oldest first. */
export async function recordings() {
  const all = await inStores('readonly', (s) => s.recordings.getAll());
  return (all || []).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

export const saveRecording = (recording) => inStores('readwrite', (s) => s.recordings.put(recording));

/** Keeps `fix` of `recording` and the recording's new state, together. */
export const addFix = (recording, fix) => inStores('readwrite', (s) => {
  s.fixes.add({ ...fix, recording: recording.id });
  return s.recordings.put(recording);
});

/** The kept fixes of recording `id`, in the order they came. */
export const fixesOf = (id) => inStores('readonly', (s) => s.fixes.index('recording').getAll(id));

/** Removes a recording and its fixes (sent, or discarded by the user). */
export const dropRecording = (id) => inStores('readwrite', (s) => {
  const keys = s.fixes.index('recording').getAllKeys(id);
  keys.onsuccess = () => { for (const key of keys.result) s.fixes.delete(key); };
  return s.recordings.delete(id);
});

/** The fixes as segments: one array per `segment` number, in order, empty ones left out. */
export function segmentsOf(fixes) {
  const bySegment = new Map();
  for (const fix of fixes) {
    if (!bySegment.has(fix.segment)) bySegment.set(fix.segment, []);
    bySegment.get(fix.segment).push(fix);
  }
  return [...bySegment.keys()].sort((a, b) => a - b).map((k) => bySegment.get(k));
}

/** Metres between two fixes on a sphere of the Earth's mean radius (on screen only: the server measures the stored track itself). */
export function metres(a, b) {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6_371_008.8 * Math.asin(Math.min(1, Math.sqrt(h)));
}

const escapeXml = (text) => String(text).replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The GPX 1.1 document of `recording` with `fixes`. `minPoints`: segments with fewer points are
 * left out (the upload passes 2: the server stores a segment as a line, which needs two).
 */
export function toGpx(recording, fixes, { minPoints = 1 } = {}) {
  const name = escapeXml(recording.patrolCode || `patrol ${recording.patrolId}`);
  const segments = segmentsOf(fixes).filter((s) => s.length >= minPoints).map((segment) => [
    '    <trkseg>',
    ...segment.map((f) => `      <trkpt lat="${f.lat.toFixed(7)}" lon="${f.lon.toFixed(7)}"><time>${f.time}</time>`
      + `<extensions><antq:accuracy>${Math.round(f.accuracy * 10) / 10}</antq:accuracy></extensions></trkpt>`),
    '    </trkseg>',
  ].join('\n'));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<gpx version="1.1" creator="ANTQ Atlas" xmlns="http://www.topografix.com/GPX/1/1" xmlns:antq="${GPX_NS}">`,
    `  <metadata><name>${name}</name><time>${recording.createdAt}</time></metadata>`,
    `  <trk><name>${name}</name>`,
    ...segments,
    '  </trk>',
    '</gpx>',
    '',
  ].join('\n');
}

/** Saves the GPX of `rec` (every fix kept so far) as a file on the device: the backup. */
export async function download(rec) {
  const url = URL.createObjectURL(new Blob([toGpx(rec, await fixesOf(rec.id))], { type: 'application/gpx+xml' }));
  // vet-<patrol>-<yyyymmdd-hhmm of its start, Vietnam's time>.gpx
  const stamp = formatDate(rec.createdAt).replace(/(\d+)\/(\d+)\/(\d+) (\d+):(\d+)/, '$3$2$1-$4$5');
  const link = el('a', { href: url, download: `vet-${rec.patrolCode || rec.patrolId}-${stamp}.gpx`, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** The time a recording recorded (its spans between Start/Resume and Pause; an open one up to `now`), in ms. */
export const recordedMs = (rec, now = Date.now()) =>
  rec.spans.reduce((sum, s) => sum + ((s.to ? Date.parse(s.to) : now) - Date.parse(s.from)), 0);

/** `ms` as h:mm:ss. */
export function clock(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const pad = (n) => String(n).padStart(2, '0');
  return `${Math.floor(s / 3600)}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
}
