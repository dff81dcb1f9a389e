// One tenant's settings (SPEC F1, F2, F6), in four parts:
//   model.hpp          the Settings types;
//   validation.hpp     validate(): the checks run before every write;
//   settings_json.hpp  to_json / from_json: tenant.json and the stored form;
//   secrets.hpp        which fields are secret, redaction, keeping secrets.
// This header includes all four.
#pragma once

#include "hbsync/tenant/model.hpp"
#include "hbsync/tenant/secrets.hpp"
#include "hbsync/tenant/settings_json.hpp"
#include "hbsync/tenant/validation.hpp"
