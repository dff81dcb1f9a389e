// 設定 (SPEC F6): link property, company field mapping, abbreviation words,
// amount sync, default board user, invoice-date rule, management_no,
// schedule, keep customers updated. Saved as the whole tenant.json (PUT
// /api/v1/settings, credentials left out so they are kept); each validation
// message is shown next to the field its path names.
import { api } from './api.js';
import {
  $, busy, clearFieldErrors, el, hideErrors, setStatus, showErrors, showFieldErrors,
} from './ui.js';

const CLIENT_FIELDS = [
  ['name', '顧客名 (必須)'], ['name_disp', '顧客略称 (必須)'], ['zip', '郵便番号'],
  ['pref', '都道府県'], ['address1', '住所 (市区町村・番地)'], ['address2', '住所 (建物名)'],
  ['tel', '電話番号'], ['fax', 'FAX番号'],
];
const TRANSFORMS = { name_disp: ['abbreviate', '略称にする (語を除く)'], zip: ['postal_code', '郵便番号の形式にする (123-4567)'] };
// Never sent back: credentials change only through their own routes.
const SECRETS = { board: ['api_key', 'api_token'], hubspot: ['access_token', 'refresh_token', 'expires_at_ms', 'user'] };

export function initSettings(ctx) {
  const form = $('settings-form');
  let snapshot = null; // the tenant.json last read (credentials masked)
  let refreshing = Promise.resolve();

  function renderFieldMapping(fields) {
    const rows = CLIENT_FIELDS.map(([id, label]) => {
      const source = fields[id];
      const property = typeof source === 'string' ? source : (source && source.hubspot_property) || '';
      const transform = (source && typeof source === 'object' && source.transform) || 'none';
      const select = el('select', { 'aria-label': `${label} の変換`, dataset: { transformOf: id } },
        el('option', { value: 'none' }, 'なし'),
        TRANSFORMS[id] ? el('option', { value: TRANSFORMS[id][0] }, TRANSFORMS[id][1]) : null);
      select.value = transform;
      return el('tr', {},
        el('th', { scope: 'row' }, label, el('span', { class: 'pipeline-id' }, ` (${id})`)),
        el('td', { dataset: { field: `company_field_mapping.fields.${id}` } },
          el('input', { type: 'text', value: property, 'aria-label': `${label} の HubSpot プロパティ`,
            dataset: { propertyOf: id }, placeholder: '(送信しない)' })),
        el('td', {}, select));
    });
    $('field-mapping').tBodies[0].replaceChildren(...rows);
  }

  function renderLinkProperty(properties, chosen, problem) {
    const select = $('link-property');
    const options = [el('option', { value: '' }, '(書き込まない)')];
    for (const p of properties) options.push(el('option', { value: p.name }, `${p.label} (${p.name})`));
    if (chosen && !properties.some((p) => p.name === chosen)) {
      options.push(el('option', { value: chosen }, chosen));
    }
    select.replaceChildren(...options);
    select.value = chosen || '';
    $('link-property-state').textContent = problem || '';
  }

  function renderUsers(users, chosen, problem) {
    const select = $('default-user');
    const options = [el('option', { value: '' }, '(設定しない)')];
    for (const u of users) {
      options.push(el('option', { value: String(u.id), disabled: !u.valid && u.id !== chosen },
        `${u.name} (${u.email})${u.valid ? '' : ' (無効)'}`));
    }
    if (chosen && !users.some((u) => u.id === chosen)) {
      options.push(el('option', { value: String(chosen) }, `ユーザーID ${chosen}`));
    }
    select.replaceChildren(...options);
    select.value = chosen ? String(chosen) : '';
    $('default-user-state').textContent = problem || '';
  }

  function render(settings) {
    const mapping = settings.company_field_mapping || {};
    renderFieldMapping(mapping.fields || {});
    $('abbreviation-words').value = (mapping.abbreviation_words || []).join('\n');
    $('amount-sync').checked = settings.amount_sync !== false;
    $('invoice-date-rule').value = settings.invoice_date_rule || 'closedate_or_month_end';
    const managementNo = settings.management_no || {};
    $('management-no-enabled').checked = managementNo.enabled !== false;
    $('management-no-prefix').value = managementNo.prefix || '';
    const schedule = settings.schedule || {};
    $('schedule-time').value = schedule.time || '';
    $('schedule-zone').value = schedule.time_zone || '';
    $('schedule-interval').value = schedule.interval_minutes ?? 0;
    $('keep-customers-updated').checked = settings.keep_customers_updated === true;
  }

  async function loadProperties(chosen) {
    try {
      const data = await api('GET', '/api/v1/hubspot/company-properties');
      renderLinkProperty(data.properties, data.link_property || chosen);
    } catch (e) {
      if (e.status !== 401) renderLinkProperty([], chosen, e.message);
    }
  }

  async function loadUsers(chosen) {
    try {
      const data = await api('GET', '/api/v1/board/users');
      renderUsers(data.users, chosen);
    } catch (e) {
      if (e.status !== 401) renderUsers([], chosen, e.message);
    }
  }

  async function load() {
    hideErrors($('settings-errors'));
    clearFieldErrors(form);
    setStatus($('settings-status'), '');
    try {
      const data = await api('GET', '/api/v1/settings');
      snapshot = data.settings;
      ctx.version = data.version;
      render(snapshot);
      const hubspot = snapshot.hubspot || {};
      const board = snapshot.board || {};
      await Promise.all([loadProperties(hubspot.link_property), loadUsers(board.default_user_id)]);
    } catch (e) {
      if (e.status !== 401) showErrors($('settings-errors'), e.message);
    }
  }

  // Another section saved (stage mapping, pipelines, board, property): take
  // the stored tenant.json again for what this form does not edit; the form
  // keeps what the admin typed.
  function refreshSnapshot() {
    refreshing = api('GET', '/api/v1/settings').then((data) => {
      snapshot = data.settings;
      ctx.version = data.version;
    }).catch(() => {});
    return refreshing;
  }

  function words() {
    return $('abbreviation-words').value.split('\n').map((w) => w.trim()).filter((w) => w !== '');
  }

  function fieldMapping() {
    const fields = {};
    for (const [id] of CLIENT_FIELDS) {
      const property = form.querySelector(`[data-property-of="${id}"]`).value.trim();
      const transform = form.querySelector(`[data-transform-of="${id}"]`).value;
      if (!property) continue;
      fields[id] = transform === 'none' ? property : { hubspot_property: property, transform };
    }
    return fields;
  }

  // A number when the text is one, else the text itself (the API says what is wrong).
  function integer(text) {
    const trimmed = text.trim();
    return /^-?\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
  }

  function collect() {
    const settings = structuredClone(snapshot);
    delete settings.version;
    delete settings.updated_at_ms;
    for (const [part, keys] of Object.entries(SECRETS)) {
      for (const key of keys) if (settings[part]) delete settings[part][key];
    }
    settings.hubspot = settings.hubspot || {};
    settings.hubspot.link_property = $('link-property').value;
    settings.board = settings.board || {};
    const user = $('default-user').value;
    settings.board.default_user_id = user ? Number(user) : null;
    settings.company_field_mapping = { fields: fieldMapping(), abbreviation_words: words() };
    settings.amount_sync = $('amount-sync').checked;
    settings.invoice_date_rule = $('invoice-date-rule').value;
    settings.management_no = {
      enabled: $('management-no-enabled').checked, prefix: $('management-no-prefix').value.trim(),
    };
    settings.schedule = {
      time: $('schedule-time').value.trim(), time_zone: $('schedule-zone').value.trim(),
      interval_minutes: integer($('schedule-interval').value),
    };
    settings.keep_customers_updated = $('keep-customers-updated').checked;
    return settings;
  }

  async function save(event) {
    event.preventDefault();
    hideErrors($('settings-errors'));
    clearFieldErrors(form);
    await busy($('settings-save'), '保存中…', async () => {
      await refreshing;
      if (!snapshot) return;
      const settings = collect();
      try {
        const saved = await api('PUT', '/api/v1/settings', { version: ctx.version, settings });
        ctx.version = saved.version;
        setStatus($('settings-status'), '保存しました。', 'ok');
        ctx.changed('settings');
        await refreshSnapshot();
      } catch (e) {
        if (e.status === 401) return;
        setStatus($('settings-status'), '保存されていません。', 'error');
        if (e.status === 422) {
          const unplaced = showFieldErrors(form, e.errors);
          showErrors($('settings-errors'), `${e.message}保存されていません。`, unplaced);
        } else if (e.status === 409) {
          showErrors($('settings-errors'), e.message, [], { label: '最新の内容を読み込む', run: load });
        } else {
          showErrors($('settings-errors'), e.message);
        }
      }
    });
  }

  async function createProperty() {
    const box = $('create-property');
    clearFieldErrors(box);
    const status = $('create-property-status');
    setStatus(status, '');
    const name = $('new-property-name').value.trim();
    const label = $('new-property-label').value.trim();
    await busy($('create-property-button'), '作成中…', async () => {
      try {
        const created = await api('POST', '/api/v1/hubspot/company-properties', { name, label });
        ctx.version = created.version;
        await refreshSnapshot();
        await loadProperties(created.property.name);
        $('link-property').value = created.property.name;
        setStatus(status, `プロパティ「${created.property.label}」(${created.property.name}) を作成して選択しました。`, 'ok');
        ctx.changed('property');
      } catch (e) {
        if (e.status === 401) return;
        const unplaced = showFieldErrors(box, e.errors);
        setStatus(status, [e.message, ...unplaced.map((u) => u.message)].join(' '), 'error');
      }
    });
  }

  form.addEventListener('submit', save);
  $('create-property-button').addEventListener('click', createProperty);
  ctx.on((what) => {
    if (what === 'stages' || what === 'pipelines' || what === 'board') refreshSnapshot();
    if (what === 'board' && snapshot) loadUsers(Number($('default-user').value) || null);
  });
  return { load };
}
