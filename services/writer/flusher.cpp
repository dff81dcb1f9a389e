#include "flusher.hpp"

#include <prometheus/counter.h>
#include <prometheus/histogram.h>

#include <algorithm>

#include "hbsync/log/log.hpp"
#include "hbsync/metrics/metrics.hpp"
#include "hbsync/redis/lease.hpp"
#include "hbsync/service/dead_letter.hpp"
#include "hbsync/tenant/amount.hpp"
#include "keys.hpp"
#include "sync_latency.hpp"

namespace hbsync::writer {
namespace {

prometheus::Histogram& deals_per_call() {
  static auto& family = prometheus::BuildHistogram()
                            .Name("hbsync_writer_deal_batch_size")
                            .Help("Deals sent per HubSpot batch update call (board -> HubSpot)")
                            .Register(metrics::registry());
  static auto& h =
      family.Add({}, prometheus::Histogram::BucketBoundaries{1, 5, 10, 25, 50, 75, 100});
  return h;
}

prometheus::Histogram& outbox_wait() {
  static auto& family = prometheus::BuildHistogram()
                            .Name("hbsync_writer_outbox_wait_seconds")
                            .Help("Age of a deal update in the outbox when it was sent")
                            .Register(metrics::registry());
  static auto& h = family.Add(
      {}, prometheus::Histogram::BucketBoundaries{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300});
  return h;
}

void count_deal(std::string_view result) {
  static auto& family = prometheus::BuildCounter()
                            .Name("hbsync_writer_outbox_deals_total")
                            .Help(
                                "Deal updates taken from the outbox, by result (updated, "
                                "failed, retried)")
                            .Register(metrics::registry());
  family.Add({{"result", std::string(result)}}).Increment();
}

int64_t server_now_ms(redis::Client& redis) {
  auto t = redis.command({"TIME"});
  if (!t.is_array() || t.elements.size() != 2) return 0;
  return std::stoll(t.elements[0].str) * 1000 + std::stoll(t.elements[1].str) / 1000;
}

}  // namespace

DealFlusher::DealFlusher(FlusherOptions options, Outbox& outbox, State& state, tenant::Store& store,
                         redis::Client& redis, hubspot::Api& hubspot, history::History& history,
                         kafka::Producer& producer)
    : options_(std::move(options)),
      outbox_(outbox),
      state_(state),
      store_(store),
      hubspot_(hubspot),
      oauth_(hubspot),
      tokens_(oauth_, store, redis),
      history_(history),
      producer_(producer),
      links_(redis),
      redis_(redis),
      owner_(redis::Lease::random_token()) {
  outbox_.on_put([this] { wake(); });
}

void DealFlusher::run() {
  while (!stopping_.load()) {
    {
      std::lock_guard lock(mutex_);
      woken_ = false;  // a put from here on wakes the wait below
    }
    std::chrono::milliseconds sleep = options_.poll;
    try {
      sleep = flush_due();
    } catch (const std::exception& e) {
      log::warn("deal outbox flush failed", {{"error", e.what()}});
    }
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, sleep, [this] { return stopping_.load() || woken_; });
  }
}

void DealFlusher::stop() {
  stopping_.store(true);
  wake_.notify_all();
}

void DealFlusher::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wake_.notify_all();
}

std::chrono::milliseconds DealFlusher::flush_due() {
  auto due = outbox_.due(16);
  for (const auto& tenant : due.tenants) {
    if (stopping_.load()) return options_.poll;
    flush_tenant(tenant);
  }
  // Tenants found: look again soon (more may be due, or another replica's
  // lease held one). None: sleep until the next is due, a put, or idle_poll.
  if (!due.tenants.empty()) return options_.poll;
  return std::clamp(due.next.value_or(options_.idle_poll), std::chrono::milliseconds(1),
                    options_.idle_poll);
}

void DealFlusher::flush_tenant(const std::string& tenant) {
  redis::Lease lease(redis_, keys::deal_outbox_lock(tenant), options_.lock_lease, owner_);
  if (!lease.try_acquire()) return;  // another replica flushes it
  Sent sent = Sent::done;
  try {
    auto settings = store_.get(tenant);
    auto entries = outbox_.take(tenant);
    if (!settings) {
      log::warn("deal outbox of an unknown tenant waits", {{"tenant", tenant}});
      sent = Sent::retry;
    } else if (!entries.empty()) {
      auto batch = prepare(*settings, entries);
      auto portal = hubspot_.portal(tenant, tokens_.for_tenant(tenant));
      if (!batch.empty()) sent = send(*settings, portal, batch);
    }
  } catch (const std::exception& e) {
    log::warn("deal outbox flush failed", {{"tenant", tenant}, {"error", e.what()}});
    sent = Sent::retry;
  }
  auto& backoff = backoff_.try_emplace(tenant, options_.backoff).first->second;
  std::chrono::milliseconds delay = outbox_.options().linger;
  if (sent == Sent::retry) {
    delay = backoff.next().value_or(options_.backoff.max_delay);
  } else {
    backoff.reset();
  }
  outbox_.reschedule(tenant, delay);
  lease.release();
}

std::vector<DealFlusher::Pending> DealFlusher::prepare(const tenant::Settings& settings,
                                                       const std::vector<Outbox::Entry>& entries) {
  std::vector<Pending> batch;
  for (const auto& e : entries) {
    Pending p{.entry = e, .command = {}};
    if (!p.command.ParseFromString(e.command) || !p.command.has_update_deal()) {
      refused(settings, p, "unreadable_outbox_entry");
      continue;
    }
    const auto& u = p.command.update_deal();
    if (!u.sealed_amount().empty() && !tenant::open_amount(store_.keyring(), settings.tenant_id,
                                                           u.deal_id(), u.sealed_amount())) {
      refused(settings, p, "amount_not_readable");
      continue;
    }
    batch.push_back(std::move(p));
  }
  return batch;
}

DealFlusher::Sent DealFlusher::send(const tenant::Settings& settings, hubspot::Portal& portal,
                                    std::vector<Pending>& batch) {
  std::vector<hubspot::DealUpdate> updates;
  for (const auto& p : batch) {
    const auto& u = p.command.update_deal();
    hubspot::DealUpdate d{.id = std::to_string(u.deal_id()), .properties = {}};
    if (!u.stage_id().empty()) d.properties["dealstage"] = u.stage_id();
    if (!u.sealed_amount().empty()) {
      d.properties["amount"] =
          tenant::open_amount(store_.keyring(), settings.tenant_id, u.deal_id(), u.sealed_amount())
              .value_or("");
    }
    updates.push_back(std::move(d));
  }
  deals_per_call().Observe(static_cast<double>(updates.size()));
  auto result = portal.batch_update_deals(updates);
  if (!result) {
    const auto& error = result.error();
    if (error.retryable() || !error.redis_error.empty()) {
      log::warn("deal batch update will be retried",
                {{"tenant", settings.tenant_id},
                 {"status", error.status},
                 {"deals", static_cast<int64_t>(batch.size())}});
      for (size_t i = 0; i < batch.size(); ++i) count_deal("retried");
      return Sent::retry;
    }
    if (error.kind == hubspot::Error::validation && batch.size() > 1) {
      return send_split(settings, portal, batch);
    }
    for (const auto& p : batch)
      refused(settings, p, "hubspot_" + std::string(to_string(error.kind)));
    return Sent::done;
  }
  std::vector<std::string> failed = result->failed_ids();
  for (const auto& p : batch) {
    const std::string id = std::to_string(p.command.update_deal().deal_id());
    if (std::find(failed.begin(), failed.end(), id) != failed.end()) {
      refused(settings, p, "hubspot_not_found");
    } else {
      updated(settings, p);
    }
  }
  return Sent::done;
}

DealFlusher::Sent DealFlusher::send_split(const tenant::Settings& settings, hubspot::Portal& portal,
                                          std::vector<Pending>& batch) {
  const auto middle = batch.begin() + static_cast<std::ptrdiff_t>(batch.size() / 2);
  std::vector<Pending> first(batch.begin(), middle), second(middle, batch.end());
  const Sent a = send(settings, portal, first);
  const Sent b = send(settings, portal, second);
  return a == Sent::retry || b == Sent::retry ? Sent::retry : Sent::done;
}

void DealFlusher::updated(const tenant::Settings& settings, const Pending& p) {
  const auto& u = p.command.update_deal();
  outbox_.remove_if_unchanged(settings.tenant_id, p.entry);
  const int64_t now = server_now_ms(redis_);
  if (now > p.entry.queued_ms)
    outbox_wait().Observe(static_cast<double>(now - p.entry.queued_ms) / 1000.0);
  observe_sync_latency(history::direction::board_to_hubspot, FirstDeal::no,
                       p.command.origin_at_ms(), std::chrono::system_clock::now());
  std::string what = u.stage_id().empty() ? "" : "stage " + u.stage_id();
  if (!u.sealed_amount().empty()) what += what.empty() ? "amount" : " and amount";
  history_.record(settings.tenant_id,
                  {.direction = std::string(history::direction::board_to_hubspot),
                   .action = std::string(history::action::updated),
                   .deal_id = u.deal_id(),
                   .project_id = u.project_id(),
                   .message = "deal " + what + " written (order status " +
                              std::to_string(u.order_status()) + ")",
                   .attempts = 1,
                   .command_id = p.command.command_id()});
  count_deal("updated");
}

void DealFlusher::refused(const tenant::Settings& settings, const Pending& p,
                          const std::string& code) {
  const std::string& tenant = settings.tenant_id;
  const int64_t deal_id = p.entry.deal_id;
  const std::string key = tenant + ":deal:" + std::to_string(deal_id);
  kafka::Message original;
  original.topic = options_.commands_topic;
  original.key = key;
  original.value = p.entry.command;
  original.correlation_id = p.command.command_id();
  const std::string message = "deal " + std::to_string(deal_id) + " not updated: " + code;
  const auto letter =
      service::publish_dead_letter(producer_, options_.dlq_topic, original,
                                   {.tenant_id = tenant, .code = code, .message = message});
  if (!letter) {
    throw std::runtime_error("dead letter not acknowledged by kafka");  // retried: entry kept
  }
  // Forget what HubSpot was to have, so a replay or the next change writes it.
  links_.patch_deal(tenant, deal_id, {.stage_id = std::string(), .amount_digest = std::string()});
  if (!p.command.command_id().empty()) state_.fail(p.command.command_id(), owner_, code);
  outbox_.remove_if_unchanged(tenant, p.entry);
  history_.record(tenant, {.direction = std::string(history::direction::board_to_hubspot),
                           .action = std::string(history::action::failed),
                           .deal_id = deal_id,
                           .project_id = p.command.update_deal().project_id(),
                           .reason_code = code,
                           .message = message,
                           .attempts = 1,
                           .command_id = p.command.command_id(),
                           .dead_letter = *letter});
  count_deal("failed");
}

}  // namespace hbsync::writer
