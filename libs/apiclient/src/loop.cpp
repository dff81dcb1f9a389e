#include "hbsync/apiclient/loop.hpp"

#include "hbsync/log/log.hpp"
#include "hbsync/redis/redis.hpp"

namespace hbsync::apiclient {

using std::chrono::milliseconds;

std::string_view to_string(Class kind) {
  switch (kind) {
    case Class::unauthorized:
      return "unauthorized";
    case Class::forbidden:
      return "forbidden";
    case Class::not_found:
      return "not_found";
    case Class::conflict:
      return "conflict";
    case Class::locked:
      return "locked";
    case Class::rejected:
      return "rejected";
    case Class::rate_limited:
      return "rate_limited";
    case Class::budget_exhausted:
      return "budget_exhausted";
    case Class::server:
      return "server";
    case Class::network:
      return "network";
  }
  return "unknown";
}

Class class_of_status(int status) {
  switch (status) {
    case 401:
      return Class::unauthorized;
    case 403:
      return Class::forbidden;
    case 404:
      return Class::not_found;
    case 409:
      return Class::conflict;
    case 423:
      return Class::locked;
    case 429:
      return Class::rate_limited;
    default:
      return status >= 500 ? Class::server : Class::rejected;
  }
}

// The state of one call across its attempts: each attempt overwrites
// `failure`, so it describes the last one.
class Loop::Attempt {
 public:
  Attempt(Loop& loop, const Call& call) : loop_(loop), call_(call), request_(call.request) {}

  retry::Outcome operator()(int number) {
    if (auto denied = acquire()) return *denied;
    if (call_.authorize) call_.authorize(request_);
    ++failure.attempts;
    if (call_.sent) call_.sent->fetch_add(1);
    http::ClientResult result =
        loop_.metrics_.send(loop_.http_, request_, call_.operation, call_.tenant);
    if (!result.ok()) return transport_error(result.error, number);
    const int status = result.response.status;
    if (status >= 200 && status < 300) {
      answer = std::move(result.response);
      return retry::Outcome::ok();
    }
    return error_answer(result.response, number);
  }

  std::optional<http::ClientResponse> answer;
  Failure failure;

 private:
  const Profile& profile() const { return loop_.profile_; }

  // A limiter slot; an outcome when there is none.
  std::optional<retry::Outcome> acquire() {
    if (!call_.limiter) return std::nullopt;
    ratelimit::Decision slot;
    try {
      slot = call_.limiter->wait_acquire(call_.limit_key, profile().max_rate_wait);
    } catch (const redis::Error& e) {
      // Without the shared limiter we cannot know the budget is free:
      // failing closed keeps every replica inside the API's limit.
      fail(Failure{.kind = Class::network,
                   .message = std::string("rate limiter unavailable: ") + e.what(),
                   .redis_error = e.what()});
      return retry::Outcome::retry("rate limiter unavailable");
    }
    if (slot) return std::nullopt;
    const bool budget = slot.reason == ratelimit::Reason::budget_exhausted ||
                        (profile().budget_wait && slot.wait >= *profile().budget_wait);
    fail(Failure{
        .kind = budget ? Class::budget_exhausted : Class::rate_limited,
        .message = budget ? profile().display + " daily request budget exhausted"
                          : profile().display + " rate limit: no slot within the wait allowed",
        .retry_after = slot.wait});
    return retry::Outcome::fail(failure.message);
  }

  retry::Outcome transport_error(http::ErrorKind kind, int number) {
    fail(Failure{
        .kind = Class::network,
        .message = profile().display + " unreachable: " + std::string(http::to_string(kind))});
    if (kind == http::ErrorKind::invalid_url) return retry::Outcome::fail("invalid url");
    if (call_.creates && !not_sent(kind)) {
      failure.maybe_applied = true;
      return retry::Outcome::fail(failure.message);
    }
    log::warn(
        profile().display + " request failed, will retry",
        {{"operation", call_.operation}, {"error", http::to_string(kind)}, {"attempt", number}});
    return retry::Outcome::retry(failure.message);
  }

  retry::Outcome error_answer(const http::ClientResponse& response, int number) {
    const int status = response.status;
    fail(Failure{.kind = class_of_status(status), .status = status, .body = response.body});
    if (status == 401 && call_.refresh && !refreshed_) {
      refreshed_ = true;
      if (!call_.refresh()) return retry::Outcome::fail("credential refresh failed");
      return retry::Outcome::retry("401", milliseconds(0));
    }
    if (status == 429) return too_many(response, number);
    if (status == 423 && profile().locked_wait) {
      failure.retry_after = *profile().locked_wait;
      return retry::Outcome::retry("423", *profile().locked_wait);
    }
    if (status >= 500) {
      if (call_.creates && status == 504) {
        failure.maybe_applied = true;
        return retry::Outcome::fail("504 on a create");
      }
      log::warn(profile().display + " server error",
                {{"operation", call_.operation}, {"status", status}, {"attempt", number}});
      return retry::Outcome::retry(std::to_string(status));
    }
    return retry::Outcome::fail(std::to_string(status));
  }

  retry::Outcome too_many(const http::ClientResponse& response, int number) {
    const milliseconds wait = retry_after(response, profile().default_retry_after);
    failure.retry_after = wait;
    if (profile().budget_wait && wait >= *profile().budget_wait) {
      failure.kind = Class::budget_exhausted;
    }
    if (call_.limiter) {
      ratelimit::Limiter& named =
          profile().penalized ? profile().penalized(call_, response) : *call_.limiter;
      penalize(named, call_.limit_key, wait);
    }
    log::warn(
        profile().display + " answered 429, backing off",
        {{"operation", call_.operation}, {"retry_after_ms", wait.count()}, {"attempt", number}});
    return retry::Outcome::retry("429", wait);
  }

  // Replaces the failure, keeping the count of requests sent.
  void fail(Failure next) {
    next.attempts = failure.attempts;
    failure = std::move(next);
  }

  Loop& loop_;
  const Call& call_;
  http::ClientRequest request_;
  bool refreshed_ = false;
};

Loop::Loop(Profile profile, http::Client& http, retry::Policy policy, retry::Sleeper sleep,
           retry::Clock clock)
    : profile_(std::move(profile)),
      http_(http),
      policy_(policy),
      sleep_(std::move(sleep)),
      clock_(std::move(clock)),
      metrics_(RequestMetrics::of(profile_.api, profile_.display)) {}

Answer Loop::run(const Call& call) {
  Attempt attempt(*this, call);
  retry::run(
      policy_, [&](int number) { return attempt(number); }, sleep_, clock_);
  if (attempt.answer) return std::move(*attempt.answer);
  return std::move(attempt.failure);
}

}  // namespace hbsync::apiclient
