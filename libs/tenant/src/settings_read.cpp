// from_json: the sections of tenant.json (and of the stored form), read with
// the generic Reader of settings_reader.hpp.
#include <limits>

#include "hbsync/domain/abbreviation.hpp"
#include "hbsync/domain/owner.hpp"
#include "hbsync/domain/schedule.hpp"
#include "hbsync/domain/status.hpp"
#include "hbsync/domain/text.hpp"
#include "hbsync/json/parse.hpp"
#include "hbsync/tenant/settings_json.hpp"
#include "settings_reader.hpp"

namespace hbsync::tenant {

namespace {

using detail::kDocumentPath;
using detail::Reader;
namespace rj = rapidjson;

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

}  // namespace

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

}  // namespace hbsync::tenant
