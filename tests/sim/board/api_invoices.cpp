#include "api.hpp"

namespace hbsync::simboard {

void add_invoice_routes(http::Router& router, simkit::Kit& kit, Board& board) {
  api::route(router, kit, board, "GET", "/v1/invoices", op::invoices_list,
             [&board](http::Request& request, const std::string& key) {
               auto query = request.query();
               auto paging = parse_paging(query);
               if (!paging) return error_response(paging.failure());
               auto filter = parse_invoice_filter(query);
               if (!filter) return error_response(filter.failure());
               std::lock_guard lock(board.mutex);
               return api::list_response<Invoice>(board.store.invoices(key, *filter), *paging,
                                                  [&board](JsonWriter& w, const Invoice& invoice) {
                                                    board.store.write(w, invoice);
                                                  });
             });
}

}  // namespace hbsync::simboard
