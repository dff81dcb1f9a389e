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
  // {...} / [...] around what `body` writes, under key `k` when given.
  template <typename F>
  void object(F&& body) {
    w_.StartObject();
    body();
    w_.EndObject();
  }
  template <typename F>
  void object(std::string_view k, F&& body) {
    key(k);
    object(body);
  }
  template <typename F>
  void array(std::string_view k, F&& body) {
    key(k);
    w_.StartArray();
    body();
    w_.EndArray();
  }
  Writer& w() { return w_; }
  Redaction redaction() const { return redaction_; }

 private:
  Writer& w_;
  Redaction redaction_;
};

template <typename Writer>
void write_board(JsonOut<Writer>& out, const BoardConnection& board) {
  out.object("board", [&] {
    out.secret("api_key", board.api_key);
    out.secret("api_token", board.api_token);
    out.key("default_user_id");
    if (board.default_user_id) {
      out.w().Int64(*board.default_user_id);
    } else {
      out.w().Null();
    }
    out.field("client_url", board.client_url);
  });
}

template <typename Writer>
void write_hubspot(JsonOut<Writer>& out, const HubSpotConnection& hub) {
  out.object("hubspot", [&] {
    out.field("hub_id", hub.hub_id);
    out.field("hub_domain", hub.hub_domain);
    out.secret("user", hub.user);
    out.secret("access_token", hub.access_token);
    out.secret("refresh_token", hub.refresh_token);
    if (out.redaction() != Redaction::omit) out.field("expires_at_ms", hub.expires_at_ms);
    out.field("link_property", hub.link_property);
  });
}

template <typename Writer>
void write_pipelines(JsonOut<Writer>& out, const std::vector<domain::HubSpotPipeline>& pipelines) {
  out.array("pipelines", [&] {
    for (const auto& pipeline : pipelines) {
      out.object([&] {
        out.field("id", pipeline.id);
        out.field("label", pipeline.label);
        out.array("stages", [&] {
          for (const auto& stage : pipeline.stages) {
            out.object([&] {
              out.field("id", stage.id);
              out.field("label", stage.label);
            });
          }
        });
      });
    }
  });
}

template <typename Writer>
void write_stage_mapping(JsonOut<Writer>& out, const domain::StageMapping& mapping) {
  out.object("stage_mapping", [&] {
    for (const auto& [pipeline_id, stages] : mapping.pipelines) {
      out.object(pipeline_id, [&, &stages = stages] {
        for (auto row : domain::stage_rows()) {
          auto it = stages.find(row);
          if (it != stages.end()) out.field(domain::row_id(row), it->second);
        }
      });
    }
  });
}

// "phone", or {"hubspot_property": "zip", "transform": "postal_code"}.
template <typename Writer>
void write_field_source(JsonOut<Writer>& out, domain::ClientField field,
                        const domain::FieldSource& source) {
  if (source.transform == domain::FieldTransform::none) {
    out.field(domain::field_id(field), source.hubspot_property);
    return;
  }
  out.object(domain::field_id(field), [&] {
    out.field("hubspot_property", source.hubspot_property);
    out.field("transform", domain::to_string(source.transform));
  });
}

template <typename Writer>
void write_company_field_mapping(JsonOut<Writer>& out, const domain::CompanyFieldMapping& mapping) {
  out.object("company_field_mapping", [&] {
    out.object("fields", [&] {
      for (auto f : domain::client_fields()) {
        auto it = mapping.fields.find(f);
        if (it != mapping.fields.end()) write_field_source(out, f, it->second);
      }
    });
    out.array("abbreviation_words", [&] {
      for (const auto& word : mapping.abbreviation_words) out.string(word);
    });
  });
}

template <typename Writer>
void write_options(JsonOut<Writer>& out, const Settings& s) {
  out.field("amount_sync", s.amount_sync);
  out.field("keep_customers_updated", s.keep_customers_updated);
  out.field("invoice_date_rule", domain::to_string(s.invoice_date_rule));
  out.object("management_no", [&] {
    out.field("enabled", s.management_no.enabled);
    out.field("prefix", s.management_no.prefix);
  });
  out.object("schedule", [&] {
    out.field("time", s.schedule.time);
    out.field("time_zone", s.schedule.time_zone);
    out.field("interval_minutes", int64_t{s.schedule.interval_minutes});
  });
}

template <typename Writer>
void write_document(JsonOut<Writer>& out, const Settings& s) {
  out.object([&] {
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
  });
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
