#include "model.hpp"

#include <algorithm>

namespace hbsync::simboard {
namespace {

void key(JsonWriter& w, const char* name) {
  w.Key(name);
}

void string_or_null(JsonWriter& w, const char* name, const std::optional<std::string>& value) {
  key(w, name);
  if (value) {
    w.String(*value);
  } else {
    w.Null();
  }
}

void date_or_null(JsonWriter& w, const char* name, const std::optional<Date>& value) {
  key(w, name);
  if (value) {
    w.String(format_date(*value));
  } else {
    w.Null();
  }
}

void text(JsonWriter& w, const char* name, std::string_view value) {
  key(w, name);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void timestamps(JsonWriter& w, Seconds created_at, Seconds updated_at) {
  text(w, "created_at", format_timestamp(created_at));
  text(w, "updated_at", format_timestamp(updated_at));
}

void tags(JsonWriter& w, const std::vector<std::string>& values) {
  key(w, "tags");
  w.StartArray();
  for (const std::string& tag : values) w.String(tag);
  w.EndArray();
}

}  // namespace

const std::vector<std::string_view>& all_operations() {
  static const std::vector<std::string_view> operations = {
      op::clients_create, op::clients_update,  op::clients_get,           op::clients_list,
      op::clients_delete, op::projects_create, op::projects_update,       op::projects_get,
      op::projects_list,  op::projects_delete, op::projects_order_status, op::invoices_list,
      op::users_list};
  return operations;
}

bool valid_order_status(int64_t code) {
  return code == 1 || code == 2 || code == 3 || code == 8 || code == 4 || code == 5 || code == 9;
}

std::string_view order_status_name(int code) {
  switch (code) {
    case 1:
      return "見積中(高)";
    case 2:
      return "見積中(中)";
    case 3:
      return "見積中(低)";
    case 8:
      return "見積中(除)";
    case 4:
      return "受注確定";
    case 5:
      return "受注済";
    case 9:
      return "失注";
    default:
      return "";
  }
}

bool valid_invoice_status(int64_t code) {
  return code == 1 || code == 4 || code == 2 || code == 5 || code == 3 || code == 9;
}

std::string_view invoice_status_name(int code) {
  switch (code) {
    case 1:
      return "未請求";
    case 4:
      return "請求OK";
    case 2:
      return "請求済";
    case 5:
      return "一部入金済";
    case 3:
      return "入金済";
    case 9:
      return "回収不能";
    default:
      return "";
  }
}

bool Token::allows(std::string_view operation) const {
  return operations.count("*") > 0 || operations.count(std::string(operation)) > 0;
}

int64_t tax_of(int64_t total) {
  return total >= 0 ? total / 10 : -((-total + 9) / 10);
}

std::string amount_text(int64_t yen) {
  return std::to_string(yen) + ".0";
}

void write_user(JsonWriter& w, const User& user) {
  w.StartObject();
  key(w, "id");
  w.Int64(user.id);
  text(w, "email", user.email);
  text(w, "last_name", user.last_name);
  text(w, "first_name", user.first_name);
  key(w, "role_id");
  w.Int(user.role_id);
  text(w, "role_name", user.role_name);
  key(w, "valid_flg");
  w.Int(user.valid_flg);
  timestamps(w, user.created_at, user.updated_at);
  w.EndObject();
}

void write_client(JsonWriter& w, const Client& client) {
  w.StartObject();
  key(w, "id");
  w.Int64(client.id);
  text(w, "name", client.name);
  text(w, "name_disp", client.name_disp);
  string_or_null(w, "zip", client.zip);
  string_or_null(w, "pref", client.pref);
  string_or_null(w, "address1", client.address1);
  string_or_null(w, "address2", client.address2);
  string_or_null(w, "tel", client.tel);
  string_or_null(w, "fax", client.fax);
  string_or_null(w, "title", client.title);
  string_or_null(w, "custom_no", client.custom_no);
  string_or_null(w, "note", client.note);
  tags(w, client.tags);
  key(w, "archive_flg");
  w.Int(client.archive_flg);
  timestamps(w, client.created_at, client.updated_at);
  w.EndObject();
}

void write_invoice(JsonWriter& w, const Invoice& invoice, const Project& project) {
  w.StartObject();
  key(w, "id");
  w.Int64(invoice.id);
  key(w, "project_id");
  w.Int64(invoice.project_id);
  key(w, "project_no");
  w.Int64(project.project_no);
  key(w, "client_id");
  w.Int64(project.client_id);
  text(w, "total", amount_text(invoice.total));
  text(w, "tax", amount_text(tax_of(invoice.total)));
  text(w, "invoice_date", format_date(invoice.invoice_date));
  text(w, "payment_limit_date", format_date(invoice.payment_limit_date));
  key(w, "order_status");
  w.Int(project.order_status);
  text(w, "order_status_name", order_status_name(project.order_status));
  key(w, "invoice_status");
  w.Int(invoice.invoice_status);
  text(w, "invoice_status_name", invoice_status_name(invoice.invoice_status));
  date_or_null(w, "paid_date", invoice.paid_date);
  timestamps(w, invoice.created_at, invoice.updated_at);
  w.EndObject();
}

void write_project(JsonWriter& w, const Project& project, const Client* client, const User* user,
                   const std::vector<const Invoice*>& invoices) {
  w.StartObject();
  key(w, "id");
  w.Int64(project.id);
  key(w, "project_no");
  w.Int64(project.project_no);
  string_or_null(w, "management_no", project.management_no);
  text(w, "name", project.name);
  key(w, "client_id");
  w.Int64(project.client_id);
  key(w, "client");
  if (client) {
    w.StartObject();
    key(w, "id");
    w.Int64(client->id);
    text(w, "name", client->name);
    text(w, "name_disp", client->name_disp);
    w.EndObject();
  } else {
    w.Null();
  }
  key(w, "user_id");
  w.Int64(project.user_id);
  key(w, "user");
  if (user) {
    w.StartObject();
    key(w, "id");
    w.Int64(user->id);
    text(w, "last_name", user->last_name);
    text(w, "first_name", user->first_name);
    w.EndObject();
  } else {
    w.Null();
  }
  key(w, "order_status");
  w.Int(project.order_status);
  text(w, "order_status_name", order_status_name(project.order_status));
  key(w, "invoice_timing_kbn");
  w.Int(project.invoice_timing_kbn);
  text(w, "total", amount_text(project.total));
  text(w, "tax", amount_text(tax_of(project.total)));
  int64_t invoice_total = 0;
  std::vector<Date> dates;
  for (const Invoice* invoice : invoices) {
    invoice_total += invoice->total;
    dates.push_back(invoice->invoice_date);
  }
  std::sort(dates.begin(), dates.end());
  text(w, "invoice_total", amount_text(invoice_total));
  text(w, "estimate_date", format_date(project.estimate_date));
  date_or_null(w, "ordered_date", project.ordered_date);
  date_or_null(w, "delivery_date", project.delivery_date);
  date_or_null(w, "contract_start_date", project.contract_start_date);
  date_or_null(w, "contract_end_date", project.contract_end_date);
  key(w, "invoice_dates");
  w.StartArray();
  for (Date date : dates) w.String(format_date(date));
  w.EndArray();
  key(w, "contact_id");
  if (project.contact_id) {
    w.Int64(*project.contact_id);
  } else {
    w.Null();
  }
  tags(w, project.tags);
  string_or_null(w, "in_house_memo", project.in_house_memo);
  timestamps(w, project.created_at, project.updated_at);
  w.EndObject();
}

}  // namespace hbsync::simboard
