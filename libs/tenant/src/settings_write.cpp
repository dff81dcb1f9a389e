// to_json: Settings as tenant.json (pretty) or as the stored form (compact),
// with secrets included, masked or left out. Written with RapidJSON's writers.
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>

#include "hbsync/tenant/settings_json.hpp"
#include "settings_common.hpp"

namespace hbsync::tenant {

namespace {

namespace rj = rapidjson;

template <typename Writer>
class JsonOut {
 public:
  JsonOut(Writer& w, Redaction redaction) : w_(w), redaction_(redaction) {}

  void key(std::string_view k) { w_.Key(k.data(), static_cast<rj::SizeType>(k.size())); }
  void string(std::string_view v) { w_.String(v.data(), static_cast<rj::SizeType>(v.size())); }
  void field(std::string_view k, std::string_view v) {
    key(k);
    string(v);
  }
  void field(std::string_view k, bool v) {
    key(k);
    w_.Bool(v);
  }
  void field(std::string_view k, int64_t v) {
    key(k);
    w_.Int64(v);
  }
  void secret(std::string_view k, const std::string& v) {
    if (redaction_ == Redaction::omit) return;
    key(k);
    if (redaction_ == Redaction::mask) {
      string(v.empty() ? detail::kNotSetMarker : detail::kSetMarker);
    } else {
      string(v);
    }
  }
  Writer& w() { return w_; }
  Redaction redaction() const { return redaction_; }

 private:
  Writer& w_;
  Redaction redaction_;
};

template <typename Writer>
void write_board(JsonOut<Writer>& out, const BoardConnection& board) {
  auto& w = out.w();
  out.key("board");
  w.StartObject();
  out.secret("api_key", board.api_key);
  out.secret("api_token", board.api_token);
  out.key("default_user_id");
  if (board.default_user_id) {
    w.Int64(*board.default_user_id);
  } else {
    w.Null();
  }
  out.field("client_url", board.client_url);
  w.EndObject();
}

template <typename Writer>
void write_hubspot(JsonOut<Writer>& out, const HubSpotConnection& hub) {
  auto& w = out.w();
  out.key("hubspot");
  w.StartObject();
  out.field("hub_id", hub.hub_id);
  out.field("hub_domain", hub.hub_domain);
  out.secret("user", hub.user);
  out.secret("access_token", hub.access_token);
  out.secret("refresh_token", hub.refresh_token);
  if (out.redaction() != Redaction::omit) out.field("expires_at_ms", hub.expires_at_ms);
  out.field("link_property", hub.link_property);
  w.EndObject();
}

template <typename Writer>
void write_pipelines(JsonOut<Writer>& out, const std::vector<domain::HubSpotPipeline>& pipelines) {
  auto& w = out.w();
  out.key("pipelines");
  w.StartArray();
  for (const auto& pipeline : pipelines) {
    w.StartObject();
    out.field("id", pipeline.id);
    out.field("label", pipeline.label);
    out.key("stages");
    w.StartArray();
    for (const auto& stage : pipeline.stages) {
      w.StartObject();
      out.field("id", stage.id);
      out.field("label", stage.label);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
}

template <typename Writer>
void write_stage_mapping(JsonOut<Writer>& out, const domain::StageMapping& mapping) {
  auto& w = out.w();
  out.key("stage_mapping");
  w.StartObject();
  for (const auto& [pipeline_id, stages] : mapping.pipelines) {
    out.key(pipeline_id);
    w.StartObject();
    for (auto row : domain::stage_rows()) {
      auto it = stages.find(row);
      if (it != stages.end()) out.field(domain::row_id(row), it->second);
    }
    w.EndObject();
  }
  w.EndObject();
}

template <typename Writer>
void write_company_field_mapping(JsonOut<Writer>& out, const domain::CompanyFieldMapping& mapping) {
  auto& w = out.w();
  out.key("company_field_mapping");
  w.StartObject();
  out.key("fields");
  w.StartObject();
  for (auto f : domain::client_fields()) {
    auto it = mapping.fields.find(f);
    if (it == mapping.fields.end()) continue;
    if (it->second.transform == domain::FieldTransform::none) {
      out.field(domain::field_id(f), it->second.hubspot_property);
    } else {
      out.key(domain::field_id(f));
      w.StartObject();
      out.field("hubspot_property", it->second.hubspot_property);
      out.field("transform", domain::to_string(it->second.transform));
      w.EndObject();
    }
  }
  w.EndObject();
  out.key("abbreviation_words");
  w.StartArray();
  for (const auto& word : mapping.abbreviation_words) out.string(word);
  w.EndArray();
  w.EndObject();
}

template <typename Writer>
void write_options(JsonOut<Writer>& out, const Settings& s) {
  auto& w = out.w();
  out.field("amount_sync", s.amount_sync);
  out.field("keep_customers_updated", s.keep_customers_updated);
  out.field("invoice_date_rule", domain::to_string(s.invoice_date_rule));

  out.key("management_no");
  w.StartObject();
  out.field("enabled", s.management_no.enabled);
  out.field("prefix", s.management_no.prefix);
  w.EndObject();

  out.key("schedule");
  w.StartObject();
  out.field("time", s.schedule.time);
  out.field("time_zone", s.schedule.time_zone);
  out.field("interval_minutes", int64_t{s.schedule.interval_minutes});
  w.EndObject();
}

template <typename Writer>
void write_document(JsonOut<Writer>& out, const Settings& s) {
  out.w().StartObject();
  out.field("tenant_id", s.tenant_id);
  if (s.version > 0) {
    out.field("version", s.version);
    out.field("updated_at_ms", s.updated_at_ms);
  }
  write_board(out, s.board);
  write_hubspot(out, s.hubspot);
  write_pipelines(out, s.pipelines);
  write_stage_mapping(out, s.stage_mapping);
  write_company_field_mapping(out, s.company_field_mapping);
  write_options(out, s);
  out.w().EndObject();
}

}  // namespace

std::string to_json(const Settings& settings, Redaction redaction, JsonStyle style) {
  rj::StringBuffer buffer;
  if (style == JsonStyle::pretty) {
    rj::PrettyWriter<rj::StringBuffer> writer(buffer);
    writer.SetIndent(' ', 2);
    JsonOut out(writer, redaction);
    write_document(out, settings);
    return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
  }
  rj::Writer<rj::StringBuffer> writer(buffer);
  JsonOut out(writer, redaction);
  write_document(out, settings);
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace hbsync::tenant
