#include "board.hpp"

#include "hbsync/simkit/json.hpp"

namespace hbsync::simboard {

http::Response error_response(int status, std::string_view message) {
  return http::Response::json(status, simkit::json_object("message", message));
}

http::Response error_response(const Failure& failure) {
  return error_response(failure.status, failure.message);
}

Board::Board(RateLimits limits) {
  set_limits(limits);
}

RateLimits Board::limits() const {
  std::lock_guard lock(limits_mutex_);
  return limits_;
}

void Board::set_limits(RateLimits limits) {
  auto per_second =
      std::make_unique<simkit::SlidingWindowLimiter>(limits.per_second, std::chrono::seconds(1));
  auto per_day =
      std::make_unique<simkit::SlidingWindowLimiter>(limits.per_day, std::chrono::hours(24));
  std::lock_guard lock(limits_mutex_);
  limits_ = limits;
  per_second_ = std::move(per_second);
  per_day_ = std::move(per_day);
}

void Board::reset_limits() {
  std::lock_guard lock(limits_mutex_);
  per_second_->reset();
  per_day_->reset();
}

std::string Board::account_of(const http::Request& request) {
  auto key = request.headers.get("x-api-key");
  if (!key || key->empty()) return "";
  std::string api_key(*key);
  std::lock_guard lock(mutex);
  return store.account(api_key) ? api_key : "";
}

std::variant<std::string, http::Response> Board::admit(const http::Request& request,
                                                       std::string_view operation,
                                                       const simkit::FaultInjector& faults) {
  std::string api_key(request.headers.get("x-api-key").value_or(""));
  {
    std::lock_guard lock(mutex);
    if (api_key.empty() || !store.account(api_key) || faults.revoked(api_key)) {
      return error_response(401, "APIキーが正しくありません");
    }
  }

  {
    std::lock_guard lock(limits_mutex_);
    auto now = simkit::SlidingWindowLimiter::Clock::now();
    auto daily = per_day_->peek(api_key, now);
    std::optional<simkit::SlidingWindowLimiter::Decision> refused;
    std::string_view message;
    if (!daily.allowed) {
      refused = daily;
      message = "Limit Exceeded";
    } else if (auto burst = per_second_->check(api_key, now); !burst.allowed) {
      refused = burst;
      message = "Too Many Requests";
    } else {
      per_day_->check(api_key, now);
    }
    if (refused) {
      http::Response response = error_response(429, message);
      response.headers.set("Retry-After", std::to_string(refused->retry_after_seconds()));
      return response;
    }
  }

  std::string_view authorization = request.headers.get("authorization").value_or("");
  std::string token;
  if (authorization.size() > 7 && http::iequals(authorization.substr(0, 7), "bearer ")) {
    token = std::string(authorization.substr(7));
  }
  std::lock_guard lock(mutex);
  const Account* account = store.account(api_key);
  const Token* grant = nullptr;
  if (account && !token.empty()) {
    auto it = account->tokens.find(token);
    if (it != account->tokens.end()) grant = &it->second;
  }
  // A token of another account is as unknown here as a made-up one.
  if (!grant || faults.revoked(token)) {
    return error_response(401, "APIトークンが正しくありません");
  }
  if (!grant->allows(operation)) {
    return error_response(
        403, "このAPIトークンには操作(" + std::string(operation) + ")の権限がありません");
  }
  return api_key;
}

}  // namespace hbsync::simboard
