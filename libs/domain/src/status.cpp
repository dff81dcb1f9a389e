#include "hbsync/domain/status.hpp"

#include <array>
#include <charconv>

#include "hbsync/domain/text.hpp"

namespace hbsync::domain {
namespace {

constexpr std::array kOrderStatuses = {
    OrderStatus::estimate_high,
    OrderStatus::estimate_medium,
    OrderStatus::estimate_low,
    OrderStatus::estimate_excluded,
    OrderStatus::order_confirmed,
    OrderStatus::ordered,
    OrderStatus::lost,
};

constexpr std::array kInvoiceStatuses = {
    InvoiceStatus::unbilled,       InvoiceStatus::ready_to_bill, InvoiceStatus::billed,
    InvoiceStatus::partially_paid, InvoiceStatus::paid,          InvoiceStatus::uncollectible,
};

constexpr std::array kStageRows = {
    StageRow::order_1, StageRow::order_2, StageRow::order_3,  StageRow::order_8, StageRow::order_4,
    StageRow::order_5, StageRow::order_9, StageRow::invoiced, StageRow::paid,
};

// Full-width parentheses to ASCII, so "見積中（高）" matches "見積中(高)".
std::string normalize_label(std::string_view text) {
  std::string out;
  text = trim_spaces(text);
  while (!text.empty()) {
    if (text.starts_with("\xEF\xBC\x88")) {  // （
      out += '(';
      text.remove_prefix(3);
    } else if (text.starts_with("\xEF\xBC\x89")) {  // ）
      out += ')';
      text.remove_prefix(3);
    } else {
      out += text.front();
      text.remove_prefix(1);
    }
  }
  return out;
}

std::optional<int> parse_small_int(std::string_view text) {
  if (text.empty() || text.size() > 3) return std::nullopt;
  int value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

template <typename Status, size_t N>
std::optional<Status> parse_status(std::string_view text, const std::array<Status, N>& all,
                                   std::optional<Status> (*from_code)(int)) {
  const std::string_view trimmed = trim_spaces(text);
  if (auto n = parse_small_int(trimmed)) return from_code(*n);
  const std::string normalized = normalize_label(trimmed);
  for (Status s : all) {
    if (label(s) == normalized) return s;
  }
  return std::nullopt;
}

}  // namespace

std::span<const OrderStatus> order_statuses() {
  return kOrderStatuses;
}
std::span<const InvoiceStatus> invoice_statuses() {
  return kInvoiceStatuses;
}

std::string_view label(OrderStatus s) {
  switch (s) {
    case OrderStatus::estimate_high:
      return "見積中(高)";
    case OrderStatus::estimate_medium:
      return "見積中(中)";
    case OrderStatus::estimate_low:
      return "見積中(低)";
    case OrderStatus::estimate_excluded:
      return "見積中(除)";
    case OrderStatus::order_confirmed:
      return "受注確定";
    case OrderStatus::ordered:
      return "受注済";
    case OrderStatus::lost:
      return "失注";
  }
  return "";
}

std::string_view label(InvoiceStatus s) {
  switch (s) {
    case InvoiceStatus::unbilled:
      return "未請求";
    case InvoiceStatus::ready_to_bill:
      return "請求OK";
    case InvoiceStatus::billed:
      return "請求済";
    case InvoiceStatus::partially_paid:
      return "一部入金済";
    case InvoiceStatus::paid:
      return "入金済";
    case InvoiceStatus::uncollectible:
      return "回収不能";
  }
  return "";
}

std::optional<OrderStatus> order_status_from_code(int code) {
  for (OrderStatus s : kOrderStatuses) {
    if (domain::code(s) == code) return s;
  }
  return std::nullopt;
}

std::optional<InvoiceStatus> invoice_status_from_code(int code) {
  for (InvoiceStatus s : kInvoiceStatuses) {
    if (domain::code(s) == code) return s;
  }
  return std::nullopt;
}

std::optional<OrderStatus> parse_order_status(std::string_view text) {
  return parse_status(text, kOrderStatuses, &order_status_from_code);
}

std::optional<InvoiceStatus> parse_invoice_status(std::string_view text) {
  return parse_status(text, kInvoiceStatuses, &invoice_status_from_code);
}

std::span<const StageRow> stage_rows() {
  return kStageRows;
}

std::string_view row_id(StageRow row) {
  switch (row) {
    case StageRow::order_1:
      return "order_1";
    case StageRow::order_2:
      return "order_2";
    case StageRow::order_3:
      return "order_3";
    case StageRow::order_8:
      return "order_8";
    case StageRow::order_4:
      return "order_4";
    case StageRow::order_5:
      return "order_5";
    case StageRow::order_9:
      return "order_9";
    case StageRow::invoiced:
      return "invoiced";
    case StageRow::paid:
      return "paid";
  }
  return "";
}

std::optional<StageRow> parse_row_id(std::string_view id) {
  for (StageRow row : kStageRows) {
    if (row_id(row) == id) return row;
  }
  return std::nullopt;
}

std::string_view label(StageRow row) {
  if (auto status = order_status_of(row)) return label(*status);
  return row == StageRow::invoiced ? label(InvoiceStatus::billed) : label(InvoiceStatus::paid);
}

std::string describe(StageRow row) {
  std::string out(label(row));
  out += " (";
  out += row_id(row);
  out += ')';
  return out;
}

StageRow row_of(OrderStatus s) {
  switch (s) {
    case OrderStatus::estimate_high:
      return StageRow::order_1;
    case OrderStatus::estimate_medium:
      return StageRow::order_2;
    case OrderStatus::estimate_low:
      return StageRow::order_3;
    case OrderStatus::estimate_excluded:
      return StageRow::order_8;
    case OrderStatus::order_confirmed:
      return StageRow::order_4;
    case OrderStatus::ordered:
      return StageRow::order_5;
    case OrderStatus::lost:
      return StageRow::order_9;
  }
  return StageRow::order_1;
}

std::optional<OrderStatus> order_status_of(StageRow row) {
  switch (row) {
    case StageRow::order_1:
      return OrderStatus::estimate_high;
    case StageRow::order_2:
      return OrderStatus::estimate_medium;
    case StageRow::order_3:
      return OrderStatus::estimate_low;
    case StageRow::order_8:
      return OrderStatus::estimate_excluded;
    case StageRow::order_4:
      return OrderStatus::order_confirmed;
    case StageRow::order_5:
      return OrderStatus::ordered;
    case StageRow::order_9:
      return OrderStatus::lost;
    case StageRow::invoiced:
    case StageRow::paid:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace hbsync::domain
