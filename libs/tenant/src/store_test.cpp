// The tenant store against a real redis-server started per test.
#include "hbsync/tenant/store.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <sstream>

#include "hbsync/testing/redis_server.hpp"

namespace hbsync::tenant {
namespace {

using domain::StageRow;

const std::string kKey1 = Keyring::generate_key();
const std::string kKey2 = Keyring::generate_key();

const std::string kApiKey = "BKEY-7f3Qz9LmWx";
const std::string kApiToken = "BTOK-Hq2Vn8RtYc";
const std::string kAccessToken = "HACC-Jd5Kp1SgUe";
const std::string kRefreshToken = "HREF-Wb6Xo4NiZa";
const std::string kUser = "kanri.tantou@jimusho.test";

Settings tenant(const std::string& id) {
  Settings s;
  s.tenant_id = id;
  s.board.api_key = kApiKey + id;
  s.board.api_token = kApiToken + id;
  s.board.default_user_id = 7;
  s.hubspot.access_token = kAccessToken + id;
  s.hubspot.refresh_token = kRefreshToken + id;
  s.hubspot.expires_at_ms = 1767225600000;
  s.hubspot.hub_id = std::stoll(id);
  s.hubspot.hub_domain = "portal-" + id + ".example.jp";
  s.hubspot.user = kUser;
  s.hubspot.link_property = "board_client_url";
  s.pipelines = {
      {"default",
       "営業パイプライン",
       {{"appointmentscheduled", "アポ設定済み"}, {"closedwon", "成約"}, {"closedlost", "失注"}}}};
  s.stage_mapping.pipelines["default"] = {{StageRow::order_1, "appointmentscheduled"},
                                          {StageRow::order_5, "closedwon"},
                                          {StageRow::order_9, "closedlost"}};
  return s;
}

std::string dump(const ValidationErrors& errors) {
  std::ostringstream out;
  for (const auto& e : errors) out << "  " << e << "\n";
  return out.str();
}

class StoreTest : public ::testing::Test {
 protected:
  StoreTest()
      : redis_(options()), keyring_(Keyring::parse("k1:" + kKey1)), store_(redis_, keyring_) {}

  redis::Options options() {
    redis::Options o;
    o.url = server_.url();
    return o;
  }

  // Every key and every value in Redis, as text.
  std::string everything_in_redis() {
    std::string all;
    std::string cursor = "0";
    do {
      redis::Reply page = redis_.command({"SCAN", cursor, "COUNT", "100"});
      cursor = page.elements[0].str;
      for (const auto& key : page.elements[1].elements) {
        all += key.str + "\n";
        const std::string type = redis_.command({"TYPE", key.str}).str;
        redis::Reply value;
        if (type == "string") {
          value = redis_.command({"GET", key.str});
          all += value.str + "\n";
        } else {
          if (type == "hash") value = redis_.command({"HGETALL", key.str});
          if (type == "set") value = redis_.command({"SMEMBERS", key.str});
          if (type == "list") value = redis_.command({"LRANGE", key.str, "0", "-1"});
          if (type == "zset") value = redis_.command({"ZRANGE", key.str, "0", "-1", "WITHSCORES"});
          EXPECT_FALSE(type == "stream" || type == "none") << key.str << " is a " << type;
          for (const auto& e : value.elements) all += e.str + "\n";
        }
      }
    } while (cursor != "0");
    return all;
  }

  testing::RedisServer server_;
  redis::Client redis_;
  Keyring keyring_;
  Store store_;
};

TEST_F(StoreTest, PutGetListRemove) {
  EXPECT_FALSE(store_.get("12345678"));
  EXPECT_TRUE(store_.list().empty());

  const Settings a = tenant("12345678");
  PutResult put = store_.put(a);
  ASSERT_TRUE(put.ok()) << dump(put.errors);
  EXPECT_GT(put.version, 0);
  ASSERT_TRUE(store_.put(tenant("9")).ok());

  auto got = store_.get("12345678");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->version, put.version);
  EXPECT_GT(got->updated_at_ms, 0);
  EXPECT_EQ(store_.version("12345678"), put.version);
  Settings expected = a;
  expected.version = got->version;
  expected.updated_at_ms = got->updated_at_ms;
  EXPECT_EQ(to_json(*got, Redaction::include), to_json(expected, Redaction::include));
  EXPECT_EQ(got->board.api_token, kApiToken + "12345678");
  EXPECT_EQ(got->hubspot.user, kUser);
  EXPECT_EQ(got->pipelines[0].label, "営業パイプライン");

  EXPECT_EQ(store_.list(), (std::vector<std::string>{"9", "12345678"}));

  EXPECT_TRUE(store_.remove("9"));
  EXPECT_FALSE(store_.remove("9"));
  EXPECT_FALSE(store_.get("9"));
  EXPECT_EQ(store_.version("9"), 0);
  EXPECT_EQ(store_.list(), (std::vector<std::string>{"12345678"}));
  EXPECT_EQ(redis_
                .command({"EXISTS", Store::settings_key("9"), Store::secrets_key("9"),
                          Store::meta_key("9")})
                .integer,
            0);
}

TEST_F(StoreTest, IdsThatAreNotPortalIdsAreNeverLookedUp) {
  EXPECT_FALSE(store_.get("1:secrets"));
  EXPECT_FALSE(store_.get(""));
  EXPECT_FALSE(store_.remove("*"));
  EXPECT_FALSE(store_.put_hubspot_tokens("x", "a", "b", 1));
}

TEST_F(StoreTest, InvalidSettingsAreNotSavedAndThePreviousVersionStays) {
  const Settings good = tenant("555");
  const int64_t v1 = store_.put(good).version;
  ASSERT_GT(v1, 0);

  Settings bad = good;
  bad.amount_sync = false;
  bad.board.api_token.clear();
  bad.stage_mapping.pipelines["default"][StageRow::order_9] = "closedwon";
  PutResult result = store_.put(bad);
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.version, 0);
  bool named_both_rows = false;
  for (const auto& e : result.errors) {
    if (e.field == "stage_mapping.default.order_9" && e.code == "duplicate_stage") {
      named_both_rows = e.message.find("受注済") != std::string::npos &&
                        e.message.find("失注") != std::string::npos;
    }
  }
  EXPECT_TRUE(named_both_rows) << dump(result.errors);

  auto stored = store_.get("555");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->version, v1);
  EXPECT_TRUE(stored->amount_sync);
  EXPECT_EQ(stored->board.api_token, good.board.api_token);
  EXPECT_EQ(stored->stage_mapping, good.stage_mapping);
}

TEST_F(StoreTest, RawRedisHoldsNoCredentialOrUserInPlaintext) {
  ASSERT_TRUE(store_.put(tenant("111")).ok());
  ASSERT_TRUE(store_.put(tenant("222")).ok());
  ASSERT_TRUE(store_.put_hubspot_tokens("222", kAccessToken + "new", kRefreshToken + "new", 5));

  const std::string all = everything_in_redis();
  for (const std::string& secret : {kApiKey, kApiToken, kAccessToken, kRefreshToken, kUser}) {
    EXPECT_EQ(all.find(secret), std::string::npos) << secret << " found in\n" << all;
  }
  // What is there is what the layout says.
  EXPECT_NE(all.find("hbsync:tenant:111:settings"), std::string::npos);
  EXPECT_NE(all.find("営業パイプライン"), std::string::npos) << "labels are not personal data";
  redis::Reply secrets = redis_.command({"HGETALL", Store::secrets_key("111")});
  ASSERT_EQ(secrets.elements.size(), 2 * secret_fields().size());
  for (size_t i = 0; i < secrets.elements.size(); i += 2) {
    EXPECT_TRUE(parse_secret_field(secrets.elements[i].str)) << secrets.elements[i].str;
    EXPECT_EQ(secrets.elements[i + 1].str.rfind("v1.k1.", 0), 0u) << secrets.elements[i + 1].str;
  }
}

TEST_F(StoreTest, AnEnvelopeMovedToAnotherTenantDoesNotDecrypt) {
  ASSERT_TRUE(store_.put(tenant("111")).ok());
  ASSERT_TRUE(store_.put(tenant("222")).ok());
  const std::string stolen =
      redis_.command({"HGET", Store::secrets_key("111"), "board.api_token"}).str;
  redis_.command({"HSET", Store::secrets_key("222"), "board.api_token", stolen});
  try {
    store_.get("222");
    FAIL() << "expected DecryptError";
  } catch (const DecryptError& e) {
    EXPECT_EQ(e.reason(), DecryptError::Reason::authentication);
    EXPECT_NE(std::string(e.what()).find("tenant 222, board.api_token"), std::string::npos)
        << e.what();
  }
  // Moved between fields of the same tenant: refused too.
  const std::string key = redis_.command({"HGET", Store::secrets_key("111"), "board.api_key"}).str;
  redis_.command({"HSET", Store::secrets_key("111"), "hubspot.access_token", key});
  EXPECT_THROW(store_.get("111"), DecryptError);
}

TEST_F(StoreTest, RotateKeysReencryptsSoTheOldKeyCanGo) {
  ASSERT_TRUE(store_.put(tenant("111")).ok());
  Settings second = tenant("222");
  second.hubspot.user.clear();  // unset values have no field and nothing to rotate
  ASSERT_TRUE(store_.put(second).ok());
  const int64_t version_before = store_.version("111");

  Keyring both = Keyring::parse("k1:" + kKey1 + ",k2:" + kKey2, "k2");
  Store rotating(redis_, both);
  auto before = rotating.get("111");
  ASSERT_TRUE(before) << "old key still readable";
  const std::string envelope =
      redis_.command({"HGET", Store::secrets_key("111"), "board.api_token"}).str;
  EXPECT_TRUE(both.needs_rotation(envelope));

  EXPECT_EQ(rotating.rotate_keys(), 6 + 5);
  EXPECT_EQ(rotating.rotate_keys(), 0);
  EXPECT_EQ(store_.version("111"), version_before) << "no setting changed";

  Keyring only_new = Keyring::parse("k2:" + kKey2);
  Store after(redis_, only_new);
  auto rotated = after.get("111");
  ASSERT_TRUE(rotated);
  EXPECT_EQ(to_json(*rotated, Redaction::include), to_json(*before, Redaction::include));
  EXPECT_TRUE(after.get("222"));

  try {
    store_.get("111");  // only k1: removed keys' data is gone for it
    FAIL() << "expected DecryptError";
  } catch (const DecryptError& e) {
    EXPECT_EQ(e.reason(), DecryptError::Reason::unknown_key);
    EXPECT_NE(std::string(e.what()).find("\"k2\""), std::string::npos) << e.what();
  }
}

TEST_F(StoreTest, ExpectedVersionGuardsAgainstConcurrentEdits) {
  Settings s = tenant("333");
  PutResult created = store_.put(s, 0);
  ASSERT_TRUE(created.ok()) << dump(created.errors);
  PutResult again = store_.put(s, 0);
  ASSERT_EQ(again.errors.size(), 1u);
  EXPECT_EQ(again.errors[0].code, "version_conflict");

  s.amount_sync = false;
  PutResult next = store_.put(s, created.version);
  ASSERT_TRUE(next.ok()) << dump(next.errors);
  EXPECT_GT(next.version, created.version);

  s.amount_sync = true;
  PutResult stale = store_.put(s, created.version);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.errors[0].field, "version");
  EXPECT_FALSE(store_.get("333")->amount_sync);
}

TEST_F(StoreTest, VersionsOnlyGrowEvenAcrossRemoval) {
  const int64_t start = store_.tenants_version();
  const int64_t v1 = store_.put(tenant("444")).version;
  EXPECT_GT(store_.tenants_version(), start);
  ASSERT_TRUE(store_.remove("444"));
  const int64_t after_remove = store_.tenants_version();
  EXPECT_GT(after_remove, v1);
  const int64_t v2 = store_.put(tenant("444")).version;
  EXPECT_GT(v2, after_remove) << "a re-created tenant never reuses a version";
}

TEST_F(StoreTest, ApplyJsonKeepsStoredSecretsAndValidates) {
  ASSERT_TRUE(store_.put(tenant("777")).ok());
  Settings shown = *store_.get("777");
  shown.amount_sync = false;
  shown.schedule.interval_minutes = 30;
  // What `tenant get` prints, edited, applied again.
  PutResult applied = store_.apply_json(to_json(shown, Redaction::mask));
  ASSERT_TRUE(applied.ok()) << dump(applied.errors);
  auto stored = store_.get("777");
  ASSERT_TRUE(stored);
  EXPECT_FALSE(stored->amount_sync);
  EXPECT_EQ(stored->schedule.interval_minutes, 30);
  EXPECT_EQ(stored->board.api_token, kApiToken + "777");
  EXPECT_EQ(stored->hubspot.refresh_token, kRefreshToken + "777");
  EXPECT_EQ(stored->hubspot.user, kUser);

  PutResult rejected = store_.apply_json(R"({"tenant_id": "777", "amount_sync": "off"})");
  ASSERT_FALSE(rejected.ok());
  EXPECT_EQ(rejected.errors[0].field, "amount_sync");
  EXPECT_EQ(store_.get("777")->version, applied.version);

  PutResult fresh = store_.apply_json(R"({"tenant_id": "888", "board": {"default_user_id": 1}})");
  ASSERT_FALSE(fresh.ok()) << "a new tenant has no stored credentials to keep";
  EXPECT_EQ(fresh.errors[0].field, "board.api_key");
  EXPECT_FALSE(store_.get("888"));
}

TEST_F(StoreTest, HubSpotTokensAreReplacedAlone) {
  ASSERT_TRUE(store_.put(tenant("999")).ok());
  const int64_t before = store_.version("999");
  ASSERT_TRUE(store_.put_hubspot_tokens("999", "acc-2", "ref-2", 1800000000000));
  auto s = store_.get("999");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->hubspot.access_token, "acc-2");
  EXPECT_EQ(s->hubspot.refresh_token, "ref-2");
  EXPECT_EQ(s->hubspot.expires_at_ms, 1800000000000);
  EXPECT_EQ(s->board.api_token, kApiToken + "999");
  EXPECT_GT(s->version, before);

  // Disconnect (F1.2): the tokens are removed.
  ASSERT_TRUE(store_.put_hubspot_tokens("999", "", "", 0));
  s = store_.get("999");
  EXPECT_FALSE(s->hubspot.connected());
  EXPECT_EQ(redis_.command({"HEXISTS", Store::secrets_key("999"), "hubspot.refresh_token"}).integer,
            0);
  EXPECT_FALSE(store_.put_hubspot_tokens("12", "a", "b", 1)) << "no such tenant";
  EXPECT_FALSE(store_.get("12"));
}

// The instance marker: written by the first tenant write, kept by later ones
// (so services can tell this data set from an empty or another one), and
// written again after Redis lost everything and a tenant is re-applied.
TEST(StoreMarkerTest, FirstPutWritesTheInstanceMarkerLaterPutsKeepIt) {
  testing::RedisServer server;
  redis::Client redis(redis::Options{.url = server.url()});
  Keyring keyring = Keyring::parse("k1:" + kKey1);
  Store store(redis, keyring);
  EXPECT_FALSE(store.instance_marker());
  ASSERT_TRUE(store.put(tenant("12345678")).ok());
  const auto first = store.instance_marker();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->size(), 32u);
  ASSERT_TRUE(store.put(tenant("9")).ok());
  ASSERT_TRUE(store.put(tenant("12345678")).ok());
  EXPECT_EQ(store.instance_marker(), first);

  server.wipe();
  EXPECT_FALSE(store.instance_marker());
  ASSERT_TRUE(store.put(tenant("12345678")).ok());
  const auto second = store.instance_marker();
  ASSERT_TRUE(second);
  EXPECT_NE(second, first);
}

}  // namespace
}  // namespace hbsync::tenant
