# shellcheck shell=bash
# The demo's board -> HubSpot phases (SPEC F4, F5), sourced by scripts/demo.sh
# after the HubSpot -> board phases: it uses demo.sh's helpers (api, step,
# info, die), its variables ($bd, $hs, $portal, $board_key, $ctl, $work,
# $timeout, $tty) and the deals it made ($d_sakura, $d_joint, $d_hikari,
# $d_aozora).
#
#   7. a board user changes order statuses, estimate amounts and invoices
#      (the board simulator's control routes: what board's own screens do);
#      `hbsync-ctl sync now --wait`; the deals' stages and amounts in HubSpot
#   8. the last invoice paid; sync now; the deal moves to 入金済
#   9. `hbsync-ctl bulk-sync companies` twice: board clients -> HubSpot
#      companies (second run: nothing created)

project_of() {  # project_of DEAL -> the board project id with management_no HS-<deal>
  api GET "$bd/_sim/accounts/$board_key/projects" |
    jq -r --arg m "HS-$1" '[.[] | select(.management_no == $m) | .id][0] // empty'
}
invoices_of() {  # invoices_of PROJECT -> its invoice ids, one per line
  api GET "$bd/_sim/accounts/$board_key/invoices" |
    jq -r --argjson p "$1" '.[] | select(.project_id == $p) | .id'
}
board_set() {  # board_set PATH BODY: a board user's change
  api POST "$bd/_sim$1" "$2" >/dev/null
}
deals_json() {
  api GET "$hs/_sim/portals/$portal/objects/deals" >"$work/deals.json"
}
deal_state() {  # deal_state DEAL -> "stage amount"
  jq -r --arg d "$1" '.results[] | select((.id | tostring) == $d)
    | "\(.properties.dealstage) \(.properties.amount // "")"' "$work/deals.json"
}

# wait_deals LABEL EXPECTED-JSON: until every deal {deal, stage, amount} holds.
wait_deals() {
  local label="$1" expected="$2" start=$SECONDS ok total
  total=$(jq length <<<"$expected")
  while :; do
    deals_json
    ok=$(jq --argjson e "$expected" '[$e[] as $x | .results[]
      | select((.id | tostring) == $x.deal and .properties.dealstage == $x.stage
               and ((.properties.amount // "") | tonumber? // "") == ($x.amount | tonumber))] | length' \
      "$work/deals.json")
    if ((ok == total)); then
      info "$label: $ok/$total deals as expected after $((SECONDS - start)) s"
      return 0
    fi
    if ((SECONDS - start >= timeout)); then
      info "$label: only $ok/$total deals as expected after ${timeout} s:"
      jq -r --argjson e "$expected" '$e[] as $x | .results[] | select((.id | tostring) == $x.deal)
        | "     deal \($x.deal): stage \(.properties.dealstage) (want \($x.stage)), amount \(.properties.amount) (want \($x.amount))"' \
        "$work/deals.json" >&2
      return 1
    fi
    sleep 1
  done
}

board_calls() {
  api GET "$bd/_sim/calls" | jq -r --arg k "$board_key" '.accounts[$k].total // 0'
}

print_deals() {
  deals_json
  jq -r "$jq_lib"' "   " + ("deal" | pad(14)) + ("dealstage" | pad(24)) + ("amount" | pad(12)) + "name",
    (.results | sort_by(.id)[] | "   " + (.id | pad(14)) + (.properties.dealstage | pad(24))
      + ((.properties.amount // "-") | pad(12)) + .properties.dealname)' "$work/deals.json"
}

sync_now() {
  "$ctl" sync now "$portal" --wait --timeout "${timeout}s" 2>/dev/null | sed 's/^/   /' ||
    die "hbsync-ctl sync now $portal did not finish"
}

board_phase() {
  local p_sakura p_joint p_hikari p_aozora inv_joint inv_hikari calls_before calls_after
  step "7. board -> HubSpot: a board user changes statuses, amounts and invoices; sync now"
  p_sakura=$(project_of "$d_sakura")
  p_joint=$(project_of "$d_joint")
  p_hikari=$(project_of "$d_hikari")
  p_aozora=$(project_of "$d_aozora")
  [[ -n "$p_sakura" && -n "$p_joint" && -n "$p_hikari" && -n "$p_aozora" ]] ||
    die "the demo's projects are not all in board"
  board_set "/projects/$p_sakura/order_status" '{"order_status":5}'
  board_set "/projects/$p_sakura/total" '{"total":"1500000"}'
  info "project $p_sakura (deal $d_sakura): 受注確定 -> 受注済, estimate 1,500,000"
  board_set "/projects/$p_joint/total" '{"total":"800000"}'
  inv_joint=$(invoices_of "$p_joint" | head -1)
  [[ -n "$inv_joint" ]] || die "project $p_joint has no invoice"
  board_set "/invoices/$inv_joint/status" '{"invoice_status":2}'
  info "project $p_joint (deal $d_joint): 受注済, estimate 800,000, invoice $inv_joint 請求済"
  board_set "/projects/$p_hikari/total" '{"total":"300000"}'
  inv_hikari=$(invoices_of "$p_hikari" | head -1)
  [[ -n "$inv_hikari" ]] && board_set "/invoices/$inv_hikari/status" '{"invoice_status":3}'
  info "project $p_hikari (deal $d_hikari): 失注, estimate 300,000, invoice 入金済 (ignored: not 受注済)"
  board_set "/projects/$p_aozora/order_status" '{"order_status":3}'
  board_set "/projects/$p_aozora/total" '{"total":"450000"}'
  info "project $p_aozora (deal $d_aozora): 見積中(高) -> 見積中(低), estimate 450,000"
  info "(the deal sits in an unmapped stage since step 6; board changed later, so board wins)"
  sync_now
  wait_deals "board -> HubSpot" "$(jq -nc --arg a "$d_sakura" --arg b "$d_joint" --arg c "$d_hikari" \
    --arg d "$d_aozora" '[{deal:$a, stage:"closedwon", amount:"1500000"},
      {deal:$b, stage:"invoiced", amount:"800000"}, {deal:$c, stage:"closedlost", amount:"300000"},
      {deal:$d, stage:"presentationscheduled", amount:"450000"}]')" || return 1

  step "8. the invoice of project $p_joint paid (入金済); sync now"
  board_set "/invoices/$inv_joint/status" '{"invoice_status":3}'
  calls_before=$(board_calls)
  sync_now
  wait_deals "all invoices 入金済" "$(jq -nc --arg b "$d_joint" \
    '[{deal:$b, stage:"paid", amount:"800000"}]')" || return 1
  calls_after=$(board_calls)
  info "board calls of this incremental run: $((calls_after - calls_before)) (the list pages)"
  # Our own deal updates come back as webhooks; none of them may reach board.
  demo_b2h_echo_calls=$calls_after
  print_deals
}

bulk_phase() {
  local created_before out second
  step "9. bulk company sync: board clients -> HubSpot companies (run twice)"
  for name in "株式会社みなと製作所" "さくら不動産合同会社" "北斗物産株式会社"; do
    api POST "$bd/_sim/accounts/$board_key/clients" \
      "$(jq -nc --arg n "$name" '{name:$n, name_disp:$n}')" >/dev/null
  done
  info "board clients added in board: 株式会社みなと製作所, さくら不動産合同会社, 北斗物産株式会社"
  info "(北斗物産株式会社 is also a HubSpot company, not linked yet: it must be linked, not copied)"
  "$ctl" bulk-sync companies "$portal" --timeout "${timeout}s" | sed 's/^/   /' ||
    die "hbsync-ctl bulk-sync companies $portal failed"
  out=$("$ctl" bulk-sync status "$portal" --json) || die "no bulk sync status"
  demo_bulk_first="$out"
  info "first run: $(jq -r '"\(.created) created, \(.linked) linked, \(.skipped) skipped, \(.failed) failed of \(.total)"' <<<"$out")"
  "$ctl" bulk-sync companies "$portal" --timeout "${timeout}s" | sed 's/^/   /' ||
    die "the second hbsync-ctl bulk-sync companies $portal failed"
  second=$("$ctl" bulk-sync status "$portal" --json) || die "no bulk sync status"
  demo_bulk_second="$second"
  info "second run: $(jq -r '"\(.created) created, \(.linked) linked, \(.skipped) skipped, \(.failed) failed of \(.total)"' <<<"$second")"
  [[ "$(jq -r .created <<<"$second")" == 0 ]] || die "the second bulk sync created companies"
  [[ "$(jq -r '.created + .linked' <<<"$out")" == 3 ]] ||
    die "the first bulk sync should have created or linked 3 companies: $out"
  [[ "$(jq -r .linked <<<"$out")" == 1 ]] ||
    die "北斗物産株式会社 should have been linked to the existing company: $out"
}

# The summary's board -> HubSpot lines.
board_summary() {
  deals_json
  jq -r '[.results[] | select(.properties.dealstage == "paid" or .properties.dealstage == "invoiced"
      or .properties.dealstage == "closedwon" or .properties.dealstage == "presentationscheduled")]
    as $moved
    | [.results[] | select((.properties.amount // "") != "" and .properties.amount != "1200000")]
    as $amounts
    | "   board -> HubSpot: \($moved | length) deals moved to the stage of their project"
      + " (受注済, 請求済 -> 入金済, 見積中(低)), \($amounts | length) amounts from board estimates"' \
    "$work/deals.json"
  if [[ -n "${demo_bulk_first:-}" ]]; then
    jq -r --argjson second "$demo_bulk_second" '"   bulk company sync: \(.created) companies created,"
      + " \(.linked) linked by exact name, \(.skipped) board clients already linked;"
      + " second run: \($second.created) created"' <<<"$demo_bulk_first"
  fi
}
