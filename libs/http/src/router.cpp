#include "hbsync/http/router.hpp"

#include <stdexcept>

namespace hbsync::http {
namespace {

bool is_param(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// "/a/b/" -> {"a", "b", ""}: the trailing empty segment keeps "/a/b" and
// "/a/b/" distinct, as the pattern says "exact segments".
std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> segments;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (true) {
    size_t slash = path.find('/');
    segments.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

bool segments_match(const std::vector<std::string>& pattern, const std::vector<std::string>& path) {
  if (pattern.size() != path.size()) return false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (is_param(pattern[i])) {
      if (path[i].empty()) return false;
    } else if (pattern[i] != path[i]) {
      return false;
    }
  }
  return true;
}

// True when a is more specific than b: at the first segment where one is a
// literal and the other a parameter, the literal wins.
bool more_specific(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    bool pa = is_param(a[i]);
    bool pb = is_param(b[i]);
    if (pa != pb) return !pa;
  }
  return false;
}

}  // namespace

Handler sync_handler(SyncHandler handler) {
  return [handler = std::move(handler)](Request& request, Responder respond) {
    respond(handler(request));
  };
}

void Router::add(std::string method, std::string pattern, Handler handler) {
  if (pattern.empty() || pattern.front() != '/') {
    throw std::invalid_argument("route pattern must start with '/': " + pattern);
  }
  if (method.empty()) throw std::invalid_argument("route method is empty for " + pattern);
  if (!handler) throw std::invalid_argument("route handler is empty for " + pattern);
  auto segments = split_path(pattern);
  for (const auto& s : segments) {
    bool braces = s.find('{') != std::string::npos || s.find('}') != std::string::npos;
    if (braces && !is_param(s)) {
      throw std::invalid_argument("a parameter must be a whole segment: " + pattern);
    }
  }
  for (const auto& r : routes_) {
    if (r.method == method && r.segments == segments) {
      throw std::invalid_argument("duplicate route " + method + " " + pattern);
    }
  }
  routes_.push_back(
      Route{std::move(method), std::move(pattern), std::move(segments), std::move(handler)});
}

Router::Match Router::match(const std::string& method, const std::string& path) const {
  Match m;
  auto segments = split_path(path);
  for (const auto& r : routes_) {
    if (!segments_match(r.segments, segments)) continue;
    if (!m.any_method || more_specific(r.segments, m.any_method->segments)) m.any_method = &r;
    if (r.method == method && (!m.route || more_specific(r.segments, m.route->segments))) {
      m.route = &r;
    }
  }
  if (!m.route && m.any_method) {
    // Allow lists the methods of the best-matching pattern only, so a
    // parameter route does not advertise methods of a more specific one.
    for (const auto& r : routes_) {
      if (r.segments == m.any_method->segments) m.allowed.push_back(r.method);
    }
  }
  return m;
}

void Router::dispatch(Request& request, Responder responder) const {
  Match m = match(request.method, request.path());
  if (!m.any_method) {
    request.route = "unmatched";
    responder(Response::error(404, "not found"));
    return;
  }
  if (!m.route) {
    request.route = m.any_method->pattern;
    std::string allow;
    for (const auto& method : m.allowed) {
      if (!allow.empty()) allow += ", ";
      allow += method;
    }
    Response r = Response::error(405, "method not allowed");
    r.headers.set("Allow", std::move(allow));
    responder(std::move(r));
    return;
  }
  request.route = m.route->pattern;
  request.path_params.clear();
  auto segments = split_path(request.path());
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string& p = m.route->segments[i];
    if (is_param(p)) {
      request.path_params[p.substr(1, p.size() - 2)] = url_decode(segments[i], false);
    }
  }
  m.route->handler(request, std::move(responder));
}

std::string Router::route_of(const Request& request) const {
  Match m = match(request.method, request.path());
  if (m.route) return m.route->pattern;
  if (m.any_method) return m.any_method->pattern;
  return "unmatched";
}

}  // namespace hbsync::http
