// Initiatives board: open, in progress and closed (resolved or dismissed), with cause, region,
// due date and history. A role that may write initiatives moves them through the transitions the
// API allows (from /api/v1/whoami) and opens manual ones; any other role sees the board read-only.
import { api } from './api.js';
import { clear, h, option } from './dom.js';
import { t } from './i18n.js';
import { day, time } from './format.js';

const COLUMNS = [['open', ['open']], ['in_progress', ['in_progress']], ['closed', ['resolved', 'dismissed']]];

export async function initiativesView(container, ctx) {
  const writable = ctx.can('hub.initiatives', 'write');
  const transitions = ctx.me.initiative_transitions || {};
  const board = h('div', { class: 'board', id: 'initiatives-board' });
  // a long board narrowed to one region (the API filters; a regional officer has one anyway)
  const regionFilter = h('select', { id: 'board-region', onchange: () => draw() },
    option('', t('common.all')), ctx.visibleRegions.map((r) => option(r.code, `${r.name} (${r.code})`)));

  async function load() {
    const region = regionFilter.value || undefined;
    const pages = await Promise.all(['open', 'in_progress', 'resolved', 'dismissed'].map((status) =>
      api('/api/v1/hub/initiatives', { params: { status, region, limit: 100 } })));
    return pages.flatMap((p) => p.items);
  }

  function card(item) {
    const comment = h('input', { type: 'text', class: 'comment', name: 'comment', placeholder: t('initiatives.comment'), 'aria-label': t('initiatives.comment') });
    const target = h('select', { class: 'move-to', name: 'status', 'aria-label': t('initiatives.move') },
      (transitions[item.status] || []).map((s) => option(s, t(`status.${s}`))));
    const move = writable && (transitions[item.status] || []).length
      ? h('form', { class: 'move', onsubmit: async (e) => {
        e.preventDefault();
        if (!comment.value.trim()) { ctx.showMessage(t('initiatives.comment_required')); return; }
        try {
          await api(`/api/v1/hub/initiatives/${encodeURIComponent(item.id)}`, { method: 'PATCH',
            body: { status: target.value, comment: comment.value.trim(), expected_version: item.version } });
          ctx.showMessage(t('initiatives.moved', { status: t(`status.${target.value}`) }), 'info');
          await draw(false);
        } catch (err) { ctx.showMessage(err.message); }
      } }, h('label', {}, `${t('initiatives.move')} `, target), comment, h('button', { type: 'submit' }, t('common.save')))
      : null;
    const region = ctx.regionLabel(item.region_code);
    return h('article', { class: `initiative status-${item.status}`, dataset: { id: item.id, status: item.status, region: item.region_code } },
      h('h4', {}, item.title),
      h('p', { class: 'meta' }, h('span', { class: 'badge' }, t(`kind.${item.kind}`)), ' ', `${region.en} (${item.region_code})`, ' · ',
        t('initiatives.due', { date: day(item.due_date) }), item.status === 'resolved' || item.status === 'dismissed' ? ` · ${t(`status.${item.status}`)}` : ''),
      item.description ? h('p', { class: 'description' }, item.description) : null,
      h('p', { class: 'meta' }, item.responsible_body),
      h('details', {}, h('summary', {}, `${t('initiatives.history')} (${(item.history || []).length})`),
        h('ol', { class: 'history' }, (item.history || []).map((e) => h('li', {}, `${time(e.at)} · ${e.by}: ${t(`status.${e.from}`)} → ${t(`status.${e.to}`)}`, e.comment ? ` — ${e.comment}` : '')))),
      move);
  }

  async function draw(clearMessage = true) {
    const items = await load();
    clear(board, COLUMNS.map(([key, statuses]) => {
      const inColumn = items.filter((i) => statuses.includes(i.status));
      return h('section', { class: 'column', id: `column-${key}` },
        h('h3', {}, `${t(`initiatives.${key}`)} (${inColumn.length})`), inColumn.map(card));
    }));
    if (clearMessage) ctx.showMessage(null);
  }

  function newForm() {
    const region = h('select', { name: 'region_code', id: 'new-region' }, ctx.visibleRegions.map((r) => option(r.code, `${r.name} (${r.code})`)));
    const title = h('input', { name: 'title', id: 'new-title', type: 'text', required: true, maxlength: 300 });
    const description = h('textarea', { name: 'description', id: 'new-description', rows: 2 });
    const body = h('input', { name: 'responsible_body', id: 'new-body', type: 'text', required: true, maxlength: 300 });
    const due = h('input', { name: 'due_date', id: 'new-due', type: 'date', required: true });
    return h('details', { class: 'card new-initiative' }, h('summary', {}, t('initiatives.new')),
      h('form', { id: 'new-initiative', onsubmit: async (e) => {
        e.preventDefault();
        try {
          await api('/api/v1/hub/initiatives', { method: 'POST', body: { region_code: region.value, title: title.value,
            description: description.value, responsible_body: body.value, due_date: due.value } });
          e.target.reset();
          ctx.showMessage(t('initiatives.created'), 'info');
          await draw(false);
        } catch (err) { ctx.showMessage(err.message); }
      } },
      h('label', {}, `${t('common.region')} `, region), h('label', {}, `${t('initiatives.new_title')} `, title),
      h('label', {}, `${t('initiatives.new_description')} `, description), h('label', {}, `${t('initiatives.new_body')} `, body),
      h('label', {}, `${t('initiatives.new_due')} `, due), h('button', { type: 'submit' }, t('initiatives.create'))));
  }

  clear(container, h('h2', {}, t('initiatives.title')),
    writable ? newForm() : h('p', { class: 'message info', id: 'read-only' }, t('initiatives.read_only')),
    h('label', { class: 'control' }, `${t('common.region')} `, regionFilter), board);
  await draw();
}
