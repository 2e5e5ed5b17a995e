#pragma once
// Runs another kiln command as a child process. The pipeline trains in a child because the
// thread settings that train fastest (spinning OpenMP, single-threaded OpenBLAS; see
// process_env.h) are read once when the libraries load, and the pipeline's own process keeps the
// settings that suit ONNX Runtime.
#include <filesystem>
#include <string>
#include <vector>

namespace kiln {

// The running executable (for re-running kiln itself); empty when /proc is unavailable.
std::filesystem::path current_executable();

// The variable naming the file where a child kiln writes its one-line error instead of stderr.
inline constexpr const char* kChildErrorFileVar = "KILN_ERROR_FILE";

// Runs the kiln at `program` with `args`, stdin/stdout/stderr inherited, and waits. The child
// chooses its own thread environment: OMP_WAIT_POLICY is removed when kiln set it (not when the
// user did). When the child fails, throws kiln::Error with the child's own one-line message
// (or its exit status when it wrote none); also when it cannot start.
void run_kiln_child(const std::filesystem::path& program, const std::vector<std::string>& args);

}  // namespace kiln
