// The bulk sync status as stored and as shown on a terminal (SPEC F5:
// progress visible, done / total / failed).
#include "hbsync/bulk/status.hpp"

#include <gtest/gtest.h>

namespace hbsync::bulk {
namespace {

Status running(int64_t done, int64_t total) {
  return Status{.run_id = "r1",
                .state = std::string(state::running),
                .total = total,
                .done = done,
                .created = done,
                .linked = 0,
                .skipped = 0,
                .failed = 0};
}

TEST(BulkStatus, FieldsReadBackAndBadNumbersAreZero) {
  Status s = from_fields({{"run_id", "abc"},
                          {"state", "running"},
                          {"total", "250"},
                          {"done", "120"},
                          {"created", "100"},
                          {"linked", "5"},
                          {"skipped", "14"},
                          {"failed", "1"},
                          {"attempts", "2"},
                          {"started_at_ms", "x1"},
                          {"unknown", "7"}});
  EXPECT_EQ(s.run_id, "abc");
  EXPECT_EQ(s.total, 250);
  EXPECT_EQ(s.done, 120);
  EXPECT_EQ(s.created, 100);
  EXPECT_EQ(s.linked, 5);
  EXPECT_EQ(s.skipped, 14);
  EXPECT_EQ(s.failed, 1);
  EXPECT_EQ(s.attempts, 2);
  EXPECT_EQ(s.started_at_ms, 0);
  EXPECT_FALSE(s.finished());
  EXPECT_TRUE(from_fields({{"state", "done"}}).finished());
  EXPECT_TRUE(from_fields({{"state", "failed"}}).finished());
}

TEST(BulkStatus, ProgressBarTable) {
  struct Case {
    Status status;
    int width;
    std::string want;
  };
  Status failed = running(250, 250);
  failed.created = 249;
  failed.failed = 1;
  Status empty_done{.state = std::string(state::done)};
  const std::vector<Case> cases = {
      {running(0, 250), 10, "[..........]    0/250    0%  created 0 linked 0 skipped 0 failed 0"},
      {running(100, 250), 10,
       "[####......]  100/250   40%  created 100 linked 0 skipped 0 failed 0"},
      {failed, 10, "[##########]  250/250  100%  created 249 linked 0 skipped 0 failed 1"},
      {empty_done, 4, "[####]  0/0  100%  created 0 linked 0 skipped 0 failed 0"},
      {running(0, 0), 4, "[....]  0/0    0%  created 0 linked 0 skipped 0 failed 0"},
  };
  for (const auto& c : cases) EXPECT_EQ(progress_bar(c.status, c.width), c.want);
}

TEST(BulkStatus, ProgressLineForLogsAndPipes) {
  EXPECT_EQ(progress_line(running(100, 250)),
            "bulk-sync companies 100/250 (40%): created 100, linked 0, skipped 0, failed 0 "
            "[running]");
  Status f{.state = std::string(state::failed), .error = "hubspot_unauthorized"};
  EXPECT_EQ(progress_line(f),
            "bulk-sync companies 0/0 (100%): created 0, linked 0, skipped 0, failed 0 [failed "
            "hubspot_unauthorized]");
  EXPECT_EQ(progress_line(Status{}),
            "bulk-sync companies 0/0 (0%): created 0, linked 0, skipped 0, failed 0 [queued]");
}

TEST(BulkStatus, KeysAreTheTenants) {
  EXPECT_EQ(status_key("123"), "hbsync:tenant:123:bulk:companies");
  EXPECT_EQ(outcomes_key("123"), "hbsync:tenant:123:bulk:companies:clients");
  EXPECT_EQ(lease_key("123"), "hbsync:lease:bulk-companies:123");
}

}  // namespace
}  // namespace hbsync::bulk
