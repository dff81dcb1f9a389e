// The board operations of one account: query building, client-side checks and
// response parsing around Api::execute.
#include <charconv>

#include "hbsync/board/api.hpp"
#include "hbsync/domain/dates.hpp"
#include "json.hpp"

namespace hbsync::board {

namespace {

using http::QueryParams;

void add(QueryParams& q, const char* name, const std::optional<std::string>& value) {
  if (value && !value->empty()) q.emplace_back(name, *value);
}

void add(QueryParams& q, const char* name, const std::optional<int64_t>& value) {
  if (value) q.emplace_back(name, std::to_string(*value));
}

void add(QueryParams& q, const char* name, const std::optional<Timestamp>& value) {
  if (value) q.emplace_back(name, domain::format_jst_timestamp(*value));
}

void add(QueryParams& q, const char* name, const std::optional<bool>& value) {
  if (value) q.emplace_back(name, *value ? "1" : "0");
}

// board reads only the first of repeated keys [O], so a multi-value filter is
// one parameter with comma-joined codes.
template <class Status>
void add_codes(QueryParams& q, const char* name, const std::vector<Status>& values) {
  if (values.empty()) return;
  std::string joined;
  for (Status s : values) {
    if (!joined.empty()) joined += ",";
    joined += std::to_string(domain::code(s));
  }
  q.emplace_back(name, joined);
}

void add_page(QueryParams& q, PageRequest page) {
  q.emplace_back("page", std::to_string(page.page));
  q.emplace_back("per_page", std::to_string(page.per_page));
}

std::optional<int64_t> header_int(const http::ClientResponse& response, std::string_view name) {
  auto value = response.headers.get(name);
  if (!value) return std::nullopt;
  int64_t out = 0;
  auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), out);
  if (ec != std::errc() || end != value->data() + value->size()) return std::nullopt;
  return out;
}

Error unreadable(const std::string& why) {
  return Error{.kind = Error::server, .status = 200, .message = why, .attempts = 1};
}

template <class T, class Parse>
Result<Page<T>> page_of(Result<http::ClientResponse> response, PageRequest asked, Parse parse) {
  if (!response) return response.error();
  std::string why;
  auto items = parse(response->body, why);
  if (!items) return unreadable(why);
  Page<T> page{.items = std::move(*items), .page = asked.page, .per_page = asked.per_page};
  // A server that caps per_page below what was asked says so here; judging
  // "short page" against the asked size would then stop after page one.
  if (auto per_page = header_int(*response, "X-Per-Page"); per_page && *per_page > 0) {
    page.per_page = static_cast<int>(*per_page);
  }
  page.total_count = header_int(*response, "X-Total-Count");
  return page;
}

template <class T, class Parse>
Result<T> one_of(Result<http::ClientResponse> response, Parse parse) {
  if (!response) return response.error();
  std::string why;
  auto record = parse(response->body, why);
  if (!record) return unreadable(why);
  return std::move(*record);
}

template <class T>
Result<std::vector<T>> collect(const std::function<Result<Page<T>>(PageRequest)>& fetch) {
  std::vector<T> all;
  auto visited = for_each_page<T>(fetch, [&all](Page<T>& page) {
    for (auto& item : page.items) all.push_back(std::move(item));
    return true;
  });
  if (!visited) return visited.error();
  return all;
}

std::string path_id(const char* prefix, int64_t id) {
  return prefix + std::to_string(id);
}

bool is_date(const std::string& text) {
  return domain::parse_date(text).has_value();
}

std::optional<Error> check(const NewProject& p) {
  std::string problems;
  auto problem = [&problems](const std::string& text) {
    problems += (problems.empty() ? "" : "; ") + text;
  };
  if (p.name.empty()) problem("name is required");
  if (p.client_id <= 0) problem("client_id is required");
  if (p.user_id <= 0) problem("user_id is required");
  switch (p.invoice_timing) {
    case InvoiceTiming::lump_sum:
      if (!is_date(p.invoice_date)) problem("invoice_date (YYYY-MM-DD) is required for 一括請求");
      break;
    case InvoiceTiming::periodic:
      if (!is_date(p.contract_start_date) || !is_date(p.contract_end_date)) {
        problem("contract_start_date and contract_end_date (YYYY-MM-DD) are required for 定期請求");
      } else if (p.contract_end_date < p.contract_start_date) {
        problem("contract_end_date is before contract_start_date");
      }
      break;
    case InvoiceTiming::split:
      if (p.invoice_dates.empty()) problem("invoice_dates are required for 分割請求");
      for (const auto& d : p.invoice_dates) {
        if (!is_date(d)) problem("invoice_dates must be YYYY-MM-DD");
      }
      break;
  }
  if (problems.empty()) return std::nullopt;
  return Error{.kind = Error::validation, .message = problems};
}

}  // namespace

Result<Page<User>> Account::list_users(const UserQuery& query, PageRequest page) {
  Api::Call call{.operation = Operation::users_list, .path = "/v1/users"};
  add(call.query, "email_eq", query.email_eq);
  add_page(call.query, page);
  return page_of<User>(api_->execute(tenant_, credentials_, call), page, json::parse_users);
}

Result<std::vector<User>> Account::list_all_users(const UserQuery& query) {
  return collect<User>([&](PageRequest p) { return list_users(query, p); });
}

Result<std::optional<User>> Account::find_user_by_email(const std::string& email) {
  if (email.empty()) return std::optional<User>();
  auto page = list_users(UserQuery{.email_eq = email}, PageRequest{1, 1});
  if (!page) return page.error();
  if (page->items.empty()) return std::optional<User>();
  return std::optional<User>(std::move(page->items.front()));
}

Result<Page<Client>> Account::list_clients(const ClientQuery& query, PageRequest page) {
  Api::Call call{.operation = Operation::clients_list, .path = "/v1/clients"};
  add(call.query, "name_cont", query.name_cont);
  add(call.query, "name_disp_cont", query.name_disp_cont);
  add(call.query, "custom_no_eq", query.custom_no_eq);
  add(call.query, "updated_at_gteq", query.updated_at_gteq);
  add(call.query, "updated_at_lteq", query.updated_at_lteq);
  add(call.query, "include_archive_flg", query.include_archive);
  add(call.query, "response_group", query.response_group);
  add_page(call.query, page);
  return page_of<Client>(api_->execute(tenant_, credentials_, call), page, json::parse_clients);
}

Result<std::vector<Client>> Account::list_all_clients(const ClientQuery& query) {
  return collect<Client>([&](PageRequest p) { return list_clients(query, p); });
}

Result<Client> Account::create_client(const ClientFields& fields) {
  if (!fields.name || fields.name->empty() || !fields.name_disp || fields.name_disp->empty()) {
    return Error{.kind = Error::validation, .message = "name and name_disp are required"};
  }
  Api::Call call{.operation = Operation::clients_create,
                 .method = "POST",
                 .path = "/v1/clients",
                 .json_body = json::client_body(fields, false)};
  return one_of<Client>(api_->execute(tenant_, credentials_, call), json::parse_client);
}

Result<Client> Account::get_client(int64_t id) {
  Api::Call call{.operation = Operation::clients_get, .path = path_id("/v1/clients/", id)};
  return one_of<Client>(api_->execute(tenant_, credentials_, call), json::parse_client);
}

Result<Client> Account::update_client(int64_t id, const ClientFields& fields) {
  Api::Call call{.operation = Operation::clients_update,
                 .method = "PATCH",
                 .path = path_id("/v1/clients/", id),
                 .json_body = json::client_body(fields, true)};
  return one_of<Client>(api_->execute(tenant_, credentials_, call), json::parse_client);
}

Result<Page<Project>> Account::list_projects(const ProjectQuery& query, PageRequest page) {
  Api::Call call{.operation = Operation::projects_list, .path = "/v1/projects"};
  add(call.query, "name_cont", query.name_cont);
  add(call.query, "client_id_eq", query.client_id_eq);
  add_codes(call.query, "order_status_in[]", query.order_status_in);
  add(call.query, "management_no_eq", query.management_no_eq);
  add(call.query, "project_no_eq", query.project_no_eq);
  add(call.query, "created_at_gteq", query.created_at_gteq);
  add(call.query, "created_at_lteq", query.created_at_lteq);
  add(call.query, "updated_at_gteq", query.updated_at_gteq);
  add(call.query, "updated_at_lteq", query.updated_at_lteq);
  add(call.query, "include_lost_flg", query.include_lost);
  add(call.query, "response_group", query.response_group);
  add_page(call.query, page);
  return page_of<Project>(api_->execute(tenant_, credentials_, call), page, json::parse_projects);
}

Result<std::vector<Project>> Account::list_all_projects(const ProjectQuery& query) {
  return collect<Project>([&](PageRequest p) { return list_projects(query, p); });
}

Result<Project> Account::create_project(const NewProject& project) {
  if (auto problem = check(project)) return *problem;
  Api::Call call{.operation = Operation::projects_create,
                 .method = "POST",
                 .path = "/v1/projects",
                 .json_body = json::project_body(project)};
  return one_of<Project>(api_->execute(tenant_, credentials_, call), json::parse_project);
}

Result<Project> Account::get_project(int64_t id) {
  Api::Call call{.operation = Operation::projects_get, .path = path_id("/v1/projects/", id)};
  return one_of<Project>(api_->execute(tenant_, credentials_, call), json::parse_project);
}

Result<Project> Account::update_project(int64_t id, const ProjectChanges& changes) {
  Api::Call call{.operation = Operation::projects_update,
                 .method = "PATCH",
                 .path = path_id("/v1/projects/", id),
                 .json_body = json::project_changes_body(changes)};
  return one_of<Project>(api_->execute(tenant_, credentials_, call), json::parse_project);
}

Result<Project> Account::update_order_status(int64_t id, domain::OrderStatus status) {
  Api::Call call{.operation = Operation::projects_order_status,
                 .method = "PATCH",
                 .path = path_id("/v1/projects/order_status/", id),
                 .json_body = json::order_status_body(status)};
  return one_of<Project>(api_->execute(tenant_, credentials_, call), json::parse_project);
}

Result<Page<Invoice>> Account::list_invoices(const InvoiceQuery& query, PageRequest page) {
  Api::Call call{.operation = Operation::invoices_list, .path = "/v1/invoices"};
  add(call.query, "project_project_no_eq", query.project_project_no_eq);
  add(call.query, "project_client_id_eq", query.project_client_id_eq);
  add_codes(call.query, "invoice_status_in[]", query.invoice_status_in);
  add_codes(call.query, "project_order_status_in[]", query.project_order_status_in);
  add(call.query, "invoice_date_gteq", query.invoice_date_gteq);
  add(call.query, "invoice_date_lteq", query.invoice_date_lteq);
  add(call.query, "updated_at_gteq", query.updated_at_gteq);
  add(call.query, "updated_at_lteq", query.updated_at_lteq);
  add_page(call.query, page);
  return page_of<Invoice>(api_->execute(tenant_, credentials_, call), page, json::parse_invoices);
}

Result<std::vector<Invoice>> Account::list_all_invoices(const InvoiceQuery& query) {
  return collect<Invoice>([&](PageRequest p) { return list_invoices(query, p); });
}

}  // namespace hbsync::board
