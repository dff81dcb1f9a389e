#include "api.hpp"

namespace hbsync::simboard {

void add_user_routes(http::Router& router, simkit::Kit& kit, Board& board) {
  api::route(router, kit, board, "GET", "/v1/users", op::users_list,
             [&board](http::Request& request, const std::string& key) {
               auto query = request.query();
               auto paging = parse_paging(query);
               if (!paging) return error_response(paging.failure());
               auto filter = parse_user_filter(query);
               if (!filter) return error_response(filter.failure());
               std::lock_guard lock(board.mutex);
               return api::list_response<User>(board.store.users(key, *filter), *paging,
                                               write_user);
             });
}

}  // namespace hbsync::simboard
