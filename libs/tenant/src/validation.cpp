// validate(): every rule on a tenant's settings, all problems at once, in
// document order.
#include "hbsync/tenant/validation.hpp"

#include <algorithm>
#include <charconv>
#include <string>

#include "hbsync/domain/owner.hpp"
#include "hbsync/domain/schedule.hpp"
#include "hbsync/domain/text.hpp"
#include "settings_common.hpp"

namespace hbsync::tenant {

bool is_valid_tenant_id(std::string_view id) {
  if (id.empty() || id.size() > 19 || id[0] == '0') return false;
  if (!std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  int64_t value = 0;
  auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), value);
  return ec == std::errc() && end == id.data() + id.size();
}

namespace {

constexpr size_t kMaxCredentialSize = 4096;
constexpr size_t kMaxUrlSize = 2048;
constexpr size_t kMaxPropertyNameSize = 100;
constexpr size_t kMaxTextSize = 256;

class Checks {
 public:
  void add(std::string field, std::string code, std::string message) {
    errors_.push_back({std::move(field), std::move(code), std::move(message)});
  }
  void append(ValidationErrors more) {
    for (auto& e : more) errors_.push_back(std::move(e));
  }
  ValidationErrors take() { return std::move(errors_); }

 private:
  ValidationErrors errors_;
};

bool printable_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

bool has_control_characters(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

// Credentials go into HTTP headers: anything but printable ASCII is either a
// copy-and-paste accident (a trailing newline) or a header injection.
void check_credential(Checks& checks, const std::string& value, const std::string& path,
                      const std::string& what, bool required) {
  if (value.empty()) {
    if (required) checks.add(path, "required", what + " is required");
    return;
  }
  if (!printable_ascii(value)) {
    checks.add(path, "invalid_credential",
               what +
                   " contains spaces, line breaks or non-ASCII characters; paste it again "
                   "exactly as issued");
  } else if (value.size() > kMaxCredentialSize) {
    checks.add(path, "too_long",
               what + " is longer than " + std::to_string(kMaxCredentialSize) + " characters");
  }
}

void check_text(Checks& checks, const std::string& value, const std::string& path,
                const std::string& what) {
  if (!domain::is_valid_utf8(value) || has_control_characters(value)) {
    checks.add(path, "invalid_text", what + " contains control characters or invalid UTF-8");
  } else if (value.size() > kMaxTextSize) {
    checks.add(path, "too_long",
               what + " is longer than " + std::to_string(kMaxTextSize) + " bytes");
  }
}

void check_client_url(Checks& checks, const std::string& url) {
  const std::string path = "board.client_url";
  const bool https = url.rfind("https://", 0) == 0;
  const bool http = url.rfind("http://", 0) == 0;
  size_t placeholders = 0;
  for (size_t at = url.find("{id}"); at != std::string::npos; at = url.find("{id}", at + 4)) {
    ++placeholders;
  }
  if (url.empty()) {
    checks.add(
        path, "required",
        "board.client_url is required (default " + std::string(kDefaultBoardClientUrl) + ")");
  } else if (!printable_ascii(url) || url.size() > kMaxUrlSize) {
    checks.add(path, "invalid_url",
               "board.client_url must be a URL of printable ASCII without spaces, at most " +
                   std::to_string(kMaxUrlSize) + " characters");
  } else if (!https && !http) {
    checks.add(path, "invalid_url", "board.client_url must start with https:// (or http://)");
  } else if (url.size() <= (https ? 8u : 7u) || url[https ? 8 : 7] == '/' ||
             url[https ? 8 : 7] == '{') {
    checks.add(path, "invalid_url", "board.client_url has no host name");
  } else if (placeholders != 1) {
    checks.add(path, "invalid_url",
               "board.client_url must contain {id} exactly once (where the board client id "
               "goes), e.g. " +
                   std::string(kDefaultBoardClientUrl));
  }
}

void check_link_property(Checks& checks, const Settings& s) {
  const std::string& name = s.hubspot.link_property;
  const std::string path = "hubspot.link_property";
  if (name.empty()) return;  // not chosen yet: nothing is written
  const bool shape_ok = name.size() <= kMaxPropertyNameSize && name[0] >= 'a' && name[0] <= 'z' &&
                        std::all_of(name.begin(), name.end(), [](char c) {
                          return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
                        });
  if (!shape_ok) {
    checks.add(path, "invalid_property_name",
               "link property \"" + domain::sanitize_utf8(name) +
                   "\" is not a HubSpot internal property name: lowercase letters, digits and "
                   "underscores, starting with a letter, at most " +
                   std::to_string(kMaxPropertyNameSize) + " characters");
    return;
  }
  if (name.rfind("hs_", 0) == 0) {
    checks.add(path, "reserved_property_name",
               "link property \"" + name +
                   "\" is a HubSpot-defined property (hs_ prefix); create a single-line text "
                   "company property of your own");
    return;
  }
  for (const auto& [field, source] : s.company_field_mapping.fields) {
    if (source.hubspot_property == name) {
      checks.add(path, "link_property_in_use",
                 "link property \"" + name + "\" also feeds board " +
                     std::string(domain::label(field)) + " (" +
                     std::string(domain::field_id(field)) +
                     ") in company_field_mapping; writing the board URL into it would overwrite "
                     "that value");
      return;
    }
  }
}

void check_pipelines(Checks& checks, const std::vector<domain::HubSpotPipeline>& pipelines) {
  for (size_t i = 0; i < pipelines.size(); ++i) {
    const auto& p = pipelines[i];
    const std::string path = detail::indexed("pipelines", i);
    if (p.id.empty()) {
      checks.add(path + ".id", "required", "pipeline id is empty");
    } else {
      for (size_t j = 0; j < i; ++j) {
        if (pipelines[j].id == p.id) {
          checks.add(path + ".id", "duplicate_pipeline",
                     "pipeline \"" + domain::sanitize_utf8(p.id) + "\" is listed twice (also " +
                         detail::indexed("pipelines", j) + ")");
          break;
        }
      }
    }
    for (size_t k = 0; k < p.stages.size(); ++k) {
      const std::string stage_path = detail::indexed(path + ".stages", k) + ".id";
      const std::string& id = p.stages[k].id;
      if (id.empty()) {
        checks.add(stage_path, "required", "stage id is empty");
        continue;
      }
      for (size_t j = 0; j < k; ++j) {
        if (p.stages[j].id == id) {
          checks.add(stage_path, "duplicate_stage_id",
                     "stage \"" + domain::sanitize_utf8(id) + "\" is listed twice in pipeline \"" +
                         domain::sanitize_utf8(p.id) + "\"");
          break;
        }
      }
    }
  }
}

void check_tenant_id(Checks& checks, const std::string& id) {
  if (id.empty()) {
    checks.add("tenant_id", "required", "tenant_id (the HubSpot portal id) is required");
  } else if (!is_valid_tenant_id(id)) {
    checks.add("tenant_id", "invalid_tenant_id",
               "tenant_id \"" + domain::sanitize_utf8(id) +
                   "\" is not a HubSpot portal id: digits only, no leading zero, at most 19 "
                   "digits");
  }
}

// A tenant made by its first console sign-in (F1.2) has no board connection
// yet: key and token come with F1.1 (PUT /api/v1/board/connection), the
// default user after it, from board's users (F6.4). Key and token come
// together (and with a default user); a default user, when given, must be
// valid. Without one, a deal
// whose owner matches no board user fails with the `no_user` rule, visibly.
void check_board(Checks& checks, const BoardConnection& board) {
  const bool connected =
      !board.api_key.empty() || !board.api_token.empty() || board.default_user_id.has_value();
  check_credential(checks, board.api_key, "board.api_key", "board API key", connected);
  check_credential(checks, board.api_token, "board.api_token", "board API token", connected);
  if (board.default_user_id.has_value()) {
    checks.append(
        domain::validate_default_board_user(board.default_user_id, "board.default_user_id"));
  }
  check_client_url(checks, board.client_url);
}

void check_hubspot(Checks& checks, const Settings& s) {
  if (s.hubspot.hub_id < 0) {
    checks.add("hubspot.hub_id", "invalid_hub_id", "hubspot.hub_id must be a positive portal id");
  } else if (s.hubspot.hub_id > 0 && is_valid_tenant_id(s.tenant_id) &&
             std::to_string(s.hubspot.hub_id) != s.tenant_id) {
    checks.add("hubspot.hub_id", "hub_id_mismatch",
               "hubspot.hub_id " + std::to_string(s.hubspot.hub_id) +
                   " is not this tenant's portal id " + s.tenant_id +
                   ": the HubSpot connection belongs to another account");
  }
  check_text(checks, s.hubspot.hub_domain, "hubspot.hub_domain", "hubspot.hub_domain");
  check_text(checks, s.hubspot.user, "hubspot.user", "hubspot.user");
  check_credential(checks, s.hubspot.access_token, "hubspot.access_token", "HubSpot access token",
                   false);
  check_credential(checks, s.hubspot.refresh_token, "hubspot.refresh_token",
                   "HubSpot refresh token", false);
  if (s.hubspot.expires_at_ms < 0) {
    checks.add("hubspot.expires_at_ms", "out_of_range",
               "hubspot.expires_at_ms must be epoch milliseconds, or 0 for a token that does not "
               "expire");
  }
  check_link_property(checks, s);
}

void check_poll_interval(Checks& checks, int interval) {
  if (interval != 0 && (interval < kMinPollIntervalMinutes || interval > kMaxPollIntervalMinutes)) {
    checks.add("schedule.interval_minutes", "out_of_range",
               "schedule.interval_minutes must be 0 (off) or " +
                   std::to_string(kMinPollIntervalMinutes) + " to " +
                   std::to_string(kMaxPollIntervalMinutes) + ", not " + std::to_string(interval) +
                   ": board allows 3,000 API requests a day per account, and polls more often "
                   "than every " +
                   std::to_string(kMinPollIntervalMinutes) +
                   " minutes would leave too little of that for syncing deals");
  }
}

}  // namespace

ValidationErrors validate(const Settings& s) {
  Checks checks;
  check_tenant_id(checks, s.tenant_id);
  check_board(checks, s.board);
  check_hubspot(checks, s);
  check_pipelines(checks, s.pipelines);
  checks.append(domain::validate_stage_mapping(s.stage_mapping, s.pipelines, "stage_mapping"));
  checks.append(
      domain::validate_company_field_mapping(s.company_field_mapping, "company_field_mapping"));
  checks.append(domain::validate_management_no_settings(s.management_no, "management_no"));
  checks.append(domain::validate_daily_schedule(s.schedule.time, s.schedule.time_zone, "schedule"));
  check_poll_interval(checks, s.schedule.interval_minutes);
  return checks.take();
}

}  // namespace hbsync::tenant
