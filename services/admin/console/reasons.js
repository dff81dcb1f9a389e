// 連携履歴の理由コードの説明 (SPEC F7: the history holds codes and a technical
// message; the console explains the codes in Japanese). A code not listed
// here is shown as it is, with the service's message.

const REASONS = {
  // HubSpot -> board: why a deal was not synced (mapper, SPEC F2/F3)
  no_company: '取引に会社が関連付けられていません。会社を関連付けると同期されます。',
  pipeline_not_mapped: 'このパイプラインは連携ステージ設定にありません。',
  stage_not_mapped: 'このステージは連携ステージ設定で受注ステータスに対応付けられていません。',
  stage_is_invoice_state: '請求済・入金済のステージはboardから反映されるもので、boardへは送りません。',
  deal_not_found: 'HubSpotに取引が見つかりません (削除された可能性があります)。',
  board_not_connected: 'boardの接続 (APIキー・トークン) が未設定です。「board接続」で保存すると再実行できます。',
  // board -> HubSpot (F4)
  board_changed: 'boardの変更を取引に反映しました。',
  unchanged: '変更はありません (HubSpotは既に同じ状態です)。',
  stale_change: 'より新しい変更が既に反映されているため、古い変更は書き込みませんでした。',
  conflict_hubspot_newer: 'HubSpot側の変更の方が新しいため、boardの変更は書き込みませんでした。',
  conflict_board_newer: 'board側の変更の方が新しいため、その状態を取引に反映しました。',
  deal_inactive: '取引はHubSpotで削除されています。',
  unknown_order_status: 'boardの受注ステータスが想定外の値です。',
  // writer
  company_changed: '取引の会社が変わりました。boardの案件は元の顧客のままです。',
  stale_command: '取引のより新しい状態が既に反映されています。',
  status_unchanged: '受注ステータスは既にその値です。',
  merged: 'HubSpotでレコードが統合され、連携先を付け替えました。',
  missing_company_name: '会社名が空のため、boardの顧客を作成できません。',
  no_board_user: 'boardの担当者が決まりません。設定で既定の担当者を選んでください。',
  company_not_found: 'HubSpotに会社が見つかりません。',
  project_not_found: 'boardに案件が見つかりません。',
  not_linked: '連携されていないため、処理するものがありません。',
  duplicate: '同じ処理は既に済んでいます。',
  failed_earlier: '以前に失敗した処理の続きのため、再実行を待っています。',
  unknown_tenant: 'このテナントの設定が見つかりません。',
  redis_state_lost: '連携情報の保存先 (Redis) のデータが失われたため、処理を止めています。運用担当者に連絡してください。',
  budget_exhausted: 'boardのAPIの1日の上限に達しました。明日以降に再実行してください。',
  board_unavailable: 'boardに接続できませんでした。自動で再試行します。',
  kafka_unavailable: '内部のメッセージ基盤に一時的に接続できませんでした。自動で再試行します。',
  hubspot_refused: 'HubSpotが取引の更新を受け付けませんでした。',
  hubspot_validation: 'HubSpotが値を受け付けませんでした (入力内容の不備)。',
};

// api_error details are "<api>_<kind>" (board_validation, hubspot_forbidden...).
const APIS = { board: 'board', hubspot: 'HubSpot' };
const KINDS = {
  unauthorized: 'の認証に失敗しました。接続 (トークン) を確認してください。',
  forbidden: 'の権限が足りません。トークンの権限を確認してください。',
  not_found: 'に対象が見つかりませんでした。',
  conflict: 'で競合が起きました。',
  validation: 'が値を受け付けませんでした (入力内容の不備)。',
  rate_limited: 'の呼び出し回数の上限に達しました。自動で再試行します。',
  daily_budget_exhausted: 'のAPIの1日の上限に達しました。',
  locked: 'で対象がロックされていました。',
  server: 'でサーバーエラーが起きました。',
  network: 'に接続できませんでした。',
  not_connected: 'に接続されていません。',
};

export function reasonText(code) {
  if (!code) return '';
  if (REASONS[code]) return REASONS[code];
  const sep = code.indexOf('_');
  const api = APIS[code.slice(0, sep)];
  const kind = KINDS[code.slice(sep + 1)];
  if (sep > 0 && api && kind) return api + kind;
  if (code.startsWith('link_property_')) {
    return `リンク表示用プロパティを書き込めませんでした (${code.slice('link_property_'.length)})。`;
  }
  return '';
}

// What happened, for an entry without a reason code: by action, direction
// and which ids it carries.
export function outcomeText(entry) {
  const toBoard = entry.direction === 'hubspot_to_board';
  const what = entry.project_id ? '案件' : entry.client_id ? '顧客' : '';
  switch (entry.action) {
    case 'created':
      return what ? `boardに${what}を作成しました。` : '';
    case 'linked':
      return what ? `boardの既存の${what}と紐づけました。` : '';
    case 'updated':
      return toBoard ? 'boardの案件・顧客を更新しました。' : 'HubSpotの取引を更新しました。';
    case 'unchanged':
      return '変更はありません。';
    case 'deactivated':
      return '連携を解除しました (boardの案件は残ります)。';
    case 'repointed':
      return 'HubSpotでの統合に合わせて連携先を付け替えました。';
    default:
      return '';
  }
}
