#include "api.hpp"

namespace hbsync::simboard {

void add_client_routes(http::Router& router, simkit::Kit& kit, Board& board) {
  api::route(router, kit, board, "GET", "/v1/clients", op::clients_list,
             [&board](http::Request& request, const std::string& key) {
               auto query = request.query();
               auto paging = parse_paging(query);
               if (!paging) return error_response(paging.failure());
               auto filter = parse_client_filter(query);
               if (!filter) return error_response(filter.failure());
               std::lock_guard lock(board.mutex);
               return api::list_response<Client>(board.store.clients(key, *filter), *paging,
                                                 write_client);
             });

  api::route(router, kit, board, "POST", "/v1/clients", op::clients_create,
             [&board](http::Request& request, const std::string& key) {
               auto body = api::body_of(request);
               if (!body) return error_response(body.failure());
               std::lock_guard lock(board.mutex);
               auto client = board.store.create_client(key, *body);
               if (!client) return error_response(client.failure());
               return api::object_response(201, **client, write_client);
             });

  api::route(router, kit, board, "GET", "/v1/clients/{id}", op::clients_get,
             [&board](http::Request& request, const std::string& key) {
               auto id = api::path_id(request);
               if (!id) return error_response(404, "Not Found");
               std::lock_guard lock(board.mutex);
               auto client = board.store.client(key, *id);
               if (!client) return error_response(client.failure());
               return api::object_response(200, **client, write_client);
             });

  api::route(router, kit, board, "PATCH", "/v1/clients/{id}", op::clients_update,
             [&board](http::Request& request, const std::string& key) {
               auto id = api::path_id(request);
               if (!id) return error_response(404, "Not Found");
               auto body = api::body_of(request);
               if (!body) return error_response(body.failure());
               std::lock_guard lock(board.mutex);
               auto client = board.store.update_client(key, *id, *body);
               if (!client) return error_response(client.failure());
               return api::object_response(200, **client, write_client);
             });

  api::route(router, kit, board, "DELETE", "/v1/clients/{id}", op::clients_delete,
             [&board](http::Request& request, const std::string& key) {
               auto id = api::path_id(request);
               if (!id) return error_response(404, "Not Found");
               std::lock_guard lock(board.mutex);
               auto deleted = board.store.delete_client(key, *id);
               if (!deleted) return error_response(deleted.failure());
               http::Response response;
               response.status = 204;
               return response;
             });
}

}  // namespace hbsync::simboard
