// Everything in hbsync::domain: the pure rules of SPEC F2-F6, without I/O.
#pragma once

#include "hbsync/domain/abbreviation.hpp"
#include "hbsync/domain/client_mapping.hpp"
#include "hbsync/domain/company.hpp"
#include "hbsync/domain/dates.hpp"
#include "hbsync/domain/idempotency.hpp"
#include "hbsync/domain/management_no.hpp"
#include "hbsync/domain/owner.hpp"
#include "hbsync/domain/schedule.hpp"
#include "hbsync/domain/stage_mapping.hpp"
#include "hbsync/domain/status.hpp"
#include "hbsync/domain/sync_rules.hpp"
#include "hbsync/domain/text.hpp"
#include "hbsync/domain/validation.hpp"
