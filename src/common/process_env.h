#pragma once
// Process-wide settings that must be in place before the ML libraries load.
//
// LibTorch runs convolutions on libgomp's OpenMP pool and Linear layers on OpenBLAS's own
// pthreads; on 2 cores the two pools spin against each other and batch-1 inference runs ~8x
// slower (shared/notes/toolchain.md). Both libraries read their settings when they load, so
// the only reliable fix from inside the program is to set the environment and re-exec once.
namespace kiln {

// Sets OMP_WAIT_POLICY (PASSIVE; for the LibTorch-only commands `kiln train` and `kiln precision`
// ACTIVE with OPENBLAS_NUM_THREADS=1, which is faster there) unless the user set it (kiln then
// respects their value). Returns true when it set it: the libraries of this process, if already
// loaded, did not see it; those of a process exec'd from here will.
bool choose_thread_environment(int argc, char** argv);

// choose_thread_environment, then re-executes the program when it had to set the variables.
// Returns normally when the environment is already right. KILN_NO_REEXEC=1 disables the re-exec.
void ensure_thread_environment(int argc, char** argv);

// True when OMP_WAIT_POLICY was set by ensure_thread_environment, not by the user.
bool thread_environment_was_chosen_by_kiln();

}  // namespace kiln
