#include "hbsync/http/message.hpp"

#include <algorithm>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace hbsync::http {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
  for (const auto& [key, value] : fields_) {
    if (iequals(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

std::vector<std::string_view> Headers::get_all(std::string_view name) const {
  std::vector<std::string_view> values;
  for (const auto& [key, value] : fields_) {
    if (iequals(key, name)) values.emplace_back(value);
  }
  return values;
}

void Headers::set(std::string name, std::string value) {
  remove(name);
  fields_.emplace_back(std::move(name), std::move(value));
}

void Headers::add(std::string name, std::string value) {
  fields_.emplace_back(std::move(name), std::move(value));
}

void Headers::remove(std::string_view name) {
  std::erase_if(fields_, [&](const Field& f) { return iequals(f.first, name); });
}

std::string Request::path() const {
  return target.substr(0, target.find('?'));
}

std::string_view Request::query_string() const {
  size_t q = target.find('?');
  if (q == std::string::npos) return {};
  return std::string_view(target).substr(q + 1);
}

QueryParams Request::query() const {
  return parse_query(query_string());
}

std::optional<std::string> Request::query_param(std::string_view name) const {
  for (auto& [key, value] : query()) {
    if (key == name) return std::move(value);
  }
  return std::nullopt;
}

std::optional<std::string> Request::path_param(std::string_view name) const {
  auto it = path_params.find(std::string(name));
  if (it == path_params.end()) return std::nullopt;
  return it->second;
}

Response Response::json(int status, std::string body) {
  Response r;
  r.status = status;
  r.headers.set("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

Response Response::text(int status, std::string body) {
  Response r;
  r.status = status;
  r.headers.set("Content-Type", "text/plain; charset=utf-8");
  r.body = std::move(body);
  return r;
}

Response Response::error(int status, std::string_view message) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key("error");
  writer.String(message.data(), static_cast<rapidjson::SizeType>(message.size()));
  writer.EndObject();
  return json(status, std::string(buffer.GetString(), buffer.GetSize()));
}

}  // namespace hbsync::http
