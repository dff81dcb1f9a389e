#include "webhook_route.hpp"

#include <prometheus/counter.h>

#include <algorithm>
#include <memory>

#include "event_batch.hpp"
#include "event_parser.hpp"
#include "hbsync/log/log.hpp"
#include "hbsync/metrics/metrics.hpp"
#include "hbsync/service/dlq_keys.hpp"
#include "hbsync/service/hubspot_events.hpp"

namespace hbsync::ingress {
namespace {

struct IngressMetrics {
  prometheus::Family<prometheus::Counter>& events;
  prometheus::Family<prometheus::Counter>& rejected;
};

IngressMetrics& ingress_metrics() {
  static IngressMetrics m{
      prometheus::BuildCounter()
          .Name("hbsync_ingress_events_total")
          .Help("Webhook events by outcome: published, unknown_portal, publish_failed")
          .Register(metrics::registry()),
      prometheus::BuildCounter()
          .Name("hbsync_ingress_rejected_requests_total")
          .Help("Webhook requests refused, by reason")
          .Register(metrics::registry()),
  };
  return m;
}

void count_event(const char* result, double n = 1) {
  ingress_metrics().events.Add({{"result", result}}).Increment(n);
}

http::Response reject(int status, const std::string& reason, const std::string& message) {
  ingress_metrics().rejected.Add({{"reason", reason}}).Increment();
  log::info("webhook rejected", {{"status", status}, {"reason", reason}});
  return http::Response::error(status, message);
}

http::Response unavailable(const std::string& reason, const std::string& message) {
  auto response = reject(503, reason, message);
  response.headers.set("Retry-After", "5");
  return response;
}

bool is_json_content_type(std::string_view value) {
  auto semi = value.find(';');
  std::string_view media = value.substr(0, semi);
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  return http::iequals(media, "application/json");
}

// The messages of the tenants' events (`kept`, positions in `events`, in
// request order): one HubSpotEventBatch per portal, keyed by the portal.
std::vector<kafka::OutgoingMessage> messages_of(const WebhookOptions& options,
                                                const std::vector<ParsedEvent>& events,
                                                const std::vector<size_t>& kept) {
  std::vector<kafka::OutgoingMessage> messages;
  for (const auto& group : group_by_portal(events, kept)) {
    // No per-message copy of the correlation id: the producer takes the
    // caller's log scope (set to this request's id) when it is empty.
    messages.push_back(
        {.topic = options.topic,
         .key = service::hubspot_events_key(group.portal_id),
         .value = encode_batch(events, group.events),
         .headers = {{service::dlq::kSchemaHeader, std::string(service::kHubSpotEventBatchSchema)}},
         .correlation_id = {}});
  }
  return messages;
}

// Publishes the tenants' events of a verified batch and answers once Kafka
// has every message of them; strangers' events are counted and dropped.
// Called on an HTTP thread or on the tenant directory's lookup thread,
// inside the request's log scope (the producer writes its correlation id
// from there): never blocks.
void publish_batch(const WebhookOptions& options, kafka::Producer& producer,
                   std::vector<ParsedEvent>& events, const TenantDirectory::Answers& tenants,
                   const std::string& correlation_id, const http::Responder& respond) {
  std::vector<size_t> kept;
  kept.reserve(events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    if (tenants.at(events[i].event.portal_id)) kept.push_back(i);
  }
  const size_t unknown = events.size() - kept.size();
  if (unknown > 0 && options.redis_marked && !options.redis_marked()) {
    // No tenant data set in Redis (never applied, or lost): "unknown" may be
    // a tenant Redis forgot. HubSpot retries until the tenants are back.
    respond(unavailable("tenant_data_missing", "tenant data unavailable, retry later"));
    return;
  }
  if (unknown > 0) count_event("unknown_portal", static_cast<double>(unknown));
  if (kept.empty()) {
    respond(http::Response{204, {}, {}});
    return;
  }
  const size_t count = kept.size();  // the metrics count events, not messages
  producer.produce_batch(messages_of(options, events, kept), [respond, count, correlation_id](
                                                                 const kafka::BatchResult& result) {
    if (result.ok) {
      count_event("published", static_cast<double>(count));
      respond(http::Response{204, {}, {}});
      return;
    }
    log::Scope scope("", correlation_id);
    count_event("publish_failed", static_cast<double>(count));
    log::warn("events not acknowledged by Kafka",
              {{"events", count}, {"failed", result.failed}, {"error", result.first_error}});
    auto response = http::Response::error(503, "events not stored, retry later");
    response.headers.set("Retry-After", "5");
    respond(std::move(response));
  });
}

}  // namespace

void install_webhook_route(http::Router& router, WebhookOptions options, kafka::Producer& producer,
                           TenantDirectory& tenants) {
  ingress_metrics();
  auto shared = std::make_shared<const WebhookOptions>(std::move(options));
  router.add(
      "POST", "/webhooks/hubspot",
      [shared, &producer, &tenants](http::Request& request, http::Responder respond) {
        const WebhookOptions& options = *shared;
        std::string correlation_id = log::new_correlation_id();
        log::Scope scope("", correlation_id);
        auto content_type = request.headers.get("Content-Type");
        if (!content_type || !is_json_content_type(*content_type)) {
          respond(reject(415, "content_type", "Content-Type must be application/json"));
          return;
        }
        auto signature = request.headers.get("X-HubSpot-Signature-v3");
        auto timestamp = request.headers.get("X-HubSpot-Request-Timestamp");
        auto verdict = webhook::verify_v3(options.client_secret, request.method,
                                          options.public_base_url + request.target, request.body,
                                          timestamp.value_or(""), signature.value_or(""),
                                          webhook::unix_millis(), options.verify);
        if (verdict != webhook::Verdict::ok) {
          respond(
              reject(401, "signature_" + std::string(webhook::to_string(verdict)),
                     "signature verification failed: " + std::string(webhook::to_string(verdict))));
          return;
        }
        if (options.redis_state_lost && options.redis_state_lost()) {
          // Nothing is acknowledged while Redis lost its data: the services
          // cannot tell tenants from strangers (docs/operations.md).
          respond(unavailable("redis_state_lost", "tenant data lost, retry later"));
          return;
        }
        auto parsed = parse_events(request.body, webhook::unix_millis());
        if (!parsed.ok) {
          respond(reject(400, parsed.reason, parsed.error));
          return;
        }
        std::vector<int64_t> portals;
        for (const auto& e : parsed.events) portals.push_back(e.event.portal_id);
        std::sort(portals.begin(), portals.end());
        portals.erase(std::unique(portals.begin(), portals.end()), portals.end());
        // The events with the storage they point into.
        auto request_events = std::make_shared<ParseResult>(std::move(parsed));
        // The HTTP thread never waits on Redis: a portal not in memory is
        // looked up on the directory's thread, which answers through `done`.
        tenants.resolve(
            std::move(portals), [shared, &producer, request_events, correlation_id,
                                 respond](std::optional<TenantDirectory::Answers> answers) {
              log::Scope scope("", correlation_id);
              if (!answers) {
                // Better HubSpot retries later than an event dropped on a guess.
                respond(unavailable("tenant_lookup", "tenant lookup unavailable, retry later"));
                return;
              }
              publish_batch(*shared, producer, request_events->events, *answers, correlation_id,
                            respond);
            });
      });
}

}  // namespace hbsync::ingress
