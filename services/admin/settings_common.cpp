#include "settings_common.hpp"

#include <algorithm>

#include "hbsync/json/read.hpp"
#include "hbsync/log/log.hpp"

namespace hbsync::admin::settings {

namespace {

// Enough for two editors saving at the same moment; a third conflict means
// someone keeps saving, and the admin should look before trying again.
constexpr int kSaveAttempts = 3;

// "stage_mapping.<pipeline>.<row>" split into pipeline and row.
bool split_row_path(const std::string& field, std::string& pipeline, std::string& row) {
  constexpr std::string_view prefix = "stage_mapping.";
  const size_t dot = field.rfind('.');
  if (field.rfind(prefix, 0) != 0 || dot == std::string::npos || dot < prefix.size()) return false;
  pipeline = field.substr(prefix.size(), dot - prefix.size());
  row = field.substr(dot + 1);
  return !pipeline.empty();
}

// The domain rule reports a stage used twice at the later row, naming both;
// the console marks both rows, so the earlier row gets the same error.
void mark_both_rows(tenant::ValidationErrors& errors, const domain::StageMapping& mapping) {
  tenant::ValidationErrors added;
  for (const auto& e : errors) {
    std::string pipeline_id;
    std::string row_text;
    if (e.code != "duplicate_stage" || !split_row_path(e.field, pipeline_id, row_text)) continue;
    const auto* rows = mapping.find(pipeline_id);
    const auto row = domain::parse_row_id(row_text);
    if (rows == nullptr || !row || !rows->contains(*row)) continue;
    const std::string& stage = rows->at(*row);
    for (auto earlier : domain::stage_rows()) {
      auto it = rows->find(earlier);
      if (earlier == *row || it == rows->end() || it->second != stage) continue;
      const std::string path =
          "stage_mapping." + pipeline_id + "." + std::string(domain::row_id(earlier));
      const auto same_path = [&path](const auto& x) { return x.field == path; };
      if (std::none_of(errors.begin(), errors.end(), same_path) &&
          std::none_of(added.begin(), added.end(), same_path)) {
        added.push_back({path, e.code, e.message});
      }
      break;
    }
  }
  errors.insert(errors.end(), added.begin(), added.end());
}

}  // namespace

tenant::ValidationErrors unknown_members(const rapidjson::Value& object,
                                         const std::vector<std::string_view>& allowed) {
  tenant::ValidationErrors errors;
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
    const std::string_view name(it->name.GetString(), it->name.GetStringLength());
    if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) continue;
    std::string expected;
    for (auto a : allowed) expected += (expected.empty() ? "" : ", ") + std::string(a);
    errors.push_back(
        {std::string(name), "unknown_field", "unknown field (expected: " + expected + ")"});
  }
  return errors;
}

std::optional<int64_t> read_version(const rapidjson::Value& body,
                                    tenant::ValidationErrors& errors) {
  const auto* v = json::find_member(body, "version");
  if (v == nullptr || v->IsNull()) {
    errors.push_back(
        {"version", "required", "version is required (the version the settings were read at)"});
  } else if (!v->IsInt64() || v->GetInt64() < 0) {
    errors.push_back({"version", "wrong_type", "version must be a whole number >= 0"});
  } else {
    return v->GetInt64();
  }
  return std::nullopt;
}

http::Response tenant_not_found() {
  return api_error(404, "not_found",
                   "このテナントの設定が見つかりません。HubSpotでもう一度サインインしてください。");
}

http::Response version_conflict() {
  return api_error(409, "version_conflict",
                   "読み込んだ後に別の画面で設定が保存されました。画面を再読み込みしてから、"
                   "もう一度保存してください。");
}

http::Response invalid(tenant::ValidationErrors errors, const domain::StageMapping* mapping) {
  if (mapping != nullptr) mark_both_rows(errors, *mapping);
  return validation_error(in_japanese(std::move(errors)));
}

http::Response not_saved(const tenant::PutResult& result, const domain::StageMapping* mapping) {
  const bool conflict = std::any_of(result.errors.begin(), result.errors.end(),
                                    [](const auto& e) { return e.code == "version_conflict"; });
  if (conflict) return version_conflict();
  return invalid(result.errors, mapping);
}

ChangeResult save_change(tenant::Store& store, const std::string& tenant_id, const Change& change) {
  ChangeResult out;
  for (int attempt = 0; attempt < kSaveAttempts; ++attempt) {
    std::optional<tenant::Settings> stored = store.get(tenant_id);
    if (!stored) return out;
    out.found = true;
    const int64_t version = stored->version;
    change(*stored, out.put.errors);
    if (!out.put.ok()) return out;
    out.put = store.put(*stored, version);
    if (out.put.ok()) {
      out.saved = std::move(*stored);
      out.saved.version = out.put.version;
      return out;
    }
    const bool conflict =
        out.put.errors.size() == 1 && out.put.errors.front().code == "version_conflict";
    if (!conflict) return out;
    out.put.errors.clear();
  }
  out.put.errors.push_back({"version", "version_conflict", "saved elsewhere meanwhile"});
  return out;
}

http::Response hubspot_failure(const std::string& tenant_id, const hubspot::Error& error) {
  log::warn("admin api: hubspot call failed", {{"tenant", tenant_id},
                                               {"reason", hubspot::to_string(error.kind)},
                                               {"status", error.status}});
  if (error.kind == hubspot::Error::not_connected || error.kind == hubspot::Error::unauthorized) {
    return api_error(503, "not_connected",
                     "HubSpotに接続されていません (接続が切れたか、認可が取り消されました)。"
                     "HubSpotでもう一度サインインしてください。");
  }
  if (error.kind == hubspot::Error::forbidden) {
    return api_error(503, "hubspot_unavailable",
                     "HubSpotアプリにこの操作の権限 (スコープ) がありません。"
                     "HubSpotでもう一度サインインしてアプリを承認してください。");
  }
  return api_error(503, "hubspot_unavailable",
                   "HubSpotに接続できませんでした。しばらくしてからもう一度お試しください。");
}

void write_string(Writer& w, std::string_view text) {
  w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

void write_key(Writer& w, std::string_view key) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
}

void write_pipelines(Writer& w, const std::vector<domain::HubSpotPipeline>& pipelines) {
  w.StartArray();
  for (const auto& p : pipelines) {
    w.StartObject();
    write_key(w, "id");
    write_string(w, p.id);
    write_key(w, "label");
    write_string(w, p.label);
    write_key(w, "stages");
    w.StartArray();
    for (const auto& s : p.stages) {
      w.StartObject();
      write_key(w, "id");
      write_string(w, s.id);
      write_key(w, "label");
      write_string(w, s.label);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
}

std::string version_body(int64_t version) {
  return "{\"version\":" + std::to_string(version) + "}";
}

}  // namespace hbsync::admin::settings
