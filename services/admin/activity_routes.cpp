// History, retries, sync now and bulk company sync (F4.1, F5, F7):
// docs/admin-api.yaml, "history and actions". The handlers live by concern:
// activity_history (list, summary), activity_retry, activity_requests.
#include "activity_history.hpp"
#include "activity_requests.hpp"
#include "activity_retry.hpp"
#include "api.hpp"

namespace hbsync::admin {

void add_activity_routes(Api& api, Services& services) {
  const auto route = [&services](http::Response (*handler)(Services&, const Call&)) {
    return [&services, handler](Call& call) { return handler(services, call); };
  };
  api.add("GET", "/api/v1/history", route(activity::get_history));
  api.add("GET", "/api/v1/history/summary", route(activity::get_history_summary));
  api.add("POST", "/api/v1/history/{id}/retry", route(activity::post_retry));
  api.add("POST", "/api/v1/sync/now", route(activity::post_sync_now));
  api.add("GET", "/api/v1/sync/status", route(activity::get_sync_status));
  api.add("POST", "/api/v1/bulk-sync/companies", route(activity::post_bulk_companies));
  api.add("GET", "/api/v1/bulk-sync/companies", route(activity::get_bulk_status));
}

}  // namespace hbsync::admin
