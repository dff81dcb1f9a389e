#include "hbsync/domain/status.hpp"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace hbsync::domain {
namespace {

TEST(OrderStatusTest, CodesLabelsAndBoardDisplayOrder) {
  struct Row {
    int code;
    std::string_view label;
  };
  const std::vector<Row> expected = {
      {1, "見積中(高)"}, {2, "見積中(中)"}, {3, "見積中(低)"}, {8, "見積中(除)"},
      {4, "受注確定"},   {5, "受注済"},     {9, "失注"},
  };
  const auto all = order_statuses();
  ASSERT_EQ(all.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(code(all[i]), expected[i].code);
    EXPECT_EQ(label(all[i]), expected[i].label);
    EXPECT_EQ(order_status_from_code(expected[i].code), all[i]);
  }
}

TEST(InvoiceStatusTest, CodesLabelsAndBoardDisplayOrder) {
  struct Row {
    int code;
    std::string_view label;
  };
  const std::vector<Row> expected = {
      {1, "未請求"},     {4, "請求OK"}, {2, "請求済"},
      {5, "一部入金済"}, {3, "入金済"}, {9, "回収不能"},
  };
  const auto all = invoice_statuses();
  ASSERT_EQ(all.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(code(all[i]), expected[i].code);
    EXPECT_EQ(label(all[i]), expected[i].label);
    EXPECT_EQ(invoice_status_from_code(expected[i].code), all[i]);
  }
}

TEST(OrderStatusTest, CodesBoardDoesNotHaveAreRejected) {
  for (int c : {0, 6, 7, 10, -1, 100}) {
    EXPECT_FALSE(order_status_from_code(c)) << c;
  }
  for (int c : {0, 6, 7, 8, 10, -5}) {
    EXPECT_FALSE(invoice_status_from_code(c)) << c;
  }
}

TEST(OrderStatusTest, ParseAcceptsCodesAndLabels) {
  struct Case {
    std::string_view text;
    std::optional<OrderStatus> want;
  };
  const std::vector<Case> cases = {
      {"5", OrderStatus::ordered},
      {" 8 ", OrderStatus::estimate_excluded},
      {"受注済", OrderStatus::ordered},
      {"見積中(高)", OrderStatus::estimate_high},
      {"見積中（除）", OrderStatus::estimate_excluded},  // full-width parentheses
      {"\xE3\x80\x80失注", OrderStatus::lost},
      {"6", std::nullopt},
      {"", std::nullopt},
      {"受注", std::nullopt},
      {"5a", std::nullopt},
      {"-5", std::nullopt},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(parse_order_status(c.text), c.want) << c.text;
  }
}

TEST(InvoiceStatusTest, ParseAcceptsCodesAndLabels) {
  EXPECT_EQ(parse_invoice_status("3"), InvoiceStatus::paid);
  EXPECT_EQ(parse_invoice_status("一部入金済"), InvoiceStatus::partially_paid);
  EXPECT_EQ(parse_invoice_status("請求OK"), InvoiceStatus::ready_to_bill);
  EXPECT_FALSE(parse_invoice_status("8"));
  EXPECT_FALSE(parse_invoice_status("入金"));
}

TEST(StageRowTest, NineRowsWithStableIdsAndJapaneseLabels) {
  struct Row {
    StageRow row;
    std::string_view id, label;
    std::optional<OrderStatus> status;
  };
  const std::vector<Row> expected = {
      {StageRow::order_1, "order_1", "見積中(高)", OrderStatus::estimate_high},
      {StageRow::order_2, "order_2", "見積中(中)", OrderStatus::estimate_medium},
      {StageRow::order_3, "order_3", "見積中(低)", OrderStatus::estimate_low},
      {StageRow::order_8, "order_8", "見積中(除)", OrderStatus::estimate_excluded},
      {StageRow::order_4, "order_4", "受注確定", OrderStatus::order_confirmed},
      {StageRow::order_5, "order_5", "受注済", OrderStatus::ordered},
      {StageRow::order_9, "order_9", "失注", OrderStatus::lost},
      {StageRow::invoiced, "invoiced", "請求済", std::nullopt},
      {StageRow::paid, "paid", "入金済", std::nullopt},
  };
  const auto rows = stage_rows();
  ASSERT_EQ(rows.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const auto& e = expected[i];
    EXPECT_EQ(rows[i], e.row);
    EXPECT_EQ(row_id(e.row), e.id);
    EXPECT_EQ(label(e.row), e.label);
    EXPECT_EQ(parse_row_id(e.id), e.row);
    EXPECT_EQ(order_status_of(e.row), e.status);
    if (e.status) {
      EXPECT_EQ(row_of(*e.status), e.row);
    }
  }
  EXPECT_EQ(describe(StageRow::order_5), "受注済 (order_5)");
  EXPECT_EQ(describe(StageRow::paid), "入金済 (paid)");
}

TEST(StageRowTest, RowIdsForOrderStatusesCarryTheBoardCode) {
  for (OrderStatus s : order_statuses()) {
    EXPECT_EQ(row_id(row_of(s)), "order_" + std::to_string(code(s)));
  }
}

TEST(StageRowTest, UnknownRowIdsAreRejected) {
  for (std::string_view id : {"", "order_6", "ORDER_5", "invoice", "5", "受注済"}) {
    EXPECT_FALSE(parse_row_id(id)) << id;
  }
}

}  // namespace
}  // namespace hbsync::domain
