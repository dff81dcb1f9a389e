#include "changes.hpp"

#include <algorithm>
#include <charconv>

namespace hbsync::poller {
namespace {

bool read_number(std::string_view& text, int64_t& out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  if (ec != std::errc() || ptr == text.data()) return false;
  text.remove_prefix(static_cast<size_t>(ptr - text.data()));
  return true;
}

bool expect(std::string_view& text, char c) {
  if (text.empty() || text.front() != c) return false;
  text.remove_prefix(1);
  return true;
}

bool read_invoice(std::string_view& text, InvoiceState& out) {
  int64_t status = 0;
  if (!read_number(text, out.id) || !expect(text, ':') || !read_number(text, status) ||
      !expect(text, ':') || !read_number(text, out.updated_ms)) {
    return false;
  }
  out.status = static_cast<int>(status);
  return true;
}

}  // namespace

int64_t ProjectState::latest_ms() const {
  int64_t latest = updated_ms;
  for (const auto& i : invoices) latest = std::max(latest, i.updated_ms);
  return latest;
}

std::vector<int> ProjectState::invoice_statuses() const {
  std::vector<int> out;
  out.reserve(invoices.size());
  for (const auto& i : invoices) out.push_back(i.status);
  return out;
}

std::string encode(const ProjectState& s) {
  std::string out = "o" + std::to_string(s.order_status) + "|u" + std::to_string(s.updated_ms) +
                    "|p" + (s.published ? "1" : "0") + "|";
  for (size_t n = 0; n < s.invoices.size(); ++n) {
    const auto& i = s.invoices[n];
    if (n) out += ',';
    out +=
        std::to_string(i.id) + ":" + std::to_string(i.status) + ":" + std::to_string(i.updated_ms);
  }
  return out;
}

std::optional<ProjectState> decode(std::string_view text) {
  ProjectState s;
  int64_t order = 0;
  int64_t published = 0;
  if (!expect(text, 'o') || !read_number(text, order) || !expect(text, '|') || !expect(text, 'u') ||
      !read_number(text, s.updated_ms) || !expect(text, '|') || !expect(text, 'p') ||
      !read_number(text, published) || !expect(text, '|')) {
    return std::nullopt;
  }
  s.order_status = static_cast<int>(order);
  s.published = published == 1;
  while (!text.empty()) {
    InvoiceState i;
    if (!read_invoice(text, i)) return std::nullopt;
    s.invoices.push_back(i);
    if (!text.empty() && (!expect(text, ',') || text.empty())) return std::nullopt;
  }
  return s;
}

ProjectState merge(const std::optional<ProjectState>& remembered, const ListedProject* project,
                   std::span<const ListedInvoice> invoices, bool complete_invoices) {
  ProjectState s = remembered.value_or(ProjectState{});
  if (project) {
    s.order_status = project->order_status;
    s.updated_ms = project->updated_ms;
  }
  if (complete_invoices) s.invoices.clear();
  for (const auto& listed : invoices) {
    InvoiceState next{.id = listed.id, .status = listed.status, .updated_ms = listed.updated_ms};
    auto it = std::find_if(s.invoices.begin(), s.invoices.end(),
                           [&](const InvoiceState& i) { return i.id == listed.id; });
    if (it == s.invoices.end()) {
      s.invoices.push_back(next);
    } else {
      *it = next;
    }
  }
  std::sort(s.invoices.begin(), s.invoices.end(),
            [](const InvoiceState& a, const InvoiceState& b) { return a.id < b.id; });
  s.published = remembered && remembered->published && remembered->same_data(s);
  return s;
}

bool needs_publish(const std::optional<ProjectState>& remembered, const ProjectState& merged,
                   bool linked) {
  if (!linked) return false;
  return !remembered || !remembered->published || !remembered->same_data(merged);
}

}  // namespace hbsync::poller
