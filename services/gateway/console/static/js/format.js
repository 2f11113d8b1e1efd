// Numbers and dates as the console shows them (values from the API are decimal strings).
import { t } from './i18n.js';

export const num = (value) => (value === null || value === undefined || value === '' ? null : Number(value));

export function pct(value, digits = 1) {
  const n = num(value);
  return n === null || Number.isNaN(n) ? t('common.none') : `${n.toFixed(digits)}%`;
}

export function ratioPct(value, digits = 1) {
  const n = num(value);
  return n === null ? t('common.none') : `${(n * 100).toFixed(digits)}%`;
}

export const billions = (kzt) => { const n = num(kzt); return n === null ? null : Math.round(n / 1e7) / 100; };

export function bn(kzt) {
  const n = billions(kzt);
  return n === null ? t('common.none') : n.toLocaleString('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

export function int(value) {
  const n = num(value);
  return n === null ? t('common.none') : n.toLocaleString('en-GB');
}

export function day(iso) { return iso ? String(iso).slice(0, 10) : t('common.none'); }

export function time(iso) {
  if (!iso) return t('common.none');
  const d = new Date(iso);
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 19)} UTC`;
}
