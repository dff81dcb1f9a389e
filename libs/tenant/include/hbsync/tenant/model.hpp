// One tenant's settings (SPEC F1, F2, F6): a HubSpot portal connected to a
// board account, with its stage mapping, company field mapping and sync
// options. Only the types; their JSON form is settings_json.hpp, the rules
// validation.hpp, the secret fields secrets.hpp (settings.hpp includes all).
//
// Credentials and the installing user's e-mail are plain strings here: they
// are encrypted only by the Store, so a Settings value must be treated like
// the credentials it holds (never logged; to_json redacts).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hbsync/domain/client_mapping.hpp"
#include "hbsync/domain/dates.hpp"
#include "hbsync/domain/management_no.hpp"
#include "hbsync/domain/stage_mapping.hpp"
#include "hbsync/domain/validation.hpp"

namespace hbsync::tenant {

// {field, code, message}: field is the JSON path ("schedule.time",
// "pipelines[0].stages[2].id", "stage_mapping.default.order_5"), code is
// stable, message says what is wrong.
using ValidationError = domain::ValidationError;
using ValidationErrors = domain::ValidationErrors;

inline constexpr std::string_view kDefaultBoardClientUrl = "https://the-board.jp/clients/{id}";

// Poll interval bounds (F4.1). board allows 3,000 requests a day per API key,
// shared with the real-time HubSpot -> board traffic. One incremental poll
// costs at least 2 requests (projects and invoices changed since the last
// run), plus pages and writes when something changed. Every 15 minutes is 96
// polls, about 200 requests (~7 % of the budget) when nothing changes, which
// leaves the rest for real work; a 1-minute poll alone would burn ~2,900.
inline constexpr int kMinPollIntervalMinutes = 15;
inline constexpr int kMaxPollIntervalMinutes = 24 * 60;

struct BoardConnection {
  std::string api_key;    // secret (x-api-key)
  std::string api_token;  // secret (Bearer token)
  // 担当者 when no board user has the deal owner's e-mail (F3.5, F6.4).
  std::optional<int64_t> default_user_id;
  // Web page of a board client, written into the link property (F3.4);
  // "{id}" is replaced with the client id.
  std::string client_url{kDefaultBoardClientUrl};

  // False for a tenant its first console sign-in created (F1.2) until the
  // admin saves the board connection (F1.1): nothing may call board then.
  bool connected() const { return !api_key.empty() && !api_token.empty(); }

  // client_url with every "{id}" replaced by the client id.
  std::string client_url_of(int64_t client_id) const {
    std::string url = client_url;
    const std::string id = std::to_string(client_id);
    for (size_t pos = url.find("{id}"); pos != std::string::npos; pos = url.find("{id}", pos)) {
      url.replace(pos, 4, id);
      pos += id.size();
    }
    return url;
  }
};

struct HubSpotConnection {
  // OAuth tokens (F1.2), secrets. A private-app token is an access token
  // with no refresh token and expires_at_ms 0 (does not expire).
  std::string access_token;
  std::string refresh_token;
  int64_t expires_at_ms = 0;
  // The connected account as shown in the console (F1.2). hub_id must be the
  // tenant's portal id. `user` is the installing user's e-mail: personal
  // data, so it is stored encrypted with the secrets and redacted like them.
  int64_t hub_id = 0;
  std::string hub_domain;
  std::string user;
  // Company property that receives the board client URL (F3.4, F6.1); empty
  // until chosen (then nothing is written).
  std::string link_property;

  bool connected() const { return !access_token.empty() || !refresh_token.empty(); }
};

struct PollSchedule {
  std::string time{"03:00"};  // daily run, "HH:MM" (F4.1)
  std::string time_zone{"Asia/Tokyo"};
  // Extra incremental polls every N minutes; 0 = only the daily run.
  int interval_minutes = 0;
};

struct Settings {
  std::string tenant_id;  // HubSpot portal id, decimal, no leading zeros
  BoardConnection board;
  HubSpotConnection hubspot;
  std::vector<domain::HubSpotPipeline> pipelines;  // as last loaded from HubSpot (F1.3)
  domain::StageMapping stage_mapping;              // F2
  domain::CompanyFieldMapping company_field_mapping =
      domain::CompanyFieldMapping::defaults();  // F6.2, with the abbreviation words
  bool amount_sync = true;                      // F6.3
  bool keep_customers_updated = false;          // F6.5
  domain::InvoiceDateRule invoice_date_rule = domain::InvoiceDateRule::closedate_or_month_end;
  domain::ManagementNoSettings management_no;  // F3.5, F6.4
  PollSchedule schedule;                       // F4.1, F6.4

  // Kept by the Store: bumped on every write so caches can tell a change.
  // Ignored by Store::put (it assigns them).
  int64_t version = 0;
  int64_t updated_at_ms = 0;
};

}  // namespace hbsync::tenant
