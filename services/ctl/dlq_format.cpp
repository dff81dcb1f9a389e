// hbsync-ctl dlq: how dead letters are printed (list and show, as a table or
// as JSON) and how a payload is decoded for show.
#include <google/protobuf/util/json_util.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <memory>

#include "dlq.hpp"
#include "hbsync/json/parse.hpp"

namespace hbsync::ctl::dlq {
namespace {

// Sealed fields (SyncDealToProject.sealed_deal_name: the deal name,
// encrypted) are never shown, not even as ciphertext.
void mask_sealed(rapidjson::Value& value) {
  if (value.IsObject()) {
    for (auto& member : value.GetObject()) {
      if (std::string_view(member.name.GetString()).starts_with("sealed_")) {
        member.value.SetString("(sealed)");
      } else {
        mask_sealed(member.value);
      }
    }
  } else if (value.IsArray()) {
    for (auto& item : value.GetArray()) mask_sealed(item);
  }
}

std::unique_ptr<google::protobuf::Message> message_of(const std::string& schema) {
  if (schema == "hbsync.v1.SyncCommand") return std::make_unique<v1::SyncCommand>();
  if (schema == "hbsync.v1.HubSpotEvent") return std::make_unique<v1::HubSpotEvent>();
  return nullptr;
}

template <typename Writer>
void write_string(Writer& w, const char* name, const std::string& value) {
  w.Key(name);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

template <typename Writer>
void write_dead_letter(Writer& w, const v1::DeadLetter& dl) {
  write_string(w, "origin", dl.dead_letter_id());
  write_string(w, "tenant_id", dl.tenant_id());
  write_string(w, "source_topic", dl.source_topic());
  write_string(w, "key", dl.key());
  write_string(w, "reason_code", dl.reason_code());
  write_string(w, "reason", dl.reason());
  w.Key("attempts");
  w.Int(dl.attempts());
  write_string(w, "failed_at", iso_utc(dl.failed_at_ms(), true));
  w.Key("failed_at_ms");
  w.Int64(dl.failed_at_ms());
  write_string(w, "correlation_id", dl.correlation_id());
}

template <typename Writer>
void write_state(Writer& w, const Letter& l) {
  write_string(w, "state", l.replayed_at_ms ? "replayed" : "pending");
  w.Key("replayed_at");
  if (l.replayed_at_ms) {
    const std::string at = iso_utc(*l.replayed_at_ms, true);
    w.String(at.data(), static_cast<rapidjson::SizeType>(at.size()));
  } else {
    w.Null();
  }
  w.Key("replayed_at_ms");
  if (l.replayed_at_ms) {
    w.Int64(*l.replayed_at_ms);
  } else {
    w.Null();
  }
}

template <typename Writer>
void write_payload(Writer& w, const Letter& l, const Payload& payload) {
  w.Key("payload_schema");
  if (payload.schema.empty()) {
    w.Null();
  } else {
    w.String(payload.schema.c_str());
  }
  w.Key("payload_bytes");
  w.Uint64(l.dl.payload().size());
  w.Key("payload");
  if (payload.json) {
    payload.json->Accept(w);
  } else {
    w.Null();
  }
  if (!payload.problem.empty()) write_string(w, "payload_error", payload.problem);
}

template <typename Writer>
void write_letter(Writer& w, const Letter& l, const Payload* payload) {
  w.StartObject();
  write_string(w, "id", l.at.id());
  if (!l.parsed) {
    write_string(w, "error", "not a hbsync.v1.DeadLetter");
  } else {
    write_dead_letter(w, l.dl);
  }
  write_state(w, l);
  if (payload != nullptr && l.parsed) write_payload(w, l, *payload);
  w.EndObject();
}

std::vector<std::string> list_row(const Letter& l) {
  if (!l.parsed) {
    return {l.at.id(),     "-", "-", "(not a DeadLetter)", "-", iso_utc(l.dlq_timestamp_ms),
            state_text(l), "-"};
  }
  return {l.at.id(),
          l.dl.tenant_id().empty() ? "-" : l.dl.tenant_id(),
          l.dl.source_topic(),
          l.dl.reason_code().empty() ? "-" : l.dl.reason_code(),
          std::to_string(l.dl.attempts()),
          iso_utc(l.dl.failed_at_ms()),
          state_text(l),
          l.dl.dead_letter_id().empty() ? "-" : l.dl.dead_letter_id()};
}

const std::vector<std::string> kListHeader = {"ID",       "TENANT",    "SOURCE", "REASON",
                                              "ATTEMPTS", "FAILED_AT", "STATE",  "ORIGIN"};

}  // namespace

Payload decode(const kafka::Topics& topics, const v1::DeadLetter& dl) {
  Payload out;
  out.schema = schema_of(topics, dl.source_topic());
  std::unique_ptr<google::protobuf::Message> message = message_of(out.schema);
  if (!message) {
    out.problem =
        "not decoded: hbsync-ctl does not know the payloads of topic " + dl.source_topic();
    return out;
  }
  if (!message->ParseFromString(dl.payload())) {
    out.problem = "does not parse as " + out.schema;
    return out;
  }
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string text;
  if (!google::protobuf::util::MessageToJsonString(*message, &text, options).ok()) {
    out.problem = "cannot be printed as JSON";
    return out;
  }
  rapidjson::Document doc;
  if (!hbsync::json::parse(doc, text)) {
    out.problem = "cannot be printed as JSON";
    return out;
  }
  mask_sealed(doc);
  out.json = std::move(doc);
  return out;
}

std::string state_text(const Letter& l) {
  return l.replayed_at_ms ? "replayed " + iso_utc(*l.replayed_at_ms) : "pending";
}

std::string list_table(const std::vector<Letter>& letters) {
  std::vector<std::vector<std::string>> rows = {kListHeader};
  for (const auto& l : letters) rows.push_back(list_row(l));
  return format_table(rows);
}

std::string list_json(const std::vector<Letter>& letters) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartArray();
  for (const auto& l : letters) write_letter(w, l, nullptr);
  w.EndArray();
  return std::string(buffer.GetString()) + "\n";
}

std::string show_json(const Letter& l, const Payload& payload) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
  w.SetIndent(' ', 2);
  write_letter(w, l, &payload);
  return std::string(buffer.GetString()) + "\n";
}

std::string show_text(const Letter& l, const Payload& payload) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"id:", l.at.id()});
  if (!l.parsed) {
    rows.push_back({"error:", "the message is not a hbsync.v1.DeadLetter"});
    rows.push_back({"state:", state_text(l)});
    return format_table(rows);
  }
  const auto& dl = l.dl;
  rows.push_back({"origin:", dl.dead_letter_id()});
  rows.push_back({"tenant:", dl.tenant_id()});
  rows.push_back({"source_topic:", dl.source_topic()});
  rows.push_back({"key:", dl.key()});
  rows.push_back({"reason_code:", dl.reason_code()});
  rows.push_back({"reason:", dl.reason()});
  rows.push_back({"attempts:", std::to_string(dl.attempts())});
  rows.push_back({"failed_at:", iso_utc(dl.failed_at_ms(), true)});
  rows.push_back({"correlation_id:", dl.correlation_id()});
  rows.push_back({"state:", state_text(l)});
  rows.push_back({"payload:", std::to_string(dl.payload().size()) + " bytes" +
                                  (payload.schema.empty() ? "" : ", " + payload.schema) +
                                  (payload.problem.empty() ? "" : " (" + payload.problem + ")")});
  std::string out = format_table(rows);
  if (payload.json) {
    rapidjson::StringBuffer buffer;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
    w.SetIndent(' ', 2);
    payload.json->Accept(w);
    out += std::string(buffer.GetString()) + "\n";
  }
  return out;
}

}  // namespace hbsync::ctl::dlq
