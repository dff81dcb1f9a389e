// 連携ステージ設定 (SPEC F2): rows = board's order statuses in display order,
// a column per pipeline with a stage drop-down. A stage chosen twice comes
// back as a 422 whose field paths name the rows; the error is shown on both
// rows of that pipeline, and nothing is saved.
import { api } from './api.js';
import {
  $, busy, clearFieldErrors, el, hideErrors, markInvalid, notice, setStatus, showErrors,
} from './ui.js';

const PREFIX = 'stage_mapping.';

export function initStages(ctx) {
  const state = { rows: [], pipelines: [], mapping: {}, columns: [] };
  const table = $('stages-table');

  const pipelineById = (id) => state.pipelines.find((p) => p.id === id);

  function stageSelect(pipelineId, row) {
    const pipeline = pipelineById(pipelineId);
    const chosen = (state.mapping[pipelineId] || {})[row.row] || '';
    const options = [el('option', { value: '' }, '(未設定)')];
    for (const stage of (pipeline ? pipeline.stages : [])) {
      options.push(el('option', { value: stage.id }, `${stage.label} (${stage.id})`));
    }
    if (chosen && !(pipeline && pipeline.stages.some((s) => s.id === chosen))) {
      options.push(el('option', { value: chosen }, `HubSpot にないステージ (${chosen})`));
    }
    const select = el('select', {
      'aria-label': `${pipeline ? pipeline.label : pipelineId} / ${row.label}`,
      dataset: { pipeline: pipelineId, row: row.row },
    }, options);
    select.value = chosen;
    select.addEventListener('change', () => {
      const rows = state.mapping[pipelineId] || (state.mapping[pipelineId] = {});
      if (select.value) rows[row.row] = select.value;
      else delete rows[row.row];
      clearFieldErrors(select.parentElement);
      setStatus($('stages-status'), '未保存の変更があります。');
    });
    return select;
  }

  function columnHead(pipelineId) {
    const pipeline = pipelineById(pipelineId);
    const remove = el('button', {
      type: 'button', class: 'secondary small', dataset: { removePipeline: pipelineId },
      title: 'この列を連携の対象から外します (保存すると反映されます)',
    }, '削除');
    remove.addEventListener('click', () => {
      state.columns = state.columns.filter((id) => id !== pipelineId);
      delete state.mapping[pipelineId];
      render();
      setStatus($('stages-status'), '未保存の変更があります。');
    });
    return el('th', { scope: 'col', dataset: { field: pipelineId, pipeline: pipelineId } },
      el('div', { class: 'column-head' },
        el('span', {}, pipeline ? pipeline.label : 'HubSpot にないパイプライン', ' ',
          el('span', { class: 'pipeline-id' }, `(${pipelineId})`)),
        remove));
  }

  function render() {
    const head = el('tr', {}, el('th', { scope: 'col' }, 'board の受注ステータス'),
      state.columns.map(columnHead));
    const body = state.rows.map((row) => el('tr', { dataset: { row: row.row } },
      el('th', { scope: 'row' }, row.label,
        row.code !== undefined ? el('span', { class: 'pipeline-id' }, ` (${row.code})`) : null),
      state.columns.map((id) => el('td', { dataset: { field: `${id}.${row.row}`, pipeline: id } },
        stageSelect(id, row)))));
    table.replaceChildren(el('thead', {}, head), el('tbody', {}, body));
    table.hidden = state.columns.length === 0;
    $('stages-empty').hidden = state.pipelines.length > 0;
    const add = $('stages-add-select');
    const addable = state.pipelines.filter((p) => !state.columns.includes(p.id));
    add.replaceChildren(...addable.map((p) => el('option', { value: p.id }, `${p.label} (${p.id})`)));
    add.disabled = addable.length === 0;
    $('stages-add').disabled = addable.length === 0;
  }

  async function load() {
    hideErrors($('stages-errors'));
    setStatus($('stages-status'), '');
    try {
      const data = await api('GET', '/api/v1/stage-mapping');
      ctx.version = data.version;
      state.rows = data.rows;
      state.pipelines = data.pipelines;
      state.mapping = structuredClone(data.stage_mapping || {});
      state.columns = Object.keys(state.mapping);
      // Nothing mapped yet: offer every pipeline.
      if (state.columns.length === 0) state.columns = state.pipelines.map((p) => p.id);
      render();
    } catch (e) {
      if (e.status !== 401) showErrors($('stages-errors'), e.message);
    }
  }

  // 422: each error at the cell its path names; a duplicate also on the
  // other rows of that pipeline holding the same stage.
  function showMappingErrors(errors) {
    const unplaced = [];
    // Each message once per cell (the API may already name both rows).
    const mark = (node, message) => {
      const shown = [...node.querySelectorAll('.field-error')].some((p) => p.textContent === message);
      if (!shown) markInvalid(node, message);
    };
    for (const error of errors) {
      const path = error.field.startsWith(PREFIX) ? error.field.slice(PREFIX.length) : null;
      const cell = path && [...table.querySelectorAll('td[data-field]')]
        .find((td) => td.dataset.field === path);
      const head = path && [...table.querySelectorAll('th[data-field]')]
        .find((th) => th.dataset.field === path);
      if (!cell && !head) {
        unplaced.push(error);
        continue;
      }
      mark(cell || head, error.message);
      if (cell && error.code === 'duplicate_stage') {
        const stage = cell.querySelector('select').value;
        for (const other of table.querySelectorAll(`td[data-pipeline="${CSS.escape(cell.dataset.pipeline)}"]`)) {
          if (other !== cell && stage && other.querySelector('select').value === stage) {
            mark(other, error.message);
          }
        }
      }
    }
    return unplaced;
  }

  async function save() {
    hideErrors($('stages-errors'));
    clearFieldErrors(table);
    const stageMapping = {};
    for (const id of state.columns) {
      stageMapping[id] = {};
      for (const row of state.rows) stageMapping[id][row.row] = (state.mapping[id] || {})[row.row] || null;
    }
    await busy($('stages-save'), '保存中…', async () => {
      try {
        const saved = await api('PUT', '/api/v1/stage-mapping',
          { version: ctx.version, stage_mapping: stageMapping });
        ctx.version = saved.version;
        setStatus($('stages-status'), '保存しました。', 'ok');
        ctx.changed('stages');
      } catch (e) {
        if (e.status === 401) return;
        setStatus($('stages-status'), '保存されていません。', 'error');
        if (e.status === 422) {
          const unplaced = showMappingErrors(e.errors);
          showErrors($('stages-errors'), `${e.message}保存されていません。`, unplaced);
        } else if (e.status === 409) {
          showErrors($('stages-errors'), e.message, [],
            { label: '最新の内容を読み込む', run: load });
        } else {
          showErrors($('stages-errors'), e.message);
        }
      }
    });
  }

  async function reload() {
    hideErrors($('stages-errors'));
    await busy($('stages-reload'), '読み込み中…', async () => {
      try {
        const data = await api('POST', '/api/v1/hubspot/pipelines/reload');
        ctx.version = data.version;
        state.pipelines = data.pipelines;
        if (state.columns.length === 0) state.columns = state.pipelines.map((p) => p.id);
        render();
        notice(`HubSpot からパイプラインを読み込みました (${data.pipelines.length}件)。`);
        ctx.changed('pipelines');
      } catch (e) {
        if (e.status === 401) return;
        if (e.status === 422) {
          // The stored mapping uses what HubSpot no longer has: the cells say which.
          clearFieldErrors(table);
          const unplaced = showMappingErrors(e.errors);
          showErrors($('stages-errors'), `${e.message}パイプラインは更新されていません。` +
            '該当する行を未設定にして保存してから、もう一度読み込んでください。', unplaced);
        } else {
          showErrors($('stages-errors'), e.message);
        }
      }
    });
  }

  $('stages-save').addEventListener('click', save);
  $('stages-reload').addEventListener('click', reload);
  $('stages-add').addEventListener('click', () => {
    const id = $('stages-add-select').value;
    if (!id || state.columns.includes(id)) return;
    state.columns.push(id);
    render();
    setStatus($('stages-status'), '未保存の変更があります。');
  });
  return { load };
}
