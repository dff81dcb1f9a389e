// hbsync-e2e-bench: the HubSpot -> board pipeline end to end (SPEC section 3,
// Performance), on the e2e Stack: redis-server, the dev broker, both
// simulators answering at once, ingress, mapper, writers as real processes.
//
//   latency:    deals created one at a time, spread over tenants; each
//               deal's time from the HubSpot create call to the writer's
//               "created" history entry (webhook, mapper, writer, board).
//               Reference in the same run: the simulators' own round trip
//               (the HubSpot create call as the test sees it).
//   throughput: tenants x deals created as fast as the test can; time until
//               every project exists; board's busiest second per API key.
//   economy:    HubSpot and board calls per synced deal (simulator counters,
//               minus the test's own HubSpot calls); Redis bytes per link.
//
// Usage: hbsync-e2e-bench [latency_deals] [tenants] [deals_per_tenant]
// Prints key=value lines (tests/bench/e2e_bench.sh turns them into
// docs/performance.md).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <numeric>
#include <set>

#include "harness.hpp"
#include "hbsync/links/keys.hpp"

namespace {

using namespace std::chrono_literals;
using hbsync::e2e::Stack;
using hbsync::e2e::Tenant;

using hbsync::e2e::now_ms;

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

std::optional<int64_t> created_at(Stack& stack, const Tenant& t, int64_t deal) {
  for (const auto& e : stack.history(t, 5000)) {
    if (e.action == "created" && e.deal_id == deal) return e.at_ms;
  }
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  const int latency_deals = argc > 1 ? std::atoi(argv[1]) : 40;
  const int tenants = argc > 2 ? std::atoi(argv[2]) : 10;
  const int per_tenant = argc > 3 ? std::atoi(argv[3]) : 20;
  try {
    const char* keep = std::getenv("HBSYNC_BENCH_KEEP_LOGS");  // a directory to copy logs to
    hbsync::e2e::StackOptions options{
        .mappers = 1, .writers = 1, .log_level = keep ? "debug" : "warn"};
    Stack stack(options);
    std::printf("stack_dir=%s\n", stack.dir().c_str());

    // ---- latency: one deal at a time ----------------------------------
    std::vector<Tenant> lt;
    for (int i = 0; i < 4; ++i) lt.push_back(stack.provision());
    std::vector<std::string> companies;
    for (auto& t : lt) companies.push_back(stack.create_company(t, {.name = "株式会社ベンチ"}));
    std::vector<double> latencies, references;
    // Deal -1 warms up (consumer groups joining, connections); not measured.
    for (int i = -1; i < latency_deals; ++i) {
      const size_t k = static_cast<size_t>(i + 1) % lt.size();
      auto& t = lt[k];
      const auto& company = companies[k];
      const int64_t t0 = now_ms();
      auto id = stack.create_deal(t, {.name = "Bench deal", .stage = "closedwon"},
                                  {{.company_id = company, .primary = true}});
      if (i >= 0) references.push_back(static_cast<double>(now_ms() - t0));
      const int64_t deal = std::stoll(id);
      std::optional<int64_t> at;
      hbsync::e2e::wait_for(
          "project of deal " + id, [&] { return (at = created_at(stack, t, deal)).has_value(); },
          30s, nullptr, 2ms);
      if (at && i >= 0) latencies.push_back(static_cast<double>(*at - t0));
      // Spread: the next deal of a tenant comes after its board second.
      std::this_thread::sleep_for(120ms);
    }
    std::printf("latency_deals=%zu\n", latencies.size());
    std::printf("latency_p50_ms=%.0f\nlatency_p95_ms=%.0f\nlatency_p99_ms=%.0f\n",
                percentile(latencies, 50), percentile(latencies, 95), percentile(latencies, 99));
    std::printf("reference_hubspot_create_p50_ms=%.0f\nreference_hubspot_create_p99_ms=%.0f\n",
                percentile(references, 50), percentile(references, 99));

    // ---- throughput: everything at once -------------------------------
    std::vector<Tenant> tt;
    for (int i = 0; i < tenants; ++i) tt.push_back(stack.provision());
    struct Planned {
      size_t tenant;
      int64_t deal;
    };
    std::vector<Planned> planned;
    std::vector<std::vector<std::string>> tcompanies(tt.size());
    for (size_t i = 0; i < tt.size(); ++i) {
      for (int c = 0; c < 4; ++c) {
        tcompanies[i].push_back(
            stack.create_company(tt[i], {.name = "合同会社スループット" + std::to_string(c)}));
      }
    }
    const int64_t start = now_ms();
    for (int d = 0; d < per_tenant; ++d) {
      for (size_t i = 0; i < tt.size(); ++i) {
        auto id = stack.create_deal(
            tt[i], {.name = "Bulk deal", .stage = "contractsent"},
            {{.company_id = tcompanies[i][static_cast<size_t>(d) % 4], .primary = true}});
        planned.push_back({i, std::stoll(id)});
      }
    }
    const int64_t created = now_ms();
    size_t done = 0;
    hbsync::e2e::wait_for(
        "every project",
        [&] {
          done = 0;
          for (size_t i = 0; i < tt.size(); ++i) {
            std::set<std::string> have;
            for (auto& p : stack.board_projects(tt[i])) have.insert(p.management_no);
            for (auto& p : planned) {
              if (p.tenant == i && have.count("HS-" + std::to_string(p.deal))) ++done;
            }
          }
          return done == planned.size();
        },
        600s, [&] { return std::to_string(done) + " of " + std::to_string(planned.size()); },
        500ms);
    const int64_t finished = now_ms();
    int64_t peak = 0;
    for (auto& t : tt) peak = std::max(peak, stack.board_peak_per_second(t));
    std::printf("throughput_deals=%zu\nthroughput_synced=%zu\n", planned.size(), done);
    std::printf("throughput_create_seconds=%.1f\nthroughput_total_seconds=%.1f\n",
                static_cast<double>(created - start) / 1000.0,
                static_cast<double>(finished - start) / 1000.0);
    std::printf("board_peak_per_second_per_key=%lld\n", static_cast<long long>(peak));

    // ---- economy ----------------------------------------------------------
    stack.wait_idle(120s);
    int64_t hubspot_calls = 0, board_calls = 0, synced = 0, companies_n = 0;
    for (auto* group : {&lt, &tt}) {
      for (auto& t : *group) {
        hubspot_calls += stack.hubspot_calls_for(t) - stack.test_hubspot_calls(t);
        board_calls += stack.board_calls_for(t);
        synced += static_cast<int64_t>(stack.board_projects(t).size());
      }
      companies_n += static_cast<int64_t>(group->size()) * (group == &lt ? 1 : 4);
    }
    std::printf("synced_deals=%lld\nlinked_companies=%lld\n", static_cast<long long>(synced),
                static_cast<long long>(companies_n));
    std::printf("hubspot_calls_per_deal=%.2f\nboard_calls_per_deal=%.2f\n",
                static_cast<double>(hubspot_calls) / static_cast<double>(synced),
                static_cast<double>(board_calls) / static_cast<double>(synced));
    // First deal of a company (client found or created, link property) vs
    // later deals of the same company: from the latency tenants' counters.
    int64_t links = 0, bytes = 0;
    for (auto* group : {&lt, &tt}) {
      for (auto& t : *group) {
        for (const char* kind : {"company", "client", "deal", "project"}) {
          const std::string key = hbsync::links::keys::links(t.id, kind);
          auto usage = stack.redis().command({"MEMORY", "USAGE", key, "SAMPLES", "0"});
          bytes += usage.integer;
          if (std::string(kind) == "company" || std::string(kind) == "deal") {
            links += stack.redis().command({"HLEN", key}).integer;
          }
        }
      }
    }
    std::printf("links=%lld\nredis_link_bytes=%lld\nredis_bytes_per_link=%.0f\n",
                static_cast<long long>(links), static_cast<long long>(bytes),
                links ? static_cast<double>(bytes) / static_cast<double>(links) : 0.0);
    auto info = stack.redis().command({"INFO", "memory"});
    auto pos = info.str.find("used_memory:");
    if (pos != std::string::npos) {
      std::printf("redis_used_memory=%lld\n",
                  std::atoll(info.str.c_str() + pos + std::strlen("used_memory:")));
    }
    if (keep) std::system(("cp -r " + stack.dir() + " " + keep).c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench failed: %s\n", e.what());
    return 1;
  }
}
