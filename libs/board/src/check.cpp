// F1.1: which of the app's operations the credentials may use, found without
// changing any data in board.
#include "hbsync/board/api.hpp"

namespace hbsync::board {

namespace {

// id 0 is never assigned (ids count from 1), so reads and updates on it are
// answered 404 once the permission check has passed.
constexpr const char* kImpossibleId = "0";

// One request per operation that board answers without acting: a permitted
// read lists one record or finds nothing, a permitted write finds nothing to
// change (id 0) or refuses an empty body (422, the required fields missing).
Api::Call probe(Operation op) {
  using P = http::QueryParams;
  const P one{{"page", "1"}, {"per_page", "1"}};
  const std::string id = kImpossibleId;
  switch (op) {
    case Operation::users_list:
      return {.operation = op, .path = "/v1/users", .query = one};
    case Operation::clients_list:
      return {.operation = op, .path = "/v1/clients", .query = one};
    case Operation::clients_get:
      return {.operation = op, .path = "/v1/clients/" + id};
    case Operation::clients_create:
      return {.operation = op, .method = "POST", .path = "/v1/clients", .json_body = "{}"};
    case Operation::clients_update:
      return {.operation = op, .method = "PATCH", .path = "/v1/clients/" + id, .json_body = "{}"};
    case Operation::projects_list:
      return {.operation = op, .path = "/v1/projects", .query = one};
    case Operation::projects_get:
      return {.operation = op, .path = "/v1/projects/" + id};
    case Operation::projects_create:
      return {.operation = op, .method = "POST", .path = "/v1/projects", .json_body = "{}"};
    case Operation::projects_update:
      return {.operation = op, .method = "PATCH", .path = "/v1/projects/" + id, .json_body = "{}"};
    case Operation::projects_order_status:
      // A valid body, so a server that validates before looking the id up
      // still answers 404 rather than 422 (either means "allowed").
      return {.operation = op,
              .method = "PATCH",
              .path = "/v1/projects/order_status/" + id,
              .json_body = "{\"order_status\":1}"};
    case Operation::invoices_list:
      return {.operation = op, .path = "/v1/invoices", .query = one};
  }
  return {.operation = op, .path = "/v1/users", .query = one};
}

OperationCheck judge(Operation op, const Result<http::ClientResponse>& answer) {
  OperationCheck check{.operation = op};
  if (answer) {
    check.state = OperationCheck::State::allowed;
    check.status = answer->status;
    return check;
  }
  const Error& e = answer.error();
  check.status = e.status;
  switch (e.kind) {
    case Error::forbidden:
      check.state = OperationCheck::State::missing;
      break;
    case Error::not_found:
    case Error::validation:
      check.state = OperationCheck::State::allowed;
      break;
    default:
      check.state = OperationCheck::State::unknown;
      break;
  }
  return check;
}

}  // namespace

CredentialCheck Account::check_credentials() {
  CredentialCheck report;
  if (credentials_.api_key.empty() || credentials_.api_token.empty()) {
    report.verdict = CredentialCheck::Verdict::invalid_credentials;
    return report;
  }
  // users.list first: a 401 there ends the check without spending a dozen
  // calls of the account's budget.
  std::vector<Operation> order{Operation::users_list};
  for (Operation op : required_operations()) {
    if (op != Operation::users_list) order.push_back(op);
  }
  std::vector<OperationCheck> results;
  for (Operation op : order) {
    auto answer = api_->execute(tenant_, credentials_, probe(op));
    if (!answer && answer.error().kind == Error::unauthorized) {
      report.verdict = CredentialCheck::Verdict::invalid_credentials;
      return report;
    }
    if (!answer && (answer.error().kind == Error::daily_budget_exhausted ||
                    answer.error().kind == Error::network)) {
      // Nothing more can be learnt now; the remaining probes would fail alike.
      report.verdict = CredentialCheck::Verdict::unavailable;
      report.error = answer.error();
      return report;
    }
    results.push_back(judge(op, answer));
    if (results.back().state == OperationCheck::State::unknown && !report.error) {
      report.error = answer.error();
    }
  }

  for (Operation op : required_operations()) {
    for (const auto& r : results) {
      if (r.operation == op) report.operations.push_back(r);
    }
  }
  size_t missing = 0, unknown = 0;
  for (const auto& r : report.operations) {
    missing += r.state == OperationCheck::State::missing;
    unknown += r.state == OperationCheck::State::unknown;
  }
  if (missing == report.operations.size()) {
    // Some gateways answer an unknown API key with 403 rather than 401; a
    // token with no permission at all is indistinguishable and as unusable.
    report.verdict = CredentialCheck::Verdict::invalid_credentials;
  } else if (missing > 0) {
    report.verdict = CredentialCheck::Verdict::missing_operations;
  } else if (unknown > 0) {
    report.verdict = CredentialCheck::Verdict::unavailable;
  } else {
    report.verdict = CredentialCheck::Verdict::ok;
    report.error.reset();
  }
  return report;
}

}  // namespace hbsync::board
