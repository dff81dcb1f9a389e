// The end-to-end sync latency (SPEC section 3, issue #13's first deals apart):
// hbsync_sync_latency_seconds{direction, first_deal}, from when hbsync learned
// of a change (SyncCommand::origin_at_ms: the webhook's arrival at ingress,
// or the poller seeing the board change) to the writer having applied it
// (the board write of a deal; the HubSpot batch update of a board change).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace hbsync::writer {

// Whether the command synced a company's first deal, which costs more calls
// (the client's lookup and creation, the link property): `tenant` when it
// linked the tenant's first company (its first deal), `company` when it
// linked another company, `no` otherwise (and always for board -> HubSpot).
enum class FirstDeal { no, company, tenant };
std::string_view to_string(FirstDeal first);

// Seconds from `origin_ms` (epoch ms) to `now`; nullopt when there is no
// origin (0: a command of an older mapper). The origin is another host's
// clock: a small negative difference (clock skew) reads as 0.
std::optional<double> sync_latency_seconds(int64_t origin_ms,
                                           std::chrono::system_clock::time_point now);

// Observes one applied sync (`direction`: history::direction's values).
void observe_sync_latency(std::string_view direction, FirstDeal first, int64_t origin_ms,
                          std::chrono::system_clock::time_point now);

}  // namespace hbsync::writer
