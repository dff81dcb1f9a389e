// What console_routes.cpp serves, for its test (add_console_routes itself is
// declared in api.hpp with the other route modules).
#pragma once

#include <string_view>

namespace hbsync::admin {

// Every console answer's policy: scripts, styles, images and API calls from
// this origin only; no inline script or style, no plugins, no framing.
inline constexpr std::string_view kConsoleContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

// Content-Type by file extension (html, js, css, svg, png, ico).
std::string_view console_content_type(std::string_view name);

}  // namespace hbsync::admin
