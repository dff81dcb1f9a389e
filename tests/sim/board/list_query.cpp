#include "list_query.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace hbsync::simboard {
namespace {

bool blank(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isspace(c); });
}

// The first value of `name`, nullopt when absent or blank.
std::optional<std::string> first(const http::QueryParams& query, std::string_view name) {
  for (const auto& [key, value] : query) {
    if (key == name) return blank(value) ? std::nullopt : std::optional<std::string>(value);
  }
  return std::nullopt;
}

std::optional<int64_t> to_int(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

// Parsers set `error` on a bad value and return nullopt.
class Reader {
 public:
  explicit Reader(const http::QueryParams& query) : query_(query) {}

  std::optional<std::string> text(std::string_view name) { return first(query_, name); }

  std::optional<int64_t> integer(std::string_view name) {
    auto value = first(query_, name);
    if (!value) return std::nullopt;
    auto parsed = to_int(*value);
    if (!parsed) fail(std::string(name) + " は整数で指定してください");
    return parsed;
  }

  // "1,2" in one parameter; a repeated key's later values are ignored.
  std::optional<std::vector<int64_t>> integers(std::string_view name) {
    auto value = first(query_, name);
    if (!value) return std::nullopt;
    std::vector<int64_t> values;
    std::string_view rest = *value;
    while (true) {
      size_t comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
      auto parsed = to_int(item);
      if (!parsed) {
        fail(std::string(name) + " はカンマ区切りの整数で指定してください");
        return std::nullopt;
      }
      values.push_back(*parsed);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    return values;
  }

  std::optional<Seconds> time(std::string_view name) {
    auto value = first(query_, name);
    if (!value) return std::nullopt;
    auto parsed = parse_filter_time(*value);
    if (!parsed) fail(std::string(name) + " は日時(YYYY-MM-DD HH:MM:SS)で指定してください");
    return parsed;
  }

  std::optional<Date> date(std::string_view name) {
    auto value = first(query_, name);
    if (!value) return std::nullopt;
    auto parsed = parse_date(*value);
    if (!parsed) fail(std::string(name) + " は日付(YYYY-MM-DD)で指定してください");
    return parsed;
  }

  bool flag(std::string_view name) {
    auto value = first(query_, name);
    if (!value || *value == "0") return false;
    if (*value == "1") return true;
    fail(std::string(name) + " は0か1で指定してください");
    return false;
  }

  void choice(std::string_view name, std::initializer_list<std::string_view> allowed) {
    auto value = first(query_, name);
    if (value && std::find(allowed.begin(), allowed.end(), *value) == allowed.end()) {
      fail(std::string(name) + " の値が不正です");
    }
  }

  TimeRange time_range(const std::string& prefix) {
    return TimeRange{time(prefix + "_gteq"), time(prefix + "_lteq")};
  }

  bool ok() const { return error_.empty(); }
  Failure failure() const { return bad_request(error_); }

 private:
  void fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
  }

  const http::QueryParams& query_;
  std::string error_;
};

}  // namespace

Outcome<Paging> parse_paging(const http::QueryParams& query) {
  Reader r(query);
  Paging paging;
  if (auto page = r.integer("page")) paging.page = *page;
  if (auto per_page = r.integer("per_page")) paging.per_page = *per_page;
  if (!r.ok()) return r.failure();
  if (paging.page < 1) return bad_request("page は1以上で指定してください");
  if (paging.per_page < 1 || paging.per_page > kMaxPerPage) {
    return bad_request("per_page は1以上" + std::to_string(kMaxPerPage) + "以下で指定してください");
  }
  return paging;
}

Outcome<UserFilter> parse_user_filter(const http::QueryParams& query) {
  Reader r(query);
  UserFilter filter{.email_eq = r.text("email_eq")};
  if (!r.ok()) return r.failure();
  return filter;
}

Outcome<ClientFilter> parse_client_filter(const http::QueryParams& query) {
  Reader r(query);
  ClientFilter filter;
  filter.name_cont = r.text("name_cont");
  filter.name_disp_cont = r.text("name_disp_cont");
  filter.custom_no_eq = r.text("custom_no_eq");
  filter.updated_at = r.time_range("updated_at");
  filter.include_archived = r.flag("include_archive_flg");
  r.choice("response_group", {"small", "large"});
  if (!r.ok()) return r.failure();
  return filter;
}

Outcome<ProjectFilter> parse_project_filter(const http::QueryParams& query) {
  Reader r(query);
  ProjectFilter filter;
  filter.name_cont = r.text("name_cont");
  filter.client_id_eq = r.integer("client_id_eq");
  filter.order_status_in = r.integers("order_status_in[]");
  filter.management_no_eq = r.text("management_no_eq");
  filter.project_no_eq = r.integer("project_no_eq");
  filter.created_at = r.time_range("created_at");
  filter.updated_at = r.time_range("updated_at");
  filter.include_lost = r.flag("include_lost_flg");
  r.choice("response_group", {"small", "medium", "large", "all"});
  if (!r.ok()) return r.failure();
  return filter;
}

Outcome<InvoiceFilter> parse_invoice_filter(const http::QueryParams& query) {
  Reader r(query);
  InvoiceFilter filter;
  filter.project_project_no_eq = r.integer("project_project_no_eq");
  filter.project_client_id_eq = r.integer("project_client_id_eq");
  filter.invoice_status_in = r.integers("invoice_status_in[]");
  filter.project_order_status_in = r.integers("project_order_status_in[]");
  filter.invoice_date = DateRange{r.date("invoice_date_gteq"), r.date("invoice_date_lteq")};
  filter.updated_at = r.time_range("updated_at");
  if (!r.ok()) return r.failure();
  return filter;
}

}  // namespace hbsync::simboard
