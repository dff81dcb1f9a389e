// hbsync-admin: the console, its JSON API (docs/admin-api.yaml), HubSpot
// sign-in and tenant settings; publishes sync requests (SPEC F1, F2, F6-F8).
#include <chrono>

#include "api.hpp"
#include "hbsync/http/client.hpp"
#include "hbsync/log/log.hpp"
#include "hbsync/service/frame.hpp"
#include "hbsync/tenant/crypto.hpp"

int main(int argc, char** argv) {
  using namespace hbsync;
  service::Frame frame({"admin", "Console, admin API, OAuth and tenant settings", 8080}, argc,
                       argv);
  auto& loader = frame.config();
  const admin::Config config = admin::Config::load(loader);
  const hubspot::Options hubspot_options = hubspot::Options::load(loader);
  const board::Options board_options = board::Options::load(loader);
  const tenant::Keyring keyring = tenant::Keyring::load(loader, tenant::Keyring::Need::required);
  const kafka::ReaderOptions reader_options =
      kafka::ReaderOptions::load(loader, frame.kafka_client());
  frame.configured();
  if (hubspot_options.client_id.empty()) {
    log::warn("HBSYNC_HUBSPOT_CLIENT_ID is empty: HubSpot sign-in cannot work", {});
  }

  http::Client http;
  hubspot::Api hubspot_api(hubspot_options, http, frame.redis());
  board::Api board_api(board_options, http, frame.redis());
  tenant::Store store(frame.redis(), keyring);
  hubspot::OAuth oauth(hubspot_api);
  hubspot::TokenProviders tokens(oauth, store, frame.redis());
  history::History history(frame.redis());
  admin::Sessions sessions(frame.redis(), config.session_ttl);
  admin::Services services{
      .config = config,
      .redis = frame.redis(),
      .store = store,
      .producer = frame.producer(),
      .topics = frame.topics(),
      .board = board_api,
      .hubspot = hubspot_api,
      .oauth = oauth,
      .tokens = tokens,
      .history = history,
      .sessions = sessions,
      .now_ms =
          [] {
            return std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                .count();
          },
      // A reader per retry: retries are rare, and a reader is not shared
      // between the API's worker threads.
      .read_dead_letter =
          [&reader_options, &services_topics = frame.topics()](int32_t partition, int64_t offset) {
            kafka::TopicReader reader(reader_options);
            return reader.read_at(services_topics.sync_dlq, partition, offset);
          },
  };
  admin::Api api(frame.router(), services, config.workers);
  admin::add_routes(frame.router(), api, services);
  return frame.run();
}
