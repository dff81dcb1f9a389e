#include "board_handler.hpp"

#include "board_planner.hpp"
#include "failures.hpp"
#include "hbsync/domain/board_change.hpp"
#include "hbsync/log/log.hpp"
#include "hbsync/tenant/amount.hpp"
#include "publish.hpp"

namespace hbsync::mapper {

BoardChangeHandler::BoardChangeHandler(BoardHandlerOptions options, tenant::Store* store,
                                       redis::Client& redis, hubspot::Api& hubspot,
                                       kafka::Producer& producer)
    : options_(std::move(options)),
      store_(store),
      redis_(redis),
      hubspot_(hubspot),
      oauth_(hubspot),
      producer_(producer),
      links_(redis),
      pipeline_({.dlq_topic = options_.dlq_topic,
                 .noun = "board change",
                 .unreadable = {.code = "unreadable_board_change",
                                .message = "not a hbsync.v1.BoardProjectChange"},
                 .ledger = service::DeadLetterLedger(redis_),
                 .now = options_.now},
                store_, producer_,
                {.tenant_of =
                     [](const v1::BoardProjectChange& c) {
                       return c.project_id() > 0 ? c.tenant_id() : std::string();
                     },
                 .apply = [this](Work& work) { return apply(work); },
                 .settle =
                     [this](Work& work, const service::Settled& settled) {
                       record_failure(
                           history_, work.settings ? work.tenant_id : std::string(), work.message,
                           settled,
                           {.direction = std::string(history::direction::board_to_hubspot),
                            .project_id = work.payload.project_id()});
                     }}) {
  if (store_ != nullptr) {
    tokens_ = std::make_unique<hubspot::TokenProviders>(oauth_, *store_, redis_);
  }
}

kafka::HandlerResult BoardChangeHandler::handle(const kafka::Message& m) {
  return pipeline_.handle(m);
}

BoardChangeHandler::Outcome BoardChangeHandler::pipeline_of(const tenant::Settings& settings,
                                                            int64_t deal_id,
                                                            const links::DealLink& link,
                                                            std::string& pipeline) {
  if (auto known = deal_pipeline(settings, link)) {
    pipeline = *known;
    return {};
  }
  auto portal = hubspot_.portal(settings.tenant_id, tokens_->for_tenant(settings.tenant_id));
  auto deal = portal.get_deal(std::to_string(deal_id), {"pipeline", "dealstage"});
  if (!deal) return hubspot_failure(deal.error(), "deals.get");
  pipeline = deal->property("pipeline").value_or("");
  return {};
}

BoardChangeHandler::Outcome BoardChangeHandler::apply(Work& work) {
  const auto& change = work.payload;
  const auto& settings = *work.settings;
  const std::string& tenant_id = settings.tenant_id;
  auto deal_id = links_.deal_of_project(tenant_id, change.project_id());
  auto link = deal_id ? links_.deal_link(tenant_id, *deal_id) : std::nullopt;
  if (!link || link->project_id != change.project_id()) {
    log::info("board change of a project with no deal link", {{"project_id", change.project_id()}});
    return {};
  }
  std::string pipeline;
  if (auto o = pipeline_of(settings, *deal_id, *link, pipeline); o.kind != Outcome::done) return o;
  std::optional<std::string> amount;
  std::string digest;
  if (settings.amount_sync) amount = domain::deal_amount(change.total());
  if (amount) digest = tenant::amount_digest(store_->keyring(), tenant_id, *deal_id, *amount);
  auto command = plan_board_change({.settings = settings,
                                    .change = change,
                                    .deal_id = *deal_id,
                                    .link = *link,
                                    .pipeline_id = pipeline,
                                    .amount = amount,
                                    .amount_digest = digest,
                                    .now = options_.now()});
  if (command.has_update_deal() && amount) {
    command.mutable_update_deal()->set_sealed_amount(
        tenant::seal_amount(store_->keyring(), tenant_id, *deal_id, *amount));
  }
  return publish_command(producer_, options_.commands_topic, command, "");
}

}  // namespace hbsync::mapper
