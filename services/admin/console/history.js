// 連携履歴 (SPEC F7): newest first, filtered by direction, action and reason,
// paged with next_before; counts by outcome over the last 24 h; a retry
// button on failed items the API marks retryable. The first page refreshes
// itself every few seconds while 自動更新 is on.
import { api, query } from './api.js';
import { outcomeText, reasonText } from './reasons.js';
import { $, el, formatTime, hideErrors, showErrors } from './ui.js';

const PAGE = 50;
const REFRESH_MS = 3000;
export const ACTION_LABELS = {
  created: '作成', linked: '紐づけ', updated: '更新', unchanged: '変更なし', skipped: 'スキップ',
  failed: '失敗', deactivated: '連携解除', repointed: '付け替え',
};
const DIRECTION_LABELS = { hubspot_to_board: 'HubSpot → board', board_to_hubspot: 'board → HubSpot' };

export function initHistory(ctx) {
  const body = $('history-table').tBodies[0];
  let nextBefore = '';
  let pages = 0;
  let timer = 0;
  const reasons = new Set();

  const filters = () => ({
    direction: $('history-direction').value,
    action: $('history-action').value,
    reason: $('history-reason').value.trim(),
  });

  function ids(pairs) {
    return pairs.filter(([, v]) => v).map(([label, v]) => el('div', { class: 'ids' }, `${label} ${v}`));
  }

  function retryCell(entry) {
    if (entry.retried_at_ms) return el('td', { class: 'muted' }, `再実行済み ${formatTime(entry.retried_at_ms)}`);
    if (!entry.retryable) return el('td');
    const cell = el('td');
    const button = el('button', { type: 'button', class: 'secondary small', dataset: { retry: entry.id } },
      '再実行');
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        await api('POST', `/api/v1/history/${encodeURIComponent(entry.id)}/retry`);
        cell.replaceChildren(el('span', { class: 'status ok' }, '再実行を受け付けました'));
        schedule(500);
      } catch (e) {
        if (e.status === 401) return;
        button.disabled = false;
        cell.append(el('p', { class: 'field-error' }, e.message));
      }
    });
    cell.append(button);
    return cell;
  }

  // The reason (or, without one, the outcome) explained in Japanese, the service's
  // technical message (ids and codes only) under it.
  function messageCell(entry) {
    const text = reasonText(entry.reason_code) || (entry.reason_code ? '' : outcomeText(entry));
    if (!text) return el('td', { class: 'message' }, entry.message || '');
    return el('td', { class: 'message' }, el('span', { class: 'reason-text' }, text),
      entry.message ? el('small', { class: 'muted detail' }, entry.message) : '');
  }

  function row(entry) {
    if (entry.reason_code) reasons.add(entry.reason_code);
    return el('tr', { class: entry.action, dataset: {
      id: entry.id, action: entry.action, deal: entry.deal_id, project: entry.project_id,
    } },
      el('td', { class: 'ids' }, formatTime(entry.at_ms)),
      el('td', { class: 'ids' }, DIRECTION_LABELS[entry.direction] || entry.direction),
      el('td', {}, el('span', { class: `badge ${entry.action}` }, ACTION_LABELS[entry.action] || entry.action)),
      el('td', {}, ids([['取引', entry.deal_id], ['会社', entry.company_id]])),
      el('td', {}, ids([['顧客', entry.client_id], ['案件', entry.project_id]])),
      el('td', { class: 'ids' }, entry.reason_code || ''),
      messageCell(entry),
      el('td', {}, String(entry.attempts ?? '')),
      retryCell(entry));
  }

  async function loadSummary() {
    try {
      const data = await api('GET', '/api/v1/history/summary');
      const order = Object.keys(ACTION_LABELS);
      const rank = (action) => (order.includes(action) ? order.indexOf(action) : order.length);
      const counts = Object.entries(data.counts).sort(([a], [b]) => rank(a) - rank(b));
      $('history-summary').replaceChildren(el('span', { class: 'muted' }, '過去24時間:'),
        ...(counts.length ? counts : [['failed', 0]]).map(([action, n]) => el('span', {
          class: 'count', dataset: { action },
        }, ACTION_LABELS[action] || action, el('strong', {}, String(n)), ' 件')));
    } catch (e) {
      /* the page's own error says it */
    }
  }

  // reset: the first page again (filters changed, refresh); else the next page.
  async function load(reset = true) {
    const generation = ctx.generation;
    const params = { ...filters(), limit: PAGE };
    if (!reset) params.before = nextBefore;
    try {
      const data = await api('GET', `/api/v1/history${query(params)}`);
      if (!ctx.alive(generation)) return;
      hideErrors($('history-errors'));
      const rows = data.entries.map(row);
      if (reset) {
        body.replaceChildren(...rows);
        pages = 1;
      } else {
        body.append(...rows);
        pages += 1;
      }
      nextBefore = data.next_before || '';
      $('history-more').hidden = !nextBefore;
      $('history-empty').hidden = body.rows.length > 0;
      $('history-reasons').replaceChildren(...[...reasons].sort().map((r) => el('option', { value: r })));
    } catch (e) {
      if (e.status !== 401 && ctx.alive(generation)) showErrors($('history-errors'), e.message);
    }
  }

  async function refresh() {
    await Promise.all([load(true), loadSummary()]);
  }

  // Auto refresh: only the first page, only while shown, never over paging.
  function schedule(delay = REFRESH_MS) {
    clearTimeout(timer);
    const generation = ctx.generation;
    timer = setTimeout(async () => {
      if (!ctx.alive(generation)) return;
      if ($('history-auto').checked && pages <= 1 && document.visibilityState === 'visible') {
        await refresh();
      }
      if (ctx.alive(generation)) schedule();
    }, delay);
  }

  $('history-filter').addEventListener('submit', (event) => {
    event.preventDefault();
    load(true);
  });
  $('history-more').addEventListener('click', () => load(false));

  return {
    async load() {
      await refresh();
      schedule();
    },
  };
}
