// hbsync-ingress: receives HubSpot webhooks, verifies them and publishes each
// event to hubspot.events, answering only after Kafka acknowledged them.
#include "hbsync/log/log.hpp"
#include "hbsync/service/frame.hpp"
#include "tenant_directory.hpp"
#include "webhook_route.hpp"

int main(int argc, char** argv) {
  // HubSpot counts a webhook as failed after 5 s: ingress answers 503 well
  // before that when Kafka cannot take the batch (HBSYNC_KAFKA_DELIVERY_TIMEOUT).
  hbsync::service::Frame frame({.name = "ingress",
                                .summary = "HubSpot webhooks in, verified events out to Kafka",
                                .default_port = 8081,
                                .delivery_timeout = "4s",
                                // Each request waits for the linger: 1 ms
                                // (not 2) lifts 10-event batches from 11 %
                                // to 16 % of nginx (docs/performance.md).
                                .linger = "1ms"},
                               argc, argv);
  auto& config = frame.config();
  hbsync::ingress::WebhookOptions options;
  options.client_secret = config.secret(
      "HBSYNC_HUBSPOT_CLIENT_SECRET", "",
      "The HubSpot app's client secret: the key of the webhook signatures (required)");
  options.public_base_url = config.str(
      "HBSYNC_INGRESS_PUBLIC_BASE_URL", "http://127.0.0.1:8081",
      "scheme://host[:port] HubSpot calls, as HubSpot sees it (behind a load balancer: the "
      "public one); the signed URI is this plus the request path and query");
  options.verify.max_age = config.duration("HBSYNC_INGRESS_SIGNATURE_MAX_AGE", "5m",
                                           "Oldest accepted X-HubSpot-Request-Timestamp");
  options.verify.max_future_skew =
      config.duration("HBSYNC_INGRESS_SIGNATURE_MAX_FUTURE", "1m",
                      "How far in the future a request timestamp may be (clock skew)");
  hbsync::ingress::DirectoryOptions directory;
  directory.refresh_interval = config.duration("HBSYNC_INGRESS_TENANT_REFRESH", "10s",
                                               "How often the set of tenant portals is reloaded");
  directory.lookup_timeout = config.duration(
      "HBSYNC_INGRESS_TENANT_LOOKUP_TIMEOUT", "300ms",
      "How long looking up a portal not in memory may take before its webhook gets 503");
  directory.negative_ttl = config.duration(
      "HBSYNC_INGRESS_TENANT_NEGATIVE_TTL", "10s",
      "How long a portal found not to be a tenant is remembered as such (a tenant applied "
      "meanwhile is seen after at most this or HBSYNC_INGRESS_TENANT_REFRESH)");
  if (options.client_secret.empty() && !config.help_requested()) {
    config.reject("HBSYNC_HUBSPOT_CLIENT_SECRET", "is required but not set");
  }
  options.topic = frame.topics().hubspot_events;
  frame.configured();

  // Lookups on their own connection with a short timeout: a hung Redis
  // costs a webhook at most about twice the lookup timeout, never a thread.
  auto lookup_options = frame.redis_options();
  lookup_options.command_timeout = directory.lookup_timeout;
  lookup_options.connect_timeout = directory.lookup_timeout;
  lookup_options.pool_size = 1;
  hbsync::redis::Client lookups(lookup_options);
  hbsync::ingress::TenantDirectory tenants(frame.redis(), lookups, directory);
  options.redis_state_lost = [&frame] { return frame.redis_state_lost(); };
  options.redis_marked = [&frame] { return frame.redis_marked(); };
  frame.add_worker(
      "tenant-directory", [&tenants] { tenants.run(); }, [&tenants] { tenants.stop(); });
  hbsync::ingress::install_webhook_route(frame.router(), options, frame.producer(), tenants);
  return frame.run();
}
