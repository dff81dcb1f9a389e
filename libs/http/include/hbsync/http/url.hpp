// URL and query-string helpers shared by the server (request targets, form
// bodies) and the client (request URLs).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hbsync::http {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// Percent-encodes everything except RFC 3986 unreserved characters
// (ALPHA / DIGIT / "-" / "." / "_" / "~"); a space becomes %20.
std::string url_encode(std::string_view text);

// Decodes %XX escapes; malformed escapes are kept literally rather than
// rejected, because a lenient decode cannot be used to smuggle bytes.
// plus_as_space: true for query strings and form bodies, false for paths.
std::string url_decode(std::string_view text, bool plus_as_space = true);

// "a=1&b=x%20y&a=2" -> {{"a","1"},{"b","x y"},{"a","2"}}: decoded, in order,
// repeated keys kept, a leading '?' ignored, empty pieces skipped, a key
// without '=' gets "". Also parses application/x-www-form-urlencoded bodies.
QueryParams parse_query(std::string_view query);

// Inverse of parse_query (no leading '?').
std::string build_query(const QueryParams& params);

// Members carry {} initializers so designated initializers that omit them
// do not trip -Wmissing-field-initializers (g++ 12, -Wextra).
struct ParsedUrl {
  std::string scheme{};  // "http" or "https", lower case
  std::string host{};    // without brackets for IPv6 literals
  uint16_t port = 0;     // explicit or the scheme's default
  std::string target{};  // path + query, "/" when empty; fragment dropped

  bool default_port() const { return port == (scheme == "https" ? 443 : 80); }
};

// Accepts only absolute http/https URLs without userinfo (user@host is
// rejected: it is a classic way to make a URL look like another host).
// Throws std::invalid_argument with the reason.
ParsedUrl parse_url(std::string_view url);

}  // namespace hbsync::http
