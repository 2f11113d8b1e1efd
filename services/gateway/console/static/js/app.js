// The console's shell: sign-in, the header (who is signed in, navigation, sign-out), the message
// banner and the hash router (#/country, #/region/KZ-61, #/journal, #/initiatives, #/calendar).
import { api, credential, errorText, signInMessage, whenSignedOut } from './api.js';
import { clear, h } from './dom.js';
import { loadStrings, localNames, t } from './i18n.js';
import { countryView } from './view_country.js';
import { regionView } from './view_region.js';
import { journalView } from './view_journal.js';
import { initiativesView } from './view_initiatives.js';
import { calendarView } from './view_calendar.js';

const VIEWS = { country: countryView, region: regionView, journal: journalView,
                initiatives: initiativesView, calendar: calendarView };
const root = document.getElementById('app');
let session = null;   // {me, regions, ...} once signed in
let leaveView = null; // cleanup of the view on screen

export function showMessage(text, kind = 'error') {
  const banner = document.getElementById('message');
  if (!banner) return;
  clear(banner, text ? h('p', { class: `message ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text) : null);
}

function regionLabel(code) {
  const region = session && session.regionsByCode[code];
  const names = localNames(code);
  return { en: region ? region.name : code, ru: names.ru, kk: names.kk };
}

function makeContext(me, regions) {
  const granted = new Map(me.permissions.map((p) => [`${p.resource}:${p.action}`, p.scope]));
  const regionsByCode = Object.fromEntries(regions.map((r) => [r.code, r]));
  const visible = me.regions ? regions.filter((r) => me.regions.includes(r.code)) : regions;
  return { me, regions, regionsByCode, visibleRegions: visible,
           can: (resource, action) => granted.has(`${resource}:${action}`),
           regionLabel,
           // a view's late message must not land on the sign-in form once the session is gone
           showMessage: (text, kind) => { if (session && session.me === me) showMessage(text, kind); } };
}

function signInScreen(message) {
  if (leaveView) { leaveView(); leaveView = null; }
  session = null;
  const input = h('textarea', { id: 'credential', name: 'credential', rows: 4, required: true,
                                autocomplete: 'off', spellcheck: 'false' });
  const form = h('form', { class: 'signin card', onsubmit: async (event) => {
    event.preventDefault();
    const secret = input.value.trim();
    if (!secret) { showMessage(t('signin.empty')); return; }
    try {
      await api('/api/v1/whoami', { secret });
    } catch (err) {
      showMessage(signInMessage(err));
      return;
    }
    credential.set(secret);
    await start();
  } },
  h('h2', {}, t('signin.title')),
  h('p', { class: 'help' }, t('signin.help')),
  h('label', { for: 'credential' }, t('signin.label')), input,
  h('button', { type: 'submit', id: 'signin-submit' }, t('signin.submit')));
  clear(root, h('header', { class: 'top' }, h('h1', {}, t('app.title')), h('p', { class: 'sub' }, t('app.subtitle'))),
        h('div', { id: 'message' }), h('main', {}, form));
  if (message) showMessage(message, message === t('signin.signed_out') ? 'info' : 'error');
  input.focus();
}

function shell() {
  const me = session.me;
  const regionText = me.region ? `${regionLabel(me.region).en} (${me.region})` : t('identity.all_regions');
  const nav = h('nav', { class: 'main-nav', 'aria-label': 'Main' },
    ['country', 'region', 'journal', 'initiatives', 'calendar'].map((name) =>
      h('a', { href: `#/${name}`, id: `nav-${name}`, dataset: { view: name } }, t(`nav.${name}`))));
  const identity = h('div', { class: 'identity', id: 'identity' },
    h('span', { class: 'who' }, t('identity.signed_in_as', { subject: me.subject })),
    h('span', { class: 'role', id: 'identity-role', dataset: { role: me.role } },
      `${t('identity.role')}: ${t(`role.${me.role}`)}`),
    h('span', { class: 'region', id: 'identity-region' }, `${t('identity.region')}: ${regionText}`),
    h('button', { type: 'button', id: 'signout', onclick: signOut }, t('nav.signout')));
  clear(root,
    h('header', { class: 'top' }, h('div', {}, h('h1', {}, t('app.title')), h('p', { class: 'sub' }, t('app.subtitle'))), identity),
    nav, h('div', { id: 'message' }), h('main', { id: 'view' }));
}

function signOut() {
  credential.clear();
  window.location.hash = '';
  signInScreen(t('signin.signed_out'));
}

async function route() {
  if (!session) return;
  const [, name = 'country', ...rest] = (window.location.hash || '#/country').split('/');
  const view = VIEWS[name] || countryView;
  if (leaveView) { leaveView(); leaveView = null; }
  document.querySelectorAll('.main-nav a').forEach((a) => a.classList.toggle('active', a.dataset.view === name));
  showMessage(null);
  const container = document.getElementById('view');
  clear(container, h('p', { class: 'loading' }, t('common.loading')));
  const current = session;
  try {
    const cleanup = (await view(container, current, ...rest.map(decodeURIComponent))) || null;
    // signed out (or signed in again) while the view loaded: it must not keep polling
    if (session !== current) { if (cleanup) cleanup(); return; }
    leaveView = cleanup;
  } catch (err) {
    if (session !== current || err.status === 401) return; // the sign-in form says why
    clear(container);
    showMessage(errorText(err));
  }
}

async function start() {
  try {
    const [me, regions] = await Promise.all([api('/api/v1/whoami'), api('/api/v1/regions')]);
    session = makeContext(me, regions.items || regions);
  } catch (err) {
    credential.clear();
    signInScreen(signInMessage(err));
    return;
  }
  shell();
  await route();
}

whenSignedOut((message) => { credential.clear(); signInScreen(message); });
window.addEventListener('hashchange', route);

(async () => {
  try {
    const lang = new URLSearchParams(window.location.search).get('lang');
    await loadStrings(lang);
  } catch (err) {
    clear(root, h('p', { class: 'message error', role: 'alert' }, `The console could not load its files: ${err.message}`));
    return;
  }
  if (credential.get()) await start(); else signInScreen();
})();
