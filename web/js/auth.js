// Sign-in and the session: the session itself is an HttpOnly cookie the page never reads; the
// page keeps only the CSRF token for writes (sign-out).

import { ApiError, get, post, setCsrf } from './api.js';
import { el, replace } from './dom.js';
import { t } from './i18n.js';

/** The signed-in user (GET /auth/me), or null. */
export async function currentUser() {
  try {
    const me = await get('/auth/me');
    setCsrf(me.csrf_token);
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
    el('label', { for: 'username' }, t('username')), username,
    el('label', { for: 'password' }, t('password')), password,
    button, message);
    replace(container, form);
    container.hidden = false;
    username.focus();
  });
}

export async function signOut() {
  await post('/auth/logout').catch(() => null);
  setCsrf(null);
}

export const hasPermission = (me, permission) => (me?.permissions || []).includes(permission);

