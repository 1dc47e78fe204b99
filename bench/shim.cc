// zbuf-bench: the thin C++ layer between Google Benchmark and the C benchmark bodies.
//
// It parses zbuf-bench's own options (Google Benchmark's --benchmark_* flags pass through), asks the C side
// for the plan, registers one Google Benchmark family per case, forwards benchmark::State to the bodies
// through the zbuf_bench_state functions of bench.h, and adds the machine/implementation context to the JSON
// output.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "bench.h"

struct zbuf_bench_state {
  benchmark::State *s;
  zbuf_bench_case *c;
  bool done; // the timed loop ran to its end (KeepRunning answered false)
};

static std::mutex g_fail_lock;

// The first failure of a case sticks to it (see zbuf_bench_case::failed).
static void remember_failure(zbuf_bench_case *c, int kind, const char *msg) {
  std::lock_guard<std::mutex> lock(g_fail_lock);
  if (c->failed) return;
  c->failed = kind;
  std::snprintf(c->fail_msg, sizeof c->fail_msg, "%s", msg);
}

static std::atomic<int> g_had_error{0};

extern "C" {

int zbuf_bench_keep_running(zbuf_bench_state *st) {
  bool more = st->s->KeepRunning();
  if (!more) st->done = true;
  return more ? 1 : 0;
}
void zbuf_bench_set_iteration_time(zbuf_bench_state *st, double seconds) { st->s->SetIterationTime(seconds); }
void zbuf_bench_pause(zbuf_bench_state *st) { st->s->PauseTiming(); }
void zbuf_bench_resume(zbuf_bench_state *st) { st->s->ResumeTiming(); }

void zbuf_bench_error(zbuf_bench_state *st, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  g_had_error = 1;
  std::fprintf(stderr, "zbuf-bench: ERROR: %s\n", msg);
  remember_failure(st->c, 1, msg);
  st->s->SkipWithError(msg);
}

void zbuf_bench_skip(zbuf_bench_state *st, const char *fmt, ...) {
  char msg[1024] = "SKIPPED: ";
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(msg + 9, sizeof msg - 9, fmt, ap);
  va_end(ap);
  std::fprintf(stderr, "zbuf-bench: %s\n", msg);
  remember_failure(st->c, 2, msg);
  st->s->SkipWithError(msg);
}

void zbuf_bench_counter(zbuf_bench_state *st, const char *name, double value, unsigned flags) {
  int f = benchmark::Counter::kDefaults;
  if (flags & ZBUF_BENCH_RATE) f |= benchmark::Counter::kIsRate;
  if (flags & ZBUF_BENCH_AVG_THREADS) f |= benchmark::Counter::kAvgThreads;
  st->s->counters[name] = benchmark::Counter(
      value, static_cast<benchmark::Counter::Flags>(f),
      (flags & ZBUF_BENCH_KIB) ? benchmark::Counter::kIs1024 : benchmark::Counter::kIs1000);
}

void zbuf_bench_set_bytes(zbuf_bench_state *st, int64_t bytes) { st->s->SetBytesProcessed(bytes); }
void zbuf_bench_set_label(zbuf_bench_state *st, const char *label) { st->s->SetLabel(label); }
int64_t zbuf_bench_iterations(const zbuf_bench_state *st) {
  return static_cast<int64_t>(st->s->iterations());
}
int zbuf_bench_thread_index(const zbuf_bench_state *st) { return st->s->thread_index(); }
int zbuf_bench_threads(const zbuf_bench_state *st) { return st->s->threads(); }
int zbuf_bench_had_error(void) { return g_had_error.load(); }

} // extern "C"

namespace {

const char kUsage[] =
    "usage: zbuf-bench [zbuf-bench options] [Google Benchmark options]\n"
    "\n"
    "Benchmarks one buffer implementation through the zbuf implementation ABI (include/zbuf/impl.h), beside\n"
    "raw baselines measured in the same run (memcpy, cudaMemcpy), with NUMA placement from hwloc.\n"
    "\n"
    "zbuf-bench options:\n"
    "  --impl SPEC          implementation: ref:cpu (default), ref:gpu, lib:PATH[:CONFIG], py:MODULE:ATTR\n"
    "                       (py: needs libzbuf_pyadapter.so, e.g. py:zarr.buffer.cpu:buffer_prototype)\n"
    "  --min-size N         smallest transfer size (default 4KiB); N takes K/KiB/M/MiB/G/GiB suffixes\n"
    "  --max-size N         largest transfer size (default 1GiB); sizes go 4KiB, 16KiB, ... x4\n"
    "  --threads N          thread count of multi-thread rows (default: the cores of the near NUMA node)\n"
    "  --gpu N              CUDA device to benchmark (default 0)\n"
    "  --no-transfers       leave out the transfer rows (H2H, H2D, D2H, D2D, bidirectional)\n"
    "  --no-ops             leave out the Buffer/NDBuffer operation rows\n"
    "  --topology FILE      hwloc XML topology to take placement decisions from (replay); with it only\n"
    "                       --placement-only makes sense, since memory cannot be bound to another machine\n"
    "  --placement-only     print the placement decisions (near/far NUMA node and cpus per GPU, PCIe link)\n"
    "                       as JSON and exit without benchmarking\n"
    "  --list-rows          print the rows this run would measure and exit (as --benchmark_list_tests)\n"
    "  --help               this text, then Google Benchmark's own options\n"
    "\n"
    "Defaults added unless given: --benchmark_repetitions=3 --benchmark_min_warmup_time=0.05\n"
    "Results: --benchmark_format=json, or --benchmark_out=FILE --benchmark_out_format=json; the JSON "
    "context\n"
    "carries device, PCIe link and ceiling, NUMA placement, sizes and versions. Progress goes to stderr.\n"
    "Exit status: 0 all rows measured; 1 an error row (failed call or wrong copy) or a failed set-up;\n"
    "2 usage error; 77 the implementation cannot run on this machine (e.g. ref:gpu without a GPU).\n"
    "\n"
    "Google Benchmark options:\n";

bool parse_size(const char *text, size_t *out) {
  char *end = nullptr;
  double v = std::strtod(text, &end);
  if (end == text || v < 0) return false;
  std::string unit(end);
  double mult = 1;
  if (unit.empty() || unit == "B")
    mult = 1;
  else if (unit == "K" || unit == "KiB" || unit == "k")
    mult = 1024.0;
  else if (unit == "M" || unit == "MiB")
    mult = 1024.0 * 1024;
  else if (unit == "G" || unit == "GiB")
    mult = 1024.0 * 1024 * 1024;
  else
    return false;
  *out = static_cast<size_t>(v * mult);
  return true;
}

// Matches "--name=value" or "--name value"; on a match stores the value and advances i past what it used.
bool take(int argc, char **argv, int *i, const char *name, const char **value) {
  size_t n = std::strlen(name);
  if (std::strncmp(argv[*i], name, n) != 0) return false;
  if (argv[*i][n] == '=') {
    *value = argv[*i] + n + 1;
    return true;
  }
  if (argv[*i][n] == '\0' && *i + 1 < argc) {
    *value = argv[++*i];
    return true;
  }
  return false;
}

int usage_error(const char *what) {
  std::fprintf(stderr, "zbuf-bench: %s (see --help)\n", what);
  return 2;
}

double stat_min(const std::vector<double> &v) {
  return v.empty() ? 0 : *std::min_element(v.begin(), v.end());
}
double stat_max(const std::vector<double> &v) {
  return v.empty() ? 0 : *std::max_element(v.begin(), v.end());
}

void add_context(const char *key, const char *value, void *) { benchmark::AddCustomContext(key, value); }

std::atomic<size_t> g_announced{0};
size_t g_total = 0;

} // namespace

int main(int argc, char **argv) {
  zbuf_bench_options opt{};
  opt.impl_spec = "ref:cpu";
  opt.argv0 = argv[0];
  bool list_rows = false, help = false;
  bool have_reps = false, have_warmup = false;
  std::vector<char *> rest{argv[0]};
  std::string command = argv[0];
  for (int i = 1; i < argc; i++) command += std::string(" ") + argv[i];
  for (int i = 1; i < argc; i++) {
    const char *v = nullptr;
    if (take(argc, argv, &i, "--impl", &v)) {
      opt.impl_spec = v;
    } else if (take(argc, argv, &i, "--topology", &v)) {
      opt.topology = v;
    } else if (take(argc, argv, &i, "--min-size", &v)) {
      if (!parse_size(v, &opt.min_size)) return usage_error("--min-size: not a size");
    } else if (take(argc, argv, &i, "--max-size", &v)) {
      if (!parse_size(v, &opt.max_size) || opt.max_size == 0) return usage_error("--max-size: not a size");
    } else if (take(argc, argv, &i, "--threads", &v)) {
      opt.max_threads = std::atoi(v);
      if (opt.max_threads < 1 || opt.max_threads > 64) return usage_error("--threads: 1 to 64");
    } else if (take(argc, argv, &i, "--gpu", &v)) {
      opt.gpu = std::atoi(v);
      if (opt.gpu < 0) return usage_error("--gpu: a CUDA ordinal >= 0");
    } else if (!std::strcmp(argv[i], "--placement-only")) {
      opt.placement_only = 1;
    } else if (!std::strcmp(argv[i], "--no-ops")) {
      opt.no_ops = 1;
    } else if (!std::strcmp(argv[i], "--no-transfers")) {
      opt.no_transfers = 1;
    } else if (!std::strcmp(argv[i], "--list-rows")) {
      list_rows = true;
    } else if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
      help = true;
    } else {
      if (!std::strncmp(argv[i], "--benchmark_repetitions", 23)) have_reps = true;
      if (!std::strncmp(argv[i], "--benchmark_min_warmup_time", 27)) have_warmup = true;
      rest.push_back(argv[i]);
    }
  }
  if (help) {
    std::fputs(kUsage, stdout);
    benchmark::PrintDefaultHelp();
    return 0;
  }
  if (opt.min_size && opt.max_size && opt.min_size > opt.max_size)
    return usage_error("--min-size is larger than --max-size");
  if (opt.topology && !opt.placement_only)
    return usage_error("--topology replays another machine's decisions: use it with --placement-only");

  zbuf_bench_env *env = nullptr;
  int rc = zbuf_bench_env_init(&opt, &env);
  if (rc != 0) return rc;
  if (opt.placement_only) {
    rc = zbuf_bench_env_print_placement(env);
    zbuf_bench_env_free(env);
    return rc;
  }

  static char reps[] = "--benchmark_repetitions=3", warmup[] = "--benchmark_min_warmup_time=0.05",
              list[] = "--benchmark_list_tests=true";
  if (!have_reps) rest.push_back(reps);
  if (!have_warmup) rest.push_back(warmup);
  if (list_rows) rest.push_back(list);
  int bargc = static_cast<int>(rest.size());
  rest.push_back(nullptr);
  benchmark::Initialize(&bargc, rest.data());
  if (benchmark::ReportUnrecognizedArguments(bargc, rest.data())) {
    zbuf_bench_env_free(env);
    return 2;
  }

  static zbuf_bench_plan plan{};
  zbuf_bench_plan_build(env, &plan);
  g_total = plan.n;
  for (size_t k = 0; k < plan.n; k++) {
    zbuf_bench_case *c = &plan.cases[k];
    auto *b = benchmark::RegisterBenchmark(c->name, [c, k](benchmark::State &s) {
      // Progress on stderr, once per case, so that a JSON stdout stays clean.
      size_t seen = g_announced.load();
      while (s.thread_index() == 0 && seen < k + 1 && !g_announced.compare_exchange_weak(seen, k + 1)) {
      }
      if (s.thread_index() == 0 && seen < k + 1)
        std::fprintf(stderr, "[zbuf-bench %zu/%zu] %s\n", k + 1, g_total, c->name);
      zbuf_bench_state st{&s, c, false};
      if (c->failed) {
        if (c->failed == 1) g_had_error = 1;
        s.SkipWithError(c->fail_msg);
      } else {
        c->body(&st, c);
      }
      // Every thread must pass Google Benchmark's start and stop barriers, also after an error or an early
      // return, or the other threads of the run wait for it forever; with an error set the loop ends at once.
      if (!st.done) {
        if (!s.error_occurred()) {
          g_had_error = 1;
          remember_failure(c, 1, "the benchmark body returned without running its loop");
          s.SkipWithError(c->fail_msg);
        }
        while (s.KeepRunning()) {
        }
      }
    });
    if (c->manual_time)
      b->UseManualTime();
    else
      b->UseRealTime();
    if (c->threads > 1) b->Threads(c->threads);
    b->ComputeStatistics("min", stat_min)->ComputeStatistics("max", stat_max);
  }
  zbuf_bench_env_context(env, add_context, nullptr);
  benchmark::AddCustomContext("zbuf_bench_command", command);
  std::fprintf(stderr, "zbuf-bench: %zu cases, implementation %s\n", plan.n, opt.impl_spec);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  int failed = zbuf_bench_had_error();
  zbuf_bench_env_free(env);
  if (failed) std::fprintf(stderr, "zbuf-bench: at least one row is an error row (see error_message)\n");
  return failed ? 1 : 0;
}
