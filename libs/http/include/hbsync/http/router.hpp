// Method + path pattern dispatch for the server.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hbsync/http/message.hpp"

namespace hbsync::http {

// Completes a request. Call exactly once, from any thread, possibly after the
// handler returned (e.g. ingress answers only after Kafka acknowledged).
// Thread-safe: it only posts the write to the connection's strand. Later calls
// are ignored, as are calls after the handler timeout already answered 503.
// If every copy is destroyed without a call, the client gets a 500 at once
// instead of waiting for the handler timeout.
using Responder = std::function<void(Response)>;

// The Request is owned by the connection. Rely on it only until the handler
// returns: after a handler timeout or a client disconnect it is gone, so an
// async handler moves what it needs (body, params) into its continuation.
using Handler = std::function<void(Request&, Responder)>;

// For handlers that compute the response inline.
using SyncHandler = std::function<Response(Request&)>;
Handler sync_handler(SyncHandler handler);

class Router {
 public:
  // pattern: "/v1/clients/{id}"; "{name}" matches one non-empty segment,
  // every other segment matches exactly. When several patterns match, the
  // one with a literal segment earliest wins ("/v1/clients/search" beats
  // "/v1/clients/{id}"). Throws std::invalid_argument for a bad pattern.
  void add(std::string method, std::string pattern, Handler handler);
  void add_sync(std::string method, std::string pattern, SyncHandler handler) {
    add(std::move(method), std::move(pattern), sync_handler(std::move(handler)));
  }

  // Fills request.path_params and request.route, then calls the handler.
  // No matching path: 404 JSON. Path matches but not the method: 405 with an
  // Allow header. Exceptions from the handler propagate to the caller (the
  // server turns them into a 500).
  void dispatch(Request& request, Responder responder) const;

  // The pattern that dispatch would use (for metrics labels), "unmatched"
  // when no path matches.
  std::string route_of(const Request& request) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;  // "{name}" kept as is
    Handler handler;
  };
  struct Match {
    const Route* route = nullptr;       // path and method match
    const Route* any_method = nullptr;  // path matches (for 405 / route_of)
    std::vector<std::string> allowed;
  };
  Match match(const std::string& method, const std::string& path) const;

  std::vector<Route> routes_;
};

}  // namespace hbsync::http
