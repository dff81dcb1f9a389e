// board JSON <-> records. Readers are tolerant where board's facts are only
// observed ([O] in reference/board.md): ids and numbers may come as numeric
// strings, amounts as numbers, flags as 0/1 or booleans, text as null.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hbsync/board/records.hpp"

namespace hbsync::board::json {

// nullopt (with `error` set) when the text is not JSON of the expected shape.
std::optional<std::vector<User>> parse_users(std::string_view text, std::string& error);
std::optional<std::vector<Client>> parse_clients(std::string_view text, std::string& error);
std::optional<std::vector<Project>> parse_projects(std::string_view text, std::string& error);
std::optional<std::vector<Invoice>> parse_invoices(std::string_view text, std::string& error);
std::optional<Client> parse_client(std::string_view text, std::string& error);
std::optional<Project> parse_project(std::string_view text, std::string& error);

// board's error text: {"message": ...}, else "error" (text or {"message"}),
// else "errors" (a list of texts, or field -> texts), else "HTTP <status>".
// Cut to 1,000 bytes on a UTF-8 boundary.
std::string error_message(std::string_view body, int status);

// Request bodies. `for_update`: empty strings become null (clear the field);
// otherwise empty strings are left out.
std::string client_body(const ClientFields& fields, bool for_update);
std::string project_body(const NewProject& project);
std::string project_changes_body(const ProjectChanges& changes);
std::string order_status_body(domain::OrderStatus status);

}  // namespace hbsync::board::json
