#include "webhook_route.hpp"

#include <prometheus/counter.h>

#include "event_parser.hpp"
#include "hbsync/log/log.hpp"
#include "hbsync/metrics/metrics.hpp"

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

bool is_json_content_type(std::string_view value) {
  auto semi = value.find(';');
  std::string_view media = value.substr(0, semi);
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  return http::iequals(media, "application/json");
}

}  // namespace

void install_webhook_route(http::Router& router, WebhookOptions options, kafka::Producer& producer,
                           TenantDirectory& tenants) {
  ingress_metrics();
  router.add(
      "POST", "/webhooks/hubspot",
      [options = std::move(options), &producer, &tenants](http::Request& request,
                                                          http::Responder respond) {
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
        auto parsed = parse_events(request.body, webhook::unix_millis());
        if (!parsed.ok) {
          respond(reject(400, parsed.reason, parsed.error));
          return;
        }

        std::vector<kafka::OutgoingMessage> messages;
        messages.reserve(parsed.events.size());
        size_t unknown = 0;
        for (auto& e : parsed.events) {
          auto known = tenants.is_tenant(e.event.portal_id());
          if (!known) {
            // Better HubSpot retries later than an event dropped on a guess.
            respond(reject(503, "tenant_lookup", "tenant lookup unavailable, retry later"));
            return;
          }
          if (!*known) {
            ++unknown;
            continue;
          }
          kafka::OutgoingMessage m;
          m.topic = options.topic;
          m.key = std::move(e.key);
          m.value = e.event.SerializeAsString();
          m.headers.emplace_back("hbsync-schema", "hbsync.v1.HubSpotEvent");
          m.correlation_id = correlation_id;
          messages.push_back(std::move(m));
        }
        if (unknown > 0) count_event("unknown_portal", static_cast<double>(unknown));
        if (messages.empty()) {
          respond(http::Response{204, {}, {}});
          return;
        }
        size_t count = messages.size();
        producer.produce_batch(std::move(messages), [respond, count, correlation_id](
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
      });
}

}  // namespace hbsync::ingress
