#pragma once
// What `kiln validate` found (CheckRecord, ValidateResult: the public kiln/validate.h) and its
// JSON form, validate.json.
#include "common/json_record.h"
#include "kiln/validate.h"

namespace kiln {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CheckRecord, check, passed, detail)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ValidateResult, schema_version, checks, failures, passed)

}  // namespace kiln
