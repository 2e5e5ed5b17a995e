#pragma once
// `kiln doctor`: everything a user needs to trust later numbers, and whether the toolchain works.
#include <string>

#include <nlohmann/json.hpp>

namespace kiln {

// All facts; "usable" is false and "problems" lists why when the toolchain cannot run kiln.
nlohmann::json doctor_report();
std::string format_doctor_report(const nlohmann::json& report);

}  // namespace kiln
