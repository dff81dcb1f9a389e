// The checks run before every write. The rules themselves (stage mapping
// one-to-one, field mapping, word list, management_no, schedule time and zone,
// default user) live in libs/domain; validate() calls them and adds the checks
// that concern the tenant as a whole (ids, credentials, URLs, the link
// property, the poll interval).
#pragma once

#include <string_view>

#include "hbsync/tenant/model.hpp"

namespace hbsync::tenant {

// Every rule; all problems at once, in document order. Empty = valid.
ValidationErrors validate(const Settings& settings);

// Tenant ids are HubSpot portal ids: 1-19 decimal digits, no leading zero,
// so one portal cannot be stored under two spellings.
bool is_valid_tenant_id(std::string_view tenant_id);

}  // namespace hbsync::tenant
