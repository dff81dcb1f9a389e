// Framing and header rules the server enforces on a parsed request head,
// beyond what Beast's parser checks (RFC 9112 sections 3.2, 6.1 and 6.3).
// Internal to libs/http.
#pragma once

#include <optional>
#include <string>

#include <boost/beast/http/fields.hpp>

namespace hbsync::http::detail {

struct HeadRejection {
  int status;          // 400 or 501
  std::string reason;  // fixed text, names the rule; never a header value
};

// nullopt when the head is acceptable. `version` is 10 or 11.
std::optional<HeadRejection> check_request_head(const boost::beast::http::fields& fields,
                                                unsigned version);

}  // namespace hbsync::http::detail
