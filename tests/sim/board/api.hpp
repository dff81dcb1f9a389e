// The board API routes (/v1/...), one resource per file.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "board.hpp"
#include "hbsync/http/router.hpp"
#include "hbsync/simkit/kit.hpp"
#include "list_query.hpp"

namespace hbsync::simboard {

void add_user_routes(http::Router& router, simkit::Kit& kit, Board& board);
void add_client_routes(http::Router& router, simkit::Kit& kit, Board& board);
void add_project_routes(http::Router& router, simkit::Kit& kit, Board& board);
void add_invoice_routes(http::Router& router, simkit::Kit& kit, Board& board);

inline void add_api_routes(http::Router& router, simkit::Kit& kit, Board& board) {
  add_user_routes(router, kit, board);
  add_client_routes(router, kit, board);
  add_project_routes(router, kit, board);
  add_invoice_routes(router, kit, board);
}

// Shared by the resource files.
namespace api {

// Registers a counted, fault-injectable route whose handler runs only for
// an admitted caller (see Board::admit) and gets its API key.
using Handler = std::function<http::Response(http::Request&, const std::string& api_key)>;
void route(http::Router& router, simkit::Kit& kit, Board& board, std::string method,
           std::string pattern, std::string_view operation, Handler handler);

// The path segment `name` ({id} unless said); nullopt (-> 404) when it is not
// a number.
std::optional<int64_t> path_id(const http::Request& request, const char* name = "id");

// A POST/PATCH body as a JSON object: JSON, or form-encoded fields (Rails
// parses both; "a[]" keys become arrays); any other Content-Type gives no
// parameters. A malformed JSON body is a 400.
Outcome<rapidjson::Document> body_of(const http::Request& request);

// A bare JSON array of one page, with X-Total-Count, X-Page, X-Per-Page.
template <class T>
http::Response list_response(const std::vector<const T*>& all, const Paging& paging,
                             const std::function<void(JsonWriter&, const T&)>& write) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartArray();
  for (const T* item : page_of(all, paging)) write(w, *item);
  w.EndArray();
  http::Response response = http::Response::json(200, buffer.GetString());
  response.headers.set("X-Total-Count", std::to_string(all.size()));
  response.headers.set("X-Page", std::to_string(paging.page));
  response.headers.set("X-Per-Page", std::to_string(paging.per_page));
  return response;
}

template <class T, class Write>
http::Response object_response(int status, const T& item, Write write) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  write(w, item);
  return http::Response::json(status, buffer.GetString());
}

}  // namespace api
}  // namespace hbsync::simboard
