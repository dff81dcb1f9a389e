#include "json.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "hbsync/json/lenient.hpp"
#include "hbsync/json/parse.hpp"

namespace hbsync::board::json {

namespace {

using rapidjson::Value;
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
namespace lenient = hbsync::json::lenient;

using lenient::int_of;
using lenient::member;
using lenient::opt_str;
using lenient::str;
using lenient::text_of;

// board's flags come as booleans, 0/1 (numbers or numeric strings) or "true".
bool flag(const Value& o, const char* name, bool fallback) {
  const Value* v = member(o, name);
  if (auto n = int_of(v)) return *n != 0;
  return lenient::bool_of(v).value_or(fallback);
}

std::vector<std::string> strings(const Value& o, const char* name) {
  std::vector<std::string> out;
  const Value* v = member(o, name);
  if (!v || !v->IsArray()) return out;
  for (const Value& item : v->GetArray()) {
    if (auto t = text_of(&item)) out.push_back(std::move(*t));
  }
  return out;
}

// A record without a usable id is not one: the caller could not link it.
bool read_id(const Value& o, int64_t& id, std::string& error) {
  auto v = int_of(member(o, "id"));
  if (!v) {
    error = "record without an integer id";
    return false;
  }
  id = *v;
  return true;
}

bool read(const Value& o, User& u, std::string& error) {
  if (!read_id(o, u.id, error)) return false;
  u.email = str(o, "email");
  u.last_name = str(o, "last_name");
  u.first_name = str(o, "first_name");
  u.role_id = int_of(member(o, "role_id"));
  u.role_name = str(o, "role_name");
  u.valid = flag(o, "valid_flg", true);
  u.created_at = str(o, "created_at");
  u.updated_at = str(o, "updated_at");
  return true;
}

bool read(const Value& o, Client& c, std::string& error) {
  if (!read_id(o, c.id, error)) return false;
  c.name = str(o, "name");
  c.name_disp = str(o, "name_disp");
  c.zip = opt_str(o, "zip");
  c.pref = opt_str(o, "pref");
  c.address1 = opt_str(o, "address1");
  c.address2 = opt_str(o, "address2");
  c.tel = opt_str(o, "tel");
  c.fax = opt_str(o, "fax");
  c.title = opt_str(o, "title");
  c.custom_no = opt_str(o, "custom_no");
  c.note = opt_str(o, "note");
  c.tags = strings(o, "tags");
  c.archived = flag(o, "archive_flg", false);
  c.created_at = str(o, "created_at");
  c.updated_at = str(o, "updated_at");
  return true;
}

bool read(const Value& o, Project& p, std::string& error) {
  if (!read_id(o, p.id, error)) return false;
  p.project_no = int_of(member(o, "project_no")).value_or(0);
  p.management_no = opt_str(o, "management_no");
  p.name = str(o, "name");
  p.client_id = int_of(member(o, "client_id")).value_or(0);
  if (const Value* c = member(o, "client"); c && c->IsObject()) {
    p.client = ProjectClientRef{int_of(member(*c, "id")).value_or(0), str(*c, "name"),
                                str(*c, "name_disp")};
    if (p.client_id == 0) p.client_id = p.client->id;
  }
  p.user_id = int_of(member(o, "user_id")).value_or(0);
  if (const Value* u = member(o, "user"); u && u->IsObject()) {
    p.user = ProjectUserRef{int_of(member(*u, "id")).value_or(0), str(*u, "last_name"),
                            str(*u, "first_name")};
    if (p.user_id == 0) p.user_id = p.user->id;
  }
  p.order_status_code = static_cast<int>(int_of(member(o, "order_status")).value_or(0));
  p.order_status_name = str(o, "order_status_name");
  p.invoice_timing_kbn = static_cast<int>(int_of(member(o, "invoice_timing_kbn")).value_or(0));
  p.total = str(o, "total");
  p.tax = str(o, "tax");
  p.invoice_total = str(o, "invoice_total");
  p.estimate_date = opt_str(o, "estimate_date");
  p.ordered_date = opt_str(o, "ordered_date");
  p.delivery_date = opt_str(o, "delivery_date");
  p.contract_start_date = opt_str(o, "contract_start_date");
  p.contract_end_date = opt_str(o, "contract_end_date");
  p.invoice_dates = strings(o, "invoice_dates");
  p.contact_id = int_of(member(o, "contact_id"));
  p.tags = strings(o, "tags");
  p.in_house_memo = opt_str(o, "in_house_memo");
  p.created_at = str(o, "created_at");
  p.updated_at = str(o, "updated_at");
  return true;
}

bool read(const Value& o, Invoice& i, std::string& error) {
  if (!read_id(o, i.id, error)) return false;
  i.project_id = int_of(member(o, "project_id")).value_or(0);
  i.project_no = int_of(member(o, "project_no")).value_or(0);
  i.client_id = int_of(member(o, "client_id"));
  i.total = str(o, "total");
  i.tax = str(o, "tax");
  i.invoice_date = opt_str(o, "invoice_date");
  i.payment_limit_date = opt_str(o, "payment_limit_date");
  i.paid_date = opt_str(o, "paid_date");
  i.order_status_code = static_cast<int>(int_of(member(o, "order_status")).value_or(0));
  i.order_status_name = str(o, "order_status_name");
  i.invoice_status_code = static_cast<int>(int_of(member(o, "invoice_status")).value_or(0));
  i.invoice_status_name = str(o, "invoice_status_name");
  i.created_at = str(o, "created_at");
  i.updated_at = str(o, "updated_at");
  return true;
}

bool parse_document(std::string_view text, rapidjson::Document& doc, std::string& error) {
  if (auto status = hbsync::json::parse(doc, text); !status) {
    error = "board answered with malformed JSON (" + status.describe() + ")";
    return false;
  }
  return true;
}

template <class T>
std::optional<std::vector<T>> parse_list(std::string_view text, std::string& error) {
  rapidjson::Document doc;
  if (!parse_document(text, doc, error)) return std::nullopt;
  // A bare array is what board sends [O]; an envelope {"<anything>": [...]}
  // with one array member is accepted too, in case a version wraps lists.
  const Value* array = doc.IsArray() ? &doc : nullptr;
  if (!array && doc.IsObject()) {
    for (auto& m : doc.GetObject()) {
      if (m.value.IsArray()) {
        array = &m.value;
        break;
      }
    }
  }
  if (!array) {
    error = "board answered a list request without a JSON array";
    return std::nullopt;
  }
  std::vector<T> out;
  out.reserve(array->Size());
  for (const Value& item : array->GetArray()) {
    T record;
    if (!item.IsObject() || !read(item, record, error)) {
      if (error.empty()) error = "list item is not an object";
      return std::nullopt;
    }
    out.push_back(std::move(record));
  }
  return out;
}

template <class T>
std::optional<T> parse_one(std::string_view text, std::string& error) {
  rapidjson::Document doc;
  if (!parse_document(text, doc, error)) return std::nullopt;
  if (!doc.IsObject()) {
    error = "board answered without a JSON object";
    return std::nullopt;
  }
  T record;
  if (!read(doc, record, error)) return std::nullopt;
  return record;
}

std::string joined_errors(const Value& errors) {
  std::string out;
  auto add = [&out](std::string_view part) {
    if (part.empty()) return;
    if (!out.empty()) out += "; ";
    out += part;
  };
  if (errors.IsString()) add(errors.GetString());
  if (errors.IsArray()) {
    for (const Value& e : errors.GetArray()) {
      if (auto t = text_of(&e)) add(*t);
      if (const Value* m = member(e, "message")) {
        if (auto t = text_of(m)) add(*t);
      }
    }
  }
  if (errors.IsObject()) {
    for (auto& m : errors.GetObject()) {
      std::string texts;
      if (auto t = text_of(&m.value)) texts = *t;
      if (m.value.IsArray()) {
        for (const Value& e : m.value.GetArray()) {
          if (auto t = text_of(&e)) texts += (texts.empty() ? "" : ", ") + *t;
        }
      }
      add(std::string(m.name.GetString()) + ": " + texts);
    }
  }
  return out;
}

void write_text_or_null(Writer& w, const char* name, const std::optional<std::string>& value,
                        bool for_update) {
  if (!value) return;
  if (value->empty()) {
    if (!for_update) return;
    w.Key(name);
    w.Null();
    return;
  }
  w.Key(name);
  w.String(value->c_str(), static_cast<rapidjson::SizeType>(value->size()));
}

void write_strings(Writer& w, const char* name, const std::vector<std::string>& values) {
  w.Key(name);
  w.StartArray();
  for (const auto& v : values) w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
  w.EndArray();
}

void write_int(Writer& w, const char* name, const std::optional<int64_t>& value) {
  if (!value) return;
  w.Key(name);
  w.Int64(*value);
}

}  // namespace

std::optional<std::vector<User>> parse_users(std::string_view text, std::string& error) {
  return parse_list<User>(text, error);
}
std::optional<std::vector<Client>> parse_clients(std::string_view text, std::string& error) {
  return parse_list<Client>(text, error);
}
std::optional<std::vector<Project>> parse_projects(std::string_view text, std::string& error) {
  return parse_list<Project>(text, error);
}
std::optional<std::vector<Invoice>> parse_invoices(std::string_view text, std::string& error) {
  return parse_list<Invoice>(text, error);
}
std::optional<Client> parse_client(std::string_view text, std::string& error) {
  return parse_one<Client>(text, error);
}
std::optional<Project> parse_project(std::string_view text, std::string& error) {
  return parse_one<Project>(text, error);
}

std::string error_message(std::string_view body, int status) {
  const std::string fallback = "HTTP " + std::to_string(status);
  rapidjson::Document doc;
  if (!hbsync::json::parse(doc, body) || !doc.IsObject()) return fallback;
  std::string message;
  if (auto t = text_of(member(doc, "message")); t && !t->empty()) {
    message = *t;
  } else if (const Value* e = member(doc, "error")) {
    if (auto text = text_of(e)) {
      message = *text;
    } else if (auto inner = text_of(member(*e, "message"))) {
      message = *inner;
    }
  }
  if (message.empty()) {
    if (const Value* errors = member(doc, "errors")) message = joined_errors(*errors);
  }
  return message.empty() ? fallback : lenient::cut_utf8(std::move(message), 1000, "...");
}

std::string client_body(const ClientFields& f, bool for_update) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  write_text_or_null(w, "name", f.name, for_update);
  write_text_or_null(w, "name_disp", f.name_disp, for_update);
  write_text_or_null(w, "zip", f.zip, for_update);
  write_text_or_null(w, "pref", f.pref, for_update);
  write_text_or_null(w, "address1", f.address1, for_update);
  write_text_or_null(w, "address2", f.address2, for_update);
  write_text_or_null(w, "tel", f.tel, for_update);
  write_text_or_null(w, "fax", f.fax, for_update);
  write_text_or_null(w, "title", f.title, for_update);
  write_text_or_null(w, "custom_no", f.custom_no, for_update);
  write_text_or_null(w, "note", f.note, for_update);
  if (f.tags) write_strings(w, "tags", *f.tags);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string project_body(const NewProject& p) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("name");
  w.String(p.name.c_str(), static_cast<rapidjson::SizeType>(p.name.size()));
  w.Key("client_id");
  w.Int64(p.client_id);
  w.Key("user_id");
  w.Int64(p.user_id);
  w.Key("order_status");
  w.Int(domain::code(p.order_status));
  w.Key("invoice_timing_kbn");
  w.Int(static_cast<int>(p.invoice_timing));
  switch (p.invoice_timing) {
    case InvoiceTiming::lump_sum:
      write_text_or_null(w, "invoice_date", p.invoice_date, false);
      break;
    case InvoiceTiming::periodic:
      write_text_or_null(w, "contract_start_date", p.contract_start_date, false);
      write_text_or_null(w, "contract_end_date", p.contract_end_date, false);
      break;
    case InvoiceTiming::split:
      write_strings(w, "invoice_dates", p.invoice_dates);
      break;
  }
  write_text_or_null(w, "management_no", p.management_no, false);
  write_text_or_null(w, "estimate_date", p.estimate_date, false);
  write_text_or_null(w, "ordered_date", p.ordered_date, false);
  write_text_or_null(w, "delivery_date", p.delivery_date, false);
  write_text_or_null(w, "in_house_memo", p.in_house_memo, false);
  write_int(w, "contact_id", p.contact_id);
  if (p.tags) write_strings(w, "tags", *p.tags);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string project_changes_body(const ProjectChanges& c) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  write_text_or_null(w, "name", c.name, true);
  write_text_or_null(w, "management_no", c.management_no, true);
  write_text_or_null(w, "estimate_date", c.estimate_date, true);
  write_text_or_null(w, "ordered_date", c.ordered_date, true);
  write_text_or_null(w, "delivery_date", c.delivery_date, true);
  write_text_or_null(w, "in_house_memo", c.in_house_memo, true);
  write_int(w, "client_id", c.client_id);
  write_int(w, "user_id", c.user_id);
  write_int(w, "contact_id", c.contact_id);
  if (c.tags) write_strings(w, "tags", *c.tags);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string order_status_body(domain::OrderStatus status) {
  return "{\"order_status\":" + std::to_string(domain::code(status)) + "}";
}

}  // namespace hbsync::board::json
