// Pure rules of one poll (SPEC F4.5, F4.6): what the poller remembers of a
// project between runs, how this run's listings update it, and whether the
// result must be published. No I/O.
//
// Remembered per project (Redis, codes and ids only; SPEC F9 forbids the
// amounts): its order status and updated_at, and every invoice's id, status
// and updated_at, so an invoice-only change can be published with the
// project's full invoice set (F4.5 needs all of them) without a board call
// per project.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hbsync::poller {

struct InvoiceState {
  int64_t id = 0;
  int status = 0;  // board's invoice_status code
  int64_t updated_ms = 0;
  bool operator==(const InvoiceState&) const = default;
};

struct ProjectState {
  int order_status = 0;                  // 0: the project itself was not seen yet (only invoices)
  int64_t updated_ms = 0;                // the project's updated_at
  bool published = false;                // this state went to board.changes (while linked)
  std::vector<InvoiceState> invoices{};  // by id

  // Equal as board data (published aside).
  bool same_data(const ProjectState& other) const {
    return order_status == other.order_status && updated_ms == other.updated_ms &&
           invoices == other.invoices;
  }
  // The later of the project's and its invoices' updated_at.
  int64_t latest_ms() const;
  std::vector<int> invoice_statuses() const;
};

// "o<order>|u<ms>|p<0/1>|<id>:<status>:<ms>,...": ids and codes only.
std::string encode(const ProjectState& state);
std::optional<ProjectState> decode(std::string_view text);

// A project or invoice as this run listed it (the total stays in memory only).
struct ListedProject {
  int64_t id = 0;
  int order_status = 0;
  int64_t updated_ms = 0;
  std::string total{};
};
struct ListedInvoice {
  int64_t id = 0;
  int64_t project_id = 0;
  int64_t project_no = 0;
  int status = 0;
  int64_t updated_ms = 0;
};

// The project's state after this run: the listed project (if it was listed)
// replaces order status and updated_at; listed invoices replace or join the
// remembered ones, or, when `complete_invoices` (a full reconcile that listed
// every invoice), become the whole set. `published` is kept only when the
// data did not change.
ProjectState merge(const std::optional<ProjectState>& remembered, const ListedProject* project,
                   std::span<const ListedInvoice> invoices, bool complete_invoices);

// Publish when the project is linked (F4.2) and its state was never
// published or changed since.
bool needs_publish(const std::optional<ProjectState>& remembered, const ProjectState& merged,
                   bool linked);

}  // namespace hbsync::poller
