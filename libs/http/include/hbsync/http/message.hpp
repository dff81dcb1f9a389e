// Request/response values shared by the server, the router and the client.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hbsync/http/url.hpp"

namespace hbsync::http {

// Header list with case-insensitive names; keeps order and repeated fields.
class Headers {
 public:
  using Field = std::pair<std::string, std::string>;
  using const_iterator = std::vector<Field>::const_iterator;

  // First value of the field, if present.
  std::optional<std::string_view> get(std::string_view name) const;
  std::vector<std::string_view> get_all(std::string_view name) const;
  bool has(std::string_view name) const { return get(name).has_value(); }
  // Replaces every existing field of that name.
  void set(std::string name, std::string value);
  // Appends, keeping existing fields of that name (Set-Cookie, ...).
  void add(std::string name, std::string value);
  void remove(std::string_view name);

  const_iterator begin() const { return fields_.begin(); }
  const_iterator end() const { return fields_.end(); }
  size_t size() const { return fields_.size(); }
  bool empty() const { return fields_.empty(); }

 private:
  std::vector<Field> fields_;
};

bool iequals(std::string_view a, std::string_view b);

// Members carry {} initializers so designated initializers that omit them
// do not trip -Wmissing-field-initializers (g++ 12, -Wextra).
struct Request {
  std::string method{};  // "GET", "POST", ... as received
  std::string target{};  // raw path + query as received

  std::string path() const;  // target without query, not decoded
  std::string_view query_string() const;
  QueryParams query() const;  // decoded, in order, repeated keys kept
  std::optional<std::string> query_param(std::string_view name) const;  // first value

  Headers headers{};
  std::string body{};
  std::string remote_address{};  // peer IP, without port

  // Filled by Router::dispatch: "{name}" segment values (percent-decoded) and
  // the pattern that matched (the metrics label; "unmatched" otherwise).
  std::map<std::string, std::string> path_params{};
  std::string route{};

  std::optional<std::string> path_param(std::string_view name) const;
};

struct Response {
  int status = 200;
  Headers headers{};
  std::string body{};

  static Response json(int status, std::string body);  // Content-Type: application/json
  static Response text(int status, std::string body);  // Content-Type: text/plain; charset=utf-8
  // {"error": message} with the message JSON-escaped.
  static Response error(int status, std::string_view message);
};

}  // namespace hbsync::http
