// Standard base64 (RFC 4648 alphabet, with padding) for keys and envelopes.
// Private to libs/tenant: strict decoding, because a key that decodes
// "mostly" must be refused, not silently shortened.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hbsync::tenant {

std::string base64_encode(std::string_view data);
// nullopt on any character outside the alphabet, bad padding or a length
// that is not a whole number of 4-character groups (padding may be omitted).
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace hbsync::tenant
