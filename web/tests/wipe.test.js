// Police data on a phone (#18, item 6): when an admin ends a user's sessions or disables the
// user, the phone wipes what it keeps on its next contact with the server (the kept data, area
// packages, the outbox with its unsent records, recorded tracks, settings), says so on the
// sign-in form, and keeps only the app itself. A session that merely expired wipes nothing: after
// signing in again the record waiting in the outbox is sent.
//
// Each case signs in a user of its own, made with `antq user add` on the demo's database
// (ANTQ_WEB_DATA_DIR, the demo's --data-dir; scripts/test.sh sets it), so the demo users stay
// as they are; the expired session is aged there with SQL, as the API tests do.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { BASE, PASSWORD, apiJson, idle, launch, openPage, pointInside, signIn } from './support.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ANTQ = process.env.ANTQ_BIN || join(ROOT, 'target', 'debug', 'antq');
const DATA_DIR = process.env.ANTQ_WEB_DATA_DIR;
const RUN = Date.now().toString(36);

/** The demo's DATABASE_URL, from `antq cluster status`. */
function databaseUrl() {
  const out = execFileSync(ANTQ, ['cluster', 'status', '--data-dir', DATA_DIR], { encoding: 'utf8', env: { ...process.env, DATABASE_URL: '' } });
  const url = out.match(/postgres:\/\/\S+/)?.[0];
  assert.ok(url, `no database URL in: ${out}`);
  return url;
}

let browser;
let dbUrl;
before(async () => {
  assert.ok(DATA_DIR, 'ANTQ_WEB_DATA_DIR (the demo\'s --data-dir) is not set: run through scripts/test.sh');
  dbUrl = databaseUrl();
  browser = await launch();
});
after(async () => { await browser?.close(); });

/** A new admin of this run (writes anywhere: the record can be sent), signed in nowhere yet. */
function newUser(tag) {
  const name = `wipe-${RUN}-${tag}`;
  execFileSync(ANTQ, ['user', 'add', name, '--role', 'admin'], {
    input: `${PASSWORD}\n`, env: { ...process.env, DATABASE_URL: dbUrl }, stdio: ['pipe', 'ignore', 'inherit'],
  });
  return name;
}

const sql = (statement) => execFileSync('psql', [dbUrl, '-v', 'ON_ERROR_STOP=1', '-qAtc', statement], { encoding: 'utf8' });

/** What the page's origin keeps: cache names, IndexedDB names, localStorage keys, outbox items. */
const kept = (page) => page.evaluate(async () => {
  const databases = (await indexedDB.databases()).map((d) => d.name).filter((n) => n.startsWith('antq')).sort();
  const outbox = databases.includes('antq-field') ? await new Promise((resolve) => {
    const open = indexedDB.open('antq-field');
    open.onsuccess = () => {
      const all = open.result.transaction('outbox').objectStore('outbox').getAll();
      all.onsuccess = () => { open.result.close(); resolve(all.result.map((i) => i.label)); };
    };
  }) : [];
  return {
    caches: (await caches.keys()).filter((n) => n.startsWith('antq-')).sort(),
    databases,
    keys: Object.keys(localStorage).filter((k) => k.startsWith('antq-')).sort(),
    outbox,
  };
});

/**
 * The phone: `name` signs in with the network on at a commune's key points (the layers are read
 * and kept), an area package is kept beside them, and one key point is recorded offline.
 */
async function phoneWithUnsentRecord(name) {
  const phone = await openPage(browser, { serviceWorkers: 'allow' });
  const { page, context } = phone;
  await signIn(page, name, '#l=');
  const { features: [commune] } = await apiJson(page, '/api/v1/collections/communes/items?limit=1');
  const at = await pointInside(page, 'communes', commune.properties.code);
  await page.goto(`${BASE}/#l=key_points&z=14&ll=${at[1].toFixed(5)},${at[0].toFixed(5)}`);
  await page.reload();
  await idle(page);
  await page.waitForSelector('#outbox-sync');
  await page.evaluate(() => window.antq.offline().ready());
  // An area package as the package panel keeps it (Cache Storage `antq-pkg-<id>`).
  await page.evaluate(async () => {
    const cache = await caches.open('antq-pkg-test');
    await cache.put('/api/v1/packages/area.json?communes=test', new Response('{"type":"FeatureCollection","features":[]}'));
  });
  await context.setOffline(true);
  const code = `KP-WIPE-${RUN}-${name.slice(-1)}`.toUpperCase();
  const queued = await page.evaluate(([c, p]) => window.antq.editing().create('key_points',
    { code: c, category: 'drugs', observed_at: '2026-12-01T02:00:00.000Z', description: 'ghi ngoại tuyến' }, p), [code, at]);
  assert.match(queued, /^$/);
  const before = await kept(page);
  assert.deepEqual(before.outbox, [code]);
  for (const cache of ['antq-data', 'antq-pkg-test']) assert.ok(before.caches.includes(cache), `${cache} in ${before.caches}`);
  assert.ok(before.caches.some((c) => c.startsWith('antq-shell-')), 'the app is kept');
  assert.ok(before.keys.includes('antq-last-sync'));
  return { ...phone, code };
}

/** The office: the demo admin, signed in in a browser of its own; `post(path)` with its session. */
async function office() {
  const opened = await openPage(browser);
  await signIn(opened.page, 'admin', '#l=');
  const { csrf_token: csrf } = await apiJson(opened.page, '/auth/me');
  const post = async (path) => {
    const response = await opened.page.request.post(`${BASE}${path}`, { headers: { 'X-CSRF-Token': csrf } });
    assert.equal(response.status(), 200, await response.text());
    return response.json();
  };
  return { ...opened, post };
}

/** Back online, the phone's next contact finds the session ended: everything but the app is gone. */
async function assertWipedOnNextContact({ page, context, code }, notice) {
  await context.setOffline(false);
  await page.waitForSelector('#session-ended', { timeout: 60_000 });
  assert.match(await page.textContent('#session-ended'), notice);
  assert.equal(await page.isVisible('#username'), true, 'back at the sign-in form');
  const after = await kept(page);
  assert.deepEqual(after.databases, [], 'no IndexedDB database antq… is left');
  assert.deepEqual(after.outbox, []);
  assert.deepEqual(after.keys, []);
  assert.deepEqual(after.caches.filter((c) => !c.startsWith('antq-shell-')), [], 'only the app is kept');
  assert.equal(after.caches.length, 1, 'the app itself stays');
  // The record was deleted, never sent.
  const admin = await office();
  assert.equal((await apiJson(admin.page, `/api/v1/collections/key_points/items?code=${code}`)).features.length, 0);
  await admin.context.close();
}

test('an admin revoking the sessions wipes the phone on its next contact, unsent record included', async () => {
  const name = newUser('a');
  const phone = await phoneWithUnsentRecord(name);
  const admin = await office();

  const answer = await admin.post(`/api/v1/admin/users/${name}/sessions/revoke`);

  assert.equal(answer.sessions_ended, 1);
  await admin.context.close();
  await assertWipedOnNextContact(phone, /^Quản trị viên đã kết thúc phiên đăng nhập của bạn\. Dữ liệu lưu trên thiết bị này đã được xóa, kể cả 1 bản ghi chưa gửi\. Hãy đăng nhập lại\.$/);
  // Revoked, not disabled: the user signs in again, on a clean phone.
  await phone.page.fill('#username', name);
  await phone.page.fill('#password', PASSWORD);
  await phone.page.press('#password', 'Enter');
  await idle(phone.page);
  assert.deepEqual(await phone.page.evaluate(() => window.antq.editing().outbox().items()), []);
  await phone.context.close();
});

test('an admin disabling the user wipes the phone on its next contact', async () => {
  const name = newUser('b');
  const phone = await phoneWithUnsentRecord(name);
  const admin = await office();

  const answer = await admin.post(`/api/v1/admin/users/${name}/disable`);

  assert.deepEqual([answer.disabled, answer.sessions_ended], [true, 1]);
  await admin.context.close();
  await assertWipedOnNextContact(phone, /^Quản trị viên đã vô hiệu hóa tài khoản của bạn\. Dữ liệu lưu trên thiết bị này đã được xóa, kể cả 1 bản ghi chưa gửi\.$/);
  await phone.context.close();
});

test('an expired session wipes nothing: after signing in again the waiting record is sent', async () => {
  const name = newUser('c');
  const phone = await phoneWithUnsentRecord(name);
  const { page, context, code } = phone;
  sql(`update sessions set expires_at = now() - interval '1 second' where user_id = (select id from users where username = '${name}')`);

  await context.setOffline(false);
  await page.waitForSelector('#username', { state: 'visible', timeout: 60_000 });

  assert.equal(await page.$('#session-ended'), null, 'no notice: nothing was wiped');
  const still = await kept(page);
  assert.deepEqual(still.outbox, [code], 'the record still waits');
  assert.ok(still.caches.includes('antq-data') && still.caches.includes('antq-pkg-test'), `${still.caches}`);
  await page.fill('#username', name);
  await page.fill('#password', PASSWORD);
  await page.press('#password', 'Enter');
  await idle(page);
  await page.waitForFunction(() => document.querySelectorAll('#outbox-list li').length === 0, null, { timeout: 30_000 });
  const sent = await apiJson(page, `/api/v1/collections/key_points/items?code=${code}`);
  assert.equal(sent.features.length, 1, 'sent once, after the new sign-in');
  await context.close();
});

test('a sign-out with no network wipes the phone at once and ends the session when the network returns', async () => {
  const name = newUser('d');
  const { page, context } = await phoneWithUnsentRecord(name);
  const session = () => sql(`select coalesce(end_reason, 'open') from sessions where user_id = (select id from users where username = '${name}')`).trim();
  assert.equal(session(), 'open');

  await page.click('#signout'); // the unsent record: the first press warns
  await page.waitForSelector('#signout-pending');
  await Promise.all([page.waitForEvent('load'), page.click('#signout')]);

  const wiped = await kept(page);
  assert.deepEqual([wiped.outbox, wiped.databases], [[], []]);
  assert.deepEqual(wiped.caches.filter((c) => !c.startsWith('antq-shell-')), []);
  assert.deepEqual(wiped.keys, ['antq-sign-out-pending'], 'only the note of the sign-out to finish');
  assert.equal(session(), 'open', 'the server has not heard yet');
  await context.setOffline(false);
  await page.reload();
  await page.waitForSelector('#username', { state: 'visible', timeout: 60_000 });
  assert.equal(session(), 'signed_out', 'the cookie left behind no longer signs anyone in');
  assert.deepEqual((await kept(page)).keys, []);
  await context.close();
});
