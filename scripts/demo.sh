#!/usr/bin/env bash
# The main job's demo: provisions a demo tenant against the running HubSpot
# and board simulators, creates companies and deals through HubSpot's CRM API,
# lets the pipeline (webhook -> ingress -> mapper -> writer) carry them to
# board, and prints what happened. Exits non-zero, naming what is missing,
# when the expected board clients, projects, links or history entries did not
# appear in time.
#
#   scripts/demo.sh          (scripts/run.sh calls it once everything is ready)
#
# Reads the same variables as the services (HBSYNC_REDIS_URL,
# HBSYNC_ENCRYPTION_KEYS, HBSYNC_HUBSPOT_API_URL, HBSYNC_BOARD_API_URL,
# HBSYNC_INGRESS_PUBLIC_BASE_URL, HBSYNC_HUBSPOT_CLIENT_ID), plus
#   HBSYNC_BIN_DIR           where hbsync-ctl is (default build/release/bin)
#   HBSYNC_DEMO_PORTAL_ID    first portal id to try (default 20250001; the next
#                            free one is used, so a rerun makes a new tenant)
#   HBSYNC_DEMO_TIMEOUT      seconds to wait for each phase (default 60)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bin="${HBSYNC_BIN_DIR:-$root/build/${HBSYNC_PRESET:-release}/bin}"
ctl="$bin/hbsync-ctl"
hs="${HBSYNC_HUBSPOT_API_URL:-http://127.0.0.1:8701}"
bd="${HBSYNC_BOARD_API_URL:-http://127.0.0.1:8702}"
ingress="${HBSYNC_INGRESS_PUBLIC_BASE_URL:-http://127.0.0.1:8081}"
client_id="${HBSYNC_HUBSPOT_CLIENT_ID:-hbsync-demo-app}"
timeout="${HBSYNC_DEMO_TIMEOUT:-60}"
export HBSYNC_REDIS_URL="${HBSYNC_REDIS_URL:-redis://127.0.0.1:6390/0}"
# `hbsync-ctl tenant apply` reads the tenant's board users from this board.
export HBSYNC_BOARD_API_URL="$bd"
link_property=board_client_url

die() {
  echo "demo: FAILED: $*" >&2
  exit 1
}
[[ -x "$ctl" ]] || die "$ctl not found (set HBSYNC_BIN_DIR)"
[[ -n "${HBSYNC_ENCRYPTION_KEYS:-}" ]] ||
  die "HBSYNC_ENCRYPTION_KEYS is not set (use the services' keys; scripts/run.sh exports them)"
command -v jq >/dev/null || die "jq is not installed (scripts/setup.sh installs it)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

tty=0
[[ -t 1 ]] && tty=1
step() { printf '\n== %s\n' "$*"; }
info() { printf '   %s\n' "$*"; }

# request METHOD URL [BODY] [CURL-ARGS...]: sets $status, body in $work/body.
request() {
  local method="$1" url="$2" data="${3-}"
  shift 3 2>/dev/null || shift $#
  local args=(-sS -o "$work/body" -w '%{http_code}' -X "$method" "$@")
  if [[ -n "$data" ]]; then args+=(-H 'Content-Type: application/json' --data-binary "$data"); fi
  status=$(curl "${args[@]}" "$url") || die "$method $url: no answer"
}
# api METHOD URL [BODY] [CURL-ARGS...]: prints the body of a 2xx answer, else fails.
api() {
  request "$@"
  [[ "$status" == 2* ]] || die "$1 $2 -> HTTP $status: $(head -c 600 "$work/body")"
  cat "$work/body"
}
# HubSpot CRM API as the customer's own integration (a private-app token).
crm() {
  local method="$1" path="$2" data="${3-}"
  api "$method" "$hs$path" "$data" -H "Authorization: Bearer $pat"
}

# ---------------------------------------------------------------------------
step "1. HubSpot simulator: portal, our app's webhooks, tokens, owners, link property"

portal="${HBSYNC_DEMO_PORTAL_ID:-20250001}"
while curl -fsS -o /dev/null "$hs/_sim/portals/$portal" 2>/dev/null; do portal=$((portal + 1)); done
hub_domain="sakura-demo-$portal.example.jp"
hub_user="admin@sakura-demo-$portal.example.jp"
api POST "$hs/_sim/portals" "$(jq -nc --argjson p "$portal" --arg d "$hub_domain" --arg u "$hub_user" \
  '{portalId:$p, hubDomain:$d, userEmail:$u}')" >/dev/null
info "portal $portal ($hub_domain)"

app_id=$(api GET "$hs/_sim/apps" | jq -r --arg c "$client_id" '.apps[] | select(.clientId == $c) | .appId')
[[ -n "$app_id" ]] || die "the HubSpot simulator has no app with client id $client_id (HBSYNC_SIM_HUBSPOT_CLIENT_ID)"
# The app's webhook settings as in HubSpot's developer account: target URL
# (ingress) and the subscriptions the product needs (SPEC F3.1, F3.7).
webhook_url="$ingress/webhooks/hubspot"
api PATCH "$hs/_sim/apps/$app_id" "$(jq -nc --arg u "$webhook_url" '{webhookUrl:$u, subscriptions:[
  "deal.creation", "deal.deletion", "deal.merge", "deal.associationChange",
  "deal.propertyChange:dealstage", "deal.propertyChange:pipeline",
  "deal.propertyChange:hubspot_owner_id", "company.merge"]}')" >/dev/null
info "app $app_id ($client_id): webhooks -> $webhook_url"

# Installing the app (OAuth) gives the tenant its tokens and subscribes the
# portal's changes to the app's webhooks.
oauth=$(api POST "$hs/_sim/portals/$portal/tokens" "{\"appId\":$app_id}")
access_token=$(jq -r .access_token <<<"$oauth")
refresh_token=$(jq -r .refresh_token <<<"$oauth")
expires_at_ms=$(($(date +%s%3N) + $(jq -r .expires_in <<<"$oauth") * 1000))
info "app installed in the portal (OAuth tokens for the tenant, expire in $(jq -r .expires_in <<<"$oauth") s)"
# The demo itself plays the customer's sales team: its CRM writes go through
# a private-app token of its own, as another integration would.
pat="pat-na1-hbsync-demo-$portal"
api POST "$hs/_sim/portals/$portal/tokens" "{\"token\":\"$pat\"}" >/dev/null

owner() {  # owner EMAIL LAST FIRST -> owner id
  api POST "$hs/_sim/portals/$portal/owners" "$(jq -nc --arg e "$1" --arg l "$2" --arg f "$3" \
    '{email:$e, lastName:$l, firstName:$f}')" | jq -r .id
}
owner_tanaka=$(owner tanaka@sakura-demo.example.jp 田中 一郎)
owner_suzuki=$(owner suzuki@sakura-demo.example.jp 鈴木 次郎)
info "owners: 田中 一郎 <tanaka@...> ($owner_tanaka, a board user too), 鈴木 次郎 <suzuki@...> ($owner_suzuki, not in board)"

# The sales pipeline as the customer's HubSpot admin set it up: HubSpot's
# default stages plus 請求済 and 入金済, which board's invoices drive (F4.5).
api POST "$hs/_sim/portals/$portal/pipelines" '{"id":"default","label":"Sales Pipeline","stages":[
  {"id":"appointmentscheduled","label":"Appointment scheduled","isClosed":false},
  {"id":"qualifiedtobuy","label":"Qualified to buy","isClosed":false},
  {"id":"presentationscheduled","label":"Presentation scheduled","isClosed":false},
  {"id":"decisionmakerboughtin","label":"Decision maker bought-in","isClosed":false},
  {"id":"contractsent","label":"Contract sent","isClosed":false},
  {"id":"closedwon","label":"Closed won","isClosed":true},
  {"id":"closedlost","label":"Closed lost","isClosed":true},
  {"id":"invoiced","label":"請求済","isClosed":true},
  {"id":"paid","label":"入金済","isClosed":true}]}' >/dev/null
info "deal pipeline default: HubSpot's stages plus 請求済 (invoiced) and 入金済 (paid)"

request POST "$hs/crm/v3/properties/companies" "$(jq -nc --arg n "$link_property" '{name:$n,
  label:"board 顧客URL", type:"string", fieldType:"text", groupName:"companyinformation"}')" \
  -H "Authorization: Bearer $pat"
case "$status" in
  201) info "company property $link_property created (single-line text)" ;;
  409) info "company property $link_property exists" ;;
  *) die "creating the company property $link_property -> HTTP $status: $(cat "$work/body")" ;;
esac
pipelines=$(crm GET /crm/v3/pipelines/deals |
  jq -c '[.results[] | {id: .id, label: .label, stages: [.stages | sort_by(.displayOrder)[] | {id: .id, label: .label}]}]')
info "deal pipelines loaded: $(jq -r 'map("\(.id) (\(.stages | length) stages)") | join(", ")' <<<"$pipelines")"

# ---------------------------------------------------------------------------
step "2. board simulator: account, API token, users, an existing client"

board_key="demo-board-key-$portal"
board_token="demo-board-token-$portal"
account=$(api POST "$bd/_sim/accounts" "$(jq -nc --arg k "$board_key" --arg t "$board_token" '{api_key:$k,
  tokens:[{token:$t, operations:["clients.create","clients.update","clients.get","clients.list",
    "projects.create","projects.update","projects.get","projects.list","projects.order_status",
    "invoices.list","users.list"]}],
  users:[{email:"sato@sakura-demo.example.jp", last_name:"佐藤", first_name:"花子"},
         {email:"tanaka@sakura-demo.example.jp", last_name:"田中", first_name:"一郎"}]}')")
user_sato=$(jq -r '.users[] | select(.email == "sato@sakura-demo.example.jp") | .id' <<<"$account")
user_tanaka=$(jq -r '.users[] | select(.email == "tanaka@sakura-demo.example.jp") | .id' <<<"$account")
info "account $board_key; users 佐藤 花子 ($user_sato, the default 担当者), 田中 一郎 ($user_tanaka)"
# A client the board user entered before the integration existed.
existing_client=$(api POST "$bd/_sim/accounts/$board_key/clients" \
  '{"name":"株式会社ひかり商事","name_disp":"ひかり商事"}' | jq -r .id)
info "existing client $existing_client 株式会社ひかり商事"

# ---------------------------------------------------------------------------
step "3. hbsync-ctl tenant apply -f (scripts/demo/tenant.json, credentials filled in)"

tenant_file="$work/tenant.json"
(
  umask 077
  jq --arg t "$portal" --arg bk "$board_key" --arg bt "$board_token" --argjson du "$user_sato" \
    --arg hd "$hub_domain" --arg hu "$hub_user" --arg at "$access_token" --arg rt "$refresh_token" \
    --argjson exp "$expires_at_ms" --arg lp "$link_property" --argjson pl "$pipelines" '
    .tenant_id = $t
    | .board.api_key = $bk | .board.api_token = $bt | .board.default_user_id = $du
    | .hubspot.hub_id = ($t | tonumber) | .hubspot.hub_domain = $hd | .hubspot.user = $hu
    | .hubspot.access_token = $at | .hubspot.refresh_token = $rt | .hubspot.expires_at_ms = $exp
    | .hubspot.link_property = $lp
    | .pipelines = $pl' scripts/demo/tenant.json >"$tenant_file"
)
"$ctl" tenant apply -f "$tenant_file" | sed 's/^/   /'
info "stage mapping (default pipeline): $("$ctl" tenant get "$portal" | jq -r '
  .stage_mapping.default | to_entries | map("\(.key)=\(.value)") | join(" ")'); decisionmakerboughtin unmapped"

# ---------------------------------------------------------------------------
step "4. HubSpot CRM API: companies and deals"

company() {  # company NAME [EXTRA-PROPERTIES-JSON] -> id
  local extra="${2-}"
  [[ -n "$extra" ]] || extra='{}'
  crm POST /crm/v3/objects/companies "$(jq -nc --arg n "$1" --argjson x "$extra" \
    '{properties: ({name:$n} + $x)}')" | jq -r .id
}
c_sakura=$(company "株式会社サクラ食品" \
  '{"zip":"1500001","state":"東京都","city":"渋谷区神宮前1-2-3","phone":"03-1234-5678"}')
c_midori=$(company "ミドリ技研合同会社")
c_hokuto=$(company "北斗物産株式会社")
c_aozora=$(company "有限会社　青空商店")
c_hikari=$(company "株式会社ひかり商事")
for c in "$c_sakura 株式会社サクラ食品 (prefix)" "$c_midori ミドリ技研合同会社 (suffix)" \
  "$c_hokuto 北斗物産株式会社 (suffix)" "$c_aozora 有限会社　青空商店 (prefix, full-width space)" \
  "$c_hikari 株式会社ひかり商事 (same name as board client $existing_client)"; do
  info "company $c"
done

jst_month_end=$(TZ=Asia/Tokyo date -d "$(TZ=Asia/Tokyo date +%Y-%m-01) +1 month -1 day" +%F)
close_1=$(date -u -d "$(date -u +%Y-%m-15) +1 month" +%F)
close_2=$(date -u -d "$(date -u +%Y-%m-20) +2 month" +%F)

deal() {  # deal NAME STAGE OWNER-ID CLOSEDATE ASSOCIATIONS-JSON -> id
  crm POST /crm/v3/objects/deals "$(jq -nc --arg n "$1" --arg s "$2" --arg o "$3" --arg c "$4" \
    --argjson a "$5" '{properties: ({dealname:$n, pipeline:"default", dealstage:$s, amount:"1200000"}
      + (if $o == "" then {} else {hubspot_owner_id:$o} end)
      + (if $c == "" then {} else {closedate:"\($c)T03:00:00.000Z"} end)),
    associations: $a}')" | jq -r .id
}
assoc() {  # assoc COMPANY-ID TYPE-ID
  jq -nc --arg id "$1" --argjson t "$2" \
    '{to:{id:$id}, types:[{associationCategory:"HUBSPOT_DEFINED", associationTypeId:$t}]}'
}
d_sakura=$(deal "サクラ食品 受発注システム導入" appointmentscheduled "$owner_tanaka" "$close_1" \
  "[$(assoc "$c_sakura" 5)]")
d_joint=$(deal "ミドリ技研・北斗物産 共同物流案件" qualifiedtobuy "$owner_suzuki" "$close_2" \
  "[$(assoc "$c_midori" 341), $(assoc "$c_hokuto" 341)]")
d_internal=$(deal "社内検討（会社未設定）" qualifiedtobuy "$owner_tanaka" "" "[]")
d_hikari=$(deal "ひかり商事 保守契約更新" presentationscheduled "" "" "[$(assoc "$c_hikari" 5)]")
d_aozora=$(deal "青空商店 店舗改装見積" appointmentscheduled "$owner_tanaka" "" \
  "[$(assoc "$c_aozora" 5)]")
info "deal $d_sakura サクラ食品 受発注システム導入: primary 株式会社サクラ食品, owner 田中, closedate $close_1"
info "deal $d_joint ミドリ技研・北斗物産 共同物流案件: two companies, no primary, owner 鈴木 (not a board user)"
info "deal $d_internal 社内検討（会社未設定）: no company"
info "deal $d_hikari ひかり商事 保守契約更新: primary 株式会社ひかり商事, no owner, no closedate"
info "deal $d_aozora 青空商店 店舗改装見積: primary 有限会社　青空商店, owner 田中, no closedate"

# What must appear in board and HubSpot (checked by `check` below).
jq -n \
  --arg existing "$existing_client" --arg lp "$link_property" \
  --arg c_sakura "$c_sakura" --arg c_midori "$c_midori" --arg c_hokuto "$c_hokuto" \
  --arg c_aozora "$c_aozora" --arg c_hikari "$c_hikari" \
  --arg d_sakura "$d_sakura" --arg d_joint "$d_joint" --arg d_internal "$d_internal" \
  --arg d_hikari "$d_hikari" --arg d_aozora "$d_aozora" \
  --argjson u_tanaka "$user_tanaka" --argjson u_sato "$user_sato" \
  --arg close_1 "$close_1" --arg close_2 "$close_2" --arg month_end "$jst_month_end" '{
  link_property: $lp,
  clients: [
    {company: $c_sakura, name: "株式会社サクラ食品", name_disp: "サクラ食品"},
    {company: $c_midori, name: "ミドリ技研合同会社", name_disp: "ミドリ技研"},
    {company: $c_aozora, name: "有限会社　青空商店", name_disp: "青空商店"},
    {company: $c_hikari, name: "株式会社ひかり商事", name_disp: "ひかり商事", id: ($existing | tonumber)}
  ],
  unlinked_companies: [{company: $c_hokuto, name: "北斗物産株式会社",
                        why: "not the chosen company of its deal (two companies, no primary: smallest id wins)"}],
  projects: [
    {deal: $d_sakura, name: "サクラ食品 受発注システム導入", client: "株式会社サクラ食品",
     user: $u_tanaka, user_name: "田中 一郎", status: [1, 4], invoice_date: $close_1},
    {deal: $d_joint, name: "ミドリ技研・北斗物産 共同物流案件", client: "ミドリ技研合同会社",
     user: $u_sato, user_name: "佐藤 花子", status: [2, 5], invoice_date: $close_2},
    {deal: $d_hikari, name: "ひかり商事 保守契約更新", client: "株式会社ひかり商事",
     user: $u_sato, user_name: "佐藤 花子", status: [3, 9], invoice_date: $month_end},
    {deal: $d_aozora, name: "青空商店 店舗改装見積", client: "有限会社　青空商店",
     user: $u_tanaka, user_name: "田中 一郎", status: [1, 1], invoice_date: $month_end}
  ],
  skips: [
    {deal: $d_internal, name: "社内検討（会社未設定）", reason: "no_company", phase: 1},
    {deal: $d_aozora, name: "青空商店 店舗改装見積", reason: "stage_not_mapped", phase: 2}
  ]
}' >"$work/expected.json"

# ---------------------------------------------------------------------------
# Waiting: the state is read through the simulators' control routes (no API
# budget used) and the tenant's history through hbsync-ctl.

history_available=0
if "$ctl" history --help >/dev/null 2>&1; then history_available=1; fi

snapshot() {
  api GET "$bd/_sim/accounts/$board_key/clients" >"$work/clients.json"
  api GET "$bd/_sim/accounts/$board_key/projects" >"$work/projects.json"
  api GET "$hs/_sim/portals/$portal/objects/companies" >"$work/companies.json"
  if ((history_available)); then
    "$ctl" history "$portal" --limit 1000 --json >"$work/history.json" 2>"$work/history.err" ||
      echo '[]' >"$work/history.json"
  else
    echo '[]' >"$work/history.json"
  fi
}

# check PHASE: prints one JSON line per expectation {ok, what}.
check() {
  jq -c --argjson phase "$1" --argjson hist "$history_available" \
    --slurpfile clients "$work/clients.json" --slurpfile projects "$work/projects.json" \
    --slurpfile companies "$work/companies.json" --slurpfile history "$work/history.json" '
    def client_named($n): [$clients[0][] | select(.name == $n)];
    def company($id): [$companies[0].results[] | select((.id | tostring) == $id)][0];
    def url($id): "https://the-board.jp/clients/\($id)";
    def projects_of($deal): [$projects[0][] | select(.management_no == "HS-\($deal)")];
    def history_has($deal; $reason):
      any(($history[0] | if type == "object" then (.entries // []) else . end)[];
          (.deal_id | tostring) == $deal and .action == "skipped" and .reason_code == $reason);
    .link_property as $lp
    | (.clients[] | . as $e | client_named($e.name) as $m
        | {ok: (($m | length) == 1 and $m[0].name_disp == $e.name_disp
                and ($e.id == null or $m[0].id == $e.id)),
           what: ("board client \($e.name) (略称 \($e.name_disp))"
                  + (if $e.id then ": the existing client \($e.id), not a new one" else "" end)
                  + (if ($m | length) > 1 then " (\($m | length) clients with that name!)"
                     elif ($m | length) == 1 and $m[0].name_disp != $e.name_disp
                     then " (略称 is \($m[0].name_disp))" else "" end))}),
      {ok: (($clients[0] | length) == (.clients | length)),
       what: "exactly \(.clients | length) board clients (found \($clients[0] | length))"},
      (.clients[] | . as $e | client_named($e.name) as $m
        | (company($e.company).properties[$lp] // "") as $v
        | {ok: (($m | length) == 1 and $v == url($m[0].id)),
           what: "HubSpot company \($e.company) \($e.name): \($lp) = its board client URL (now \"\($v)\")"}),
      (.unlinked_companies[] | . as $e | (company($e.company).properties[$lp] // "") as $v
        | {ok: ($v == "" and (client_named($e.name) | length) == 0),
           what: "HubSpot company \($e.company) \($e.name) not synced (\($e.why))"}),
      (.projects[] | . as $e | projects_of($e.deal) as $m | (client_named($e.client)[0].id) as $cid
        | ($e.status[$phase - 1]) as $st
        | {ok: (($m | length) == 1 and $m[0].name == $e.name and $m[0].client_id == $cid
                and $m[0].user_id == $e.user and $m[0].order_status == $st
                and $m[0].invoice_timing_kbn == 1 and ($m[0].invoice_dates // [])[0] == $e.invoice_date),
           what: ("board project HS-\($e.deal) \($e.name): client \($e.client), 担当者 \($e.user_name) (\($e.user)), "
                  + "order_status \($st), invoice date \($e.invoice_date)"
                  + (if ($m | length) == 0 then " (no project yet)"
                     elif ($m | length) > 1 then " (\($m | length) projects!)"
                     else " (now: client \($m[0].client_id), 担当者 \($m[0].user_id), order_status "
                          + "\($m[0].order_status), invoice date \(($m[0].invoice_dates // [])[0]))" end))}),
      {ok: (($projects[0] | length) == (.projects | length)),
       what: "exactly \(.projects | length) board projects (found \($projects[0] | length))"},
      (.skips[] | select(.phase <= $phase) | . as $e
        | {ok: ((.reason != "no_company" or (projects_of($e.deal) | length) == 0)
                and ($hist == 0 or history_has($e.deal; $e.reason))),
           what: ("deal \($e.deal) \($e.name) skipped: \($e.reason)"
                  + (if $hist == 1 then ", in the history" else "" end))})
  ' "$work/expected.json"
}

# wait_phase PHASE LABEL: polls until every expectation holds, or fails.
wait_phase() {
  local phase="$1" label="$2" start=$SECONDS total ok shown=-5
  while :; do
    snapshot
    check "$phase" >"$work/check.jsonl" || die "the expectations could not be evaluated"
    total=$(wc -l <"$work/check.jsonl")
    ((total > 0)) || die "no expectations evaluated"
    ok=$(grep -c '"ok":true' "$work/check.jsonl" || true)
    if ((tty)); then
      printf '\r   %s: %2d s, %d/%d expectations met ' "$label" $((SECONDS - start)) "$ok" "$total"
    elif ((SECONDS - shown >= 5 || ok == total)); then
      shown=$SECONDS
      printf '   %s: %2d s, %d/%d expectations met\n' "$label" $((SECONDS - start)) "$ok" "$total"
    fi
    if ((ok == total)); then
      ((tty)) && echo
      info "settled after $((SECONDS - start)) s"
      return 0
    fi
    if ((SECONDS - start >= timeout)); then
      ((tty)) && echo
      return 1
    fi
    sleep 1
  done
}

# jq helpers for tables with Japanese text: display width (wide = 2 columns).
jq_lib='def width: explode | map(if . >= 4352 then 2 else 1 end) | add // 0;
  def pad($n): tostring | . + ([range(0; ([$n - width, 0] | max))] | map(" ") | join(""));'

failed=0
step "5. waiting for webhooks -> ingress -> mapper -> writer (up to ${timeout} s)"
if ! wait_phase 1 "first sync"; then failed=1; fi

if ((!failed)); then
  step "6. moving deals: 受注確定, 受注済, 失注, and one into an unmapped stage"
  move() { crm PATCH "/crm/v3/objects/deals/$1" "{\"properties\":{\"dealstage\":\"$2\"}}" >/dev/null; }
  move "$d_sakura" contractsent
  info "deal $d_sakura -> contractsent (受注確定 4)"
  move "$d_joint" closedwon
  info "deal $d_joint -> closedwon (受注済 5)"
  move "$d_hikari" closedlost
  info "deal $d_hikari -> closedlost (失注 9)"
  move "$d_aozora" decisionmakerboughtin
  info "deal $d_aozora -> decisionmakerboughtin (not mapped: the project must stay 見積中(高))"
  if ! wait_phase 2 "status sync"; then failed=1; fi
  phase=2
else
  phase=1
fi
# board -> HubSpot (F4) and the bulk company sync (F5): scripts/demo/board_to_hubspot.sh.
# shellcheck source=demo/board_to_hubspot.sh
source scripts/demo/board_to_hubspot.sh
if ((!failed)); then
  if board_phase && bulk_phase; then phase=3; else failed=1; fi
  snapshot  # the tables below show board and HubSpot after steps 7-9
fi

# ---------------------------------------------------------------------------

step "board clients (account $board_key)"
jq -r "$jq_lib"' "   " + ("id" | pad(10)) + ("name_disp" | pad(14)) + "name",
  (sort_by(.id)[] | "   " + (.id | pad(10)) + (.name_disp | pad(14)) + .name)' "$work/clients.json"

step "board projects"
jq -r --slurpfile cl "$work/clients.json" "$jq_lib"'
  ($cl[0] | map({key: (.id | tostring), value: .name_disp}) | from_entries) as $names
  | "   " + ("id" | pad(10)) + ("management_no" | pad(16)) + ("status" | pad(16)) + ("invoice" | pad(12))
    + ("担当者" | pad(12)) + ("client" | pad(14)) + "name",
  (sort_by(.id)[] | "   " + (.id | pad(10)) + ((.management_no // "-") | pad(16))
    + ("\(.order_status) \(.order_status_name)" | pad(16)) + (((.invoice_dates // [])[0] // "-") | pad(12))
    + ("\(.user.last_name // "") \(.user.first_name // "")" | pad(12))
    + (($names[.client_id | tostring] // (.client_id | tostring)) | pad(14)) + .name)' "$work/projects.json"

step "HubSpot companies (portal $portal): $link_property"
jq -r --arg lp "$link_property" "$jq_lib"'
  (if type == "object" then (.results // .objects // []) else . end)
  | "   " + ("id" | pad(14)) + ("name" | pad(26)) + $lp,
    (sort_by(.id)[] | "   " + (.id | pad(14)) + (.properties.name | pad(26))
      + ((.properties[$lp] // "") | if . == "" then "(not set)" else . end))' "$work/companies.json"

step "hbsync-ctl history $portal"
if ((history_available)); then
  info "(newest first)"
  "$ctl" history "$portal" --limit 200 | sed 's/^/   /' || failed=1
else
  info "(hbsync-ctl has no history command in this build)"
fi

# ---------------------------------------------------------------------------
step "summary"
jq -r --slurpfile cl "$work/clients.json" --slurpfile pr "$work/projects.json" \
  --slurpfile co "$work/companies.json" --slurpfile hi "$work/history.json" \
  --argjson hist "$history_available" '
  .link_property as $lp | $hi[0] as $hi
  | def url($id): "https://the-board.jp/clients/\($id)";
    def link_of($company): ([$co[0].results[] | select(.id == $company) | .properties[$lp] // ""][0] // "");
    def client_of($company): link_of($company) as $u | [$cl[0][] | select(url(.id) == $u)][0];
    def company_action($company; $fallback):
      ([$hi[] | select((.company_id | tostring) == $company and .deal_id == null
                       and (.action == "created" or .action == "linked")) | .action][0] // $fallback);
    def skips_of($deal): [$hi[] | select((.deal_id | tostring) == $deal and .action == "skipped")
                                | .reason_code] | unique;
    (.clients | map(select(.id != null) | .id)) as $pre
  | [.clients[] | . as $e | client_of($e.company) as $c | select($c != null)
      | {name: $e.name, client: $c,
         action: company_action($e.company; if ($pre | index($c.id)) then "linked" else "created" end)}]
    as $synced
  | "   companies -> board clients: \([$synced[] | select(.action == "created")] | length) created, "
      + "\([$synced[] | select(.action == "linked")] | length) linked to an existing client, "
      + "\((.clients | length) + (.unlinked_companies | length) - ($synced | length)) not synced",
    ($synced[] | "     \(.name) -> client \(.client.id) \(.client.name_disp): \(.action)"
      + (if .action == "linked" then " (a board client with the same name existed)" else "" end)),
    (.unlinked_companies[] | "     \(.name): not synced, \(.why)"),
    "   deals -> board projects:",
    ((.projects + .skips | unique_by(.deal) | sort_by(.deal))[] | . as $e
      | [$pr[0][] | select(.management_no == "HS-\($e.deal)")][0] as $p
      | (if $hist == 1 then skips_of($e.deal)
         else [.reason // empty | select(. == "no_company" and $p == null)] end) as $skips
      | "     deal \($e.deal) \($e.name) -> "
        + (if $p then "project \($p.id) \($p.order_status_name), 担当者 \($p.user.last_name) \($p.user.first_name)"
           else "no project" end)
        + (if ($skips | length) > 0 then "; skipped: \($skips | join(", "))" else "" end)
        + (if ($skips | index("stage_not_mapped")) then " (moved into an unmapped stage: project left as it was)"
           elif ($skips | index("no_company")) then " (associating a company later syncs it)" else "" end))
' "$work/expected.json"
if ((phase >= 2)); then board_summary; fi
api GET "$hs/_sim/webhooks?portalId=$portal&limit=1" | jq -r '"   webhooks to ingress: \(.events.delivered) events in \(.delivered) requests"
  + ", \(.failed_attempts) failed attempts, \(.events.pending) pending, \(.events.given_up) given up"'
api GET "$bd/_sim/calls" | jq -r --arg k "$board_key" '.accounts[$k] as $a | .limits as $l
  | "   board API calls by the tenant: \($a.total // 0), at most \($a.max_in_window // 0) in any second"
    + " (limit \($l.per_second)/s), 429s: \([$a.routes // {} | .[] | .["429"] // 0] | add // 0)"'

if ((failed)); then
  echo >&2
  if grep -q '"ok":false' "$work/check.jsonl"; then
    echo "demo: FAILED: these expectations were not met within ${timeout} s (phase $phase):" >&2
    jq -r 'select(.ok | not) | "  - " + .what' "$work/check.jsonl" >&2
  else
    echo "demo: FAILED in the board -> HubSpot phases (steps 7-9, see above)" >&2
  fi
  echo "The services' logs say why${HBSYNC_RUN_DIR:+ ($HBSYNC_RUN_DIR/logs/)}." >&2
  exit 1
fi
echo
echo "demo: OK (tenant $portal)"
