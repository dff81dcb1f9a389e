// UTF-8 helpers for names that come from HubSpot and go to board. Input is
// not trusted to be valid UTF-8 (RapidJSON does not validate by default), and
// a name with broken bytes must neither crash a rule nor reach board's JSON.
#pragma once

#include <string>
#include <string_view>

namespace hbsync::domain {

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view text);

// Each byte that does not start a valid sequence becomes U+FFFD; valid text
// comes back unchanged.
std::string sanitize_utf8(std::string_view text);

// Trims ASCII whitespace (space, \t, \n, \v, \f, \r) and the full-width space
// U+3000 from both ends. Japanese users type U+3000 between 株式会社 and the
// name as often as an ASCII space.
std::string_view trim_spaces(std::string_view text);

// ASCII-only lower-casing: e-mail addresses and ids are compared this way;
// non-ASCII bytes are left untouched.
std::string ascii_lower(std::string_view text);

}  // namespace hbsync::domain
