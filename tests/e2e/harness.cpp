#include "harness.hpp"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "hbsync/json/lenient.hpp"
#include "hbsync/tenant/board_users.hpp"
#include "hbsync/tenant/crypto.hpp"
#include "hbsync/tenant/store.hpp"

namespace hbsync::e2e {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

std::string tail(const std::string& path, size_t lines) {
  std::ifstream in(path);
  if (!in) return "(no such file)\n";
  std::deque<std::string> last;
  std::string line;
  while (std::getline(in, line)) {
    last.push_back(line);
    if (last.size() > lines) last.pop_front();
  }
  std::string out;
  for (const auto& l : last) out += l + "\n";
  return out;
}

void append_line(const std::string& path, const std::string& line) {
  std::ofstream out(path, std::ios::app);
  out << line << "\n";
}

// Simulator answers read with the lenient readers (libs/json): ids as
// numbers or strings, a missing member as "" or 0.
std::string str(const rapidjson::Value& v) {
  return json::lenient::text_of(&v).value_or("");
}
std::string member_str(const rapidjson::Value& o, const char* name) {
  return json::lenient::str(o, name);
}
int64_t member_int(const rapidjson::Value& o, const char* name) {
  return json::lenient::int_of(json::lenient::member(o, name)).value_or(0);
}

std::string to_text(const rapidjson::Value& v) {
  rapidjson::StringBuffer b;
  Writer w(b);
  v.Accept(w);
  return b.GetString();
}

// {"properties": {...}} from the non-empty values.
std::string properties_body(const std::vector<std::pair<std::string, std::string>>& props,
                            const std::vector<Association>& associations = {}) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  w.Key("properties");
  w.StartObject();
  for (const auto& [k, v] : props) {
    if (v.empty()) continue;
    w.Key(k.c_str());
    w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
  }
  w.EndObject();
  if (!associations.empty()) {
    w.Key("associations");
    w.StartArray();
    for (const auto& a : associations) {
      w.StartObject();
      w.Key("to");
      w.StartObject();
      w.Key("id");
      w.String(a.company_id.c_str());
      w.EndObject();
      w.Key("types");
      w.StartArray();
      w.StartObject();
      w.Key("associationCategory");
      w.String("HUBSPOT_DEFINED");
      w.Key("associationTypeId");
      w.Int(a.primary ? 5 : 341);
      w.EndObject();
      w.EndArray();
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  return b.GetString();
}

std::string jst_date(int days_offset_in_month_end) {
  std::time_t now = std::time(nullptr) + 9 * 3600;
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char buf[48];
  if (days_offset_in_month_end) {
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int year = tm.tm_year + 1900;
    int d = days[tm.tm_mon];
    if (tm.tm_mon == 1 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0)) d = 29;
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, tm.tm_mon + 1, d);
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  }
  return buf;
}

void flatten(const redis::Reply& r, std::vector<std::string>& out) {
  switch (r.type) {
    case redis::Reply::Type::string:
    case redis::Reply::Type::status:
    case redis::Reply::Type::error:
      out.push_back(r.str);
      break;
    case redis::Reply::Type::integer:
      out.push_back(std::to_string(r.integer));
      break;
    case redis::Reply::Type::array:
      for (const auto& e : r.elements) flatten(e, out);
      break;
    case redis::Reply::Type::nil:
      break;
  }
}

void no_log(const rd_kafka_t*, int, const char*, const char*) {}

}  // namespace

rapidjson::Document HttpResult::json() const {
  rapidjson::Document d;
  d.Parse(body.c_str(), body.size());
  if (d.HasParseError()) d.SetObject();
  return d;
}

// ---------------------------------------------------------------------------
// Simulator

Simulator::Simulator(std::string binary, std::string env_prefix, std::string dir,
                     std::map<std::string, std::string> env)
    : binary_(std::move(binary)),
      env_prefix_(std::move(env_prefix)),
      dir_(std::move(dir)),
      env_(std::move(env)) {
  log_ = dir_ + "/" + binary_ + ".log";
  port_file_ = dir_ + "/" + binary_ + ".port";
  spawn();
}

Simulator::~Simulator() {
  process_.signal(SIGTERM);
  if (!process_.wait(5s)) process_.kill_hard();
}

void Simulator::spawn() {
  std::filesystem::remove(port_file_);
  std::map<std::string, std::string> env = env_;
  env[env_prefix_ + "_PORT"] = "0";
  env[env_prefix_ + "_PORT_FILE"] = port_file_;
  if (!env.count("HBSYNC_LOG_LEVEL")) env["HBSYNC_LOG_LEVEL"] = "warn";
  process_ = testing::Process({testing::bin_path(binary_)}, env, log_);
  std::string port;
  if (!testing::wait_until(
          [&] {
            if (!process_.running()) return true;
            std::ifstream in(port_file_);
            return static_cast<bool>(in >> port);
          },
          20s) ||
      port.empty()) {
    throw std::runtime_error(binary_ + " did not start; see " + log_);
  }
  base_ = "http://127.0.0.1:" + port;
}

HttpResult Simulator::send(const std::string& method, const std::string& target,
                           const std::string& body,
                           const std::map<std::string, std::string>& headers,
                           std::chrono::milliseconds timeout) {
  http::ClientRequest r;
  r.method = method;
  r.url = base_ + target;
  r.body = body;
  r.timeout = timeout;
  if (!body.empty()) r.headers.set("Content-Type", "application/json");
  for (const auto& [k, v] : headers) r.headers.set(k, v);
  auto res = client_.send(r);
  HttpResult out;
  if (!res.ok()) {
    out.error =
        res.error_message.empty() ? std::string(http::to_string(res.error)) : res.error_message;
    return out;
  }
  out.status = res.response.status;
  out.body = res.response.body;
  if (auto ra = res.response.headers.get("Retry-After")) out.headers["Retry-After"] = *ra;
  return out;
}

rapidjson::Document Simulator::control(const std::string& method, const std::string& target,
                                       const std::string& body) {
  auto res = send(method, target, body);
  if (!res.ok()) {
    throw std::runtime_error(binary_ + ": " + method + " " + target + " -> " +
                             (res.status ? std::to_string(res.status) : res.error) + " " +
                             res.body);
  }
  return res.json();
}

// ---------------------------------------------------------------------------
// Stack

struct Stack::Service {
  std::string name;
  int replica = 0;
  uint16_t port = 0;
  std::string log;
  testing::Process process;
  int starts = 0;
};

struct Stack::KafkaProbe {
  std::string brokers;
  std::mutex mutex;
  std::map<std::string, rd_kafka_t*> handles;

  ~KafkaProbe() {
    for (auto& [group, rk] : handles) rd_kafka_destroy(rk);
  }

  rd_kafka_t* handle(const std::string& group) {
    auto it = handles.find(group);
    if (it != handles.end()) return it->second;
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    auto set = [&](const char* k, const std::string& v) {
      if (rd_kafka_conf_set(conf, k, v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        throw std::runtime_error(std::string("kafka probe: ") + k + ": " + err);
      }
    };
    set("bootstrap.servers", brokers);
    set("group.id", group);
    set("enable.auto.commit", "false");
    set("client.id", "hbsync-e2e-probe");
    rd_kafka_conf_set_log_cb(conf, no_log);
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (rk == nullptr) throw std::runtime_error(std::string("kafka probe: ") + err);
    handles[group] = rk;
    return rk;
  }
};

Stack::Stack(StackOptions options) : options_(std::move(options)) {
  char tmpl[] = "/tmp/hbsync-e2e-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  // Portal ids of this run; ids only have to be unique within the simulator.
  next_portal_id_ = 70000000 + static_cast<int64_t>(::getpid() % 10000) * 100;
  encryption_keys_ = "e2e:" + tenant::Keyring::generate_key();
  try {
    redis_server_ = std::make_unique<testing::RedisServer>();
    broker_ = std::make_unique<testing::DevBroker>(options_.brokers, options_.partitions);
    kafka_probe_ = std::make_unique<KafkaProbe>();
    kafka_probe_->brokers = broker_->bootstrap();

    auto add = [&](const std::string& name, int count) {
      for (int i = 0; i < count; ++i) {
        auto s = std::make_unique<Service>();
        s->name = name;
        s->replica = i;
        s->port = testing::free_port();
        s->log = dir_ + "/" + name + "-" + std::to_string(i) + ".log";
        services_.push_back(std::move(s));
      }
    };
    add("ingress", 1);
    add("mapper", options_.mappers);
    add("writer", options_.writers);
    add("poller", options_.pollers);

    std::map<std::string, std::string> hs = {
        {"HBSYNC_SIM_HUBSPOT_CLIENT_ID", kAppClientId},
        {"HBSYNC_SIM_HUBSPOT_CLIENT_SECRET", kAppSecret},
        {"HBSYNC_SIM_HUBSPOT_APP_ID", std::to_string(kAppId)},
        {"HBSYNC_SIM_HUBSPOT_WEBHOOK_URL",
         "http://127.0.0.1:" + std::to_string(service("ingress", 0).port) + "/webhooks/hubspot"},
        {"HBSYNC_SIM_HUBSPOT_TIME_SCALE", std::to_string(options_.webhook_time_scale)},
        {"HBSYNC_SIM_HUBSPOT_SEARCH_LAG", options_.search_lag}};
    for (const auto& [k, v] : options_.hubspot_sim_env) hs[k] = v;
    hubspot_ = std::make_unique<Simulator>("hbsync-sim-hubspot", "HBSYNC_SIM_HUBSPOT", dir_, hs);
    // The events F3 reacts to (F3.1, F3.7), as the app's webhook
    // subscriptions would be set up in HubSpot's developer account.
    hubspot_->control(
        "PATCH", "/_sim/apps/" + std::to_string(kAppId),
        R"({"subscriptions":["deal.creation","deal.deletion","deal.merge","deal.associationChange",)"
        R"("deal.propertyChange:dealstage","deal.propertyChange:pipeline",)"
        R"("deal.propertyChange:hubspot_owner_id","company.merge"]})");
    board_ = std::make_unique<Simulator>("hbsync-sim-board", "HBSYNC_SIM_BOARD", dir_,
                                         options_.board_sim_env);

    redis::Options ro;
    ro.url = redis_server_->url();
    redis_ = std::make_unique<redis::Client>(ro);

    for (auto& s : services_) spawn(*s);
    for (auto& s : services_) {
      if (!wait_ready(*s, 60s)) {
        throw std::runtime_error("hbsync-" + s->name + " #" + std::to_string(s->replica) +
                                 " not ready within 60 s; see " + s->log);
      }
    }
  } catch (const std::exception& e) {
    keep_dir_ = true;
    std::cerr << "e2e stack did not start: " << e.what() << "\nlogs in " << dir_ << "\n";
    print_logs(std::cerr, 30);
    throw;
  }
}

Stack::~Stack() {
  // Services first (they drain and commit), then what they use.
  for (auto it = services_.rbegin(); it != services_.rend(); ++it) {
    auto& s = **it;
    if (s.process.pid() > 0 && s.process.running()) s.process.signal(SIGTERM);
  }
  for (auto it = services_.rbegin(); it != services_.rend(); ++it) {
    auto& s = **it;
    if (s.process.pid() <= 0) continue;
    auto code = s.process.wait(25s);
    if (!code) {
      std::cerr << "hbsync-" << s.name << " #" << s.replica
                << " did not exit within 25 s of SIGTERM; killed (log " << s.log << ")\n";
      s.process.kill_hard();
    } else if (*code != 0 && *code != 128 + SIGKILL) {
      std::cerr << "hbsync-" << s.name << " #" << s.replica << " exited with " << *code
                << " after SIGTERM (log " << s.log << ")\n";
    }
  }
  services_.clear();
  kafka_probe_.reset();
  board_.reset();
  hubspot_.reset();
  redis_.reset();
  broker_.reset();
  redis_server_.reset();
  if (!keep_dir_) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  } else {
    std::cerr << "e2e logs kept in " << dir_ << "\n";
  }
}

Stack::Service& Stack::service(const std::string& name, int replica) {
  for (auto& s : services_) {
    if (s->name == name && s->replica == replica) return *s;
  }
  throw std::invalid_argument("no service " + name + " #" + std::to_string(replica));
}
const Stack::Service& Stack::service(const std::string& name, int replica) const {
  for (const auto& s : services_) {
    if (s->name == name && s->replica == replica) return *s;
  }
  throw std::invalid_argument("no service " + name + " #" + std::to_string(replica));
}

int Stack::replicas(const std::string& name) const {
  int n = 0;
  for (const auto& s : services_) n += s->name == name ? 1 : 0;
  return n;
}
uint16_t Stack::port(const std::string& name, int replica) const {
  return service(name, replica).port;
}
std::string Stack::log_path(const std::string& name, int replica) const {
  return service(name, replica).log;
}

std::map<std::string, std::string> Stack::service_env(const std::string& name,
                                                      uint16_t port) const {
  const std::string ingress_base = "http://127.0.0.1:" + std::to_string(service("ingress", 0).port);
  std::map<std::string, std::string> env = {
      {"HBSYNC_HTTP_ADDRESS", "127.0.0.1"},
      {"HBSYNC_HTTP_PORT", std::to_string(port)},
      {"HBSYNC_REDIS_URL", redis_server_->url()},
      {"HBSYNC_KAFKA_BROKERS", broker_->bootstrap()},
      {"HBSYNC_READY_INTERVAL", "200ms"},
      {"HBSYNC_LOG_LEVEL", options_.log_level},
      {"HBSYNC_ENCRYPTION_KEYS", encryption_keys_},
      {"HBSYNC_HUBSPOT_API_URL", hubspot_->base()},
      {"HBSYNC_BOARD_API_URL", board_->base()},
      {"HBSYNC_HUBSPOT_CLIENT_ID", kAppClientId},
      {"HBSYNC_HUBSPOT_CLIENT_SECRET", kAppSecret},
      {"HBSYNC_INGRESS_PUBLIC_BASE_URL", ingress_base},
      {"HBSYNC_KAFKA_COMMIT_INTERVAL", "200ms"},
      // The dev broker answers a waiting fetch only when the wait ends.
      {"HBSYNC_KAFKA_FETCH_WAIT_MAX", "10ms"},
  };
  for (const auto& [k, v] : options_.service_env) env[k] = v;
  if (auto it = options_.env_by_service.find(name); it != options_.env_by_service.end()) {
    for (const auto& [k, v] : it->second) env[k] = v;
  }
  return env;
}

void Stack::spawn(Service& s) {
  ++s.starts;
  append_line(s.log, "==== e2e harness: start #" + std::to_string(s.starts) + " of hbsync-" +
                         s.name + " replica " + std::to_string(s.replica));
  s.process =
      testing::Process({testing::bin_path("hbsync-" + s.name)}, service_env(s.name, s.port), s.log);
}

bool Stack::wait_ready(Service& s, std::chrono::milliseconds timeout) {
  return testing::wait_until(
      [&] {
        if (!s.process.running()) return false;
        http::ClientRequest r;
        r.url = "http://127.0.0.1:" + std::to_string(s.port) + "/readyz";
        r.timeout = 2s;
        auto res = http_.send(r);
        return res.ok() && res.response.status == 200;
      },
      timeout, 50ms);
}

bool Stack::running(const std::string& name, int replica) {
  auto& s = service(name, replica);
  return s.process.pid() > 0 && s.process.running();
}

pid_t Stack::pid(const std::string& name, int replica) const {
  return service(name, replica).process.pid();
}

bool Stack::ready(const std::string& name, int replica) {
  auto& s = service(name, replica);
  http::ClientRequest r;
  r.url = "http://127.0.0.1:" + std::to_string(s.port) + "/readyz";
  r.timeout = 2s;
  auto res = http_.send(r);
  return res.ok() && res.response.status == 200;
}

void Stack::kill(const std::string& name, int replica) {
  auto& s = service(name, replica);
  append_line(s.log, "==== e2e harness: kill -9");
  s.process.kill_hard();
}

std::optional<int> Stack::stop(const std::string& name, int replica,
                               std::chrono::milliseconds timeout) {
  auto& s = service(name, replica);
  if (!s.process.running()) return s.process.wait(0ms);
  s.process.signal(SIGTERM);
  auto code = s.process.wait(timeout);
  if (!code) s.process.kill_hard();
  append_line(s.log, "==== e2e harness: stopped (SIGTERM), exit " +
                         (code ? std::to_string(*code) : std::string("none, killed")));
  return code;
}

void Stack::start(const std::string& name, int replica, bool wait) {
  auto& s = service(name, replica);
  if (s.process.pid() > 0 && s.process.running()) {
    throw std::logic_error("hbsync-" + name + " #" + std::to_string(replica) + " is running");
  }
  spawn(s);
  if (wait && !wait_ready(s, 60s)) {
    throw std::runtime_error("hbsync-" + name + " #" + std::to_string(replica) +
                             " not ready within 60 s after a restart; see " + s.log);
  }
}

void Stack::restart(const std::string& name, int replica) {
  kill(name, replica);
  start(name, replica);
}

std::string Stack::metrics(const std::string& name, int replica) {
  http::ClientRequest r;
  r.url = "http://127.0.0.1:" + std::to_string(service(name, replica).port) + "/metrics";
  r.timeout = 2s;
  auto res = http_.send(r);
  return res.ok() ? res.response.body : "";
}

// ---- tenants --------------------------------------------------------------

Tenant Stack::provision(TenantSpec spec) {
  Tenant t;
  t.portal_id = spec.portal_id != 0 ? spec.portal_id : next_portal_id_++;
  t.id = std::to_string(t.portal_id);
  t.hubspot_token = "pat-na1-e2e-" + t.id;
  t.board_api_key = "e2e-board-key-" + t.id;
  t.board_api_token = "e2e-board-token-" + t.id;
  t.link_property = spec.link_property;
  if (spec.owners.empty()) {
    spec.owners = {{.id = 7001, .email = "owner.a@e2e.example"},
                   {.id = 7002, .email = "owner.b@e2e.example", .first_name = "Hanako"}};
  }
  if (spec.board_users.empty()) {
    spec.board_users = {{.email = "default@e2e.example", .last_name = "既定"},
                        {.email = "OWNER.A@e2e.example"}};
  }
  t.owners = spec.owners;

  const std::string p = "/_sim/portals/" + t.id;
  hubspot_->control("POST", "/_sim/portals", R"({"portalId":)" + t.id + "}");
  hubspot_->control("POST", p + "/install", R"({"appId":)" + std::to_string(kAppId) + "}");
  hubspot_->control("POST", p + "/tokens", R"({"token":")" + t.hubspot_token + R"("})");
  for (const auto& o : spec.owners) {
    rapidjson::StringBuffer b;
    Writer w(b);
    w.StartObject();
    w.Key("id");
    w.Int64(o.id);
    w.Key("userId");
    w.Int64(o.id + 100000);
    w.Key("email");
    w.String(o.email.c_str());
    w.Key("firstName");
    w.String(o.first_name.c_str());
    w.Key("lastName");
    w.String(o.last_name.c_str());
    w.EndObject();
    hubspot_->control("POST", p + "/owners", b.GetString());
  }
  const std::vector<std::pair<std::string, std::string>> stages = {
      {stage::appointment, "Appointment scheduled"},
      {stage::qualified, "Qualified to buy"},
      {stage::presentation, "Presentation scheduled"},
      {stage::decision, "Decision maker bought-in"},
      {stage::contract, "Contract sent"},
      {stage::won, "Closed won"},
      {stage::lost, "Closed lost"},
      {stage::invoiced, "請求済"},
      {stage::paid, "入金済"}};
  {
    rapidjson::StringBuffer b;
    Writer w(b);
    w.StartObject();
    w.Key("id");
    w.String(kPipeline);
    w.Key("label");
    w.String("Sales Pipeline");
    w.Key("stages");
    w.StartArray();
    for (const auto& [id, label] : stages) {
      w.StartObject();
      w.Key("id");
      w.String(id.c_str());
      w.Key("label");
      w.String(label.c_str());
      w.Key("isClosed");
      w.Bool(id == stage::won || id == stage::lost || id == stage::invoiced || id == stage::paid);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    hubspot_->control("POST", p + "/pipelines", b.GetString());
  }
  if (!spec.link_property.empty()) {
    auto res = hubspot_api(t, "POST", "/crm/v3/properties/companies",
                           R"({"name":")" + spec.link_property +
                               R"(","label":"board 顧客URL","type":"string","fieldType":"text",)"
                               R"("groupName":"companyinformation"})");
    if (res.status != 201) {
      throw std::runtime_error("link property not created: " + std::to_string(res.status) + " " +
                               res.body);
    }
  }

  // board account: one token with every operation, the users.
  {
    rapidjson::StringBuffer b;
    Writer w(b);
    w.StartObject();
    w.Key("api_key");
    w.String(t.board_api_key.c_str());
    w.Key("tokens");
    w.StartArray();
    w.StartObject();
    w.Key("token");
    w.String(t.board_api_token.c_str());
    w.Key("operations");
    w.StartArray();
    w.String("*");
    w.EndArray();
    w.EndObject();
    w.EndArray();
    w.Key("users");
    w.StartArray();
    for (const auto& u : spec.board_users) {
      w.StartObject();
      w.Key("email");
      w.String(u.email.c_str());
      w.Key("last_name");
      w.String(u.last_name.c_str());
      w.Key("first_name");
      w.String(u.first_name.c_str());
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    auto account = board_->control("POST", "/_sim/accounts", b.GetString());
    if (!account.HasMember("users") || !account["users"].IsArray()) {
      throw std::runtime_error("board account without users: " + to_text(account));
    }
    for (const auto& u : account["users"].GetArray())
      t.board_user_ids.push_back(member_int(u, "id"));
  }
  if (spec.default_user >= 0 && spec.default_user < static_cast<int>(t.board_user_ids.size())) {
    t.default_user_id = t.board_user_ids[spec.default_user];
  }

  tenant::Settings s;
  s.tenant_id = t.id;
  s.board.api_key = t.board_api_key;
  s.board.api_token = t.board_api_token;
  if (t.default_user_id != 0) s.board.default_user_id = t.default_user_id;
  s.hubspot.access_token = t.hubspot_token;
  s.hubspot.hub_id = t.portal_id;
  s.hubspot.link_property = spec.link_property;
  domain::HubSpotPipeline pipeline{.id = kPipeline, .label = "Sales Pipeline", .stages = {}};
  for (const auto& [id, label] : stages) pipeline.stages.push_back({id, label});
  s.pipelines = {pipeline};
  using domain::StageRow;
  s.stage_mapping.pipelines[kPipeline] = {
      {StageRow::order_1, stage::appointment},  {StageRow::order_2, stage::qualified},
      {StageRow::order_3, stage::presentation}, {StageRow::order_4, stage::contract},
      {StageRow::order_5, stage::won},          {StageRow::order_9, stage::lost},
      {StageRow::invoiced, stage::invoiced},    {StageRow::paid, stage::paid}};
  if (spec.customize) spec.customize(s);
  auto keyring = tenant::Keyring::parse(encryption_keys_);
  tenant::Store store(*redis_, keyring);
  auto put = store.put(s);
  if (!put.ok()) {
    std::string why;
    for (const auto& e : put.errors) why += e.field + " [" + e.code + "] " + e.message + "; ";
    throw std::runtime_error("tenant settings refused: " + why);
  }
  if (spec.store_board_users) {
    tenant::BoardUsers users{.users = {}, .fetched_at_ms = now_ms()};
    for (size_t i = 0; i < spec.board_users.size() && i < t.board_user_ids.size(); ++i) {
      users.users.push_back(
          {.id = t.board_user_ids[i], .email = spec.board_users[i].email, .valid = true});
    }
    tenant::save_board_users(*redis_, keyring, t.id, users);
  }
  return t;
}

void Stack::update_settings(const Tenant& t, const std::function<void(tenant::Settings&)>& change) {
  auto keyring = tenant::Keyring::parse(encryption_keys_);
  tenant::Store store(*redis_, keyring);
  auto s = store.get(t.id);
  if (!s) throw std::runtime_error("no tenant " + t.id);
  change(*s);
  auto put = store.put(*s);
  if (!put.ok()) throw std::runtime_error("tenant settings refused: " + put.errors[0].message);
}

// ---- HubSpot CRM ------------------------------------------------------------

namespace {
std::mutex test_calls_mutex;
}  // namespace

HttpResult Stack::hubspot_api(const Tenant& t, const std::string& method, const std::string& path,
                              const std::string& body) {
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (true) {
    auto res = hubspot_->send(method, path, body, {{"Authorization", "Bearer " + t.hubspot_token}});
    {
      std::lock_guard lock(test_calls_mutex);
      ++test_calls_[t.portal_id];
    }
    if (res.status != 429 || std::chrono::steady_clock::now() >= deadline) return res;
    int seconds = 1;
    if (auto it = res.headers.find("Retry-After"); it != res.headers.end()) {
      try {
        seconds = std::max(1, std::stoi(it->second));
      } catch (...) {
      }
    }
    // Honouring HubSpot's Retry-After is the protocol, not a wait for a condition.
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
  }
}

int64_t Stack::test_hubspot_calls(const Tenant& t) const {
  std::lock_guard lock(test_calls_mutex);
  auto it = test_calls_.find(t.portal_id);
  return it == test_calls_.end() ? 0 : it->second;
}

std::string Stack::create_company(const Tenant& t, const CompanyFields& f) {
  auto res = hubspot_api(t, "POST", "/crm/v3/objects/companies",
                         properties_body({{"name", f.name},
                                          {"zip", f.zip},
                                          {"phone", f.phone},
                                          {"state", f.state},
                                          {"city", f.city}}));
  if (res.status != 201) {
    throw std::runtime_error("company not created: " + std::to_string(res.status) + " " + res.body +
                             res.error);
  }
  return member_str(res.json(), "id");
}

std::string Stack::create_deal(const Tenant& t, const DealFields& f,
                               const std::vector<Association>& associations) {
  auto res = hubspot_api(
      t, "POST", "/crm/v3/objects/deals",
      properties_body({{"dealname", f.name},
                       {"pipeline", f.pipeline},
                       {"dealstage", f.stage},
                       {"amount", f.amount},
                       {"closedate", f.closedate},
                       {"hubspot_owner_id", f.owner_id ? std::to_string(f.owner_id) : ""}},
                      associations));
  if (res.status != 201) {
    throw std::runtime_error("deal not created: " + std::to_string(res.status) + " " + res.body +
                             res.error);
  }
  return member_str(res.json(), "id");
}

void Stack::associate(const Tenant& t, const std::string& deal_id, const std::string& company_id,
                      bool primary) {
  auto res = hubspot_api(
      t, "PUT", "/crm/v4/objects/deals/" + deal_id + "/associations/companies/" + company_id,
      R"([{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":)" +
          std::string(primary ? "5" : "341") + "}]");
  if (!res.ok()) {
    throw std::runtime_error("association refused: " + std::to_string(res.status) + " " + res.body +
                             res.error);
  }
}

void Stack::update_deal(const Tenant& t, const std::string& deal_id,
                        const std::map<std::string, std::string>& properties) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  w.Key("properties");
  w.StartObject();
  for (const auto& [k, v] : properties) {
    w.Key(k.c_str());
    w.String(v.c_str());
  }
  w.EndObject();
  w.EndObject();
  auto res = hubspot_api(t, "PATCH", "/crm/v3/objects/deals/" + deal_id, b.GetString());
  if (res.status != 200) {
    throw std::runtime_error("deal update refused: " + std::to_string(res.status) + " " + res.body +
                             res.error);
  }
}

void Stack::move_stage(const Tenant& t, const std::string& deal_id, const std::string& stage_id) {
  update_deal(t, deal_id, {{"dealstage", stage_id}});
}

void Stack::delete_deal(const Tenant& t, const std::string& deal_id) {
  auto res = hubspot_api(t, "DELETE", "/crm/v3/objects/deals/" + deal_id);
  if (res.status != 204) {
    throw std::runtime_error("deal delete refused: " + std::to_string(res.status) + " " + res.body +
                             res.error);
  }
}

std::optional<std::string> Stack::company_property(const Tenant& t, const std::string& company_id,
                                                   const std::string& property) {
  auto doc = hubspot_->control("GET", "/_sim/portals/" + t.id + "/objects/companies");
  if (!doc.HasMember("results") || !doc["results"].IsArray()) return std::nullopt;
  for (const auto& o : doc["results"].GetArray()) {
    if (member_str(o, "id") != company_id) continue;
    if (!o.HasMember("properties")) return std::nullopt;
    const auto& props = o["properties"];
    auto it = props.FindMember(property.c_str());
    if (it == props.MemberEnd() || !it->value.IsString()) return std::nullopt;
    return std::string(it->value.GetString());
  }
  return std::nullopt;
}

// ---- board ------------------------------------------------------------------

std::vector<BoardClient> Stack::board_clients(const Tenant& t) {
  auto doc = board_->control("GET", "/_sim/accounts/" + t.board_api_key + "/clients");
  std::vector<BoardClient> out;
  if (!doc.IsArray()) return out;
  for (const auto& c : doc.GetArray()) {
    out.push_back({.id = member_int(c, "id"),
                   .name = member_str(c, "name"),
                   .name_disp = member_str(c, "name_disp"),
                   .zip = member_str(c, "zip"),
                   .pref = member_str(c, "pref"),
                   .address1 = member_str(c, "address1"),
                   .tel = member_str(c, "tel"),
                   .updated_at = member_str(c, "updated_at")});
  }
  return out;
}

std::vector<BoardProject> Stack::board_projects(const Tenant& t) {
  auto doc = board_->control("GET", "/_sim/accounts/" + t.board_api_key + "/projects");
  std::vector<BoardProject> out;
  if (!doc.IsArray()) return out;
  for (const auto& p : doc.GetArray()) {
    BoardProject bp{.id = member_int(p, "id"),
                    .name = member_str(p, "name"),
                    .management_no = member_str(p, "management_no"),
                    .client_id = member_int(p, "client_id"),
                    .user_id = member_int(p, "user_id"),
                    .order_status = static_cast<int>(member_int(p, "order_status")),
                    .invoice_timing_kbn = static_cast<int>(member_int(p, "invoice_timing_kbn")),
                    .invoice_dates = {},
                    .updated_at = member_str(p, "updated_at")};
    if (auto it = p.FindMember("invoice_dates"); it != p.MemberEnd() && it->value.IsArray()) {
      for (const auto& d : it->value.GetArray()) bp.invoice_dates.push_back(str(d));
    }
    out.push_back(std::move(bp));
  }
  return out;
}

BoardClient Stack::seed_board_client(const Tenant& t, const std::string& name,
                                     const std::string& name_disp) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  w.Key("name");
  w.String(name.c_str());
  w.Key("name_disp");
  w.String((name_disp.empty() ? name : name_disp).c_str());
  w.EndObject();
  auto c = board_->control("POST", "/_sim/accounts/" + t.board_api_key + "/clients", b.GetString());
  return {.id = member_int(c, "id"),
          .name = member_str(c, "name"),
          .name_disp = member_str(c, "name_disp"),
          .zip = "",
          .pref = "",
          .address1 = "",
          .tel = "",
          .updated_at = member_str(c, "updated_at")};
}

// ---- simulator switches and counters --------------------------------------

void Stack::webhook_settings(const std::string& json) {
  hubspot_->control("POST", "/_sim/webhooks/settings", json);
}

rapidjson::Document Stack::webhook_stats(std::optional<int64_t> portal_id) {
  std::string target = "/_sim/webhooks?limit=0";
  if (portal_id) target += "&portalId=" + std::to_string(*portal_id);
  return hubspot_->control("GET", target);
}

int64_t Stack::hubspot_calls_for(const Tenant& t) {
  auto doc = hubspot_calls();
  if (!doc.HasMember("accounts") || !doc["accounts"].HasMember(t.id.c_str())) return 0;
  return member_int(doc["accounts"][t.id.c_str()], "total");
}

int64_t Stack::board_calls_for(const Tenant& t) {
  auto doc = board_calls();
  if (!doc.HasMember("accounts") || !doc["accounts"].HasMember(t.board_api_key.c_str())) return 0;
  return member_int(doc["accounts"][t.board_api_key.c_str()], "total");
}

int64_t Stack::board_peak_per_second(const Tenant& t) {
  auto doc = board_calls();
  if (!doc.HasMember("accounts") || !doc["accounts"].HasMember(t.board_api_key.c_str())) return 0;
  return member_int(doc["accounts"][t.board_api_key.c_str()], "max_in_window");
}

int64_t Stack::board_route_calls(const Tenant& t, const std::string& route) {
  auto doc = board_calls();
  if (!doc.HasMember("accounts") || !doc["accounts"].HasMember(t.board_api_key.c_str())) return 0;
  const auto& a = doc["accounts"][t.board_api_key.c_str()];
  if (!a.HasMember("routes") || !a["routes"].HasMember(route.c_str())) return 0;
  int64_t n = 0;
  for (const auto& m : a["routes"][route.c_str()].GetObject()) {
    if (m.value.IsInt64()) n += m.value.GetInt64();
  }
  return n;
}

void Stack::clear_faults() {
  board_->control("DELETE", "/_sim/faults");
  hubspot_->control("DELETE", "/_sim/faults");
}

// ---- operator CLI --------------------------------------------------------------

Stack::CtlResult Stack::ctl(const std::vector<std::string>& args) {
  static int runs = 0;
  const std::string log = dir_ + "/ctl-" + std::to_string(++runs) + ".out";
  std::vector<std::string> argv = {testing::bin_path("hbsync-ctl")};
  argv.insert(argv.end(), args.begin(), args.end());
  testing::Process p(argv,
                     {{"HBSYNC_REDIS_URL", redis_server_->url()},
                      {"HBSYNC_KAFKA_BROKERS", broker_->bootstrap()},
                      {"HBSYNC_BOARD_API_URL", board_->base()},
                      {"HBSYNC_ENCRYPTION_KEYS", encryption_keys_},
                      {"HBSYNC_LOG_LEVEL", "warn"}},
                     log);
  CtlResult out;
  auto code = p.wait(60s);
  if (!code) p.kill_hard();
  out.exit_code = code.value_or(-1);
  std::ifstream in(log);
  std::stringstream ss;
  ss << in.rdbuf();
  out.output = ss.str();
  return out;
}

// ---- history ------------------------------------------------------------------

std::vector<history::Entry> Stack::history(const Tenant& t, size_t count) {
  history::History h(*redis_);
  return h.latest(t.id, count);
}

std::string Stack::describe(const history::Entry& e) {
  std::ostringstream o;
  o << e.id << " " << e.direction << " " << e.action;
  if (e.deal_id) o << " deal=" << e.deal_id;
  if (e.company_id) o << " company=" << e.company_id;
  if (e.client_id) o << " client=" << e.client_id;
  if (e.project_id) o << " project=" << e.project_id;
  if (!e.reason_code.empty()) o << " reason=" << e.reason_code;
  if (!e.message.empty()) o << " msg=\"" << e.message << "\"";
  o << " attempts=" << e.attempts;
  return o.str();
}

std::optional<history::Entry> Stack::wait_for_history(
    const Tenant& t, const std::string& what,
    const std::function<bool(const history::Entry&)>& match, std::chrono::milliseconds timeout) {
  std::optional<history::Entry> found;
  std::vector<history::Entry> seen;
  wait_for(
      "history of tenant " + t.id + ": " + what,
      [&] {
        try {
          seen = history(t, 200);
        } catch (const std::exception&) {
          return false;
        }
        for (const auto& e : seen) {
          if (match(e)) {
            found = e;
            return true;
          }
        }
        return false;
      },
      timeout,
      [&] {
        std::string s = std::to_string(seen.size()) + " entries, newest first:";
        for (const auto& e : seen) s += "\n  " + describe(e);
        return s;
      },
      200ms);
  return found;
}

// ---- Kafka --------------------------------------------------------------------

std::optional<int64_t> Stack::group_lag(const std::string& group, const std::string& topic) {
  std::lock_guard lock(kafka_probe_->mutex);
  rd_kafka_t* rk = kafka_probe_->handle(group);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(options_.partitions);
  for (int p = 0; p < options_.partitions; ++p) {
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p);
  }
  std::optional<int64_t> lag;
  if (rd_kafka_committed(rk, list, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    int64_t sum = 0;
    bool ok = true;
    for (int i = 0; i < list->cnt && ok; ++i) {
      int64_t low = 0, high = 0;
      if (rd_kafka_query_watermark_offsets(rk, topic.c_str(), list->elems[i].partition, &low, &high,
                                           5000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        ok = false;
        break;
      }
      int64_t committed = list->elems[i].offset;
      sum += high - (committed >= 0 ? committed : low);
    }
    if (ok) lag = sum;
  }
  rd_kafka_topic_partition_list_destroy(list);
  return lag;
}

std::optional<int64_t> Stack::topic_size(const std::string& topic) {
  std::lock_guard lock(kafka_probe_->mutex);
  rd_kafka_t* rk = kafka_probe_->handle("hbsync-e2e-probe");
  int64_t sum = 0;
  for (int p = 0; p < options_.partitions; ++p) {
    int64_t low = 0, high = 0;
    if (rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &low, &high, 5000) !=
        RD_KAFKA_RESP_ERR_NO_ERROR) {
      return std::nullopt;
    }
    sum += high - low;
  }
  return sum;
}

bool Stack::wait_idle(std::chrono::milliseconds timeout) {
  std::string last;
  int idle_streak = 0;
  return wait_for(
      "the pipeline to be idle (webhooks delivered, mapper and writer caught up)",
      [&] {
        auto w = webhook_stats();
        int64_t pending = json_int(w, {"pending"});
        int64_t in_flight = json_int(w, {"in_flight"});
        auto mapper = group_lag("hbsync-mapper", "hubspot.events");
        auto writer = group_lag("hbsync-writer", "sync.commands");
        last = "webhook batches pending " + std::to_string(pending) + ", in flight " +
               std::to_string(in_flight) + "; mapper lag " +
               (mapper ? std::to_string(*mapper) : "?") + "; writer lag " +
               (writer ? std::to_string(*writer) : "?");
        bool idle = pending == 0 && in_flight == 0 && mapper == 0 && writer == 0;
        idle_streak = idle ? idle_streak + 1 : 0;
        return idle_streak >= 3;
      },
      timeout, [&] { return last; }, 200ms);
}

// ---- Redis ----------------------------------------------------------------------

std::vector<Stack::RedisKey> Stack::dump_redis() {
  std::vector<RedisKey> out;
  std::string cursor = "0";
  do {
    auto r = redis_->command({"SCAN", cursor, "COUNT", "500"});
    if (!r.is_array() || r.elements.size() != 2) throw std::runtime_error("unexpected SCAN reply");
    cursor = r.elements[0].str;
    for (const auto& k : r.elements[1].elements) {
      RedisKey key{.key = k.str, .type = redis_->command({"TYPE", k.str}).str, .values = {}};
      redis::Reply v;
      if (key.type == "string") {
        v = redis_->command({"GET", key.key});
      } else if (key.type == "hash") {
        v = redis_->command({"HGETALL", key.key});
      } else if (key.type == "set") {
        v = redis_->command({"SMEMBERS", key.key});
      } else if (key.type == "zset") {
        v = redis_->command({"ZRANGE", key.key, "0", "-1", "WITHSCORES"});
      } else if (key.type == "list") {
        v = redis_->command({"LRANGE", key.key, "0", "-1"});
      } else if (key.type == "stream") {
        v = redis_->command({"XRANGE", key.key, "-", "+"});
      } else if (key.type != "none") {
        throw std::runtime_error("key of an unexpected type " + key.type + ": " + key.key);
      }
      flatten(v, key.values);
      out.push_back(std::move(key));
    }
  } while (cursor != "0");
  return out;
}

// ---- failure reporting ------------------------------------------------------------

void Stack::finish_test() {
  if (!::testing::Test::HasFailure()) return;
  keep_dir_ = true;
  std::cerr << "\n==== e2e: the test failed; logs in " << dir_ << "\n";
  print_logs(std::cerr);
}

void Stack::print_logs(std::ostream& out, size_t tail_lines) {
  std::vector<std::string> paths;
  if (redis_server_) paths.push_back(redis_server_->log_path());
  if (broker_) paths.push_back(broker_->log_path());
  if (hubspot_) paths.push_back(hubspot_->log_path());
  if (board_) paths.push_back(board_->log_path());
  for (const auto& s : services_) paths.push_back(s->log);
  for (const auto& p : paths) {
    out << "---- " << p << " (last " << tail_lines << " lines)\n" << tail(p, tail_lines);
  }
}

// ---------------------------------------------------------------------------

int64_t json_int(const rapidjson::Value& value, std::initializer_list<const char*> path) {
  const rapidjson::Value* v = &value;
  const char* last = nullptr;
  for (const char* name : path) {
    if (last != nullptr) {
      if (!v->IsObject()) return 0;
      auto it = v->FindMember(last);
      if (it == v->MemberEnd()) return 0;
      v = &it->value;
    }
    last = name;
  }
  return last == nullptr ? 0 : member_int(*v, last);
}

std::string jst_today() {
  return jst_date(0);
}
std::string jst_end_of_month() {
  return jst_date(1);
}

}  // namespace hbsync::e2e
