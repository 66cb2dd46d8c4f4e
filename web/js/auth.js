// Sign-in and the session: the session itself is an HttpOnly cookie the page never reads; the
// page keeps only the CSRF token for writes (sign-out).

import { ApiError, get, post, setCsrf } from './api.js';
import { el, replace } from './dom.js';
import { t, tf } from './i18n.js';
import { items as outboxItems } from './outbox.js';
import { recordings } from './trackstore.js';
import { localDatabases, wipeLocal } from './wipe.js';

// Why the server ended the session, kept across the reload for the sign-in form (sessionStorage:
// this tab only, and nothing of the police data).
const ENDED_KEY = 'antq-session-ended';
const ENDED_TEXT = { session_revoked: 'endedRevoked', user_disabled: 'endedDisabled', session_signed_out: 'endedSignedOut' };
let ending = null;
// A sign-out the server has not heard of yet (localStorage, so it outlives closing the browser).
const SIGN_OUT_PENDING = 'antq-sign-out-pending';

/** Records not yet sent (the outbox, recorded tracks), counted without creating their stores. */
async function countUnsent() {
  const names = await localDatabases();
  let n = 0;
  if (names.includes('antq-field')) n += (await outboxItems().catch(() => [])).length;
  if (names.includes('antq-tracks')) n += (await recordings().catch(() => [])).length;
  return n;
}

/**
 * The server says an admin ended this session or disabled the user (or it was signed out): police
 * data must not stay on the phone, so everything kept is wiped at once, unsent records included
 * (the sign-in form says how many), and the page starts again, with nothing left in memory. An
 * expired session never comes here: it is a plain 401, and the outbox waits for the next sign-in.
 */
export function endedByServer(code) {
  ending ||= (async () => {
    const unsent = await countUnsent();
    await wipeLocal();
    // The cookie stays (the server answers the same to every request with it): after one reload
    // the form shows, rather than reloading again.
    if (sessionStorage.getItem(ENDED_KEY)) return;
    sessionStorage.setItem(ENDED_KEY, JSON.stringify({ code, unsent }));
    location.reload();
  })();
  return ending;
}

/** The notice of a session ended by the server, once (null when there is none). */
function endedNotice() {
  const kept = sessionStorage.getItem(ENDED_KEY);
  if (!kept) return null;
  sessionStorage.removeItem(ENDED_KEY);
  const { code, unsent } = JSON.parse(kept);
  const more = unsent ? tf('endedUnsent', { n: unsent }) : '';
  return el('p', { class: 'notice', role: 'alert', id: 'session-ended' }, tf(ENDED_TEXT[code] || 'endedRevoked', { unsent: more }));
}

/** The signed-in user (GET /auth/me), or null. */
export async function currentUser() {
  try {
    const me = await get('/auth/me');
    setCsrf(me.csrf_token);
    if (localStorage.getItem(SIGN_OUT_PENDING)) {
      // Signed out with no network: the session lived on, and would sign the phone back in. What
      // this read kept again (the sync time, the copy of /auth/me) goes with it.
      const heard = await signOut();
      await wipeLocal();
      if (!heard) signOutLater();
      return null;
    }
    return me;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

/** Shows the sign-in form in `container`; resolves with the user once signed in. */
export function signIn(container) {
  return new Promise((resolve) => {
    const message = el('p', { class: 'error', role: 'alert', 'aria-live': 'polite' });
    const username = el('input', { id: 'username', name: 'username', autocomplete: 'username', required: true });
    const password = el('input', {
      id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true,
    });
    const button = el('button', { type: 'submit' }, t('signIn'));
    const form = el('form', {
      class: 'signin',
      onsubmit: async (event) => {
        event.preventDefault();
        button.disabled = true;
        message.textContent = '';
        try {
          await post('/auth/login', { username: username.value, password: password.value });
          // A new session: the one a pending sign-out meant is no longer in this browser.
          localStorage.removeItem(SIGN_OUT_PENDING);
          const me = await currentUser();
          container.hidden = true;
          resolve(me);
        } catch (error) {
          message.textContent = error.status === 429 ? t('signInThrottled') : t('signInFailed');
          password.value = '';
          password.focus();
        } finally {
          button.disabled = false;
        }
      },
    },
    el('h1', {}, t('appTitle')),
    el('p', {}, t('appSubtitle')),
    el('h2', {}, t('signInTitle')),
    endedNotice(),
    el('label', { for: 'username' }, t('username')), username,
    el('label', { for: 'password' }, t('password')), password,
    button, message);
    replace(container, form);
    container.hidden = false;
    username.focus();
  });
}

/**
 * Ends the session on the server; false when it could not be reached (no network). Call
 * `signOutLater()` then, after wiping: the next start ends it before anything else.
 */
export async function signOut() {
  // Any answer of the server will do (a 401: the session had ended already); only no answer is not.
  const done = await post('/auth/logout').then(() => true, (error) => error instanceof ApiError);
  setCsrf(null);
  return done;
}

export const signOutLater = () => localStorage.setItem(SIGN_OUT_PENDING, '1');

export const hasPermission = (me, permission) => (me?.permissions || []).includes(permission);

