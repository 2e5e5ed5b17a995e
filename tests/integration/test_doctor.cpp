#include <gtest/gtest.h>

#include "doctor/doctor.h"

namespace kiln {

TEST(Doctor, ReportsTheToolchainTheIssueRequires) {
  auto r = doctor_report();
  EXPECT_TRUE(r["usable"].get<bool>()) << r["problems"].dump();
  EXPECT_EQ(r["onnxruntime"]["version"].get<std::string>().rfind("1.21", 0), 0u);
  bool cpu = false;
  for (const auto& p : r["onnxruntime"]["providers"]) cpu |= p == "CPUExecutionProvider";
  EXPECT_TRUE(cpu);
  bool qnnpack = false;
  for (const auto& e : r["libtorch"]["quantized_engines"]) qnnpack |= e == "QNNPACK";
  EXPECT_TRUE(qnnpack);
  EXPECT_EQ(r["libtorch"]["version"], "2.6.0");
  EXPECT_TRUE(r["blas"]["is_openblas"].get<bool>()) << r["blas"].dump();
  EXPECT_TRUE(r["cpu"]["features"].contains("avx2"));
  EXPECT_FALSE(format_doctor_report(r).empty());
}

}  // namespace kiln
