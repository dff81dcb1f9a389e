// hbsync-ctl as operators run it: the real binary against a real redis-server,
// with a generated encryption key, checking exit codes and what is printed.
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "hbsync/history/history.hpp"
#include "hbsync/redis/redis.hpp"
#include "hbsync/tenant/crypto.hpp"
#include "hbsync/testing/process.hpp"
#include "hbsync/testing/redis_server.hpp"
#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;
using hbsync::tenant::Keyring;

using hbsync::ctl::test::Result;
using hbsync::ctl::test::slurp;

// The README's example, so the documented tenant.json is what gets applied.
std::string readme_tenant_json() {
  const std::string readme = slurp(HBSYNC_TENANT_README);
  const std::string start = "```json\n";
  const size_t begin = readme.find(start);
  const size_t end = readme.find("```", begin + start.size());
  if (begin == std::string::npos || end == std::string::npos) return {};
  return readme.substr(begin + start.size(), end - begin - start.size());
}

void replace(std::string& text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
}

class CtlTest : public ::testing::Test {
 protected:
  CtlTest() : dir_(fs::temp_directory_path() / ("ctl_test." + std::to_string(getpid()))) {
    fs::create_directories(dir_);
    env_["HBSYNC_REDIS_URL"] = redis_.url();
    env_["HBSYNC_ENCRYPTION_KEYS"] = "k1:" + Keyring::generate_key();
    env_["HBSYNC_REDIS_CONNECT_TIMEOUT"] = "500ms";
    // `tenant apply` then reads the board users: no board here (refused at
    // once, not retried), which must not fail the apply.
    env_["HBSYNC_BOARD_API_URL"] = "http://127.0.0.1:1";
    env_["HBSYNC_BOARD_RETRY_MAX_ATTEMPTS"] = "1";
  }
  ~CtlTest() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }

  // Runs hbsync-ctl with exactly env_ as its environment, so the
  // developer's own HBSYNC_* variables cannot leak in.
  Result ctl(const std::vector<std::string>& args, const std::string& stdin_text = {}) {
    return hbsync::ctl::test::run_ctl(args, env_, dir_, stdin_text);
  }

  hbsync::testing::RedisServer redis_;
  fs::path dir_;
  std::map<std::string, std::string> env_;
};

// The README example's secrets: none of them may ever be printed.
const std::vector<std::string> kSecrets = {"board-api-key-from-settings",
                                           "board-api-token-shown-once", "hubspot-access-token",
                                           "hubspot-refresh-token", "admin@example.co.jp"};

void expect_no_secrets(const Result& r) {
  for (const auto& s : kSecrets) {
    EXPECT_EQ(r.out.find(s), std::string::npos) << s << " in stdout";
    EXPECT_EQ(r.err.find(s), std::string::npos) << s << " in stderr";
  }
}

TEST_F(CtlTest, ApplyGetListRemove) {
  const std::string json = readme_tenant_json();
  ASSERT_FALSE(json.empty());
  const std::string file = write("tenant.json", json);

  Result applied = ctl({"tenant", "apply", "-f", file});
  EXPECT_EQ(applied.code, 0) << applied.err;
  EXPECT_EQ(applied.out, "tenant 12345678 applied (version 1)\n");
  EXPECT_NE(applied.err.find("board users not stored"), std::string::npos) << applied.err;
  expect_no_secrets(applied);

  Result got = ctl({"tenant", "get", "12345678"});
  EXPECT_EQ(got.code, 0) << got.err;
  EXPECT_NE(got.out.find("\"tenant_id\": \"12345678\""), std::string::npos) << got.out;
  EXPECT_NE(got.out.find("(set)"), std::string::npos) << got.out;
  EXPECT_NE(got.out.find("営業パイプライン"), std::string::npos) << got.out;
  expect_no_secrets(got);

  Result listed = ctl({"tenant", "list"});
  EXPECT_EQ(listed.code, 0) << listed.err;
  EXPECT_EQ(listed.out, "12345678\n");
  EXPECT_EQ(ctl({"tenant", "list", "--json"}).out, "[\"12345678\"]\n");

  // The masked `get` output applies again (from stdin) and keeps the secrets.
  Result reapplied = ctl({"tenant", "apply", "-f", "-"}, got.out);
  EXPECT_EQ(reapplied.code, 0) << reapplied.err;
  EXPECT_EQ(reapplied.out, "tenant 12345678 applied (version 2)\n");
  EXPECT_NE(ctl({"tenant", "get", "12345678"}).out.find("\"api_key\": \"(set)\""),
            std::string::npos);

  // Compare-and-set: a stale version is refused.
  Result stale = ctl({"tenant", "apply", "-f", file, "--expect-version", "1"});
  EXPECT_EQ(stale.code, 1);
  EXPECT_NE(stale.err.find("version_conflict"), std::string::npos) << stale.err;
  EXPECT_EQ(ctl({"tenant", "apply", "-f", file, "--expect-version", "2"}).code, 0);

  Result unconfirmed = ctl({"tenant", "remove", "12345678"});
  EXPECT_EQ(unconfirmed.code, 2);
  EXPECT_NE(unconfirmed.err.find("--yes"), std::string::npos) << unconfirmed.err;
  EXPECT_EQ(ctl({"tenant", "list"}).out, "12345678\n");

  Result removed = ctl({"tenant", "remove", "12345678", "--yes"});
  EXPECT_EQ(removed.code, 0) << removed.err;
  EXPECT_EQ(ctl({"tenant", "list"}).out, "");
  EXPECT_EQ(ctl({"tenant", "remove", "12345678", "--yes"}).code, 3);
}

TEST_F(CtlTest, InvalidFileIsRefusedWithEveryFieldNamed) {
  std::string json = readme_tenant_json();
  ASSERT_EQ(ctl({"tenant", "apply", "-f", write("ok.json", json)}).code, 0);

  // closedwon used for two rows; board token missing.
  replace(json, R"("order_5": "closedwon")", R"("order_5": "closedwon", "order_4": "closedwon")");
  replace(json, R"("order_4": "contractsent",)", "");
  replace(json, R"("api_token": "board-api-token-shown-once",)", R"("api_token": null,)");
  Result bad = ctl({"tenant", "apply", "-f", write("bad.json", json)});
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("stage_mapping.default.order_"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("duplicate_stage"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("board.api_token"), std::string::npos) << bad.err;
  EXPECT_EQ(bad.out, "");
  expect_no_secrets(bad);

  // Nothing saved: still version 1, token still set.
  Result got = ctl({"tenant", "get", "12345678"});
  EXPECT_NE(got.out.find("\"version\": 1"), std::string::npos) << got.out;
  EXPECT_NE(got.out.find("\"api_token\": \"(set)\""), std::string::npos) << got.out;

  Result not_json = ctl({"tenant", "apply", "-f", write("x.json", "{\"tenant_id\": ")});
  EXPECT_EQ(not_json.code, 1);
  EXPECT_FALSE(not_json.err.empty());
}

TEST_F(CtlTest, UnknownTenantIsNotFound) {
  Result r = ctl({"tenant", "get", "999"});
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(r.err.find("tenant 999 not found"), std::string::npos) << r.err;
}

// sync now checks the tenant in Redis before it touches Kafka.
TEST_F(CtlTest, SyncNowOfAnUnknownTenantIsNotFound) {
  Result r = ctl({"sync", "now", "999", "--wait"});
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_NE(r.err.find("tenant 999 not found"), std::string::npos) << r.err;
}

TEST_F(CtlTest, BadUsageIsExit2) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {},
           {"nonsense"},
           {"tenant"},
           {"tenant", "frobnicate"},
           {"tenant", "apply"},
           {"tenant", "apply", "-f"},
           {"tenant", "apply", "-f", (dir_ / "missing.json").string()},
           {"tenant", "apply", "-f", "x", "--expect-version", "abc"},
           {"tenant", "get"},
           {"tenant", "get", "01234"},
           {"tenant", "list", "--bogus"},
           {"tenant", "list", "--yes"},
           {"history"},
           {"history", "abc"},
           {"history", "12345678", "87654321"},
           {"history", "12345678", "--limit", "0"},
           {"history", "12345678", "--limit", "ten"},
           {"history", "12345678", "--yes"},
           {"sync"},
           {"sync", "later", "12345678"},
           {"sync", "now"},
           {"sync", "now", "01234"},
           {"sync", "now", "12345678", "--timeout", "soon"},
           {"sync", "now", "12345678", "--bogus"}}) {
    Result r = ctl(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(r.code, 2) << joined << r.err;
    EXPECT_NE(r.err.find("--help"), std::string::npos) << joined << r.err;
  }
}

TEST_F(CtlTest, HelpListsCommandsExitCodesAndVariables) {
  Result r = ctl({"--help"});
  EXPECT_EQ(r.code, 0);
  for (const char* s :
       {"tenant apply", "tenant get", "tenant list", "tenant remove", "tenant rotate-keys",
        "dlq list", "dlq show", "dlq replay", "history TENANT", "Redis unavailable",
        "HBSYNC_REDIS_URL", "HBSYNC_ENCRYPTION_KEYS", "HBSYNC_ENCRYPTION_ACTIVE_KEY",
        "HBSYNC_KAFKA_BROKERS", "HBSYNC_TOPIC_SYNC_DLQ", "HBSYNC_KAFKA_READ_TIMEOUT"}) {
    EXPECT_NE(r.out.find(s), std::string::npos) << s;
  }
  EXPECT_EQ(r.out.find(env_["HBSYNC_ENCRYPTION_KEYS"].substr(3)), std::string::npos);
  Result t = ctl({"tenant", "--help"});
  EXPECT_EQ(t.code, 0);
  for (const char* s :
       {"apply -f FILE", "--expect-version", "get ID", "list", "remove ID --yes", "rotate-keys"}) {
    EXPECT_NE(t.out.find(s), std::string::npos) << s;
  }
}

TEST_F(CtlTest, MissingConfigurationIsExit2) {
  env_.erase("HBSYNC_ENCRYPTION_KEYS");
  Result r = ctl({"tenant", "get", "12345678"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("HBSYNC_ENCRYPTION_KEYS"), std::string::npos) << r.err;
  // Listing touches no credential, so it needs no key.
  EXPECT_EQ(ctl({"tenant", "list"}).code, 0);
}

TEST_F(CtlTest, RedisDownIsExit4) {
  const std::string file = write("tenant.json", readme_tenant_json());
  redis_.stop();
  for (const auto& args : std::vector<std::vector<std::string>>{{"tenant", "list"},
                                                                {"tenant", "get", "12345678"},
                                                                {"tenant", "apply", "-f", file},
                                                                {"history", "12345678"}}) {
    Result r = ctl(args);
    EXPECT_EQ(r.code, 4) << args[1] << r.err;
    EXPECT_NE(r.err.find("Redis unavailable"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("HBSYNC_REDIS_URL"), std::string::npos) << r.err;
  }
  redis_.start();
  EXPECT_EQ(ctl({"tenant", "list"}).code, 0);
}

TEST_F(CtlTest, HistoryShowsATenantsEntriesNewestFirst) {
  hbsync::redis::Options options;
  options.url = redis_.url();
  hbsync::redis::Client redis(options);
  hbsync::history::History history(redis);
  const int64_t t0 = 1714532645000;  // 2024-05-01T03:04:05Z
  history.record("12345678", {.at_ms = t0,
                              .direction = "hubspot_to_board",
                              .action = "created",
                              .deal_id = 42,
                              .company_id = 7,
                              .client_id = 3,
                              .project_id = 9,
                              .attempts = 1,
                              .command_id = "cmd-1"});
  history.record("12345678", {.at_ms = t0 + 1000,
                              .direction = "hubspot_to_board",
                              .action = "skipped",
                              .deal_id = 43,
                              .reason_code = "no_company",
                              .message = "deal 43 has no company",
                              .attempts = 1,
                              .command_id = "cmd-2"});
  history.record("12345678", {.at_ms = t0 + 2000,
                              .direction = "board_to_hubspot",
                              .action = "failed",
                              .deal_id = 44,
                              .project_id = 10,
                              .reason_code = "hubspot_validation",
                              .message = "deal 44 stage update refused",
                              .attempts = 5,
                              .command_id = "cmd-3",
                              .dead_letter = "2:17"});
  history.record("87654321", {.at_ms = t0, .direction = "hubspot_to_board", .action = "created"});

  Result json = ctl({"history", "12345678", "--json"});
  ASSERT_EQ(json.code, 0) << json.err;
  rapidjson::Document doc;
  doc.Parse(json.out.c_str());
  ASSERT_TRUE(doc.IsArray()) << json.out;
  ASSERT_EQ(doc.Size(), 3u) << json.out;
  EXPECT_STREQ(doc[0]["action"].GetString(), "failed");
  EXPECT_STREQ(doc[1]["action"].GetString(), "skipped");
  EXPECT_STREQ(doc[2]["action"].GetString(), "created");
  EXPECT_EQ(doc[0]["at_ms"].GetInt64(), t0 + 2000);
  EXPECT_STREQ(doc[0]["at"].GetString(), "2024-05-01T03:04:07.000Z");
  EXPECT_STREQ(doc[0]["direction"].GetString(), "board_to_hubspot");
  EXPECT_EQ(doc[0]["deal_id"].GetInt64(), 44);
  EXPECT_TRUE(doc[0]["company_id"].IsNull());
  EXPECT_EQ(doc[0]["project_id"].GetInt64(), 10);
  EXPECT_STREQ(doc[0]["reason_code"].GetString(), "hubspot_validation");
  EXPECT_EQ(doc[0]["attempts"].GetInt(), 5);
  EXPECT_STREQ(doc[1]["message"].GetString(), "deal 43 has no company");
  EXPECT_EQ(doc[2]["client_id"].GetInt64(), 3);
  EXPECT_STREQ(doc[2]["command_id"].GetString(), "cmd-1");
  EXPECT_STREQ(doc[0]["dead_letter"].GetString(), "2:17");
  EXPECT_TRUE(doc[1]["dead_letter"].IsNull());

  Result text = ctl({"history", "12345678"});
  ASSERT_EQ(text.code, 0) << text.err;
  std::istringstream lines(text.out);
  std::vector<std::string> rows;
  for (std::string line; std::getline(lines, line);) rows.push_back(line);
  ASSERT_EQ(rows.size(), 4u) << text.out;
  EXPECT_EQ(rows[0].rfind("TIME", 0), 0u) << rows[0];
  for (const char* column : {"DIRECTION", "ACTION", "DEAL", "COMPANY", "CLIENT", "PROJECT",
                             "REASON", "ATTEMPTS", "MESSAGE"}) {
    EXPECT_NE(rows[0].find(column), std::string::npos) << column;
  }
  EXPECT_EQ(rows[1].rfind("2024-05-01T03:04:07Z", 0), 0u) << rows[1];
  EXPECT_NE(rows[1].find("deal 44 stage update refused"), std::string::npos) << rows[1];
  EXPECT_NE(rows[2].find("no_company"), std::string::npos) << rows[2];
  EXPECT_EQ(rows[3].rfind("2024-05-01T03:04:05Z", 0), 0u) << rows[3];

  Result limited = ctl({"history", "12345678", "--limit", "1", "--json"});
  ASSERT_EQ(limited.code, 0) << limited.err;
  doc.Parse(limited.out.c_str());
  ASSERT_TRUE(doc.IsArray());
  ASSERT_EQ(doc.Size(), 1u);
  EXPECT_STREQ(doc[0]["action"].GetString(), "failed");

  // A tenant without history (history needs no encryption keys).
  env_.erase("HBSYNC_ENCRYPTION_KEYS");
  EXPECT_EQ(ctl({"history", "999", "--json"}).out, "[]\n");
  Result none = ctl({"history", "999"});
  EXPECT_EQ(none.code, 0);
  EXPECT_EQ(none.out, "");
  EXPECT_NE(none.err.find("no history"), std::string::npos);
}

TEST_F(CtlTest, RotateKeysMovesSecretsToTheNewActiveKey) {
  ASSERT_EQ(ctl({"tenant", "apply", "-f", write("t.json", readme_tenant_json())}).code, 0);
  EXPECT_EQ(ctl({"tenant", "rotate-keys"}).out, "re-encrypted 0 secrets with key k1\n");

  env_["HBSYNC_ENCRYPTION_KEYS"] =
      "k2:" + Keyring::generate_key() + "," + env_["HBSYNC_ENCRYPTION_KEYS"];
  Result rotated = ctl({"tenant", "rotate-keys"});
  EXPECT_EQ(rotated.code, 0) << rotated.err;
  // api_key, api_token, access, refresh, expires_at_ms, user.
  EXPECT_EQ(rotated.out, "re-encrypted 6 secrets with key k2\n");
  EXPECT_EQ(ctl({"tenant", "rotate-keys"}).out, "re-encrypted 0 secrets with key k2\n");

  // The old key can go now.
  const std::string keys = env_["HBSYNC_ENCRYPTION_KEYS"];
  env_["HBSYNC_ENCRYPTION_KEYS"] = keys.substr(0, keys.find(','));
  Result got = ctl({"tenant", "get", "12345678"});
  EXPECT_EQ(got.code, 0) << got.err;
  EXPECT_NE(got.out.find("\"api_key\": \"(set)\""), std::string::npos) << got.out;
  expect_no_secrets(got);
}

TEST_F(CtlTest, MissingKeyForStoredSecretIsAClearFailure) {
  ASSERT_EQ(ctl({"tenant", "apply", "-f", write("t.json", readme_tenant_json())}).code, 0);
  env_["HBSYNC_ENCRYPTION_KEYS"] = "other:" + Keyring::generate_key();
  Result r = ctl({"tenant", "get", "12345678"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("HBSYNC_ENCRYPTION_KEYS"), std::string::npos) << r.err;
  expect_no_secrets(r);
}

}  // namespace
