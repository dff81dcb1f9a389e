// What the settings tests share: distinctive credential values (a leak of any
// part of them is found by substring), a valid tenant and error helpers.
#pragma once

#include "hbsync/tenant/settings.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <sstream>

namespace hbsync::tenant {

using domain::StageRow;

// Distinctive values, so a leak of any part of them is found by substring.
const std::string kApiKey = "BKEY-7f3Qz9LmWx";
const std::string kApiToken = "BTOK-Hq2Vn8RtYc";
const std::string kAccessToken = "HACC-Jd5Kp1SgUe";
const std::string kRefreshToken = "HREF-Wb6Xo4NiZa";
const std::string kUser = "kanri.tantou@jimusho.test";

inline Settings valid_settings() {
  Settings s;
  s.tenant_id = "12345678";
  s.board.api_key = kApiKey;
  s.board.api_token = kApiToken;
  s.board.default_user_id = 101;
  s.hubspot.access_token = kAccessToken;
  s.hubspot.refresh_token = kRefreshToken;
  s.hubspot.expires_at_ms = 1767225600000;
  s.hubspot.hub_id = 12345678;
  s.hubspot.hub_domain = "example.co.jp";
  s.hubspot.user = kUser;
  s.hubspot.link_property = "board_client_url";
  s.pipelines = {
      {"default",
       "営業パイプライン",
       {{"appointmentscheduled", "アポ設定済み"},
        {"qualifiedtobuy", "購入見込みあり"},
        {"closedwon", "成約"},
        {"closedlost", "失注"},
        {"invoiced", "請求済み"},
        {"paid", "入金済み"}}},
      {"777", "代理店経由", {{"s1", "見積依頼"}, {"s2", "受注"}}},
  };
  s.stage_mapping.pipelines["default"] = {
      {StageRow::order_1, "appointmentscheduled"},
      {StageRow::order_2, "qualifiedtobuy"},
      {StageRow::order_5, "closedwon"},
      {StageRow::order_9, "closedlost"},
      {StageRow::invoiced, "invoiced"},
      {StageRow::paid, "paid"},
  };
  s.stage_mapping.pipelines["777"] = {{StageRow::order_1, "s1"}, {StageRow::order_5, "s2"}};
  s.company_field_mapping.abbreviation_words = {"株式会社", "合同会社", "有限会社", "（株）"};
  s.amount_sync = false;
  s.keep_customers_updated = true;
  s.invoice_date_rule = domain::InvoiceDateRule::current_month_end;
  s.management_no = {true, "HS-"};
  s.schedule = {"04:30", "Asia/Tokyo", 30};
  return s;
}

inline bool has_error(const ValidationErrors& errors, const std::string& field,
                      const std::string& code) {
  for (const auto& e : errors) {
    if (e.field == field && e.code == code) return true;
  }
  return false;
}

inline std::string dump(const ValidationErrors& errors) {
  std::ostringstream out;
  for (const auto& e : errors) out << "  " << e << "\n";
  return out.str();
}

}  // namespace hbsync::tenant
