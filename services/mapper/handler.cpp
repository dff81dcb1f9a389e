#include "handler.hpp"

#include "failures.hpp"
#include "hbsync/domain/dates.hpp"
#include "hbsync/domain/sync_rules.hpp"
#include "hbsync/log/log.hpp"
#include "hbsync/service/dlq_keys.hpp"
#include "hbsync/service/hubspot_events.hpp"
#include "hbsync/service/replay.hpp"
#include "hbsync/service/unreadable.hpp"
#include "hbsync/tenant/board_users.hpp"
#include "hbsync/tenant/crypto.hpp"
#include "publish.hpp"

namespace hbsync::mapper {

EventHandler::EventHandler(HandlerOptions options, tenant::Store* store, redis::Client& redis,
                           hubspot::Api& hubspot, board::Api& board, kafka::Producer& producer)
    : options_(std::move(options)),
      store_(store),
      redis_(redis),
      hubspot_(hubspot),
      oauth_(hubspot),
      board_(board),
      producer_(producer),
      owners_(options_.cache_ttl),
      read_revisions_(options_.cache_ttl),
      pipeline_(
          {.dlq_topic = options_.dlq_topic,
           .noun = "event",
           .unreadable = {.code = "unreadable_event",
                          .message = "not a hbsync.v1.HubSpotEvent with a portal"},
           .ledger = service::DeadLetterLedger(redis_),
           .now = options_.now},
          store_, producer_,
          {.tenant_of =
               [](const v1::HubSpotEvent& event) {
                 return event.portal_id() > 0 ? std::to_string(event.portal_id()) : std::string();
               },
           .wanted = [](const auto& work) { return classify(work.payload) != EventAction::ignore; },
           .apply = [this](auto& work) { return apply(work); },
           .settle =
               [this](auto& work, const service::Settled& settled) {
                 record_failure(history_, work.settings ? work.tenant_id : std::string(),
                                work.message, settled, failure_entry(work.payload));
               }}),
      batches_([this](const kafka::Message& m) { return pipeline_.handle(m); },
               [this](const kafka::Message& m) {
                 const service::DeadLetterLedger ledger(redis_);
                 return service::dead_letter_unreadable(
                     producer_, options_.dlq_topic, m,
                     {.code = "unreadable_event", .message = "not a hbsync.v1.HubSpotEventBatch"},
                     &ledger);
               }) {
  if (store_ != nullptr) {
    tokens_ = std::make_unique<hubspot::TokenProviders>(oauth_, *store_, redis_);
  }
}

kafka::HandlerResult EventHandler::handle(const kafka::Message& m) {
  if (m.header(service::dlq::kSchemaHeader) == service::kHubSpotEventBatchSchema) {
    return batches_.handle(m);
  }
  return pipeline_.handle(m);
}

EventHandler::Outcome EventHandler::apply(service::Work<v1::HubSpotEvent, std::monostate>& work) {
  const auto& event = work.payload;
  // An operator's replay (hbsync-ctl dlq replay): decided afresh, and the
  // header goes on with the command so the writer may claim it again even
  // if the same decision failed for good before.
  std::string replay;
  if (auto h = work.message.header(kafka::kReplayHeader)) replay = std::string(*h);
  if (classify(event) == EventAction::reread_deal) {
    return reread_and_plan(*work.settings, event, replay);
  }
  auto command = plan_lifecycle(work.tenant_id, event, options_.now());
  if (!command) return {};
  return publish(std::move(*command), event, replay);
}

history::Entry EventHandler::failure_entry(const v1::HubSpotEvent& event) {
  history::Entry e{.direction = std::string(history::direction::hubspot_to_board)};
  const std::string& type = event.subscription_type();
  if (type.starts_with("deal.") || type == service::kReplaySubscriptionType) {
    e.deal_id = event.object_id();
  } else if (type.starts_with("company.")) {
    e.company_id = event.object_id();
  }
  return e;
}

namespace {

// The deal as the planner reads it, companies and owner apart.
DealSnapshot snapshot_of(int64_t deal_id, const hubspot::Deal& deal,
                         const v1::HubSpotEvent& event) {
  DealSnapshot snap;
  snap.deal_id = deal_id;
  snap.pipeline_id = deal.property("pipeline").value_or("");
  snap.stage_id = deal.property("dealstage").value_or("");
  snap.closedate = deal.property("closedate");
  auto updated = domain::parse_hubspot_timestamp_ms(deal.updated_at);
  if (!updated) {
    if (auto p = deal.property("hs_lastmodifieddate")) {
      updated = domain::parse_hubspot_timestamp_ms(*p);
    }
  }
  snap.updated_at_ms = updated.value_or(event.occurred_at_ms());
  // classify() re-reads for deal<->company association changes only.
  if (!event.association_type().empty() && event.occurred_at_ms() > 0) {
    snap.association_changed_at_ms = event.occurred_at_ms();
  }
  return snap;
}

}  // namespace

EventHandler::Outcome EventHandler::reread_and_plan(const tenant::Settings& settings,
                                                    const v1::HubSpotEvent& event,
                                                    const std::string& replay) {
  const std::string& tenant_id = settings.tenant_id;
  const int64_t deal_id = deal_id_of(event);
  if (deal_id <= 0) return {};
  const std::string read_key = tenant_id + ":" + std::to_string(deal_id);
  if (auto seen = read_revisions_.get(read_key);
      replay.empty() && seen && event.occurred_at_ms() > 0 && event.occurred_at_ms() <= *seen) {
    log::debug("event covered by an earlier read", {{"deal_id", deal_id}});
    return {};
  }
  if (replay.empty() && event.property_name() == "dealstage") {
    const auto link = links::Links(redis_).deal_link(tenant_id, deal_id);
    if (stage_already_known(event, link ? &*link : nullptr)) {
      log::debug("stage change already known (our own update's echo): not read",
                 {{"deal_id", deal_id}});
      return {};
    }
  }
  auto portal = hubspot_.portal(tenant_id, tokens_for(tenant_id));

  auto deal = portal.get_deal(std::to_string(deal_id));
  if (!deal) {
    if (deal.error().kind == hubspot::Error::not_found) {
      return publish(
          plan_deal_not_found(tenant_id, deal_id, event.occurred_at_ms(), options_.now()), event,
          replay);
    }
    return hubspot_failure(deal.error(), "deals.get");
  }

  DealSnapshot snap = snapshot_of(deal_id, *deal, event);
  if (auto o = read_companies(portal, *deal, snap); o.kind != Outcome::done) return o;
  std::vector<domain::BoardUser> users;
  if (auto o = resolve_owner(settings, portal, *deal, snap, users); o.kind != Outcome::done) {
    return o;
  }
  auto published = publish_deal(settings, *deal, snap, users, event, replay);
  if (published.kind == Outcome::done) read_revisions_.put(read_key, snap.updated_at_ms);
  return published;
}

EventHandler::Outcome EventHandler::read_companies(hubspot::Portal& portal,
                                                   const hubspot::Deal& deal, DealSnapshot& snap) {
  if (auto companies = companies_from_v3(deal.companies)) {
    snap.companies = std::move(*companies);
    return {};
  }
  auto v4 = portal.deal_companies(std::to_string(snap.deal_id));
  if (!v4) return hubspot_failure(v4.error(), "deal_companies.list");
  snap.companies = std::move(*v4);
  return {};
}

EventHandler::Outcome EventHandler::resolve_owner(const tenant::Settings& settings,
                                                  hubspot::Portal& portal,
                                                  const hubspot::Deal& deal, DealSnapshot& snap,
                                                  std::vector<domain::BoardUser>& users) {
  // Only deals that will be synced need the owner and the board users.
  auto decision = domain::decide_deal_sync(settings.stage_mapping, snap.pipeline_id, snap.stage_id,
                                           std::nullopt);
  const bool syncing = decision.action == domain::DealAction::create_project &&
                       !domain::resolve_company(snap.companies).skipped() &&
                       settings.board.connected();
  auto owner_id = deal.property("hubspot_owner_id");
  if (syncing && owner_id && !owner_id->empty()) {
    std::string email;
    if (auto o = owner_email(settings.tenant_id, portal, *owner_id, email);
        o.kind != Outcome::done) {
      return o;
    }
    if (!email.empty()) snap.owner_email = email;
  }
  if (snap.owner_email) return board_users(settings, *snap.owner_email, users);
  return {};
}

EventHandler::Outcome EventHandler::owner_email(const std::string& tenant_id,
                                                hubspot::Portal& portal,
                                                const std::string& owner_id, std::string& email) {
  const std::string key = tenant_id + ":" + owner_id;
  if (auto cached = owners_.get(key)) {
    email = *cached;
    return {};
  }
  auto owner = portal.get_owner(owner_id);
  if (owner) {
    email = owner->archived ? std::string() : owner->email;
  } else if (owner.error().kind == hubspot::Error::not_found) {
    email = std::string();
  } else if (owner.error().retryable()) {
    return hubspot_failure(owner.error(), "owners.get");
  } else {
    log::warn("owner not readable: default board user applies",
              {{"tenant", tenant_id}, {"kind", hubspot::to_string(owner.error().kind)}});
    email = std::string();
  }
  owners_.put(key, email);
  return {};
}

EventHandler::Outcome EventHandler::publish_deal(const tenant::Settings& settings,
                                                 const hubspot::Deal& deal,
                                                 const DealSnapshot& snap,
                                                 const std::vector<domain::BoardUser>& users,
                                                 const v1::HubSpotEvent& event,
                                                 const std::string& replay) {
  auto command =
      plan_deal({.settings = settings, .deal = snap, .board_users = users, .now = options_.now()});
  if (command.has_sync_deal()) {
    // The project name travels sealed: no personal data on Kafka in clear.
    command.mutable_sync_deal()->set_sealed_deal_name(
        tenant::seal_deal_name(store_->keyring(), settings.tenant_id, snap.deal_id,
                               deal.property("dealname").value_or("")));
  }
  return publish(std::move(command), event, replay);
}

EventHandler::Outcome EventHandler::board_users(const tenant::Settings& settings,
                                                const std::string& owner_email,
                                                std::vector<domain::BoardUser>& users) {
  using std::chrono::milliseconds;
  const std::string& tenant_id = settings.tenant_id;
  const int64_t now =
      std::chrono::duration_cast<milliseconds>(options_.now().time_since_epoch()).count();
  auto stored = tenant::load_board_users(redis_, store_->keyring(), tenant_id);
  bool refresh = !stored;
  if (stored) {
    const milliseconds age(now - stored->fetched_at_ms);
    const bool matched =
        domain::resolve_board_user(owner_email, stored->users, std::nullopt).rule ==
        domain::UserRule::owner_email;
    // A list from the future (clocks apart by more than a minute) is read again.
    refresh = age >= options_.users_max_age || age < -milliseconds(std::chrono::minutes(1)) ||
              (!matched && age >= options_.users_miss_refresh);
  }
  if (!refresh) {
    users = std::move(stored->users);
    return {};
  }
  auto account = board_.account(
      tenant_id,
      board::Credentials{.api_key = settings.board.api_key, .api_token = settings.board.api_token});
  auto listed = account.list_all_users();
  if (!listed) {
    if (!listed.error().redis_error.empty()) {
      return redis_failure("GET /v1/users", listed.error().redis_error);
    }
    if (stored) {
      log::warn("board users not refreshed: the stored list applies",
                {{"tenant", tenant_id}, {"status", listed.error().status}});
      users = std::move(stored->users);
      return {};
    }
    if (listed.error().retryable()) {
      log::warn("board users not readable",
                {{"tenant", tenant_id}, {"status", listed.error().status}});
      return service::retry(service::Reason::board_unavailable, "GET /v1/users failed");
    }
    log::warn("board users not readable: default board user applies",
              {{"tenant", tenant_id}, {"status", listed.error().status}});
    users.clear();
    return {};
  }
  tenant::BoardUsers fresh{.users = {}, .fetched_at_ms = now};
  for (const auto& u : *listed)
    fresh.users.push_back({.id = u.id, .email = u.email, .valid = u.valid});
  tenant::save_board_users(redis_, store_->keyring(), tenant_id, fresh);
  log::info("board users read",
            {{"tenant", tenant_id}, {"users", static_cast<int64_t>(fresh.users.size())}});
  users = std::move(fresh.users);
  return {};
}

EventHandler::Outcome EventHandler::publish(v1::SyncCommand command, const v1::HubSpotEvent& event,
                                            const std::string& replay) {
  command.set_origin_at_ms(event.received_at_ms());  // the webhook's arrival at ingress
  return publish_command(producer_, options_.commands_topic, command, replay);
}

hubspot::TokenSource& EventHandler::tokens_for(const std::string& tenant_id) {
  return tokens_->for_tenant(tenant_id);
}

}  // namespace hbsync::mapper
