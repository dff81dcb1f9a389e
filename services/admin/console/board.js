// board接続 (SPEC F1.1): API key and token, saved only after board's
// permission check; its message names each operation the token lacks.
import { api } from './api.js';
import { $, busy, clearFieldErrors, el, markInvalid } from './ui.js';

const STATE_LABELS = { allowed: '許可されています', missing: '許可されていません', unknown: '確認できません' };

export function initBoard(ctx) {
  const form = $('board-form');

  function renderState() {
    const connected = ctx.session && ctx.session.board_connected;
    const state = $('board-state');
    state.textContent = connected
      ? 'board に接続済みです。変更するときは新しい APIキー と APIトークン を入力してください。'
      : 'board に接続されていません。APIキー と APIトークン を入力してください。';
    state.className = connected ? 'state ok' : 'state warn';
  }

  function showResult(ok, message, operations) {
    $('board-result').className = ok ? 'result ok' : 'result error';
    $('board-message').textContent = message;
    $('board-operations').replaceChildren(...(operations || []).map((op) => el('li', {
      class: op.state, dataset: { operation: op.operation, state: op.state },
    }, `${op.label} (${op.operation}): ${STATE_LABELS[op.state] || op.state}`)));
    $('board-result').hidden = false;
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    $('board-result').hidden = true;
    const key = $('board-api-key').value.trim();
    const token = $('board-api-token').value.trim();
    if (!key) markInvalid(form.querySelector('[data-field="api_key"]'), 'APIキーを入力してください。');
    if (!token) {
      markInvalid(form.querySelector('[data-field="api_token"]'), 'APIトークンを入力してください。');
    }
    if (!key || !token) return;
    await busy($('board-save'), '確認中…', async () => {
      try {
        const check = await api('PUT', '/api/v1/board/connection', { api_key: key, api_token: token });
        showResult(true, check.message, check.operations);
        form.reset();
        if (typeof check.version === 'number') ctx.version = check.version;
        ctx.session.board_connected = true;
        renderState();
        ctx.changed('board');
      } catch (e) {
        if (e.status === 401) return;
        const body = e.body || {};
        // 422/503 carry board's check (verdict, message, operations) beside the error.
        const message = body.message || e.message;
        showResult(false, `保存されませんでした。${message}`, body.operations);
        // A 422 "validation": the credentials were fine, the stored settings were not.
        for (const error of e.errors) {
          $('board-operations').append(el('li', { class: 'missing' }, `${error.message} (${error.field})`));
        }
      }
    });
  });

  return { load: renderState };
}
