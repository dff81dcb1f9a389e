// 同期の実行: sync now (F4.1) and the bulk company sync (F5). Both write a
// request; their status routes are polled until the run ends, so the page
// shows 待機中 while queued, then progress, then the outcome.
import { api } from './api.js';
import { $, busy, el, formatTime, notice } from './ui.js';

const STATES = {
  idle: '未実行', queued: '待機中', listing: '顧客一覧を取得中', running: '実行中',
  succeeded: '完了', done: '完了', failed: '失敗',
};
const ACTIVE = new Set(['queued', 'listing', 'running']);

function show(box, ...parts) {
  box.replaceChildren(...parts.filter((part) => part));
}

function details(pairs) {
  const items = pairs.filter(([, v]) => v !== undefined && v !== null && v !== '');
  return items.length ? el('dl', {}, items.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, String(v))])) : null;
}

function stateLabel(state) {
  return el('div', {}, el('span', { class: 'state-label', dataset: { state } }, STATES[state] || state),
    state === 'queued' ? el('span', { class: 'muted' }, ' 受け付けました。順番が来ると実行されます。') : null);
}

function renderSync(status) {
  show($('sync-status'), stateLabel(status.state), details([
    ['開始', formatTime(status.started_at_ms)], ['終了', formatTime(status.finished_at_ms)],
    ['確認した案件', status.projects_seen], ['HubSpot へ反映', status.published],
    ['board API 呼び出し', status.calls], ['エラー', status.error],
    ['最後に成功した同期', formatTime(status.last_success_at_ms)],
  ]));
}

function renderBulk(status) {
  const total = status.total || 0;
  const progress = total > 0 ? el('progress', { max: total, value: status.done }) : null;
  show($('bulk-status'), stateLabel(status.state), el('div', {}, progress,
    total > 0 || status.done > 0 ? `${status.done} / ${total} 件` : ''), details([
    ['作成', status.created], ['紐づけ', status.linked], ['スキップ', status.skipped],
    ['失敗', status.failed], ['開始', formatTime(status.started_at_ms)],
    ['終了', formatTime(status.finished_at_ms)], ['エラー', status.error],
  ]));
}

export function initRuns(ctx) {
  // One poller per kind: GET the status, render it, again while it is active.
  function poller(path, render, button) {
    let timer = 0;
    async function poll(generation) {
      clearTimeout(timer);
      if (!ctx.alive(generation)) return;
      try {
        const status = await api('GET', path);
        if (!ctx.alive(generation)) return;
        render(status);
        const active = ACTIVE.has(status.state);
        button.disabled = active;
        if (active) timer = setTimeout(() => poll(generation), status.state === 'queued' ? 2000 : 1000);
      } catch (e) {
        if (e.status !== 401 && ctx.alive(generation)) {
          button.disabled = false;
          timer = setTimeout(() => poll(generation), 5000);
        }
      }
    }
    return () => poll(ctx.generation);
  }

  const pollSync = poller('/api/v1/sync/status', renderSync, $('sync-now'));
  const pollBulk = poller('/api/v1/bulk-sync/companies', renderBulk, $('bulk-sync'));

  function starter(button, path, render, poll, accepted) {
    button.addEventListener('click', async () => {
      await busy(button, '送信中…', async () => {
        try {
          await api('POST', path);
          notice(accepted);
          render({ state: 'queued', total: 0, done: 0 });
        } catch (e) {
          if (e.status !== 401) notice(e.message, 'error');
          return;
        }
      });
      poll();
    });
  }
  starter($('sync-now'), '/api/v1/sync/now', renderSync, pollSync,
    '同期を受け付けました。順番が来ると実行されます。');
  starter($('bulk-sync'), '/api/v1/bulk-sync/companies', renderBulk, pollBulk,
    '会社情報一括同期を受け付けました。順番が来ると実行されます。');

  return {
    load() {
      pollSync();
      pollBulk();
    },
  };
}
