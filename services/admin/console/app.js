// hbsync admin console: one page, a section per task (SPEC F1, F2, F6, F7,
// F8). Everything it does goes through the admin API (docs/admin-api.yaml).
import { api, setCsrfToken, whenUnauthenticated } from './api.js';
import { initBoard } from './board.js';
import { initHistory } from './history.js';
import { initRuns } from './runs.js';
import { initSettings } from './settings.js';
import { initStages } from './stages.js';
import { $, clearNotice, notice } from './ui.js';

// What the sections share: the session, the tenant's settings version (one
// for the whole tenant.json: every save bumps it), and change events.
const ctx = {
  session: null,
  version: 0,
  generation: 0, // bumped when signed out: timers of the old session stop
  listeners: [],
  on(listener) {
    this.listeners.push(listener);
  },
  // A section saved something: the others refresh what depends on it.
  changed(what) {
    for (const listener of this.listeners) listener(what);
  },
  alive(generation) {
    return generation === this.generation && this.session !== null;
  },
};

const sections = [initBoard(ctx), initStages(ctx), initSettings(ctx), initRuns(ctx),
  initHistory(ctx)];

function showView(name) {
  $('loading').hidden = name !== 'loading';
  $('signin').hidden = name !== 'signin';
  $('console').hidden = name !== 'console';
  $('account').hidden = name !== 'console';
}

function signedOut(message, kind = 'ok') {
  ctx.generation += 1;
  ctx.session = null;
  setCsrfToken('');
  showView('signin');
  if (message) notice(message, kind);
}

function showAccount(session) {
  $('account-domain').textContent = session.hub_domain || `ポータル ${session.tenant_id}`;
  $('account-user').textContent = session.user || '';
  $('account-tenant').textContent = `(ポータルID ${session.tenant_id})`;
  if (!session.hubspot_connected) {
    notice('HubSpot との接続が解除されています。「HubSpotでログイン」からもう一度接続してください。',
      'error');
  }
}

async function start() {
  let session;
  try {
    session = await api('GET', '/api/v1/session');
  } catch (e) {
    if (e.status !== 401) {
      showView('signin');
      notice(e.message, 'error');
    }
    return;
  }
  ctx.generation += 1;
  ctx.session = session;
  setCsrfToken(session.csrf_token);
  showAccount(session);
  showView('console');
  for (const section of sections) section.load();
}

whenUnauthenticated(() => {
  if (ctx.session !== null) {
    signedOut('セッションの有効期限が切れました。もう一度ログインしてください。', 'error');
  } else {
    showView('signin');
  }
});

$('logout').addEventListener('click', async () => {
  try {
    await api('DELETE', '/api/v1/session');
    signedOut('ログアウトしました。');
  } catch (e) {
    if (e.status !== 401) notice(e.message, 'error');
  }
});

$('disconnect').addEventListener('click', async () => {
  const ok = window.confirm('HubSpot との接続を解除しますか？\n' +
    '保存されている HubSpot のトークンが削除され、連携が止まります。再開するにはもう一度ログインしてください。');
  if (!ok) return;
  try {
    await api('POST', '/api/v1/hubspot/disconnect');
    signedOut('HubSpot との接続を解除しました。');
  } catch (e) {
    if (e.status !== 401) notice(e.message, 'error');
  }
});

$('signin-link').addEventListener('click', () => clearNotice());

start();
