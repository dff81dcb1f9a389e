// board's records, list filters and write bodies (reference/board.md), as the
// client reads and sends them.
//
// Amounts stay strings ("90000.0") exactly as board sends them: they are
// passed on to HubSpot, and a double would change them. Dates are board's
// "YYYY-MM-DD" text, timestamps its "2024-05-01T12:34:56+09:00" text; filter
// times are time points, formatted as the JST "YYYY-MM-DD HH:MM:SS" board
// takes, so no caller can get that format wrong.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hbsync/domain/status.hpp"

namespace hbsync::board {

using Timestamp = std::chrono::system_clock::time_point;

struct User {
  int64_t id = 0;
  std::string email{};
  std::string last_name{};
  std::string first_name{};
  std::optional<int64_t> role_id{};
  std::string role_name{};
  bool valid = true;  // valid_flg
  std::string created_at{};
  std::string updated_at{};
};

// 顧客. Optional text fields are nullopt when board sends null.
struct Client {
  int64_t id = 0;
  std::string name{};       // 顧客名
  std::string name_disp{};  // 顧客略称名
  std::optional<std::string> zip{}, pref{}, address1{}, address2{}, tel{}, fax{}, title{},
      custom_no{}, note{};
  std::vector<std::string> tags{};
  bool archived = false;  // archive_flg
  std::string created_at{};
  std::string updated_at{};
};

// Fields written by create_client / update_client. Unset (nullopt) fields are
// not sent. In an update an empty string clears the field (sent as null); in a
// create it is left out.
struct ClientFields {
  std::optional<std::string> name{}, name_disp{}, zip{}, pref{}, address1{}, address2{}, tel{},
      fax{}, title{}, custom_no{}, note{};
  std::optional<std::vector<std::string>> tags{};
};

struct ProjectClientRef {
  int64_t id = 0;
  std::string name{};
  std::string name_disp{};
};

struct ProjectUserRef {
  int64_t id = 0;
  std::string last_name{};
  std::string first_name{};
};

enum class InvoiceTiming : int {
  lump_sum = 1,  // 一括請求: invoice_date
  periodic = 2,  // 定期請求: contract_start_date .. contract_end_date
  split = 3,     // 分割請求: invoice_dates[]
};

// 案件.
struct Project {
  int64_t id = 0;
  int64_t project_no = 0;
  std::optional<std::string> management_no{};  // 管理番号: HS-<dealId>
  std::string name{};
  int64_t client_id = 0;
  std::optional<ProjectClientRef> client{};
  int64_t user_id = 0;
  std::optional<ProjectUserRef> user{};
  int order_status_code = 0;  // as board sent it
  std::string order_status_name{};
  int invoice_timing_kbn = 0;
  std::string total{};  // 見積額 excl. tax, e.g. "90000.0"; "" when absent
  std::string tax{};
  std::string invoice_total{};
  std::optional<std::string> estimate_date{}, ordered_date{}, delivery_date{},
      contract_start_date{}, contract_end_date{};
  std::vector<std::string> invoice_dates{};
  std::optional<int64_t> contact_id{};
  std::vector<std::string> tags{};
  std::optional<std::string> in_house_memo{};
  std::string created_at{};
  std::string updated_at{};

  // nullopt for a code board has and we do not know.
  std::optional<domain::OrderStatus> order_status() const {
    return domain::order_status_from_code(order_status_code);
  }
};

// POST /v1/projects. Checked before sending (a call spent on a body board must
// refuse is a call out of a 3-per-second budget): name, client_id, user_id,
// and the dates the invoice timing needs (一括: invoice_date; 定期:
// contract_start_date <= contract_end_date; 分割: invoice_dates).
struct NewProject {
  std::string name{};
  int64_t client_id = 0;
  int64_t user_id = 0;
  domain::OrderStatus order_status = domain::OrderStatus::estimate_high;
  InvoiceTiming invoice_timing = InvoiceTiming::lump_sum;
  std::string invoice_date{};  // YYYY-MM-DD
  std::string contract_start_date{}, contract_end_date{};
  std::vector<std::string> invoice_dates{};
  std::optional<std::string> management_no{}, estimate_date{}, ordered_date{}, delivery_date{},
      in_house_memo{};
  std::optional<int64_t> contact_id{};
  std::optional<std::vector<std::string>> tags{};
};

// PATCH /v1/projects/{id}. Invoice timing and dates cannot be changed by
// board's PATCH, and the order status has its own route and permission
// (Account::update_order_status), so neither is here. Empty string clears.
struct ProjectChanges {
  std::optional<std::string> name{}, management_no{}, estimate_date{}, ordered_date{},
      delivery_date{}, in_house_memo{};
  std::optional<int64_t> client_id{}, user_id{}, contact_id{};
  std::optional<std::vector<std::string>> tags{};
};

// 請求.
struct Invoice {
  int64_t id = 0;
  int64_t project_id = 0;
  int64_t project_no = 0;
  std::optional<int64_t> client_id{};
  std::string total{};
  std::string tax{};
  std::optional<std::string> invoice_date{}, payment_limit_date{}, paid_date{};
  int order_status_code = 0;
  std::string order_status_name{};
  int invoice_status_code = 0;
  std::string invoice_status_name{};
  std::string created_at{};
  std::string updated_at{};

  std::optional<domain::OrderStatus> order_status() const {
    return domain::order_status_from_code(order_status_code);
  }
  std::optional<domain::InvoiceStatus> invoice_status() const {
    return domain::invoice_status_from_code(invoice_status_code);
  }
};

// List filters: unset members are not sent.
struct UserQuery {
  std::optional<std::string> email_eq{};
};

struct ClientQuery {
  std::optional<std::string> name_cont{}, name_disp_cont{}, custom_no_eq{};
  std::optional<Timestamp> updated_at_gteq{}, updated_at_lteq{};
  std::optional<bool> include_archive{};        // include_archive_flg
  std::optional<std::string> response_group{};  // small | large
};

struct ProjectQuery {
  std::optional<std::string> name_cont{}, management_no_eq{};
  std::optional<int64_t> client_id_eq{}, project_no_eq{};
  std::vector<domain::OrderStatus> order_status_in{};  // sent comma-joined in one parameter
  std::optional<Timestamp> created_at_gteq{}, created_at_lteq{}, updated_at_gteq{},
      updated_at_lteq{};
  std::optional<bool> include_lost{};  // include_lost_flg; board hides 失注 unless 1
  std::optional<std::string> response_group{};
};

struct InvoiceQuery {
  std::optional<int64_t> project_project_no_eq{}, project_client_id_eq{};
  std::vector<domain::InvoiceStatus> invoice_status_in{};
  std::vector<domain::OrderStatus> project_order_status_in{};
  std::optional<std::string> invoice_date_gteq{}, invoice_date_lteq{};  // YYYY-MM-DD
  std::optional<Timestamp> updated_at_gteq{}, updated_at_lteq{};
};

struct PageRequest {
  int page = 1;
  int per_page = 100;  // board's maximum: fewest calls
};

template <class T>
struct Page {
  std::vector<T> items{};
  int page = 1;
  int per_page = 100;                    // X-Per-Page when board sent it, else what was asked
  std::optional<int64_t> total_count{};  // X-Total-Count, only when board sent it

  // A short page ends the list; X-Total-Count, when present, also tells a
  // full last page, saving the call that would return an empty one.
  bool last() const {
    if (static_cast<int64_t>(items.size()) < per_page) return true;
    return total_count && static_cast<int64_t>(page) * per_page >= *total_count;
  }
};

}  // namespace hbsync::board
