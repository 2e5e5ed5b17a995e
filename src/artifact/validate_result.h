#pragma once
// What `kiln validate` found: every check by name, passed or failed with one line of detail.
// Written as validate.json (and JUnit XML); the pipeline and CI read this struct.
#include <string>
#include <vector>

#include "common/json_record.h"

namespace kiln {

struct CheckRecord {
  std::string check;
  bool passed = false;
  std::string detail;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CheckRecord, check, passed, detail)

struct ValidateResult {
  int schema_version = 1;
  std::vector<CheckRecord> checks;
  std::vector<std::string> failures;  // "check: detail" of each failed check
  bool passed = false;

  // The named check, or null when it did not run.
  const CheckRecord* find(const std::string& name) const {
    for (const auto& c : checks)
      if (c.check == name) return &c;
    return nullptr;
  }
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ValidateResult, schema_version, checks, failures, passed)

}  // namespace kiln
