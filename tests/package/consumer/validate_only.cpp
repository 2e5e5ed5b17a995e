// validate_only ARTIFACT: `kiln validate` in-process through kiln::core (no LibTorch loaded).
#include <cstdio>

#include <kiln/error.h>
#include <kiln/validate.h>
#include <kiln/version.h>

int main(int argc, char** argv) {
  if (argc != 2) return std::fprintf(stderr, "usage: %s ARTIFACT\n", argv[0]), 2;
  try {
    kiln::ValidateResult result = kiln::validate_artifact({.artifact = argv[1]});
    std::printf("kiln %s: %s", KILN_VERSION_STRING, kiln::validate_report_text(result).c_str());
    return result.passed ? 0 : 1;
  } catch (const kiln::Error& e) {
    return std::fprintf(stderr, "error: %s\n", e.what()), 1;
  }
}
