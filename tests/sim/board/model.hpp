// board's records as the simulator keeps them, and their JSON shapes.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "hbsync/simkit/json.hpp"
#include "jst_time.hpp"

namespace hbsync::simboard {

using simkit::JsonWriter;

// Stable ASCII names for the operations a token can be granted (board's
// UI ticks 顧客 登録/更新/取得/リストの取得 and so on); "*" grants all.
namespace op {
inline constexpr std::string_view clients_create = "clients.create";
inline constexpr std::string_view clients_update = "clients.update";
inline constexpr std::string_view clients_get = "clients.get";
inline constexpr std::string_view clients_list = "clients.list";
inline constexpr std::string_view clients_delete = "clients.delete";
inline constexpr std::string_view projects_create = "projects.create";
inline constexpr std::string_view projects_update = "projects.update";
inline constexpr std::string_view projects_get = "projects.get";
inline constexpr std::string_view projects_list = "projects.list";
inline constexpr std::string_view projects_delete = "projects.delete";
inline constexpr std::string_view projects_order_status = "projects.order_status";
inline constexpr std::string_view invoices_list = "invoices.list";
inline constexpr std::string_view users_list = "users.list";
}  // namespace op
const std::vector<std::string_view>& all_operations();

// 受注ステータス in display order 1, 2, 3, 8, 4, 5, 9.
inline constexpr int kOrderStatusLost = 9;
bool valid_order_status(int64_t code);
std::string_view order_status_name(int code);
// 請求ステータス 1, 4, 2, 5, 3, 9.
bool valid_invoice_status(int64_t code);
std::string_view invoice_status_name(int code);

struct Token {
  std::string token;
  std::set<std::string> operations;
  bool allows(std::string_view operation) const;
};

struct Account {
  std::string api_key;
  std::map<std::string, Token> tokens;
  int64_t next_project_no = 1;
};

struct User {
  int64_t id = 0;
  std::string account;
  std::string email;
  std::string last_name;
  std::string first_name;
  int role_id = 1;
  std::string role_name = "管理者";
  int valid_flg = 1;
  Seconds created_at = 0;
  Seconds updated_at = 0;

  bool operator==(const User&) const = default;
};

struct Client {
  int64_t id = 0;
  std::string account;
  std::string name;       // 顧客名
  std::string name_disp;  // 顧客略称名
  std::optional<std::string> zip, pref, address1, address2, tel, fax, title, custom_no, note;
  std::vector<std::string> tags;
  int archive_flg = 0;
  Seconds created_at = 0;
  Seconds updated_at = 0;

  bool operator==(const Client&) const = default;
};

struct Project {
  int64_t id = 0;
  std::string account;
  int64_t project_no = 0;
  std::optional<std::string> management_no;
  std::string name;
  int64_t client_id = 0;
  int64_t user_id = 0;
  int order_status = 1;
  int invoice_timing_kbn = 1;  // 1 一括, 2 定期, 3 分割
  Date estimate_date{};
  std::optional<Date> ordered_date, delivery_date, contract_start_date, contract_end_date;
  std::optional<int64_t> contact_id;
  std::vector<std::string> tags;
  std::optional<std::string> in_house_memo;
  int64_t total = 0;  // 見積額 excl. tax, whole yen
  Seconds created_at = 0;
  Seconds updated_at = 0;

  bool operator==(const Project&) const = default;
};

struct Invoice {
  int64_t id = 0;
  std::string account;
  int64_t project_id = 0;
  int64_t total = 0;
  Date invoice_date{};
  Date payment_limit_date{};
  int invoice_status = 1;
  std::optional<Date> paid_date;
  Seconds created_at = 0;
  Seconds updated_at = 0;

  bool operator==(const Invoice&) const = default;
};

// Consumption tax at 10%, rounded down as board does for its totals [I].
int64_t tax_of(int64_t total);
// board amounts are decimal strings: 90000 -> "90000.0".
std::string amount_text(int64_t yen);

void write_user(JsonWriter& w, const User& user);
void write_client(JsonWriter& w, const Client& client);
void write_invoice(JsonWriter& w, const Invoice& invoice, const Project& project);
// The embedded client/user and the invoice figures come from their records.
void write_project(JsonWriter& w, const Project& project, const Client* client, const User* user,
                   const std::vector<const Invoice*>& invoices);

}  // namespace hbsync::simboard
