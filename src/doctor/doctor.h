#pragma once
// `kiln doctor`: everything a user needs to trust later numbers, and whether the toolchain works.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kiln {

// All facts; "usable" is false and "problems" lists why when the toolchain cannot run kiln.
// The facts are doctor's own JSON (`kiln doctor --json`); other modules ask through the accessors.
nlohmann::json doctor_report();
// The problems that make the toolchain unusable (empty: usable).
std::vector<std::string> doctor_problems(const nlohmann::json& report);
std::string format_doctor_report(const nlohmann::json& report);

}  // namespace kiln
