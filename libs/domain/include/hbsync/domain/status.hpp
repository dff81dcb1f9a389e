// board's order statuses (受注ステータス) and invoice statuses (請求ステータス),
// and the rows of the stage-mapping screen (連携ステージ設定, SPEC F2).
//
// Enumerator values are board's API codes, so a code read from board converts
// with the *_from_code helpers and never by a cast (a cast would accept codes
// board does not have).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace hbsync::domain {

enum class OrderStatus : int {
  estimate_high = 1,      // 見積中(高)
  estimate_medium = 2,    // 見積中(中)
  estimate_low = 3,       // 見積中(低)
  estimate_excluded = 8,  // 見積中(除)
  order_confirmed = 4,    // 受注確定
  ordered = 5,            // 受注済
  lost = 9,               // 失注
};

enum class InvoiceStatus : int {
  unbilled = 1,        // 未請求
  ready_to_bill = 4,   // 請求OK
  billed = 2,          // 請求済
  partially_paid = 5,  // 一部入金済
  paid = 3,            // 入金済
  uncollectible = 9,   // 回収不能
};

// board's display order: 1, 2, 3, 8, 4, 5, 9.
std::span<const OrderStatus> order_statuses();
// board's display order: 1, 4, 2, 5, 3, 9.
std::span<const InvoiceStatus> invoice_statuses();

constexpr int code(OrderStatus s) {
  return static_cast<int>(s);
}
constexpr int code(InvoiceStatus s) {
  return static_cast<int>(s);
}

// Japanese labels exactly as board shows them (half-width parentheses).
std::string_view label(OrderStatus s);
std::string_view label(InvoiceStatus s);

std::optional<OrderStatus> order_status_from_code(int code);
std::optional<InvoiceStatus> invoice_status_from_code(int code);

// Accepts a decimal code ("5") or a label ("受注済"); labels are also matched
// with full-width parentheses ("見積中（高）") because people type them so.
// Surrounding spaces are ignored.
std::optional<OrderStatus> parse_order_status(std::string_view text);
std::optional<InvoiceStatus> parse_invoice_status(std::string_view text);

// The rows of the stage mapping: the seven order statuses and the two invoice
// states. Enumerators are named after their row ids.
//
// Row ids are the stable ASCII keys used in settings JSON, the admin API and
// validation paths: "order_<board code>" for order statuses (so they survive a
// relabelling of statuses by board) and "invoiced" / "paid" for 請求済 / 入金済.
enum class StageRow {
  order_1,   // 見積中(高)
  order_2,   // 見積中(中)
  order_3,   // 見積中(低)
  order_8,   // 見積中(除)
  order_4,   // 受注確定
  order_5,   // 受注済
  order_9,   // 失注
  invoiced,  // 請求済
  paid,      // 入金済
};

// Screen order: the order statuses in board's display order, then 請求済, 入金済.
std::span<const StageRow> stage_rows();

std::string_view row_id(StageRow row);
std::optional<StageRow> parse_row_id(std::string_view id);
// The Japanese label of the row ("受注済", "請求済", ...).
std::string_view label(StageRow row);
// "受注済 (order_5)": how rows are named in messages.
std::string describe(StageRow row);

StageRow row_of(OrderStatus s);
// The order status a row stands for; nullopt for invoiced / paid, which never
// drive board (SPEC F2, F3.6).
std::optional<OrderStatus> order_status_of(StageRow row);

}  // namespace hbsync::domain
