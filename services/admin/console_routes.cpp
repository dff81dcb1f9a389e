// The console's static files (services/admin/console/), embedded in the
// binary (console_assets.hpp): GET / is index.html, GET /<name> every other
// file. Each answer carries a strict Content-Security-Policy (scripts and
// styles from this origin only, no inline script or style, no framing), so
// the console runs offline with nothing from a CDN.
#include "console_routes.hpp"

#include <cstdint>
#include <cstdio>
#include <memory>

#include "api.hpp"
#include "console_assets.hpp"

namespace hbsync::admin {

std::string_view console_content_type(std::string_view name) {
  const size_t dot = name.rfind('.');
  const std::string_view ext = dot == std::string_view::npos ? "" : name.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "ico") return "image/x-icon";
  return "application/octet-stream";
}

namespace {

// A strong validator of the bytes (FNV-1a 64), so a browser revalidates
// with If-None-Match and gets 304 until the binary serves other bytes.
std::string etag_of(std::string_view body) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : body) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  char text[24];
  std::snprintf(text, sizeof text, "\"%016llx\"", static_cast<unsigned long long>(hash));
  return text;
}

void set_security_headers(http::Headers& headers) {
  headers.set("Content-Security-Policy", std::string(kConsoleContentSecurityPolicy));
  headers.set("X-Content-Type-Options", "nosniff");
  headers.set("X-Frame-Options", "DENY");
  headers.set("Referrer-Policy", "no-referrer");
  // Never served stale: revalidated on every load (the ETag makes that cheap),
  // so a page and its script always come from the same release.
  headers.set("Cache-Control", "no-cache");
}

}  // namespace

void add_console_routes(http::Router& router) {
  for (const console::Asset& asset : console::assets()) {
    const std::string path = asset.name == "index.html" ? "/" : "/" + std::string(asset.name);
    auto etag = std::make_shared<const std::string>(etag_of(asset.body));
    router.add_sync("GET", path, [asset, etag](http::Request& request) {
      http::Response response;
      set_security_headers(response.headers);
      response.headers.set("ETag", *etag);
      const auto match = request.headers.get("If-None-Match");
      if (match && *match == *etag) {
        response.status = 304;
        return response;
      }
      response.headers.set("Content-Type", std::string(console_content_type(asset.name)));
      response.body = std::string(asset.body);
      return response;
    });
  }
}

}  // namespace hbsync::admin
