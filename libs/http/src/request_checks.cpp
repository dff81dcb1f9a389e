#include "request_checks.hpp"

#include <array>
#include <string_view>
#include <vector>

#include "hbsync/http/message.hpp"

namespace hbsync::http::detail {
namespace {

namespace bhttp = boost::beast::http;

// Fields that must appear at most once: a second copy would be resolved by
// taking one silently, and two parties could take different ones.
constexpr std::array<std::pair<bhttp::field, std::string_view>, 4> kSingletons{{
    {bhttp::field::host, "Host"},
    {bhttp::field::content_length, "Content-Length"},
    {bhttp::field::content_type, "Content-Type"},
    {bhttp::field::authorization, "Authorization"},
}};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Every coding of every Transfer-Encoding line, in order ("" for an empty item).
std::vector<std::string_view> transfer_codings(const bhttp::fields& fields) {
  std::vector<std::string_view> codings;
  auto range = fields.equal_range(bhttp::field::transfer_encoding);
  for (auto it = range.first; it != range.second; ++it) {
    std::string_view value(it->value().data(), it->value().size());
    size_t start = 0;
    while (start <= value.size()) {
      size_t comma = value.find(',', start);
      if (comma == std::string_view::npos) comma = value.size();
      codings.push_back(trim(value.substr(start, comma - start)));
      start = comma + 1;
    }
  }
  return codings;
}

// Only a lone "chunked" is a framing this server decodes.
std::optional<HeadRejection> check_transfer_encoding(const bhttp::fields& fields,
                                                     unsigned version) {
  if (fields.find(bhttp::field::transfer_encoding) == fields.end()) return std::nullopt;
  if (version < 11) return HeadRejection{400, "Transfer-Encoding in an HTTP/1.0 request"};
  auto codings = transfer_codings(fields);
  for (auto coding : codings) {
    if (coding.empty()) return HeadRejection{400, "empty Transfer-Encoding coding"};
  }
  if (!iequals(codings.back(), "chunked")) {
    return HeadRejection{400, "Transfer-Encoding does not end with chunked"};
  }
  if (codings.size() > 1) return HeadRejection{501, "unsupported Transfer-Encoding"};
  if (fields.find(bhttp::field::content_length) != fields.end()) {
    return HeadRejection{400, "both Transfer-Encoding and Content-Length"};
  }
  return std::nullopt;
}

}  // namespace

std::optional<HeadRejection> check_request_head(const bhttp::fields& fields, unsigned version) {
  for (const auto& [field, name] : kSingletons) {
    if (fields.count(field) > 1)
      return HeadRejection{400, "duplicate " + std::string(name) + " header"};
  }
  if (version >= 11 && fields.find(bhttp::field::host) == fields.end()) {
    return HeadRejection{400, "missing Host header"};
  }
  if (auto cl = fields.find(bhttp::field::content_length); cl != fields.end()) {
    if (cl->value().find(',') != boost::beast::string_view::npos) {
      return HeadRejection{400, "Content-Length is a list"};
    }
  }
  return check_transfer_encoding(fields, version);
}

}  // namespace hbsync::http::detail
