// The console in headless Chromium against the whole pipeline (stack.mjs):
// sign in through the HubSpot simulator's OAuth, board credentials (a token
// lacking an operation, then a complete one), stage mapping (a duplicate
// stage: errors on both rows, nothing saved), settings, a deal synced by the
// pipeline appearing in the history, a failed item retried from the history,
// sync now and the bulk company sync. Screenshots of each page go to
// $HBSYNC_CONSOLE_ARTIFACTS/screenshots; with HBSYNC_CONSOLE_DOCS_IMAGES set,
// the ones docs/console.md shows are copied there too.
//
//   HBSYNC_BIN_DIR=build/release/bin node --test console.test.mjs
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { Stack, call, waitFor } from './stack.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const bin = resolve(process.env.HBSYNC_BIN_DIR || join(here, '../../build/release/bin'));
const artifacts = resolve(process.env.HBSYNC_CONSOLE_ARTIFACTS || join(bin, '..', 'console-tests'));
const shots = join(artifacts, 'screenshots');
const docsImages = process.env.HBSYNC_CONSOLE_DOCS_IMAGES;
const chromiumPath = process.env.HBSYNC_CHROMIUM || '/usr/bin/chromium';

const PORTAL = 20259001;
const HUB_DOMAIN = 'sakura-console.example.jp';
const HUB_USER = 'admin@sakura-console.example.jp';
const BOARD_KEY = 'console-board-key';
const FULL_TOKEN = 'console-token-full';
const LIMITED_TOKEN = 'console-token-no-order-status';
const PAT = 'pat-na1-console-test';
const OPERATIONS = ['clients.create', 'clients.update', 'clients.get', 'clients.list',
  'projects.create', 'projects.update', 'projects.get', 'projects.list', 'projects.order_status',
  'invoices.list', 'users.list'];
const STAGES = [
  ['appointmentscheduled', 'アポ設定済み'], ['qualifiedtobuy', '購入見込みあり'],
  ['presentationscheduled', 'プレゼン予定済み'], ['decisionmakerboughtin', '意思決定者の賛同'],
  ['contractsent', '契約書送付済み'], ['closedwon', '成約'], ['closedlost', '失注'],
  ['invoiced', '請求済'], ['paid', '入金済'],
];
const WAIT_S = 60; // the longest any one condition may take

const stack = new Stack({ bin, dir: join(artifacts, 'stack') });
let browser;
let page;
let sato; // board user id of the default 担当者
let failed = false; // a step failed: the later ones would only fail after it

// The screenshots docs/console.md shows: one of each page.
const DOCS = new Set(['signin', 'board-missing-operation', 'stages-duplicate', 'settings-error',
  'actions', 'history-retried']);

async function shot(name, target) {
  const path = join(shots, `${name}.png`);
  await (target || page).screenshot({ path, ...(target ? {} : { fullPage: true }) });
  if (docsImages && DOCS.has(name)) copyFileSync(path, join(docsImages, `console-${name}.png`));
}

// The admin API as the signed-in browser (its cookies), for checking what a
// page did.
async function apiGet(path) {
  const response = await page.request.get(`${stack.adminUrl}${path}`);
  assert.equal(response.status(), 200, `GET ${path}`);
  return response.json();
}

const hubspot = (method, path, body) => call(method, `${stack.hubspotUrl}${path}`, body,
  { Authorization: `Bearer ${PAT}` });

async function provision() {
  const hs = stack.hubspotUrl;
  await call('POST', `${hs}/_sim/portals`, { portalId: PORTAL, hubDomain: HUB_DOMAIN, userEmail: HUB_USER });
  const { apps } = await call('GET', `${hs}/_sim/apps`);
  const app = apps.find((a) => a.clientId === stack.clientId);
  await call('PATCH', `${hs}/_sim/apps/${app.appId}`, {
    subscriptions: ['deal.creation', 'deal.deletion', 'deal.merge', 'deal.associationChange',
      'deal.propertyChange:dealstage', 'deal.propertyChange:pipeline',
      'deal.propertyChange:hubspot_owner_id', 'company.merge'],
  });
  await call('POST', `${hs}/_sim/portals/${PORTAL}/tokens`, { token: PAT });
  await call('POST', `${hs}/_sim/portals/${PORTAL}/pipelines`, {
    id: 'default', label: '営業パイプライン',
    stages: STAGES.map(([id, label], i) => ({ id, label, isClosed: i >= 5 })),
  });
  await call('POST', `${hs}/_sim/portals/${PORTAL}/pipelines`, {
    id: 'partner', label: '代理店パイプライン',
    stages: [{ id: 'p_new', label: '新規', isClosed: false }, { id: 'p_won', label: '受注', isClosed: true }],
  });
  const account = await call('POST', `${stack.boardUrl}/_sim/accounts`, {
    api_key: BOARD_KEY,
    tokens: [{ token: FULL_TOKEN, operations: OPERATIONS },
      { token: LIMITED_TOKEN, operations: OPERATIONS.filter((op) => op !== 'projects.order_status') }],
    users: [{ email: 'sato@sakura-console.example.jp', last_name: '佐藤', first_name: '花子' },
      { email: 'tanaka@sakura-console.example.jp', last_name: '田中', first_name: '一郎' }],
  });
  sato = account.users.find((u) => u.email.startsWith('sato@')).id;
}

// A company and a deal in 'appointmentscheduled' (見積中(高)), as the
// customer's sales team would create them; returns the deal id.
async function createDeal(company, deal) {
  const c = await hubspot('POST', '/crm/v3/objects/companies', { properties: { name: company } });
  const d = await hubspot('POST', '/crm/v3/objects/deals', {
    properties: { dealname: deal, pipeline: 'default', dealstage: 'appointmentscheduled', amount: '480000' },
    associations: [{ to: { id: c.id }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 5 }] }],
  });
  return String(d.id);
}

// The history row of a deal with that action (the project's when created).
function historyRow(deal, action) {
  const project = action === 'created' ? '[data-project]' : '';
  return page.locator(`#history-table tbody tr[data-deal="${deal}"][data-action="${action}"]${project}`);
}

before(async () => {
  rmSync(shots, { recursive: true, force: true });
  mkdirSync(shots, { recursive: true });
  if (docsImages) mkdirSync(docsImages, { recursive: true });
  await stack.up({ portal: PORTAL });
  await provision();
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP',
    timezoneId: 'Asia/Tokyo' });
  context.setDefaultTimeout(WAIT_S * 1000);
  page = await context.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') console.error(`console: ${m.text()}`); });
});

after(async () => {
  if (browser) await browser.close();
  await stack.down();
});

// Each step runs only when the ones before it passed.
function step(name, body) {
  test(name, async (t) => {
    if (failed) {
      t.skip('an earlier step failed');
      return;
    }
    try {
      await body();
    } catch (e) {
      failed = true;
      if (page) {
        await page.screenshot({ path: join(shots, 'failure.png'), fullPage: true }).catch(() => {});
        // What the page says went wrong, for the log.
        const said = await page.locator('.errors:visible, .result.error:visible, .field-error:visible, .notice.error:visible')
          .allInnerTexts().catch(() => []);
        for (const text of said) console.error(`page shows: ${text}`);
      }
      throw e;
    }
  });
}

step('sign-in through the HubSpot simulator OAuth shows the connected account', async () => {
  await page.goto(`${stack.adminUrl}/`);
  await page.locator('#signin').waitFor();
  assert.equal(await page.locator('#console').isVisible(), false);
  await shot('signin');
  await page.getByRole('link', { name: 'HubSpotでログイン' }).click();
  await page.locator('#console').waitFor();
  await page.waitForURL(`${stack.adminUrl}/`);
  assert.equal(await page.locator('#account-domain').textContent(), HUB_DOMAIN);
  assert.equal(await page.locator('#account-user').textContent(), HUB_USER);
  const session = await apiGet('/api/v1/session');
  assert.equal(session.tenant_id, String(PORTAL));
  assert.equal(session.board_connected, false);
});

step('board credentials: a token lacking an operation is named, a complete one is saved', async () => {
  const board = page.locator('#board');
  await page.fill('#board-api-key', BOARD_KEY);
  await page.fill('#board-api-token', LIMITED_TOKEN);
  await page.click('#board-save');
  await board.locator('#board-result.error').waitFor();
  const message = await page.locator('#board-message').textContent();
  assert.match(message, /案件 受注ステータス更新/);
  await board.locator('li[data-operation="projects.order_status"][data-state="missing"]').waitFor();
  assert.equal(await board.locator('li[data-state="missing"]').count(), 1);
  assert.equal((await apiGet('/api/v1/session')).board_connected, false);
  await shot('board-missing-operation', board);

  await page.fill('#board-api-key', BOARD_KEY);
  await page.fill('#board-api-token', FULL_TOKEN);
  await page.click('#board-save');
  await board.locator('#board-result.ok, #board-result.error').waitFor();
  assert.equal(await page.getAttribute('#board-result', 'class'), 'result ok',
    await page.locator('#board-result').innerText());
  await board.locator('#board-state.ok').waitFor();
  assert.equal(await page.inputValue('#board-api-token'), '', 'the token is not kept in the page');
  assert.equal((await apiGet('/api/v1/session')).board_connected, true);
  await shot('board-saved', board);
});

step('stage mapping: a stage used twice marks both rows and saves nothing; then saved', async () => {
  const stages = page.locator('#stages');
  await page.click('#stages-reload');
  await stages.locator('select[data-pipeline="default"][data-row="order_1"] option[value="appointmentscheduled"]')
    .waitFor({ state: 'attached' });
  // One column per pipeline: drop the partner pipeline, add it back, drop it again.
  if (await stages.locator('button[data-remove-pipeline="partner"]').count() === 0) {
    await page.selectOption('#stages-add-select', 'partner');
    await page.click('#stages-add');
  }
  await stages.locator('th[data-pipeline="partner"]').waitFor();
  await page.click('button[data-remove-pipeline="partner"]');
  assert.equal(await stages.locator('th[data-pipeline="partner"]').count(), 0);
  if (await stages.locator('th[data-pipeline="default"]').count() === 0) {
    await page.selectOption('#stages-add-select', 'default');
    await page.click('#stages-add');
  }
  const choose = (row, stage) => page.selectOption(`select[data-pipeline="default"][data-row="${row}"]`, stage);
  const mapping = {
    order_1: 'appointmentscheduled', order_2: 'qualifiedtobuy', order_3: 'presentationscheduled',
    order_4: 'contractsent', order_5: 'closedwon', order_9: 'closedlost', invoiced: 'invoiced',
  };
  for (const [row, stage] of Object.entries(mapping)) await choose(row, stage);
  await choose('paid', 'closedwon'); // 受注済 already has 成約

  const before = await apiGet('/api/v1/stage-mapping');
  await page.click('#stages-save');
  for (const row of ['order_5', 'paid']) {
    const errors = stages.locator(`td.invalid[data-field="default.${row}"] .field-error`);
    await errors.first().waitFor();
    assert.equal(await errors.count(), 1, `one message under ${row}`);
  }
  assert.equal(await stages.locator('td.invalid').count(), 2);
  assert.match(await stages.locator('td[data-field="default.paid"] .field-error').textContent(), /受注済/);
  const unchanged = await apiGet('/api/v1/stage-mapping');
  assert.equal(unchanged.version, before.version, 'nothing saved');
  assert.deepEqual(unchanged.stage_mapping, before.stage_mapping);
  await shot('stages-duplicate', stages);

  await choose('paid', 'paid');
  await page.click('#stages-save');
  await stages.locator('#stages-status.ok').waitFor();
  assert.equal(await stages.locator('td.invalid').count(), 0);
  const saved = await apiGet('/api/v1/stage-mapping');
  assert.ok(saved.version > before.version);
  assert.deepEqual(saved.stage_mapping.default, { ...mapping, paid: 'paid' });
  assert.equal(saved.stage_mapping.partner, undefined);
  await shot('stages-saved', stages);
});

step('settings: a new link property, the default user, a rejected schedule, then saved', async () => {
  const settings = page.locator('#settings');
  await page.locator('#create-property summary').click();
  await page.fill('#new-property-name', 'board_client_url');
  await page.fill('#new-property-label', 'board 顧客URL');
  await page.click('#create-property-button');
  await settings.locator('#create-property-status.ok').waitFor();
  assert.equal(await page.inputValue('#link-property'), 'board_client_url');

  await settings.locator(`#default-user option[value="${sato}"]`).waitFor({ state: 'attached' });
  await page.selectOption('#default-user', String(sato));
  await page.fill('#management-no-prefix', 'HS-');
  await page.fill('#schedule-time', '25:00');
  await page.fill('#schedule-interval', '30');
  const before = await apiGet('/api/v1/settings');
  await page.click('#settings-save');
  await settings.locator('[data-field="schedule.time"].invalid .field-error').waitFor();
  assert.equal(await settings.locator('.field-error').count(), 1);
  assert.equal((await apiGet('/api/v1/settings')).version, before.version, 'nothing saved');
  await shot('settings-error', settings);

  await page.fill('#schedule-time', '06:30');
  await page.click('#settings-save');
  await settings.locator('#settings-status.ok').waitFor();
  assert.equal(await settings.locator('.field-error').count(), 0);
  const saved = (await apiGet('/api/v1/settings')).settings;
  assert.equal(saved.board.default_user_id, sato);
  assert.equal(saved.hubspot.link_property, 'board_client_url');
  assert.deepEqual(saved.schedule, { time: '06:30', time_zone: 'Asia/Tokyo', interval_minutes: 30 });
  assert.equal(saved.stage_mapping.default.paid, 'paid', 'the stage mapping saved before is kept');
  await shot('settings-saved', settings);
});

step('a deal created in HubSpot appears in the history once the pipeline synced it', async () => {
  const deal = await createDeal('株式会社サクラ食品', 'サクラ食品 受発注システム導入');
  await historyRow(deal, 'created').first().waitFor();
  assert.equal(await historyRow(deal, 'created').first().locator('.reason-text').textContent(),
    'boardに案件を作成しました。');
  await page.locator('#history-summary .count[data-action="created"]').waitFor();
  await shot('history-created', page.locator('#history'));
});

step('a failed item is retried from the history', async () => {
  // board refuses the next project creation once: a permanent failure.
  await call('POST', `${stack.boardUrl}/_sim/faults`, { count: 1, route: 'POST /v1/projects', status: 403 });
  const deal = await createDeal('ミドリ技研合同会社', 'ミドリ技研 共同物流案件');
  const failedRow = historyRow(deal, 'failed');
  await failedRow.locator('button[data-retry]').waitFor();
  // The reason code explained in Japanese, the technical message under it.
  assert.equal(await failedRow.locator('td.ids').nth(2).textContent(), 'board_forbidden');
  assert.match(await failedRow.locator('.reason-text').textContent(), /^boardの権限が足りません/);
  assert.match(await failedRow.locator('.detail').textContent(), /HTTP 403/);
  await shot('history-failed', page.locator('#history'));

  await failedRow.locator('button[data-retry]').click();
  await failedRow.getByText('再実行を受け付けました').waitFor();
  await historyRow(deal, 'created').first().waitFor();
  const projects = await call('GET', `${stack.boardUrl}/_sim/accounts/${BOARD_KEY}/projects`);
  assert.equal(projects.filter((p) => p.name === 'ミドリ技研 共同物流案件').length, 1);
  await page.locator('#history-summary .count[data-action="failed"]').waitFor();
  await shot('history-retried', page.locator('#history'));
});

step('sync now and the bulk company sync show their progress', async () => {
  const actions = page.locator('#actions');
  // Before the click the page shows 未実行 (idle); the request's answer replaces it.
  await page.click('#sync-now');
  await waitFor('the sync shown as queued or further', WAIT_S, async () => {
    const state = await actions.locator('#sync-status [data-state]').getAttribute('data-state');
    return ['queued', 'running', 'succeeded'].includes(state);
  });
  const status = await apiGet('/api/v1/sync/status');
  assert.ok(['queued', 'running', 'succeeded'].includes(status.state), status.state);

  await page.click('#bulk-sync');
  await waitFor('the bulk sync shown as queued or further', WAIT_S, async () => {
    const state = await actions.locator('#bulk-status [data-state]').getAttribute('data-state');
    return ['queued', 'listing', 'running', 'done'].includes(state);
  });
  await shot('actions', actions);
  await shot('overview');
});

step('sign-out returns to the sign-in page and ends the session', async () => {
  await page.click('#logout');
  await page.locator('#signin').waitFor();
  const response = await page.request.get(`${stack.adminUrl}/api/v1/session`);
  assert.equal(response.status(), 401);
});
