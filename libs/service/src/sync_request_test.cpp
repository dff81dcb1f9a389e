// The SyncRequest every requester publishes (sync_request.hpp).
#include "hbsync/service/sync_request.hpp"

#include <gtest/gtest.h>

#include "hbsync/service/dlq_keys.hpp"

namespace {

using hbsync::v1::SyncRequest;

TEST(SyncRequest, CarriesTenantKindTimeAndAFreshId) {
  const SyncRequest a =
      hbsync::service::make_sync_request("123", SyncRequest::SYNC_NOW, "console", 1700);
  const SyncRequest b =
      hbsync::service::make_sync_request("123", SyncRequest::BULK_COMPANIES, "hbsync-ctl", 1800);
  EXPECT_EQ(a.tenant_id(), "123");
  EXPECT_EQ(a.kind(), SyncRequest::SYNC_NOW);
  EXPECT_EQ(a.requested_at_ms(), 1700);
  EXPECT_EQ(a.requested_by(), "console");
  EXPECT_EQ(b.kind(), SyncRequest::BULK_COMPANIES);
  EXPECT_EQ(a.request_id().size(), 32u);
  EXPECT_NE(a.request_id(), b.request_id());
}

TEST(SyncRequest, MessageIsKeyedByTheTenantWithSchemaAndCorrelation) {
  const SyncRequest r =
      hbsync::service::make_sync_request("123", SyncRequest::SYNC_NOW, "console", 1700);
  const auto m = hbsync::service::sync_request_message("sync.requests", r);
  EXPECT_EQ(m.topic, "sync.requests");
  EXPECT_EQ(m.key, "123");
  EXPECT_EQ(m.correlation_id, r.request_id());
  ASSERT_EQ(m.headers.size(), 1u);
  EXPECT_EQ(m.headers[0].first, hbsync::service::dlq::kSchemaHeader);
  EXPECT_EQ(m.headers[0].second, "hbsync.v1.SyncRequest");
  SyncRequest back;
  ASSERT_TRUE(back.ParseFromString(m.value));
  EXPECT_EQ(back.request_id(), r.request_id());
  EXPECT_EQ(back.kind(), SyncRequest::SYNC_NOW);
}

}  // namespace
