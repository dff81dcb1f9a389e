// hbsync-f4-bench: board -> HubSpot (SPEC F4, section 3 Performance and API
// economy) on the e2e Stack: redis-server, the dev broker, both simulators,
// ingress, mapper, writer and poller as real processes.
//
// Seeded fast, not measured: per tenant one board client and one HubSpot
// company (linked), N deals in HubSpot (the simulator's control routes, with
// the app's webhooks switched off meanwhile) at 受注確定 and N board
// projects (board's control routes), linked through libs/links as the writer
// links them. A first sync now per tenant (the full reconcile, timed and
// reported) runs before the links exist, so it publishes nothing.
//
// Measured: every project's order status (-> 受注済) and total changed via
// board's control routes, then one SYNC_NOW SyncRequest per tenant, all at
// once; the time from those requests until every deal has its new stage and
// amount in HubSpot (the last deal's updatedAt in the simulator), with the
// poller's runs, the writer's batches and the webhook echo of our own deal
// updates all running. Then, after everything is idle: board calls per
// project and HubSpot calls per deal (simulator counters, by route), HubSpot
// batch calls per 100 deals.
//
// Reference in the same run: the same board list calls and the same number
// of 100-deal HubSpot batch calls (batch/read, no side effects) made directly
// by this program, one after the other.
//
// Usage: hbsync-f4-bench [tenants=50] [projects_per_tenant=200] [pollers=1]
// Prints key=value lines (tests/bench/f4_bench.sh writes docs/performance.md).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <future>
#include <map>
#include <mutex>
#include <regex>
#include <thread>

#include "harness.hpp"
#include "hbsync/domain/dates.hpp"
#include "hbsync/kafka/producer.hpp"
#include "hbsync/links/links.hpp"
#include "hbsync/poll/status.hpp"
#include "hbsync/v1/events.pb.h"
#include "keys.hpp"

namespace {

using namespace std::chrono_literals;
using hbsync::e2e::json_int;
using hbsync::e2e::Stack;
using hbsync::e2e::Tenant;

using hbsync::e2e::now_ms;

std::string str(const rapidjson::Value& v, const char* name) {
  auto it = v.FindMember(name);
  return it != v.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

// The app's webhook subscriptions: the harness's (harness.cpp), or while
// seeding only one that seeding does not trigger (an empty list means all),
// so seeded deals and their associations make no webhooks.
std::string subscriptions(bool seeding) {
  if (seeding) return R"({"subscriptions":["company.merge"]})";
  return R"({"subscriptions":["deal.creation","deal.deletion","deal.merge",)"
         R"("deal.associationChange","deal.propertyChange:dealstage",)"
         R"("deal.propertyChange:pipeline","deal.propertyChange:hubspot_owner_id",)"
         R"("company.merge"]})";
}

struct Seeded {
  Tenant tenant;
  std::vector<int64_t> deals{};
  std::vector<int64_t> projects{};
};

// One tenant's client, company, deals, projects (control routes) and links.
void seed(Stack& stack, Seeded& s, int n) {
  const Tenant& t = s.tenant;
  const int64_t client = stack.seed_board_client(t, "株式会社ベンチ").id;
  auto company = stack.hubspot().control("POST", "/_sim/portals/" + t.id + "/objects/companies",
                                         R"({"properties":{"name":"株式会社ベンチ"}})");
  const std::string company_id = str(company, "id");
  hbsync::links::Links links(stack.redis());
  links.link_company(t.id, std::stoll(company_id), {.client_id = client, .url_written = true});
  for (int i = 0; i < n; ++i) {
    auto deal = stack.hubspot().control(
        "POST", "/_sim/portals/" + t.id + "/objects/deals",
        R"({"properties":{"dealname":"Bench","pipeline":"default","dealstage":"contractsent",)"
        R"("amount":"1000"},"associations":[{"id":")" +
            company_id + R"(","primary":true}]})");
    const int64_t deal_id = std::stoll(str(deal, "id"));
    auto project = stack.board().control(
        "POST", "/_sim/accounts/" + t.board_api_key + "/projects",
        R"({"name":"Bench","client_id":)" + std::to_string(client) + R"(,"user_id":)" +
            std::to_string(t.board_user_ids.front()) +
            R"(,"order_status":4,"invoice_timing_kbn":1,"invoice_date":"2027-01-31",)"
            R"("management_no":"HS-)" +
            std::to_string(deal_id) + R"(","total":"1000"})");
    s.deals.push_back(deal_id);
    s.projects.push_back(json_int(project, {"id"}));
  }
}

void link_all(Stack& stack, const Seeded& s) {
  hbsync::links::Links links(stack.redis());
  for (size_t i = 0; i < s.deals.size(); ++i) {
    links.link_deal(s.tenant.id, s.deals[i],
                    {.project_id = s.projects[i],
                     .order_status = 4,
                     .active = true,
                     .revision_ms = 0,
                     .company_id = 0,
                     .pipeline_id = "default",
                     .stage_id = "contractsent"});
  }
}

// Runs `work(i)` for i in [0, n) on `threads` threads.
void parallel(size_t n, int threads, const std::function<void(size_t)>& work) {
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  std::mutex error_mutex;
  std::string error;
  for (int k = 0; k < threads; ++k) {
    pool.emplace_back([&] {
      for (size_t i; (i = next++) < n;) {
        try {
          work(i);
        } catch (const std::exception& e) {
          std::lock_guard lock(error_mutex);
          error = e.what();
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  if (!error.empty()) throw std::runtime_error(error);
}

// One SYNC_NOW request per tenant on sync.requests, all before returning.
void request_sync(hbsync::kafka::Producer& producer, const std::vector<Seeded>& all,
                  const std::string& tag) {
  std::vector<hbsync::kafka::OutgoingMessage> batch;
  for (const auto& s : all) {
    hbsync::v1::SyncRequest r;
    r.set_tenant_id(s.tenant.id);
    r.set_request_id("bench-" + tag + "-" + s.tenant.id);
    r.set_kind(hbsync::v1::SyncRequest::SYNC_NOW);
    r.set_requested_at_ms(now_ms());
    r.set_requested_by("hbsync-f4-bench");
    batch.push_back({.topic = "sync.requests",
                     .key = s.tenant.id,
                     .value = r.SerializeAsString(),
                     .headers = {{"hbsync-schema", "hbsync.v1.SyncRequest"}},
                     .correlation_id = r.request_id()});
  }
  std::promise<hbsync::kafka::BatchResult> done;
  producer.produce_batch(std::move(batch),
                         [&](const hbsync::kafka::BatchResult& r) { done.set_value(r); });
  auto result = done.get_future().get();
  if (result.failed > 0) throw std::runtime_error("Kafka refused sync requests");
}

// Waits until every tenant's poll run that started at or after `since`
// succeeded; returns when the last one finished (epoch ms).
int64_t wait_runs(Stack& stack, const std::vector<Seeded>& all, int64_t since,
                  std::chrono::seconds timeout, int64_t* board_calls = nullptr) {
  int64_t last = 0, calls = 0;
  size_t done = 0;
  bool ok = hbsync::e2e::wait_for(
      "every tenant's poll",
      [&] {
        done = 0;
        last = 0;
        calls = 0;
        for (const auto& s : all) {
          auto st = hbsync::poll::read_status(stack.redis(), s.tenant.id);
          if (st.state == "failed" && st.started_at_ms >= since) {
            throw std::runtime_error("poll of " + s.tenant.id + " failed: " + st.error);
          }
          if (st.state != "succeeded" || st.started_at_ms < since) continue;
          ++done;
          calls += st.calls;
          last = std::max(last, st.finished_at_ms);
        }
        return done == all.size();
      },
      timeout, [&] { return std::to_string(done) + " of " + std::to_string(all.size()); }, 200ms);
  if (!ok) throw std::runtime_error("polls did not finish");
  if (board_calls) *board_calls = calls;
  return last;
}

// Deal updates the writers took from the outbox as updated (their metric).
int64_t deals_updated(Stack& stack) {
  int64_t total = 0;
  const std::regex re(R"(hbsync_writer_outbox_deals_total\{result="updated"\} ([0-9.e+]+))");
  for (int r = 0; r < stack.replicas("writer"); ++r) {
    const std::string text = stack.metrics("writer", r);
    std::smatch m;
    if (std::regex_search(text, m, re)) total += static_cast<int64_t>(std::stod(m[1]));
  }
  return total;
}

// Calls of the tenants' accounts in a simulator's /_sim/calls, by route,
// plus "total".
std::map<std::string, int64_t> calls_by_route(const rapidjson::Document& doc,
                                              const std::vector<std::string>& accounts) {
  std::map<std::string, int64_t> out;
  if (!doc.HasMember("accounts")) return out;
  for (const auto& a : accounts) {
    auto it = doc["accounts"].FindMember(a.c_str());
    if (it == doc["accounts"].MemberEnd()) continue;
    out["total"] += json_int(it->value, {"total"});
    if (!it->value.HasMember("routes")) continue;
    for (const auto& route : it->value["routes"].GetObject()) {
      for (const auto& status : route.value.GetObject()) {
        if (status.value.IsInt64()) out[route.name.GetString()] += status.value.GetInt64();
      }
    }
  }
  return out;
}

std::map<std::string, int64_t> minus(std::map<std::string, int64_t> a,
                                     const std::map<std::string, int64_t>& b) {
  for (const auto& [k, v] : b) a[k] -= v;
  return a;
}

// Every deal at closedwon with its new amount; returns the latest updatedAt.
int64_t verify_deals(Stack& stack, const std::vector<Seeded>& all) {
  int64_t last = 0;
  for (const auto& s : all) {
    auto doc = stack.hubspot().control("GET", "/_sim/portals/" + s.tenant.id + "/objects/deals");
    std::map<int64_t, const rapidjson::Value*> by_id;
    for (const auto& o : doc["results"].GetArray()) by_id[std::stoll(str(o, "id"))] = &o;
    for (size_t i = 0; i < s.deals.size(); ++i) {
      const auto& o = *by_id.at(s.deals[i]);
      const std::string want = std::to_string(2000 + i);
      if (str(o["properties"], "dealstage") != "closedwon" ||
          str(o["properties"], "amount") != want) {
        for (const auto& e : stack.history(s.tenant, 5000)) {
          if (e.deal_id == s.deals[i]) std::fprintf(stderr, "  %s\n", Stack::describe(e).c_str());
        }
        throw std::runtime_error("deal " + std::to_string(s.deals[i]) + " not updated: stage " +
                                 str(o["properties"], "dealstage") + ", amount " +
                                 str(o["properties"], "amount") + ", want " + want);
      }
      last = std::max(last,
                      hbsync::domain::parse_hubspot_timestamp_ms(str(o, "updatedAt")).value_or(0));
    }
  }
  return last;
}

// The reference: the measured run's board list calls (project pages, then
// one invoice page) and its number of HubSpot batch calls (100 deals each,
// batch/read: no webhooks), made directly, one after the other. A 429 is
// waited out as its Retry-After says (board: 3 per second per key).
double reference_seconds(Stack& stack, const std::vector<Seeded>& all, int64_t since_ms,
                         int64_t board_calls_per_tenant) {
  hbsync::http::Client client;
  std::string since = hbsync::domain::format_jst_timestamp(since_ms - 120000);
  since.replace(since.find(' '), 1, "%20");
  auto board_get = [&](const Seeded& s, const std::string& path) {
    for (;;) {
      hbsync::http::ClientRequest request;
      request.url = stack.board().base() + path;
      request.headers.set("Authorization", "Bearer " + s.tenant.board_api_token);
      request.headers.set("x-api-key", s.tenant.board_api_key);
      auto r = client.send(request);
      if (r.ok() && r.response.status == 429) {
        std::this_thread::sleep_for(1s);  // board's Retry-After: the limit is the scenario
        continue;
      }
      if (!r.ok() || r.response.status != 200) throw std::runtime_error("board reference call");
      return;
    }
  };
  const int64_t t0 = now_ms();
  for (const auto& s : all) {
    for (int64_t c = 0; c + 1 < board_calls_per_tenant; ++c) {
      board_get(s, "/v1/projects?per_page=100&page=" + std::to_string(c + 1) +
                       "&updated_at_gteq=" + since);
    }
    board_get(s, "/v1/invoices?per_page=100&page=1&updated_at_gteq=" + since);
    for (size_t from = 0; from < s.deals.size(); from += 100) {
      std::string body = R"({"properties":["dealstage","amount"],"inputs":[)";
      for (size_t i = from; i < std::min(from + 100, s.deals.size()); ++i) {
        body +=
            std::string(i > from ? "," : "") + R"({"id":")" + std::to_string(s.deals[i]) + "\"}";
      }
      body += "]}";
      auto r = stack.hubspot_api(s.tenant, "POST", "/crm/v3/objects/deals/batch/read", body);
      if (!r.ok()) throw std::runtime_error("HubSpot reference call: " + r.body);
    }
  }
  return static_cast<double>(now_ms() - t0) / 1000.0;
}

// Everything quiet: the poller's requests, board changes, webhooks, the
// mapper's and writer's lag, every deal outbox (twice: flushes make webhooks).
void settle(Stack& stack) {
  for (int round = 0; round < 2; ++round) {
    hbsync::e2e::wait_for(
        "sync.requests and board.changes consumed",
        [&] {
          return stack.group_lag("hbsync-poller", "sync.requests").value_or(1) == 0 &&
                 stack.group_lag("hbsync-mapper", "board.changes").value_or(1) == 0;
        },
        600s, nullptr, 200ms);
    stack.wait_idle(600s);
    hbsync::e2e::wait_for(
        "webhook events and deal outboxes empty",
        [&] {
          return json_int(stack.webhook_stats(), {"events", "pending"}) == 0 &&
                 stack.redis().command({"ZCARD", hbsync::writer::keys::kDealOutboxDue}).integer ==
                     0;
        },
        600s, nullptr, 200ms);
  }
  if (!stack.wait_idle(600s)) throw std::runtime_error("the pipeline did not become idle");
}

void print_routes(const char* prefix, const std::map<std::string, int64_t>& routes) {
  for (const auto& [route, n] : routes) {
    if (route != "total" && n != 0) {
      std::printf("%s%s=%lld\n", prefix, route.c_str(), static_cast<long long>(n));
    }
  }
}

double seconds_since(int64_t t0) {
  return static_cast<double>(now_ms() - t0) / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
  const int tenants = argc > 1 ? std::atoi(argv[1]) : 50;
  const int per_tenant = argc > 2 ? std::atoi(argv[2]) : 200;
  const int pollers = argc > 3 ? std::atoi(argv[3]) : 1;
  if (tenants < 1 || per_tenant < 1 || pollers < 1) {
    std::fprintf(stderr, "usage: hbsync-f4-bench [tenants] [projects_per_tenant] [pollers]\n");
    return 2;
  }
  try {
    const char* keep = std::getenv("HBSYNC_BENCH_KEEP_LOGS");  // a directory to copy logs to
    Stack stack(
        {.mappers = 1, .writers = 1, .pollers = pollers, .log_level = keep ? "debug" : "warn"});
    std::printf("stack_dir=%s\ntenants=%d\nprojects_per_tenant=%d\npollers=%d\n",
                stack.dir().c_str(), tenants, per_tenant, pollers);
    std::fflush(stdout);
    hbsync::kafka::ProducerOptions po;
    po.client.brokers = stack.kafka().bootstrap();
    po.client.client_id = "hbsync-f4-bench";
    hbsync::kafka::Producer producer(po);

    // ---- seed (not measured) --------------------------------------------
    int64_t t0 = now_ms();
    std::vector<Seeded> all;
    for (int i = 0; i < tenants; ++i) all.push_back({.tenant = stack.provision()});
    std::printf("provision_seconds=%.1f\n", seconds_since(t0));
    const std::string app = "/_sim/apps/" + std::to_string(hbsync::e2e::kAppId);
    t0 = now_ms();
    stack.hubspot().control("PATCH", app, subscriptions(true));
    parallel(all.size(), 4, [&](size_t i) { seed(stack, all[i], per_tenant); });
    stack.hubspot().control("PATCH", app, subscriptions(false));
    settle(stack);
    std::printf("seed_seconds=%.1f\n", seconds_since(t0));
    std::fflush(stdout);

    // ---- the tenants' first polls: full reconciles, nothing linked yet ----
    t0 = now_ms();
    request_sync(producer, all, "full");
    const int64_t full_done = wait_runs(stack, all, t0, 600s);
    std::printf("full_sync_seconds=%.1f\n", static_cast<double>(full_done - t0) / 1000.0);

    // ---- links, then the board users' changes ------------------------------
    t0 = now_ms();
    parallel(all.size(), 4, [&](size_t k) {
      auto& s = all[k];
      link_all(stack, s);
      for (size_t i = 0; i < s.projects.size(); ++i) {
        const std::string base = "/_sim/projects/" + std::to_string(s.projects[i]);
        stack.board().control("POST", base + "/order_status", R"({"order_status":5})");
        stack.board().control("POST", base + "/total",
                              R"({"total":")" + std::to_string(2000 + i) + R"("})");
      }
    });
    std::printf("change_seconds=%.1f\n", seconds_since(t0));
    settle(stack);
    std::vector<std::string> keys, portals;
    for (const auto& s : all) {
      keys.push_back(s.tenant.board_api_key);
      portals.push_back(s.tenant.id);
    }
    const auto board_before = calls_by_route(stack.board_calls(), keys);
    const auto hubspot_before = calls_by_route(stack.hubspot_calls(), portals);
    const int64_t updated_before = deals_updated(stack);
    const int64_t deals = static_cast<int64_t>(tenants) * per_tenant;
    std::fflush(stdout);

    // ---- measured: sync now for every tenant -> every deal updated ---------
    const int64_t start = now_ms();
    request_sync(producer, all, "changed");
    int64_t updated = 0;
    hbsync::e2e::wait_for(
        "every deal updated",
        [&] { return (updated = deals_updated(stack) - updated_before) >= deals; }, 600s,
        [&] { return std::to_string(updated) + " of " + std::to_string(deals); }, 100ms);
    const int64_t seen_done = now_ms();
    int64_t poll_calls = 0;
    const int64_t polls_done = wait_runs(stack, all, start, 60s, &poll_calls);
    const int64_t last_update = verify_deals(stack, all);
    std::printf("deals=%lld\n", static_cast<long long>(deals));
    std::printf("sync_to_all_updated_seconds=%.2f\n",
                static_cast<double>(last_update - start) / 1000.0);
    std::printf("sync_to_polls_done_seconds=%.2f\n",
                static_cast<double>(polls_done - start) / 1000.0);
    std::printf("poll_board_calls=%lld\n", static_cast<long long>(poll_calls));
    std::printf("detected_seconds=%.2f\n", static_cast<double>(seen_done - start) / 1000.0);
    std::fflush(stdout);
    settle(stack);
    std::printf("sync_to_idle_seconds=%.1f\n", seconds_since(start));

    // ---- economy ------------------------------------------------------------
    const auto board = minus(calls_by_route(stack.board_calls(), keys), board_before);
    const auto hubspot = minus(calls_by_route(stack.hubspot_calls(), portals), hubspot_before);
    int64_t batch = 0;
    for (const auto& [route, n] : hubspot) {
      if (route.find("batch/update") != std::string::npos) batch += n;
    }
    const auto d = static_cast<double>(deals);
    std::printf("board_calls=%lld\nboard_calls_per_project=%.4f\n",
                static_cast<long long>(board.at("total")),
                static_cast<double>(board.at("total")) / d);
    std::printf("hubspot_calls=%lld\nhubspot_calls_per_deal=%.4f\n",
                static_cast<long long>(hubspot.at("total")),
                static_cast<double>(hubspot.at("total")) / d);
    std::printf("hubspot_batch_calls=%lld\nbatch_calls_per_100_deals=%.2f\n",
                static_cast<long long>(batch), static_cast<double>(batch) * 100.0 / d);
    print_routes("board_route ", board);
    print_routes("hubspot_route ", hubspot);

    // ---- reference --------------------------------------------------------------
    const int64_t per_tenant_calls = std::max<int64_t>(1, poll_calls / tenants);
    const double ref = reference_seconds(stack, all, start, per_tenant_calls);
    std::printf("reference_board_calls=%lld\nreference_hubspot_calls=%lld\n",
                static_cast<long long>(per_tenant_calls * tenants),
                static_cast<long long>(tenants * ((per_tenant + 99) / 100)));
    std::printf("reference_seconds=%.2f\n", ref);
    // HubSpot's limiter floor without batching: one update call per deal at
    // 110 per 10 s per portal (portals in parallel).
    const int64_t windows = (per_tenant - 1) / 110;
    std::printf("unbatched_floor_seconds_per_portal=%lld\n", static_cast<long long>(windows * 10));
    if (keep) std::system(("cp -r " + stack.dir() + " " + keep).c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench failed: %s\n", e.what());
    return 1;
  }
}
