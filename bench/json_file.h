// zbuf-bench: the --benchmark_out file, valid JSON whenever the run stops (json_file.cc).
#ifndef ZBUF_BENCH_JSON_FILE_H
#define ZBUF_BENCH_JSON_FILE_H

#include <benchmark/benchmark.h>

#include <mutex>
#include <sstream>
#include <string>
#include <vector>

namespace zbuf_bench {

// Google Benchmark writes --benchmark_out as it goes, so a killed run leaves it cut mid-object. This file is
// rewritten whole after every row instead (a temporary file renamed over it, so a reader, or a run stopped at
// any moment, sees the previous version or the next, never half of one). The context and rows are rendered by
// Google Benchmark's own JSONReporter: the schema is exactly its own, plus members the run adds at the end of
// the context (its status: what was measured, left out, or stopped).
class JsonFile {
 public:
  // Checks that `path` can be written, by creating and removing the temporary file beside it.
  bool Open(const std::string &path, std::string *why);
  // The context block; false (and why) if Google Benchmark's JSON does not have the layout this file expects.
  bool Context(const benchmark::BenchmarkReporter::Context &context, std::string *why);
  // Appends one case's runs (repetitions and aggregates).
  void Rows(const std::vector<benchmark::BenchmarkReporter::Run> &runs);
  // Writes the file: the context with `status_members` appended (",\n    \"key\": value" pairs), then every
  // row so far (before Context, a context of only zbuf_bench_schema and the status, and no rows). Safe to call
  // from any thread. False (and a line on stderr) when the file cannot be written.
  bool Write(const std::string &status_members);
  const std::string &path() const { return path_; }
  // How many cases' runs the file holds.
  size_t cases() const { return cases_; }

 private:
  std::mutex mu_;
  std::string path_, tmp_;
  std::ostringstream out_, discard_;
  benchmark::JSONReporter json_;
  std::string head_;     // "{ "context": { ... last member" without the closing brace
  size_t rows_from_ = 0; // where the rows start in out_
  size_t cases_ = 0;
  bool had_context_ = false;
};

// A JSON string literal for s (quotes included).
std::string JsonQuote(const std::string &s);

} // namespace zbuf_bench

#endif
