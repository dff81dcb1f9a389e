#include "hbsync/http/url.hpp"

#include <charconv>
#include <stdexcept>

namespace hbsync::http {
namespace {

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0F]);
    }
  }
  return out;
}

std::string url_decode(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      int hi = hex_value(text[i + 1]);
      int lo = hex_value(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_as_space && c == '+' ? ' ' : c);
  }
  return out;
}

QueryParams parse_query(std::string_view query) {
  QueryParams params;
  if (!query.empty() && query.front() == '?') query.remove_prefix(1);
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view piece = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (piece.empty()) continue;
    size_t eq = piece.find('=');
    if (eq == std::string_view::npos) {
      params.emplace_back(url_decode(piece), std::string{});
    } else {
      params.emplace_back(url_decode(piece.substr(0, eq)), url_decode(piece.substr(eq + 1)));
    }
  }
  return params;
}

std::string build_query(const QueryParams& params) {
  std::string out;
  for (const auto& [key, value] : params) {
    if (!out.empty()) out.push_back('&');
    out += url_encode(key);
    out.push_back('=');
    out += url_encode(value);
  }
  return out;
}

ParsedUrl parse_url(std::string_view url) {
  ParsedUrl parsed;
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) throw std::invalid_argument("URL has no scheme");
  parsed.scheme = lower(url.substr(0, scheme_end));
  if (parsed.scheme != "http" && parsed.scheme != "https") {
    throw std::invalid_argument("unsupported URL scheme '" + parsed.scheme + "'");
  }
  std::string_view rest = url.substr(scheme_end + 3);
  if (size_t hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  size_t authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view target =
      authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) {
    throw std::invalid_argument("URL userinfo is not supported");
  }

  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) throw std::invalid_argument("unterminated IPv6 literal");
    parsed.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') throw std::invalid_argument("junk after IPv6 literal");
      port_text = after.substr(1);
      if (port_text.empty()) throw std::invalid_argument("empty port");
    }
  } else {
    size_t colon = authority.rfind(':');
    parsed.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) throw std::invalid_argument("empty port");
    }
  }
  if (parsed.host.empty()) throw std::invalid_argument("URL has no host");
  parsed.host = lower(parsed.host);

  if (port_text.empty()) {
    parsed.port = parsed.scheme == "https" ? 443 : 80;
  } else {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || value == 0 ||
        value > 65535) {
      throw std::invalid_argument("invalid port '" + std::string(port_text) + "'");
    }
    parsed.port = static_cast<uint16_t>(value);
  }

  if (target.empty()) {
    parsed.target = "/";
  } else if (target.front() == '?') {
    parsed.target = "/" + std::string(target);
  } else {
    parsed.target = std::string(target);
  }
  for (char c : parsed.target) {
    // Raw control characters or spaces would let a caller inject header lines.
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) {
      throw std::invalid_argument("URL target contains a space or control character");
    }
  }
  return parsed;
}

}  // namespace hbsync::http
