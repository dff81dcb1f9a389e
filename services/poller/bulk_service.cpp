#include "bulk_service.hpp"

namespace hbsync::poller {

BulkService::BulkService(service::Frame& frame)
    : frame_(frame),
      hubspot_options_(hubspot::Options::load(frame.config())),
      board_options_(board::Options::load(frame.config())),
      keyring_(tenant::Keyring::load(frame.config())),
      options_(BulkOptions::load(frame.config())),
      history_max_(history::load_max_entries(frame.config())) {}

BulkService::~BulkService() = default;

void BulkService::start() {
  redis::Client& redis = frame_.redis();
  hubspot_ = std::make_unique<hubspot::Api>(hubspot_options_, http_, redis);
  oauth_ = std::make_unique<hubspot::OAuth>(*hubspot_);
  board_ = std::make_unique<board::Api>(board_options_, http_, redis);
  store_ = std::make_unique<tenant::Store>(redis, keyring_);
  tokens_ = std::make_unique<hubspot::TokenProviders>(*oauth_, *store_, redis);
  history_ = std::make_unique<history::History>(redis, history_max_);
  links_ = redis_company_links(redis);
  bulk_ =
      std::make_unique<BulkCompanies>(BulkDeps{.redis = redis,
                                               .store = *store_,
                                               .hubspot = *hubspot_,
                                               .tokens = *tokens_,
                                               .board = *board_,
                                               .history = *history_,
                                               .links = *links_,
                                               .stopping = [this] { return frame_.stopping(); }},
                                      options_);
}

kafka::HandlerResult BulkService::handle(const v1::SyncRequest& request,
                                         const kafka::Message& message) {
  return bulk_->handle(request, message);
}

}  // namespace hbsync::poller
