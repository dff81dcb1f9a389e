#include "api.hpp"

namespace hbsync::simboard {

void add_project_routes(http::Router& router, simkit::Kit& kit, Board& board) {
  auto write = [&board](JsonWriter& w, const Project& project) { board.store.write(w, project); };

  api::route(router, kit, board, "GET", "/v1/projects", op::projects_list,
             [&board, write](http::Request& request, const std::string& key) {
               auto query = request.query();
               auto paging = parse_paging(query);
               if (!paging) return error_response(paging.failure());
               auto filter = parse_project_filter(query);
               if (!filter) return error_response(filter.failure());
               std::lock_guard lock(board.mutex);
               return api::list_response<Project>(board.store.projects(key, *filter), *paging,
                                                  write);
             });

  api::route(router, kit, board, "POST", "/v1/projects", op::projects_create,
             [&board, write](http::Request& request, const std::string& key) {
               auto body = api::body_of(request);
               if (!body) return error_response(body.failure());
               std::lock_guard lock(board.mutex);
               auto project = board.store.create_project(key, *body);
               if (!project) return error_response(project.failure());
               return api::object_response(201, **project, write);
             });

  api::route(router, kit, board, "GET", "/v1/projects/{id}", op::projects_get,
             [&board, write](http::Request& request, const std::string& key) {
               auto id = api::path_id(request);
               if (!id) return error_response(404, "Not Found");
               std::lock_guard lock(board.mutex);
               auto project = board.store.project(key, *id);
               if (!project) return error_response(project.failure());
               return api::object_response(200, **project, write);
             });

  api::route(router, kit, board, "PATCH", "/v1/projects/{id}", op::projects_update,
             [&board, write](http::Request& request, const std::string& key) {
               auto id = api::path_id(request);
               if (!id) return error_response(404, "Not Found");
               auto body = api::body_of(request);
               if (!body) return error_response(body.failure());
               std::lock_guard lock(board.mutex);
               auto project = board.store.update_project(key, *id, *body);
               if (!project) return error_response(project.failure());
               return api::object_response(200, **project, write);
             });

  api::route(router, kit, board, "DELETE", "/v1/projects/{id}", op::projects_delete,
             [&board](http::Request& request, const std::string& key) {
               auto id = api::path_id(request);
               if (!id) return error_response(404, "Not Found");
               std::lock_guard lock(board.mutex);
               auto deleted = board.store.delete_project(key, *id);
               if (!deleted) return error_response(deleted.failure());
               http::Response response;
               response.status = 204;
               return response;
             });

  api::route(router, kit, board, "PATCH", "/v1/projects/order_status/{id}",
             op::projects_order_status,
             [&board, write](http::Request& request, const std::string& key) {
               auto id = api::path_id(request);
               if (!id) return error_response(404, "Not Found");
               auto body = api::body_of(request);
               if (!body) return error_response(body.failure());
               std::lock_guard lock(board.mutex);
               auto project = board.store.set_order_status(key, *id, *body);
               if (!project) return error_response(project.failure());
               return api::object_response(200, **project, write);
             });
}

}  // namespace hbsync::simboard
