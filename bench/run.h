// zbuf-bench: one run of the plan, as it goes (run.cc): which case starts within the budget, the progress
// line with its ETA, what a finished case teaches the budget, and where its rows go (the display, the JSON
// file), with the run's status at the end of the JSON context.
#ifndef ZBUF_BENCH_RUN_H
#define ZBUF_BENCH_RUN_H

#include <benchmark/benchmark.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "bench.h"
#include "json_file.h"

namespace zbuf_bench {

// The run, as Google Benchmark reports it. Google Benchmark gets two reporters from it: the display (what it
// would have made itself: console, JSON or CSV on stdout, as --benchmark_format says) and, with
// --benchmark_out, the file (JsonFile). Both receive every case that ran and neither receives the cases the
// budget left out or cut, whose runs are only errors marking that they did not run.
class RunState {
 public:
  // `file` may be null (no --benchmark_out); `budget` is in seconds, 0 for none.
  RunState(zbuf_bench_plan *plan, JsonFile *file, double start, double budget);

  benchmark::BenchmarkReporter *display() { return &display_; }
  benchmark::BenchmarkReporter *file_reporter() { return file_ ? &file_side_ : nullptr; }

  // Before every run of case `k`'s body, on every thread: whether the body may run. The first call for a case
  // decides, under a lock, whether it starts (and prints the progress line) or is left out.
  bool Enter(zbuf_bench_case *c, size_t k);
  // What the watcher thread does on SIGINT/SIGTERM: a line on stderr and the JSON file, marked stopped.
  void Stopped(int sig);
  // After the run: the summary on stderr. Returns false if the JSON file could not be written.
  bool Summary();
  // When no row matched --benchmark_filter, Google Benchmark reports nothing: the file says so.
  void NothingMatched();
  // The fleet (fleet_bench.cc): `gate` runs once before each selected case starts (the ranks of a node in
  // step), `sink` receives every case's runs that the file would (what rank 0 merges).
  using Gate = void (*)(void *ctx);
  using Sink = void (*)(const std::vector<benchmark::BenchmarkReporter::Run> &runs, void *ctx);
  void SetFleet(Gate gate, Sink sink, void *ctx) {
    gate_ = gate;
    sink_ = sink;
    fleet_ = ctx;
  }

 private:
  class Display : public benchmark::BenchmarkReporter {
   public:
    explicit Display(RunState *run) : run_(run) {}
    bool ReportContext(const Context &context) override;
    void ReportRuns(const std::vector<BenchmarkReporter::Run> &runs) override;
    void Finalize() override;

   private:
    RunState *run_;
  };
  class FileSide : public benchmark::BenchmarkReporter {
   public:
    explicit FileSide(RunState *run) : run_(run) {}
    bool ReportContext(const Context &context) override;
    void ReportRuns(const std::vector<BenchmarkReporter::Run> &runs) override;
    void Finalize() override;

   private:
    RunState *run_;
  };

  // The case a report is about, or null.
  zbuf_bench_case *CaseOf(const std::vector<benchmark::BenchmarkReporter::Run> &runs);
  // A case's results are in: the budget learns from it, its kept set-up is released.
  void Finished(zbuf_bench_case *c, const std::vector<benchmark::BenchmarkReporter::Run> &runs);
  // Whether a case's runs go to the display and the file: not when the budget left it out or cut it.
  static bool Forwarded(const zbuf_bench_case *c);
  std::string StatusMembers(const std::string &status, const zbuf_bench_case *in_flight);
  size_t Count(int fate) const;
  void WriteFile(const std::string &status);

  zbuf_bench_plan *plan_;
  JsonFile *file_;
  double start_, budget_;
  Display display_{this};
  FileSide file_side_{this};
  benchmark::BenchmarkReporter *shown_; // Google Benchmark's own display reporter (it owns it)
  std::map<std::string, size_t> index_; // case name -> plan index
  std::vector<size_t> ordinal_;         // plan index -> 1-based position among the selected cases
  size_t selected_ = 0;
  double estimated_ = 0,
         took_ = 0; // the measured cases: their estimates, their time (how good estimates are)
  std::mutex mu_;
  bool said_left_out_ = false;
  bool file_ok_ = true;
  std::atomic<bool> finished_{false}; // the final file is written (the watcher reads it)
  Gate gate_ = nullptr;
  Sink sink_ = nullptr;
  void *fleet_ = nullptr;
};

} // namespace zbuf_bench

#endif
