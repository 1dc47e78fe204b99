// zbuf-bench as one rank of an MPI job (ZBUF_WITH_MPI builds; docs/fleet.md): which GPU or NUMA node the rank
// takes, the modes (independent: ranks one after another; concurrent: the ranks of a node row by row in
// step), and the merge: every rank's rows travel to rank 0 as compact records, and rank 0 streams one Google
// Benchmark JSON whose rows carry their rank, host, local rank, GPU and placement.
#ifndef ZBUF_BENCH_FLEET_BENCH_H
#define ZBUF_BENCH_FLEET_BENCH_H

#include <string>
#include <vector>

#include "bench.h"
#include "fleet.h"
#include "run.h"

namespace zbuf_bench {

class Fleet {
 public:
  // Starts MPI (mode "independent" or "concurrent"); false and why on failure.
  bool Start(int *argc, char ***argv, const std::string &mode, double timeout_s, std::string *why);
  const zbuf_fleet &info() const { return f_; }
  // The CUDA ordinal this rank benchmarks: --gpu when given, else its local rank (modulo the devices that
  // CUDA_VISIBLE_DEVICES lists, when it lists any).
  int Gpu(bool given, int gpu) const;
  // Places the rank (host rows one per NUMA node when it has no GPU), remembers its placement for the rows,
  // and hooks the run: the per-row gate of concurrent mode and the collection of rows.
  void Attach(zbuf_bench_env *env, RunState *run);
  // Independent mode: waits for the ranks before this one to finish (Before) and lets the next one start
  // (After); each rank's turn is expected to take at most `budget_s` (0: unknown, then the timeout alone).
  void Before(double budget_s);
  void After(double budget_s);
  // Gathers every rank's rows; rank 0 writes the merged JSON to `path`. Returns the job's exit status, the
  // same on every rank (the most severe of the ranks': a failure, then 77, then 0); ends MPI.
  int Merge(const std::string &path, int exit_status);
  // A rank that could not start measuring (exit_status): takes part in every collective step with no rows.
  int Abstain(const std::string &path, int exit_status);

 private:
  static void Gate(void *self);
  static void Collect(const std::vector<benchmark::BenchmarkReporter::Run> &runs, void *self);
  bool WriteMerged(const std::string &path, const char *all, const size_t *offsets, const size_t *lengths);

  zbuf_fleet f_{};
  std::string mode_;
  std::string where_; // this rank's placement, as the record's header says it
  std::string rows_;  // the compact records of this rank's rows
};

} // namespace zbuf_bench

#endif
