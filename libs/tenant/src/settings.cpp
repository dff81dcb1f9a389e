#include "hbsync/tenant/settings.hpp"

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <functional>
#include <limits>
#include <stdexcept>

#include "hbsync/domain/abbreviation.hpp"
#include "hbsync/domain/owner.hpp"
#include "hbsync/domain/schedule.hpp"
#include "hbsync/domain/status.hpp"
#include "hbsync/domain/text.hpp"
#include "hbsync/json/parse.hpp"

namespace hbsync::tenant {

namespace rj = rapidjson;

namespace {

constexpr std::string_view kSetMarker = "(set)";
constexpr std::string_view kNotSetMarker = "(not set)";
constexpr std::string_view kDocumentPath = "(document)";
constexpr size_t kMaxCredentialSize = 4096;
constexpr size_t kMaxUrlSize = 2048;
constexpr size_t kMaxPropertyNameSize = 100;
constexpr size_t kMaxTextSize = 256;

constexpr std::array kSecretFields = {
    SecretField::board_api_key,         SecretField::board_api_token,
    SecretField::hubspot_access_token,  SecretField::hubspot_refresh_token,
    SecretField::hubspot_expires_at_ms, SecretField::hubspot_user,
};

std::string join(std::string_view path, std::string_view key) {
  if (path.empty()) return std::string(key);
  return std::string(path) + "." + std::string(key);
}

std::string indexed(std::string_view path, size_t i) {
  return std::string(path) + "[" + std::to_string(i) + "]";
}

std::string_view view(const rj::Value& v) {
  return std::string_view(v.GetString(), v.GetStringLength());
}

const char* type_name(const rj::Value& v) {
  switch (v.GetType()) {
    case rj::kNullType:
      return "null";
    case rj::kFalseType:
    case rj::kTrueType:
      return "a boolean";
    case rj::kObjectType:
      return "an object";
    case rj::kArrayType:
      return "an array";
    case rj::kStringType:
      return "a string";
    case rj::kNumberType:
      return "a number";
  }
  return "a value";
}

// Where in the text a parse error is, as people count (1-based line:column).
std::string line_and_column(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  size_t line = 1;
  size_t column = 1;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++column;  // count characters, not UTF-8 continuation bytes
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

std::optional<domain::StageRow> parse_row(std::string_view key) {
  if (auto row = domain::parse_row_id(key)) return row;
  if (auto status = domain::parse_order_status(key)) return domain::row_of(*status);
  std::string_view trimmed = domain::trim_spaces(key);
  for (auto row : {domain::StageRow::invoiced, domain::StageRow::paid}) {
    if (trimmed == domain::label(row)) return row;
  }
  return std::nullopt;
}

std::string known_rows() {
  std::string text;
  for (auto row : domain::stage_rows()) {
    text += (text.empty() ? "" : ", ") + std::string(domain::row_id(row)) + " " +
            std::string(domain::label(row));
  }
  return text;
}

std::string known_client_fields() {
  std::string text;
  for (auto f : domain::client_fields()) {
    text += (text.empty() ? "" : ", ") + std::string(domain::field_id(f));
  }
  return text;
}

std::optional<domain::InvoiceDateRule> parse_rule(std::string_view id) {
  if (auto rule = domain::parse_invoice_date_rule(id)) return rule;
  // Names used in early drafts of the format; read, never written.
  if (id == "closedate_else_end_of_month") return domain::InvoiceDateRule::closedate_or_month_end;
  if (id == "end_of_month") return domain::InvoiceDateRule::current_month_end;
  return std::nullopt;
}

// Reads a parsed document into Settings, collecting every problem with its
// JSON path instead of stopping at the first.
class Reader {
 public:
  using Handler = std::function<void(const rj::Value&, const std::string&)>;
  struct Member {
    std::string_view key;
    Handler read;
  };

  Reader(UnknownFields unknown, ParseResult& out) : unknown_(unknown), out_(out) {}

  void error(std::string field, std::string code, std::string message) {
    out_.errors.push_back({std::move(field), std::move(code), std::move(message)});
  }

  void wrong_type(const rj::Value& v, const std::string& path, std::string_view expected) {
    error(path, "wrong_type", path + " must be " + std::string(expected) + ", not " + type_name(v));
  }

  // Calls the handler of each member present; reports unknown and repeated
  // keys. Absent members keep their defaults.
  void object(const rj::Value& v, const std::string& path, const std::vector<Member>& members) {
    if (!v.IsObject()) {
      wrong_type(v, path.empty() ? std::string(kDocumentPath) : path, "an object");
      return;
    }
    std::vector<std::string_view> seen;
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
      std::string_view key = view(it->name);
      const std::string child = join(path, key);
      if (!first_time(seen, key, child)) continue;
      auto member = std::find_if(members.begin(), members.end(),
                                 [&](const Member& m) { return m.key == key; });
      if (member == members.end()) {
        if (unknown_ == UnknownFields::reject) {
          std::string expected;
          for (const auto& m : members)
            expected += (expected.empty() ? "" : ", ") + std::string(m.key);
          error(child, "unknown_field",
                "unknown field \"" + std::string(key) + "\" (expected: " + expected + ")");
        }
        continue;
      }
      member->read(it->value, child);
    }
  }

  // Objects whose keys are data (pipeline ids, rows, board fields).
  template <typename F>
  void entries(const rj::Value& v, const std::string& path, F&& each) {
    if (!v.IsObject()) {
      wrong_type(v, path, "an object");
      return;
    }
    std::vector<std::string_view> seen;
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
      std::string_view key = view(it->name);
      const std::string child = join(path, key);
      if (!first_time(seen, key, child)) continue;
      each(key, it->value, child);
    }
  }

  template <typename F>
  void array(const rj::Value& v, const std::string& path, F&& each) {
    if (!v.IsArray()) {
      wrong_type(v, path, "an array");
      return;
    }
    for (rj::SizeType i = 0; i < v.Size(); ++i) each(v[i], indexed(path, i));
  }

  bool string(const rj::Value& v, const std::string& path, std::string& out) {
    if (!v.IsString()) {
      wrong_type(v, path, "a string");
      return false;
    }
    out.assign(v.GetString(), v.GetStringLength());
    return true;
  }

  void boolean(const rj::Value& v, const std::string& path, bool& out) {
    if (!v.IsBool()) {
      wrong_type(v, path, "true or false");
      return;
    }
    out = v.GetBool();
  }

  bool int64(const rj::Value& v, const std::string& path, int64_t& out) {
    if (!v.IsInt64()) {
      wrong_type(v, path, "a whole number");
      return false;
    }
    out = v.GetInt64();
    return true;
  }

  // A secret (or the installing user): a value, null / "(not set)" to clear
  // it, "(set)" to keep the stored one.
  void secret(const rj::Value& v, const std::string& path, SecretField field) {
    seen_secrets_.push_back(field);
    if (v.IsNull()) return;
    if (field == SecretField::hubspot_expires_at_ms && v.IsNumber()) {
      int64_t ms = 0;
      if (int64(v, path, ms)) out_.settings.hubspot.expires_at_ms = ms;
      return;
    }
    if (!v.IsString()) {
      wrong_type(v, path,
                 field == SecretField::hubspot_expires_at_ms ? "a whole number" : "a string");
      return;
    }
    std::string_view text = view(v);
    if (text == kSetMarker) {
      out_.kept.push_back(field);
    } else if (text != kNotSetMarker) {
      try {
        set_secret_value(out_.settings, field, std::string(text));
      } catch (const std::invalid_argument&) {
        wrong_type(v, path, "a whole number");
      }
    }
  }

  // Secrets the document did not mention are kept as stored.
  void finish() {
    for (auto field : kSecretFields) {
      if (std::find(seen_secrets_.begin(), seen_secrets_.end(), field) == seen_secrets_.end()) {
        out_.kept.push_back(field);
      }
    }
  }

 private:
  bool first_time(std::vector<std::string_view>& seen, std::string_view key,
                  const std::string& path) {
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      error(path, "duplicate_key", "\"" + std::string(key) + "\" is given more than once");
      return false;
    }
    seen.push_back(key);
    return true;
  }

  UnknownFields unknown_;
  ParseResult& out_;
  std::vector<SecretField> seen_secrets_;
};

// Handlers for the common member kinds, so each section reads as a table.
Reader::Handler text(Reader& r, std::string& out) {
  return [&r, &out](const rj::Value& v, const std::string& p) { r.string(v, p, out); };
}
// null is accepted as "not set" for optional text.
Reader::Handler optional_text(Reader& r, std::string& out) {
  return [&r, &out](const rj::Value& v, const std::string& p) {
    if (v.IsNull()) {
      out.clear();
    } else {
      r.string(v, p, out);
    }
  };
}
Reader::Handler flag(Reader& r, bool& out) {
  return [&r, &out](const rj::Value& v, const std::string& p) { r.boolean(v, p, out); };
}
Reader::Handler number(Reader& r, int64_t& out) {
  return [&r, &out](const rj::Value& v, const std::string& p) {
    if (!v.IsNull()) r.int64(v, p, out);
  };
}
Reader::Handler secret(Reader& r, SecretField field) {
  return [&r, field](const rj::Value& v, const std::string& p) { r.secret(v, p, field); };
}

void read_tenant_id(Reader& r, const rj::Value& v, const std::string& p, std::string& out) {
  // Portal ids are numbers in HubSpot's own JSON, so accept both.
  if (v.IsString()) {
    out.assign(v.GetString(), v.GetStringLength());
  } else if (v.IsInt64() && v.GetInt64() > 0) {
    out = std::to_string(v.GetInt64());
  } else {
    r.wrong_type(v, p, "a string (the HubSpot portal id)");
  }
}

void read_board(Reader& r, const rj::Value& v, const std::string& p, BoardConnection& board) {
  auto default_user = [&](const rj::Value& u, const std::string& up) {
    int64_t id = 0;
    if (u.IsNull()) {
      board.default_user_id.reset();
    } else if (r.int64(u, up, id)) {
      board.default_user_id = id;
    }
  };
  r.object(v, p,
           {
               {"api_key", secret(r, SecretField::board_api_key)},
               {"api_token", secret(r, SecretField::board_api_token)},
               {"default_user_id", default_user},
               {"client_url", text(r, board.client_url)},
           });
}

void read_hubspot(Reader& r, const rj::Value& v, const std::string& p, HubSpotConnection& hub) {
  r.object(v, p,
           {
               {"access_token", secret(r, SecretField::hubspot_access_token)},
               {"refresh_token", secret(r, SecretField::hubspot_refresh_token)},
               {"expires_at_ms", secret(r, SecretField::hubspot_expires_at_ms)},
               {"user", secret(r, SecretField::hubspot_user)},
               {"hub_id", number(r, hub.hub_id)},
               {"hub_domain", optional_text(r, hub.hub_domain)},
               {"link_property", optional_text(r, hub.link_property)},
           });
}

void read_pipelines(Reader& r, const rj::Value& v, const std::string& p,
                    std::vector<domain::HubSpotPipeline>& pipelines) {
  r.array(v, p, [&](const rj::Value& item, const std::string& ip) {
    domain::HubSpotPipeline pipeline;
    auto stages = [&](const rj::Value& u, const std::string& up) {
      r.array(u, up, [&](const rj::Value& st, const std::string& sp) {
        domain::HubSpotStage stage;
        r.object(st, sp, {{"id", text(r, stage.id)}, {"label", text(r, stage.label)}});
        pipeline.stages.push_back(std::move(stage));
      });
    };
    r.object(
        item, ip,
        {{"id", text(r, pipeline.id)}, {"label", text(r, pipeline.label)}, {"stages", stages}});
    pipelines.push_back(std::move(pipeline));
  });
}

void read_stage_rows(Reader& r, const rj::Value& v, const std::string& p,
                     domain::PipelineStages& stages) {
  r.entries(v, p, [&](std::string_view key, const rj::Value& stage, const std::string& rp) {
    auto row = parse_row(key);
    if (!row) {
      r.error(rp, "unknown_row",
              "unknown stage-mapping row \"" + domain::sanitize_utf8(key) +
                  "\" (rows: " + known_rows() + ")");
      return;
    }
    if (stages.contains(*row)) {
      r.error(rp, "duplicate_row",
              "row " + domain::describe(*row) +
                  " is given twice in this pipeline (by id and by label?)");
      return;
    }
    if (stage.IsNull()) return;  // explicitly unmapped
    std::string stage_id;
    if (!r.string(stage, rp, stage_id) || stage_id.empty()) return;
    stages.emplace(*row, std::move(stage_id));
  });
}

void read_stage_mapping(Reader& r, const rj::Value& v, const std::string& p,
                        domain::StageMapping& mapping) {
  r.entries(v, p, [&](std::string_view pipeline_id, const rj::Value& rows, const std::string& pp) {
    domain::PipelineStages stages;
    read_stage_rows(r, rows, pp, stages);
    mapping.pipelines.emplace(std::string(pipeline_id), std::move(stages));
  });
}

// "phone" or {"hubspot_property": "zip", "transform": "postal_code"}.
bool read_field_source(Reader& r, const rj::Value& v, const std::string& p,
                       domain::FieldSource& out) {
  if (v.IsString()) {
    out.hubspot_property.assign(v.GetString(), v.GetStringLength());
    return true;
  }
  if (!v.IsObject()) {
    r.wrong_type(v, p, "a HubSpot property name or {\"hubspot_property\", \"transform\"}");
    return false;
  }
  auto transform = [&](const rj::Value& u, const std::string& up) {
    std::string id;
    if (!r.string(u, up, id)) return;
    if (auto t = domain::parse_field_transform(id)) {
      out.transform = *t;
    } else {
      r.error(up, "unknown_value", "transform must be none, abbreviate or postal_code");
    }
  };
  r.object(v, p, {{"hubspot_property", text(r, out.hubspot_property)}, {"transform", transform}});
  return true;
}

void read_company_field_mapping(Reader& r, const rj::Value& v, const std::string& p,
                                domain::CompanyFieldMapping& mapping) {
  auto fields = [&](const rj::Value& u, const std::string& up) {
    // Given means complete: a board field left out is not sent.
    mapping.fields.clear();
    r.entries(u, up, [&](std::string_view key, const rj::Value& source, const std::string& fp) {
      auto field = domain::parse_client_field(key);
      if (!field) {
        r.error(fp, "unknown_client_field",
                "\"" + domain::sanitize_utf8(key) +
                    "\" is not a board client field (fields: " + known_client_fields() + ")");
        return;
      }
      domain::FieldSource fs;
      if (!source.IsNull() && read_field_source(r, source, fp, fs)) {
        mapping.fields[*field] = std::move(fs);
      }
    });
  };
  auto words = [&](const rj::Value& u, const std::string& up) {
    mapping.abbreviation_words.clear();
    r.array(u, up, [&](const rj::Value& w, const std::string& wp) {
      std::string word;
      if (r.string(w, wp, word)) mapping.abbreviation_words.push_back(std::move(word));
    });
  };
  r.object(v, p, {{"fields", fields}, {"abbreviation_words", words}});
}

void read_invoice_date_rule(Reader& r, const rj::Value& v, const std::string& p,
                            domain::InvoiceDateRule& out) {
  std::string id;
  if (!r.string(v, p, id)) return;
  if (auto rule = parse_rule(id)) {
    out = *rule;
  } else {
    r.error(p, "unknown_value",
            "invoice_date_rule must be closedate_or_month_end (the default), "
            "closedate_month_end or current_month_end");
  }
}

void read_schedule(Reader& r, const rj::Value& v, const std::string& p, PollSchedule& schedule) {
  auto interval = [&](const rj::Value& u, const std::string& up) {
    int64_t minutes = 0;
    if (!r.int64(u, up, minutes)) return;
    // Range rules are validate()'s; here only what fits an int.
    if (minutes < std::numeric_limits<int>::min() || minutes > std::numeric_limits<int>::max()) {
      r.error(up, "out_of_range",
              "interval_minutes must be 0 (off) or " + std::to_string(kMinPollIntervalMinutes) +
                  " to " + std::to_string(kMaxPollIntervalMinutes));
      return;
    }
    schedule.interval_minutes = static_cast<int>(minutes);
  };
  r.object(v, p,
           {
               {"time", text(r, schedule.time)},
               {"time_zone", text(r, schedule.time_zone)},
               {"interval_minutes", interval},
           });
}

void read_document(Reader& r, const rj::Value& root, Settings& s) {
  // Binds a section reader to its part of the settings.
  auto section = [&r](auto read, auto& target) -> Reader::Handler {
    return [&r, read, &target](const rj::Value& v, const std::string& p) { read(r, v, p, target); };
  };
  auto management_no = [&](const rj::Value& v, const std::string& p) {
    r.object(v, p,
             {{"enabled", flag(r, s.management_no.enabled)},
              {"prefix", text(r, s.management_no.prefix)}});
  };
  r.object(
      root, "",
      {
          {"tenant_id", section(read_tenant_id, s.tenant_id)},
          {"version", number(r, s.version)},
          {"updated_at_ms", number(r, s.updated_at_ms)},
          {"board", section(read_board, s.board)},
          {"hubspot", section(read_hubspot, s.hubspot)},
          {"pipelines", section(read_pipelines, s.pipelines)},
          {"stage_mapping", section(read_stage_mapping, s.stage_mapping)},
          {"company_field_mapping", section(read_company_field_mapping, s.company_field_mapping)},
          {"amount_sync", flag(r, s.amount_sync)},
          {"keep_customers_updated", flag(r, s.keep_customers_updated)},
          {"invoice_date_rule", section(read_invoice_date_rule, s.invoice_date_rule)},
          {"management_no", management_no},
          {"schedule", section(read_schedule, s.schedule)},
      });
}

// ---- writing ----

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
      string(v.empty() ? kNotSetMarker : kSetMarker);
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
void write_document(JsonOut<Writer>& out, const Settings& s) {
  auto& w = out.w();
  w.StartObject();
  out.field("tenant_id", s.tenant_id);
  if (s.version > 0) {
    out.field("version", s.version);
    out.field("updated_at_ms", s.updated_at_ms);
  }

  out.key("board");
  w.StartObject();
  out.secret("api_key", s.board.api_key);
  out.secret("api_token", s.board.api_token);
  out.key("default_user_id");
  if (s.board.default_user_id) {
    w.Int64(*s.board.default_user_id);
  } else {
    w.Null();
  }
  out.field("client_url", s.board.client_url);
  w.EndObject();

  out.key("hubspot");
  w.StartObject();
  out.field("hub_id", s.hubspot.hub_id);
  out.field("hub_domain", s.hubspot.hub_domain);
  out.secret("user", s.hubspot.user);
  out.secret("access_token", s.hubspot.access_token);
  out.secret("refresh_token", s.hubspot.refresh_token);
  if (out.redaction() != Redaction::omit) out.field("expires_at_ms", s.hubspot.expires_at_ms);
  out.field("link_property", s.hubspot.link_property);
  w.EndObject();

  out.key("pipelines");
  w.StartArray();
  for (const auto& pipeline : s.pipelines) {
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

  out.key("stage_mapping");
  w.StartObject();
  for (const auto& [pipeline_id, stages] : s.stage_mapping.pipelines) {
    out.key(pipeline_id);
    w.StartObject();
    for (auto row : domain::stage_rows()) {
      auto it = stages.find(row);
      if (it != stages.end()) out.field(domain::row_id(row), it->second);
    }
    w.EndObject();
  }
  w.EndObject();

  out.key("company_field_mapping");
  w.StartObject();
  out.key("fields");
  w.StartObject();
  for (auto f : domain::client_fields()) {
    auto it = s.company_field_mapping.fields.find(f);
    if (it == s.company_field_mapping.fields.end()) continue;
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
  for (const auto& word : s.company_field_mapping.abbreviation_words) out.string(word);
  w.EndArray();
  w.EndObject();

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

  w.EndObject();
}

// ---- validation ----

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
    const std::string path = indexed("pipelines", i);
    if (p.id.empty()) {
      checks.add(path + ".id", "required", "pipeline id is empty");
    } else {
      for (size_t j = 0; j < i; ++j) {
        if (pipelines[j].id == p.id) {
          checks.add(path + ".id", "duplicate_pipeline",
                     "pipeline \"" + domain::sanitize_utf8(p.id) + "\" is listed twice (also " +
                         indexed("pipelines", j) + ")");
          break;
        }
      }
    }
    for (size_t k = 0; k < p.stages.size(); ++k) {
      const std::string stage_path = indexed(path + ".stages", k) + ".id";
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

}  // namespace

std::span<const SecretField> secret_fields() {
  return kSecretFields;
}

std::string_view path(SecretField field) {
  switch (field) {
    case SecretField::board_api_key:
      return "board.api_key";
    case SecretField::board_api_token:
      return "board.api_token";
    case SecretField::hubspot_access_token:
      return "hubspot.access_token";
    case SecretField::hubspot_refresh_token:
      return "hubspot.refresh_token";
    case SecretField::hubspot_expires_at_ms:
      return "hubspot.expires_at_ms";
    case SecretField::hubspot_user:
      return "hubspot.user";
  }
  return "";
}

std::optional<SecretField> parse_secret_field(std::string_view text) {
  for (auto field : kSecretFields) {
    if (path(field) == text) return field;
  }
  return std::nullopt;
}

std::string secret_value(const Settings& s, SecretField field) {
  switch (field) {
    case SecretField::board_api_key:
      return s.board.api_key;
    case SecretField::board_api_token:
      return s.board.api_token;
    case SecretField::hubspot_access_token:
      return s.hubspot.access_token;
    case SecretField::hubspot_refresh_token:
      return s.hubspot.refresh_token;
    case SecretField::hubspot_expires_at_ms:
      return s.hubspot.expires_at_ms == 0 ? std::string() : std::to_string(s.hubspot.expires_at_ms);
    case SecretField::hubspot_user:
      return s.hubspot.user;
  }
  return {};
}

void set_secret_value(Settings& s, SecretField field, std::string value) {
  switch (field) {
    case SecretField::board_api_key:
      s.board.api_key = std::move(value);
      return;
    case SecretField::board_api_token:
      s.board.api_token = std::move(value);
      return;
    case SecretField::hubspot_access_token:
      s.hubspot.access_token = std::move(value);
      return;
    case SecretField::hubspot_refresh_token:
      s.hubspot.refresh_token = std::move(value);
      return;
    case SecretField::hubspot_expires_at_ms: {
      int64_t ms = 0;
      if (!value.empty()) {
        auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
        if (ec != std::errc() || end != value.data() + value.size()) {
          throw std::invalid_argument("hubspot.expires_at_ms is not a number");
        }
      }
      s.hubspot.expires_at_ms = ms;
      return;
    }
    case SecretField::hubspot_user:
      s.hubspot.user = std::move(value);
      return;
  }
}

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

ParseResult from_json(std::string_view json, UnknownFields unknown) {
  ParseResult result;
  rj::Document doc;
  if (auto status = hbsync::json::parse(doc, json); !status) {
    result.errors.push_back({std::string(kDocumentPath), "invalid_json",
                             std::string("not valid JSON at ") +
                                 line_and_column(json, status.offset) + ": " + status.message});
    return result;
  }
  Reader reader(unknown, result);
  read_document(reader, doc, result.settings);
  reader.finish();
  return result;
}

void keep_secrets(Settings& incoming, std::span<const SecretField> kept, const Settings& stored) {
  for (auto field : kept) set_secret_value(incoming, field, secret_value(stored, field));
}

bool is_valid_tenant_id(std::string_view id) {
  if (id.empty() || id.size() > 19 || id[0] == '0') return false;
  if (!std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  int64_t value = 0;
  auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), value);
  return ec == std::errc() && end == id.data() + id.size();
}

ValidationErrors validate(const Settings& s) {
  Checks checks;

  if (s.tenant_id.empty()) {
    checks.add("tenant_id", "required", "tenant_id (the HubSpot portal id) is required");
  } else if (!is_valid_tenant_id(s.tenant_id)) {
    checks.add("tenant_id", "invalid_tenant_id",
               "tenant_id \"" + domain::sanitize_utf8(s.tenant_id) +
                   "\" is not a HubSpot portal id: digits only, no leading zero, at most 19 "
                   "digits");
  }

  check_credential(checks, s.board.api_key, "board.api_key", "board API key", true);
  check_credential(checks, s.board.api_token, "board.api_token", "board API token", true);
  checks.append(
      domain::validate_default_board_user(s.board.default_user_id, "board.default_user_id"));
  check_client_url(checks, s.board.client_url);

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

  check_pipelines(checks, s.pipelines);
  checks.append(domain::validate_stage_mapping(s.stage_mapping, s.pipelines, "stage_mapping"));
  checks.append(
      domain::validate_company_field_mapping(s.company_field_mapping, "company_field_mapping"));
  checks.append(domain::validate_management_no_settings(s.management_no, "management_no"));
  checks.append(domain::validate_daily_schedule(s.schedule.time, s.schedule.time_zone, "schedule"));

  const int interval = s.schedule.interval_minutes;
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
  return checks.take();
}

}  // namespace hbsync::tenant
