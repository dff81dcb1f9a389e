#include "poll_run.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <unordered_set>

#include "hbsync/domain/dates.hpp"
#include "hbsync/log/log.hpp"
#include "hbsync/v1/events.pb.h"

namespace hbsync::poller {
namespace {

using board::Timestamp;

struct Listing {
  std::vector<ListedProject> projects;
  std::vector<ListedInvoice> invoices;
};

int64_t ms_of(const std::string& board_time) {
  return domain::parse_board_timestamp_ms(board_time).value_or(0);
}

ListedProject listed(const board::Project& p) {
  return {.id = p.id,
          .order_status = p.order_status_code,
          .updated_ms = ms_of(p.updated_at),
          .total = p.total};
}

ListedInvoice listed(const board::Invoice& i) {
  return {.id = i.id,
          .project_id = i.project_id,
          .project_no = i.project_no,
          .status = i.invoice_status_code,
          .updated_ms = ms_of(i.updated_at)};
}

void fail(RunReport& r, const board::Error& e) {
  r.calls += std::max(0, e.attempts - 1);  // the call itself is counted by the caller
  r.error = "board_" + std::string(board::to_string(e.kind));
  r.retryable = e.retryable() && e.kind != board::Error::daily_budget_exhausted;
}

std::optional<Timestamp> since(bool full, int64_t mark_ms, std::chrono::milliseconds overlap) {
  if (full || mark_ms <= 0) return std::nullopt;
  return Timestamp(std::chrono::milliseconds(mark_ms) - overlap);
}

bool list_projects(RunDeps& d, std::optional<Timestamp> from, int per_page, Listing& out,
                   RunReport& r) {
  board::ProjectQuery q;
  q.include_lost = true;  // a project moved to 失注 is a change too
  q.updated_at_gteq = from;
  auto res = board::for_each_page<board::Project>(
      [&](board::PageRequest page) {
        ++r.calls;
        return d.account.list_projects(q, page);
      },
      [&](board::Page<board::Project>& page) {
        for (const auto& p : page.items) out.projects.push_back(listed(p));
        return true;
      },
      per_page);
  if (!res) fail(r, res.error());
  return static_cast<bool>(res);
}

bool list_invoices(RunDeps& d, std::optional<Timestamp> from, int per_page, Listing& out,
                   RunReport& r) {
  board::InvoiceQuery q;
  q.updated_at_gteq = from;
  auto res = board::for_each_page<board::Invoice>(
      [&](board::PageRequest page) {
        ++r.calls;
        return d.account.list_invoices(q, page);
      },
      [&](board::Page<board::Invoice>& page) {
        for (const auto& i : page.items) out.invoices.push_back(listed(i));
        return true;
      },
      per_page);
  if (!res) fail(r, res.error());
  return static_cast<bool>(res);
}

// A linked project known only by an invoice change: one read of the project
// and one list of its invoices, so its order status and full set are known.
bool fetch_project(RunDeps& d, int64_t id, int64_t project_no, std::optional<ListedProject>& lp,
                   std::vector<ListedInvoice>& invoices, RunReport& r) {
  ++r.calls;
  auto project = d.account.get_project(id);
  if (!project) {
    fail(r, project.error());
    return false;
  }
  lp = listed(*project);
  board::InvoiceQuery q;
  q.project_project_no_eq = project->project_no ? project->project_no : project_no;
  auto res = board::for_each_page<board::Invoice>(
      [&](board::PageRequest page) {
        ++r.calls;
        return d.account.list_invoices(q, page);
      },
      [&](board::Page<board::Invoice>& page) {
        for (const auto& i : page.items) {
          if (i.project_id == id) invoices.push_back(listed(i));
        }
        return true;
      });
  if (!res) fail(r, res.error());
  return static_cast<bool>(res);
}

kafka::OutgoingMessage change_message(const RunInput& in, const RunDeps& d, int64_t id,
                                      const ProjectState& s, const ListedProject* lp) {
  v1::BoardProjectChange c;
  c.set_tenant_id(in.tenant_id);
  c.set_project_id(id);
  c.set_order_status(s.order_status);
  for (int status : s.invoice_statuses()) c.add_invoice_statuses(status);
  c.set_total(lp ? lp->total : std::string());
  c.set_updated_at_ms(s.latest_ms());
  c.set_poll_run_id(in.run_id);
  c.set_observed_at_ms(d.now_ms());
  return {.topic = d.topic,
          .key = in.tenant_id + ":project:" + std::to_string(id),
          .value = c.SerializeAsString(),
          .headers = {},
          .correlation_id = in.run_id};
}

// Publishes the batch (fence first), then remembers its states (fenced).
class Publisher {
 public:
  Publisher(const RunInput& in, RunDeps& d, RunReport& r, size_t batch)
      : in_(in), d_(d), r_(r), batch_(batch) {}

  bool add(int64_t id, ProjectState state, const ListedProject* lp) {
    state.published = true;
    messages_.push_back(change_message(in_, d_, id, state, lp));
    states_.emplace_back(id, std::move(state));
    return messages_.size() < batch_ || flush();
  }

  bool flush() {
    if (messages_.empty()) return true;
    if (!d_.fenced() || !d_.state.holds(d_.fence)) return lost();
    const size_t n = messages_.size();
    if (!d_.publish(std::move(messages_))) {
      r_.error = "kafka_unavailable";
      r_.retryable = true;
      return false;
    }
    messages_.clear();
    r_.published += static_cast<int64_t>(n);
    if (!d_.state.remember(in_.tenant_id, d_.fence, states_)) return lost();
    states_.clear();
    return true;
  }

  bool lost() {
    r_.error = "lease_lost";
    r_.retryable = true;
    return false;
  }

 private:
  const RunInput& in_;
  RunDeps& d_;
  RunReport& r_;
  size_t batch_;
  std::vector<kafka::OutgoingMessage> messages_;
  std::vector<std::pair<int64_t, ProjectState>> states_;
};

struct Grouped {
  std::map<int64_t, const ListedProject*> projects;
  std::map<int64_t, std::vector<ListedInvoice>> invoices;
  std::vector<int64_t> ids;
};

Grouped group(const Listing& l) {
  Grouped g;
  for (const auto& p : l.projects) g.projects.emplace(p.id, &p);  // newest first: keep the first
  for (const auto& i : l.invoices) g.invoices[i.project_id].push_back(i);
  std::set<int64_t> ids;
  for (const auto& [id, p] : g.projects) ids.insert(id);
  for (const auto& [id, v] : g.invoices) ids.insert(id);
  g.ids.assign(ids.begin(), ids.end());
  return g;
}

// Steps 2 and 3 for every project seen; false when the run must stop.
bool publish_changes(const RunInput& in, RunDeps& d, const RunOptions& o, const Listing& l,
                     RunReport& r) {
  const Grouped g = group(l);
  r.projects_seen = static_cast<int64_t>(g.ids.size());
  const auto ids = d.links.linked_project_ids(in.tenant_id);
  const std::unordered_set<int64_t> linked(ids.begin(), ids.end());
  auto remembered = d.state.remembered(in.tenant_id, g.ids);
  Publisher publisher(in, d, r, o.publish_batch);
  std::vector<std::pair<int64_t, ProjectState>> quiet;  // changed, not published
  for (int64_t id : g.ids) {
    const auto& before = remembered[id];
    auto pit = g.projects.find(id);
    const ListedProject* lp = pit == g.projects.end() ? nullptr : pit->second;
    auto iit = g.invoices.find(id);
    std::span<const ListedInvoice> invoices;
    if (iit != g.invoices.end()) invoices = iit->second;
    ProjectState merged = merge(before, lp, invoices, r.full);
    const bool is_linked = linked.count(id) > 0;
    std::optional<ListedProject> fetched;
    if (is_linked && merged.order_status == 0) {
      std::vector<ListedInvoice> all;
      if (!fetch_project(d, id, invoices.empty() ? 0 : invoices.front().project_no, fetched, all,
                         r)) {
        return false;
      }
      merged = merge(before, &*fetched, all, true);
      lp = &*fetched;
    }
    if (needs_publish(before, merged, is_linked)) {
      if (!publisher.add(id, std::move(merged), lp)) return false;
    } else if (!before || !before->same_data(merged)) {
      quiet.emplace_back(id, std::move(merged));
    }
  }
  if (!publisher.flush()) return false;
  if (!d.state.remember(in.tenant_id, d.fence, quiet)) return publisher.lost();
  return true;
}

Watermarks advanced(const Watermarks& old, const Listing& l, bool full, int64_t started_ms) {
  Watermarks w = old;
  for (const auto& p : l.projects) w.projects_ms = std::max(w.projects_ms, p.updated_ms);
  for (const auto& i : l.invoices) w.invoices_ms = std::max(w.invoices_ms, i.updated_ms);
  if (full) w.full_ms = started_ms;
  return w;
}

}  // namespace

RunReport run_poll(const RunInput& in, RunDeps& d, const RunOptions& o) {
  RunReport r;
  const Watermarks marks = d.state.watermarks(in.tenant_id);
  r.full = in.force_full || marks.full_ms <= 0 || marks.projects_ms <= 0 ||
           in.started_ms - marks.full_ms >= o.reconcile_every.count();
  Listing listing;
  if (!list_projects(d, since(r.full, marks.projects_ms, o.overlap), o.per_page, listing, r) ||
      !list_invoices(d, since(r.full, marks.invoices_ms, o.overlap), o.per_page, listing, r)) {
    return r;
  }
  if (!publish_changes(in, d, o, listing, r)) return r;
  if (!d.fenced() ||
      !d.state.commit(in.tenant_id, d.fence, advanced(marks, listing, r.full, in.started_ms))) {
    r.error = "lease_lost";
    r.retryable = true;
    return r;
  }
  r.ok = true;
  return r;
}

}  // namespace hbsync::poller
