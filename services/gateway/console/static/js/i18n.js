// One strings table per language (static/i18n/<lang>.json); English is the fallback for a key a
// translation lacks. Region names come in English (API), Russian and Kazakh (static/data).
let strings = {};
let fallback = {};
let regionNames = {};
export let agglomerationCentres = {};
export let language = 'en';

async function getJson(path) {
  const response = await fetch(path, { cache: 'no-cache' });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}

export async function loadStrings(lang) {
  fallback = await getJson('/console/static/i18n/en.json');
  strings = fallback;
  if (lang && lang !== 'en') {
    try { strings = await getJson(`/console/static/i18n/${encodeURIComponent(lang)}.json`); language = lang; }
    catch { strings = fallback; }
  }
  const data = await getJson('/console/static/data/regions.json');
  regionNames = data.names;
  agglomerationCentres = data.agglomeration_centres;
  document.documentElement.lang = language;
}

export function t(key, params = {}) {
  const text = strings[key] ?? fallback[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}

export function localNames(code) {
  return regionNames[code] || {};
}
