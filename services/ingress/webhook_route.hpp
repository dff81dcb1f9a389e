// POST /webhooks/hubspot: verify, parse, publish, and answer only once Kafka
// has every event of the batch (SPEC section 2, ingress).
#pragma once

#include <functional>
#include <string>

#include "hbsync/http/router.hpp"
#include "hbsync/kafka/producer.hpp"
#include "hbsync/webhook/signature.hpp"
#include "tenant_directory.hpp"

namespace hbsync::ingress {

struct WebhookOptions {
  std::string client_secret;    // the HubSpot app's client secret (signing key)
  std::string public_base_url;  // scheme://host[:port] HubSpot calls; + request target = signed URI
  std::string topic;            // hubspot.events
  webhook::VerifyOptions verify;
  // Redis data-set state (service::Frame): while lost every webhook gets
  // 503; until marked (no tenant data set seen) an unknown portal gets 503
  // instead of 204. Unset: always fine.
  std::function<bool()> redis_state_lost{};
  std::function<bool()> redis_marked{};
};

void install_webhook_route(http::Router& router, WebhookOptions options, kafka::Producer& producer,
                           TenantDirectory& tenants);

}  // namespace hbsync::ingress
