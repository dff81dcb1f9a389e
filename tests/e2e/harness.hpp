// End-to-end test harness: the whole HubSpot -> board pipeline as real
// processes on loopback, for the suites in tests/e2e (and the fault suites).
//
//   redis-server, hbsync-kafka-dev (DevBroker), hbsync-sim-hubspot,
//   hbsync-sim-board, hbsync-ingress, hbsync-mapper (replicas), hbsync-writer
//   (replicas)
//
// Every process runs on free ports with its log in one temporary directory
// (Stack::dir()); a test that fails prints that directory and the tail of
// every log (Stack::finish_test). Any service replica can be killed with
// SIGKILL, stopped with SIGTERM and started again on the same port; Kafka
// brokers can be taken down and up; Redis restarted.
//
// The HubSpot simulator's app (client secret kAppSecret) is installed in
// every provisioned portal and delivers its signed webhooks to ingress.
// Tests create and change HubSpot records through the simulator's real CRM
// API with the tenant's private-app token (so HubSpot sends webhooks, and the
// calls count against the portal's rate limit like any other integration's),
// and read the results through the simulators' uncounted control APIs.
//
// Waiting: wait_for() polls a condition and, on timeout, records a gtest
// failure that says what was awaited and what was seen. wait_idle() waits
// until every webhook is delivered and the mapper's and writers' consumer
// groups have committed everything, so "nothing changed" can be asserted
// without sleeping.
#pragma once

#include <rapidjson/document.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "hbsync/history/history.hpp"
#include "hbsync/http/client.hpp"
#include "hbsync/redis/redis.hpp"
#include "hbsync/tenant/settings.hpp"
#include "hbsync/testing/dev_broker.hpp"
#include "hbsync/testing/process.hpp"
#include "hbsync/testing/redis_server.hpp"
#include "hbsync/testing/wait.hpp"

namespace hbsync::e2e {

using namespace std::chrono_literals;

// The HubSpot app the simulator signs webhooks with and ingress verifies.
inline constexpr const char* kAppClientId = "hbsync-e2e-app";
inline constexpr const char* kAppSecret = "hbsync-e2e-app-secret";
inline constexpr int64_t kAppId = 4100001;

// The stage mapping every provisioned tenant gets (pipeline "default"; the
// simulator's default stages plus "invoiced" and "paid").
namespace stage {
inline constexpr const char* appointment = "appointmentscheduled";    // order 1 見積中(高)
inline constexpr const char* qualified = "qualifiedtobuy";            // order 2 見積中(中)
inline constexpr const char* presentation = "presentationscheduled";  // order 3 見積中(低)
inline constexpr const char* decision = "decisionmakerboughtin";      // not mapped
inline constexpr const char* contract = "contractsent";               // order 4 受注確定
inline constexpr const char* won = "closedwon";                       // order 5 受注済
inline constexpr const char* lost = "closedlost";                     // order 9 失注
inline constexpr const char* invoiced = "invoiced";                   // 請求済
inline constexpr const char* paid = "paid";                           // 入金済
}  // namespace stage
inline constexpr const char* kPipeline = "default";

// Wall-clock now in epoch ms (history entries and board/HubSpot timestamps).
inline int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct HttpResult {
  int status = 0;  // 0: no answer (error says why)
  std::string body{};
  std::string error{};
  std::map<std::string, std::string> headers{};  // only Retry-After is kept
  bool ok() const { return status >= 200 && status < 300; }
  // The body parsed; an empty object when it is empty or not JSON.
  rapidjson::Document json() const;
};

// A simulator process on a free port (HBSYNC_SIM_<X>_PORT_FILE); restartable
// (it loses its data then, as the real service would not).
class Simulator {
 public:
  Simulator(std::string binary, std::string env_prefix, std::string dir,
            std::map<std::string, std::string> env);
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  const std::string& base() const { return base_; }
  const std::string& log_path() const { return log_; }

  HttpResult send(const std::string& method, const std::string& target,
                  const std::string& body = "",
                  const std::map<std::string, std::string>& headers = {},
                  std::chrono::milliseconds timeout = 30s);
  // A /_sim/ call that must succeed: throws std::runtime_error naming the
  // route, status and body otherwise. Returns the parsed body.
  rapidjson::Document control(const std::string& method, const std::string& target,
                              const std::string& body = "");

 private:
  void spawn();

  std::string binary_;
  std::string env_prefix_;
  std::string dir_;
  std::map<std::string, std::string> env_;
  std::string log_;
  std::string port_file_;
  testing::Process process_;
  std::string base_;
  http::Client client_;
};

struct StackOptions {
  int mappers = 1;
  int writers = 2;
  int pollers = 0;  // hbsync-poller replicas (service name "poller")
  int brokers = 3;
  int partitions = 6;
  std::string log_level = "info";
  // Webhook retry backoff factor of the HubSpot simulator (its schedule of
  // 1m, 2m, 5m ... becomes 60 ms, 120 ms, 300 ms ... at 0.001).
  double webhook_time_scale = 0.001;
  std::string search_lag = "2s";  // HubSpot's search index trails writes
  // Extra variables for every service, then per service name
  // ("ingress", "mapper", "writer"); later ones win.
  std::map<std::string, std::string> service_env{};
  std::map<std::string, std::map<std::string, std::string>> env_by_service{};
  std::map<std::string, std::string> hubspot_sim_env{};
  std::map<std::string, std::string> board_sim_env{};
};

// A HubSpot owner of the tenant's portal.
struct Owner {
  int64_t id = 0;
  std::string email{};
  std::string first_name = "Taro";
  std::string last_name = "Yamada";
};
struct BoardUserSpec {
  std::string email{};
  std::string last_name = "山田";
  std::string first_name = "太郎";
};

struct TenantSpec {
  int64_t portal_id = 0;  // 0: the next unused id
  // Defaults (when empty): owners 7001 owner.a@e2e.example (a board user has
  // this e-mail, in upper case) and 7002 owner.b@e2e.example (no board user);
  // board users default@e2e.example (the default user) and
  // OWNER.A@e2e.example.
  std::vector<Owner> owners{};
  std::vector<BoardUserSpec> board_users{};
  int default_user = 0;  // index into board_users; -1: no default user
  // Company property for the client URL (F3.4); created in the simulator as
  // single-line text. Empty: none configured.
  std::string link_property = "board_client_url";
  // Last changes to the settings before they are saved.
  std::function<void(tenant::Settings&)> customize{};
  // Store the board users sealed in Redis as `hbsync-ctl tenant apply` does
  // (tenant/board_users.hpp), so the tenant's first deal needs no users list
  // call. Off: the mapper reads them with the first deal.
  bool store_board_users = false;
};

struct Tenant {
  std::string id;  // = portal id
  int64_t portal_id = 0;
  std::string hubspot_token;  // private-app token
  std::string board_api_key;
  std::string board_api_token;
  std::vector<int64_t> board_user_ids;  // in TenantSpec::board_users order
  int64_t default_user_id = 0;          // 0: none
  std::vector<Owner> owners;
  std::string link_property;
};

struct CompanyFields {
  std::string name{};
  std::string zip{};    // omitted when empty
  std::string phone{};  // omitted when empty
  std::string state{};  // omitted when empty
  std::string city{};   // omitted when empty
};

struct DealFields {
  std::string name{};
  std::string stage = stage::appointment;
  std::string pipeline = kPipeline;
  std::string amount{};     // omitted when empty
  std::string closedate{};  // ISO 8601 or epoch ms; omitted when empty
  int64_t owner_id = 0;     // 0: no owner
};

struct Association {
  std::string company_id{};
  bool primary = false;
};

struct BoardClient {
  int64_t id = 0;
  std::string name{}, name_disp{}, zip{}, pref{}, address1{}, tel{};  // "" when null
  std::string updated_at{};
};

struct BoardProject {
  int64_t id = 0;
  std::string name{};
  std::string management_no{};  // "" when null
  int64_t client_id = 0;
  int64_t user_id = 0;
  int order_status = 0;
  int invoice_timing_kbn = 0;
  std::vector<std::string> invoice_dates{};
  std::string updated_at{};
};

class Stack {
 public:
  // Starts everything and waits until every service answers /readyz.
  // Throws std::runtime_error (naming the log directory) when something does
  // not come up.
  explicit Stack(StackOptions options = {});
  ~Stack();
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;

  const std::string& dir() const { return dir_; }
  const StackOptions& options() const { return options_; }

  // ---- processes ------------------------------------------------------
  // Service names: "ingress", "mapper", "writer", "poller"; replica from 0.
  int replicas(const std::string& service) const;
  uint16_t port(const std::string& service, int replica = 0) const;
  std::string log_path(const std::string& service, int replica = 0) const;
  bool running(const std::string& service, int replica = 0);
  // The replica's process id (-1 when not running).
  pid_t pid(const std::string& service, int replica = 0) const;
  bool ready(const std::string& service, int replica = 0);
  // SIGKILL (kill -9) and reap.
  void kill(const std::string& service, int replica = 0);
  // SIGTERM; returns the exit code, or nullopt when it did not exit within
  // `timeout` (it is killed then).
  std::optional<int> stop(const std::string& service, int replica = 0,
                          std::chrono::milliseconds timeout = 30s);
  // Starts a stopped or killed replica again on its port, with its
  // environment; waits for /readyz (throws on timeout) unless told not to.
  void start(const std::string& service, int replica = 0, bool wait_ready = true);
  void restart(const std::string& service, int replica = 0);  // kill, then start
  // GET /metrics of a replica ("" when it does not answer).
  std::string metrics(const std::string& service, int replica = 0);

  testing::DevBroker& kafka() { return *broker_; }
  void broker_down(int id) { broker_->broker_down(id); }
  void broker_up(int id) { broker_->broker_up(id); }
  testing::RedisServer& redis_server() { return *redis_server_; }
  redis::Client& redis() { return *redis_; }
  Simulator& hubspot() { return *hubspot_; }
  Simulator& board() { return *board_; }
  const std::string& encryption_keys() const { return encryption_keys_; }

  // ---- tenants ----------------------------------------------------------
  // HubSpot portal (app installed, private-app token, owners, pipeline with
  // the invoiced/paid stages, link property), board account (token with
  // every operation, users) and tenant settings with the stage mapping of
  // `stage` above, saved with tenant::Store.
  Tenant provision(TenantSpec spec = {});
  // Saves changed settings of a provisioned tenant.
  void update_settings(const Tenant& tenant, const std::function<void(tenant::Settings&)>& change);

  // ---- HubSpot, through the CRM API with the tenant's token -------------
  // A CRM request, retried while the simulator answers 429 (after its
  // Retry-After) for up to 60 s. Counted in test_hubspot_calls().
  HttpResult hubspot_api(const Tenant& tenant, const std::string& method, const std::string& path,
                         const std::string& body = "");
  std::string create_company(const Tenant& tenant, const CompanyFields& fields);
  std::string create_deal(const Tenant& tenant, const DealFields& fields,
                          const std::vector<Association>& associations = {});
  // v4 association (primary: type 5, else the unlabeled 341).
  void associate(const Tenant& tenant, const std::string& deal_id, const std::string& company_id,
                 bool primary);
  void update_deal(const Tenant& tenant, const std::string& deal_id,
                   const std::map<std::string, std::string>& properties);
  void move_stage(const Tenant& tenant, const std::string& deal_id, const std::string& stage_id);
  void delete_deal(const Tenant& tenant, const std::string& deal_id);
  // CRM calls this harness made for the portal (every attempt, 429s too).
  int64_t test_hubspot_calls(const Tenant& tenant) const;

  // Read through the control API (not counted, not rate limited): the
  // company's property value, nullopt when unset or the company is unknown.
  std::optional<std::string> company_property(const Tenant& tenant, const std::string& company_id,
                                              const std::string& property);

  // ---- board, through the control API ------------------------------------
  std::vector<BoardClient> board_clients(const Tenant& tenant);
  std::vector<BoardProject> board_projects(const Tenant& tenant);
  // A client that existed before the tenant connected (name_disp = name
  // unless given).
  BoardClient seed_board_client(const Tenant& tenant, const std::string& name,
                                const std::string& name_disp = "");

  // ---- simulator switches and counters ----------------------------------
  // POST /_sim/webhooks/settings, e.g. {"duplicate":0.5,"reorder":true}.
  void webhook_settings(const std::string& json);
  rapidjson::Document webhook_stats(std::optional<int64_t> portal_id = std::nullopt);
  rapidjson::Document hubspot_calls() { return hubspot_->control("GET", "/_sim/calls"); }
  rapidjson::Document board_calls() { return board_->control("GET", "/_sim/calls"); }
  // Calls the simulator counted for the portal / board API key (0 if none).
  int64_t hubspot_calls_for(const Tenant& tenant);
  int64_t board_calls_for(const Tenant& tenant);
  // board's most calls of the tenant's key that arrived within one second.
  int64_t board_peak_per_second(const Tenant& tenant);
  // Count of one route ("PATCH /v1/projects/order_status/{id}") for the key.
  int64_t board_route_calls(const Tenant& tenant, const std::string& route);

  // POST /_sim/faults on a simulator, e.g.
  // {"count":50,"route":"POST /v1/projects","status":429,"retry_after":1};
  // clear_faults() removes every rule (and latency) on both.
  void board_fault(const std::string& json) { board_->control("POST", "/_sim/faults", json); }
  void hubspot_fault(const std::string& json) { hubspot_->control("POST", "/_sim/faults", json); }
  void clear_faults();

  // ---- operator CLI ----------------------------------------------------------
  // Runs hbsync-ctl with the services' Redis, Kafka, board and key settings (e.g.
  // {"dlq", "replay", "--all", "--yes"}); waits up to 60 s.
  struct CtlResult {
    int exit_code = -1;  // -1: did not finish in time (killed)
    std::string output;  // stdout and stderr together
  };
  CtlResult ctl(const std::vector<std::string>& args);

  // ---- history -----------------------------------------------------------
  // Newest first.
  std::vector<history::Entry> history(const Tenant& tenant, size_t count = 1000);
  // Waits for an entry matching `match`; on timeout a gtest failure naming
  // `what` and listing the tenant's history. Returns the entry found.
  std::optional<history::Entry> wait_for_history(
      const Tenant& tenant, const std::string& what,
      const std::function<bool(const history::Entry&)>& match, std::chrono::milliseconds timeout);
  static std::string describe(const history::Entry& entry);

  // ---- Kafka --------------------------------------------------------------
  // Messages of `group` not yet committed on `topic` (all partitions);
  // nullopt when Kafka did not answer.
  std::optional<int64_t> group_lag(const std::string& group, const std::string& topic);
  // Messages on `topic` (high minus low watermark, all partitions).
  std::optional<int64_t> topic_size(const std::string& topic);

  // Every webhook delivered or given up, then hbsync-mapper's lag on
  // hubspot.events and hbsync-writer's on sync.commands 0 twice in a row.
  // On timeout a gtest failure with what was still pending; returns false.
  bool wait_idle(std::chrono::milliseconds timeout);

  // ---- Redis --------------------------------------------------------------
  // Every key with every value in it, whatever its type (string, hash field
  // names and values, set and list members, sorted-set members and scores,
  // stream entry ids, field names and values), via SCAN + TYPE.
  struct RedisKey {
    std::string key{};
    std::string type{};
    std::vector<std::string> values{};
  };
  std::vector<RedisKey> dump_redis();

  // ---- failure reporting ------------------------------------------------
  // Call at the end of each test (TearDown): when the running test failed,
  // prints the log directory and the last lines of every log, and keeps the
  // directory after the Stack is gone.
  void finish_test();
  void print_logs(std::ostream& out, size_t tail_lines = 60);

 private:
  struct Service;
  struct KafkaProbe;
  Service& service(const std::string& name, int replica);
  const Service& service(const std::string& name, int replica) const;
  void spawn(Service& s);
  bool wait_ready(Service& s, std::chrono::milliseconds timeout);
  std::map<std::string, std::string> service_env(const std::string& name, uint16_t port) const;

  StackOptions options_;
  std::string dir_;
  bool keep_dir_ = false;
  std::string encryption_keys_;
  std::unique_ptr<testing::RedisServer> redis_server_;
  std::unique_ptr<testing::DevBroker> broker_;
  std::unique_ptr<Simulator> hubspot_;
  std::unique_ptr<Simulator> board_;
  std::unique_ptr<redis::Client> redis_;
  std::vector<std::unique_ptr<Service>> services_;
  std::unique_ptr<KafkaProbe> kafka_probe_;
  http::Client http_;
  int64_t next_portal_id_ = 0;
  std::map<int64_t, int64_t> test_calls_;  // portal -> CRM calls made by the harness
};

// The one polling helper (libs/testing): on timeout a gtest failure "timed
// out after N s waiting for <what>" plus `describe()`; returns false.
using hbsync::testing::wait_for;

// The integer at `path` in a JSON document (numbers or numeric strings);
// 0 when a member is missing.
int64_t json_int(const rapidjson::Value& value, std::initializer_list<const char*> path);

// The date today in Japan (YYYY-MM-DD) and the last day of its month.
std::string jst_today();
std::string jst_end_of_month();

}  // namespace hbsync::e2e
