// zbuf-bench: the thin C++ layer between Google Benchmark and the C benchmark bodies.
//
// It parses zbuf-bench's own options (Google Benchmark's --benchmark_* flags pass through), asks the C side
// for the plan, registers one Google Benchmark family per case, forwards benchmark::State to the bodies
// through the zbuf_bench_state functions of bench.h, and adds the machine/implementation context to the JSON
// output. The run as it goes (budget, progress, the JSON file) is run.cc's; stopping early is stop.c's.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <regex>
#include <string>
#include <vector>

#include "bench.h"
#include "json_file.h"
#include "run.h"
#include "stop.h"
#ifdef ZBUF_WITH_MPI
#include "fleet_bench.h"
#endif

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
  // Cut to the field on purpose; the precision says so (GCC -O3 warns about a plain "%s" here).
  std::snprintf(c->fail_msg, sizeof c->fail_msg, "%.*s", static_cast<int>(sizeof c->fail_msg - 1), msg);
}

static std::atomic<int> g_had_error{0};

extern "C" {

int zbuf_bench_keep_running(zbuf_bench_state *st) {
  if (zbuf_bench_stop_expired()) {
    // The budget's deadline passed with this case still running: it stops here and leaves no results (its
    // rows would rest on fewer repetitions than the others). The first thread to see it marks the case.
    int running = ZBUF_BENCH_RUNNING;
    __atomic_compare_exchange_n(&st->c->fate, &running, ZBUF_BENCH_CUT, false, __ATOMIC_ACQ_REL,
                                __ATOMIC_ACQUIRE);
    if (__atomic_load_n(&st->c->fate, __ATOMIC_ACQUIRE) == ZBUF_BENCH_CUT) {
      if (!st->s->error_occurred()) st->s->SkipWithError("SKIPPED: stopped at the budget's deadline");
      st->s->KeepRunning(); // answers false, and passes the stop barrier the other threads wait at
      st->done = true;
      return 0;
    }
  }
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
    "  --budget SECONDS     fit the run in SECONDS from its start: the headline rows first (every\n"
    "                       transfer direction and memory kind at 4KiB, 1MiB, 16MiB, 64MiB and 1GiB,\n"
    "                       near, beside its baseline), then the sweep by size. A row whose estimate\n"
    "                       does not fit is left out, a row still running at the deadline is stopped;\n"
    "                       the JSON context lists both. 'none': no limit. Default: 150 when the run\n"
    "                       has GPU rows, else none\n"
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
    "  --list-rows          print the rows this run would measure, in the order they run, and exit\n"
    "  --mpi-mode MODE      under mpirun/srun (builds with MPI; docs/fleet.md): 'independent' (default),\n"
    "                       the ranks measure one after another; 'concurrent', the ranks of a node run each\n"
    "                       row at once (a barrier per row). Each rank takes GPU = its local rank unless\n"
    "                       --gpu or CUDA_VISIBLE_DEVICES says otherwise; ranks without a GPU measure the\n"
    "                       host, one per NUMA node. Rank 0 writes every rank's rows to --benchmark_out.\n"
    "                       Given without a launcher: a fleet of one rank\n"
    "  --mpi-timeout S      seconds a rank waits for the others at a collective step beyond what the step\n"
    "                       is expected to take (default 600); then the job stops with exit 3\n"
    "  --help               this text, then Google Benchmark's own options\n"
    "\n"
    "Defaults added unless given: --benchmark_repetitions=3 --benchmark_min_warmup_time=0.05, and with a\n"
    "budget --benchmark_min_time=0.05.\n"
    "Results: --benchmark_out=FILE (JSON) is rewritten after every row and stays valid JSON whatever stops\n"
    "the run; its context carries device, PCIe link and ceiling, NUMA placement, sizes, versions and the\n"
    "run's status (zbuf_bench_status, rows left out). --benchmark_format=json writes JSON to stdout as\n"
    "Google Benchmark does (cut if the run is killed). Progress, with an ETA, goes to stderr.\n"
    "Exit status: 0 all rows measured (or left out by the budget); 1 an error row (failed call or wrong\n"
    "copy) or a failed set-up; 2 usage error, or no row matches --benchmark_filter; 77 the implementation\n"
    "cannot run on this machine (e.g. ref:gpu without a GPU); 130/143 stopped by SIGINT/SIGTERM, after\n"
    "writing --benchmark_out.\n"
    "\n"
    "Google Benchmark options:\n";

// Runs with GPU rows get this budget unless --budget says otherwise: a GPU slot is short, and the headline
// rows fit in it (docs/performance.md has the figures).
constexpr double kDefaultGpuBudget = 150;
// Google Benchmark's default --benchmark_min_time (0.5 s) would spend a budget on few rows; this one keeps
// thousands of iterations for small copies and one or more for 1 GiB ones.
const char kBudgetMinTime[] = "--benchmark_min_time=0.05";

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

int usage_error(const std::string &what) {
  std::fprintf(stderr, "zbuf-bench: %s (see --help)\n", what.c_str());
  return 2;
}

// "--budget SECONDS": a finite number > 0, or "none" (0).
bool parse_budget(const char *text, double *out) {
  if (!std::strcmp(text, "none")) {
    *out = 0;
    return true;
  }
  char *end = nullptr;
  double v = std::strtod(text, &end);
  if (end == text || *end != '\0' || !std::isfinite(v) || v <= 0) return false;
  *out = v;
  return true;
}

// The value of Google Benchmark flag `name` ("--benchmark_x") among args, in its only form "--name=value";
// NULL when absent. A bare boolean flag ("--benchmark_x") answers "true".
const char *gbench_flag(const std::vector<char *> &args, const char *name) {
  const char *value = nullptr;
  size_t n = std::strlen(name);
  for (const char *a : args) {
    if (!a || std::strncmp(a, name, n) != 0) continue;
    if (a[n] == '=') value = a + n + 1;
    if (a[n] == '\0') value = "true";
  }
  return value;
}

double flag_seconds(const std::vector<char *> &args, const char *name, double fallback) {
  const char *v = gbench_flag(args, name);
  return v ? std::strtod(v, nullptr) : fallback;
}

bool flag_true(const char *v) {
  return v && std::strcmp(v, "false") && std::strcmp(v, "0") && std::strcmp(v, "no") && std::strcmp(v, "f");
}

// Which cases Google Benchmark will run under --benchmark_filter, by its own rule (benchmark_register.cc):
// a POSIX extended regular expression searched in the full name, "-" in front to negate, "" and "all" for
// every case. The progress count and the ETA count only these.
void mark_selected(zbuf_bench_plan *plan) {
  std::string spec = benchmark::GetBenchmarkFilter();
  if (spec.empty() || spec == "all") spec = ".";
  bool negative = spec[0] == '-';
  if (negative) spec.erase(0, 1);
  std::regex re;
  bool compiled = true;
  try {
    re = std::regex(spec, std::regex::extended);
  } catch (const std::regex_error &) {
    compiled = false; // Google Benchmark says so itself, and runs nothing
  }
  for (size_t k = 0; k < plan->n; k++) {
    zbuf_bench_case *c = &plan->cases[k];
    std::string full = std::string(c->name) + (c->manual_time ? "/manual_time" : "/real_time");
    if (c->threads > 1) full += "/threads:" + std::to_string(c->threads);
    c->selected = compiled && std::regex_search(full, re) != negative;
  }
}

double stat_min(const std::vector<double> &v) {
  return v.empty() ? 0 : *std::min_element(v.begin(), v.end());
}
double stat_max(const std::vector<double> &v) {
  return v.empty() ? 0 : *std::max_element(v.begin(), v.end());
}

void add_context(const char *key, const char *value, void *) { benchmark::AddCustomContext(key, value); }

void on_signal(int sig, void *run) { static_cast<zbuf_bench::RunState *>(run)->Stopped(sig); }

void on_early_signal(int sig, void *file) {
  std::string status =
      std::string("stopped by ") + zbuf_bench_stop_signal_name(sig) + " before the first row";
  std::fprintf(stderr, "zbuf-bench: %s\n", status.c_str());
  static_cast<zbuf_bench::JsonFile *>(file)->Write(",\n    \"zbuf_bench_status\": " +
                                                   zbuf_bench::JsonQuote(status));
}

} // namespace

int main(int argc, char **argv) {
  // The budget counts from here, and SIGINT/SIGTERM are taken by the watcher thread before any other thread
  // exists (see stop.c).
  const double start = zbuf_bench_now();
  if (zbuf_bench_stop_start() != 0) {
    std::fprintf(stderr, "zbuf-bench: cannot start the thread that handles SIGINT/SIGTERM\n");
    return 1;
  }
  zbuf_bench_options opt{};
  opt.impl_spec = "ref:cpu";
  opt.argv0 = argv[0];
  bool list_rows = false, help = false, gpu_given = false;
  const char *mpi_mode = nullptr;
  double mpi_timeout = 600;
  double budget = 0;
  const char *budget_arg = nullptr;
  std::vector<char *> rest{argv[0]};
  std::string command = argv[0];
  for (int i = 1; i < argc; i++) command += std::string(" ") + argv[i];
  static const char *const kValued[] = {"--impl",    "--topology", "--min-size", "--max-size",
                                        "--threads", "--gpu",      "--budget",   "--mpi-mode",
                                        "--mpi-timeout"};
  for (int i = 1; i < argc; i++) {
    const char *v = nullptr;
    for (const char *name : kValued)
      if (i + 1 == argc && !std::strcmp(argv[i], name))
        return usage_error(std::string(name) + " needs a value");
    if (take(argc, argv, &i, "--impl", &v)) {
      opt.impl_spec = v;
    } else if (take(argc, argv, &i, "--topology", &v)) {
      // "--topology --placement-only" would read the option as the file and then say it is missing.
      if (!*v || (v[0] == '-' && v[1] == '-'))
        return usage_error(std::string("--topology needs a value (an hwloc XML file), got ") +
                           (*v ? std::string("the option ") + v : std::string("an empty one")));
      opt.topology = v;
    } else if (take(argc, argv, &i, "--budget", &v)) {
      if (!parse_budget(v, &budget))
        return usage_error(std::string("--budget: '") + v + "' is not a number of seconds > 0, nor 'none'");
      budget_arg = v;
    } else if (take(argc, argv, &i, "--min-size", &v)) {
      if (!parse_size(v, &opt.min_size)) return usage_error("--min-size: not a size");
    } else if (take(argc, argv, &i, "--max-size", &v)) {
      if (!parse_size(v, &opt.max_size) || opt.max_size == 0) return usage_error("--max-size: not a size");
    } else if (take(argc, argv, &i, "--threads", &v)) {
      opt.max_threads = std::atoi(v);
      if (opt.max_threads < 1 || opt.max_threads > ZBUF_BENCH_MAX_THREADS)
        return usage_error("--threads: 1 to 64");
    } else if (take(argc, argv, &i, "--gpu", &v)) {
      opt.gpu = std::atoi(v);
      if (opt.gpu < 0) return usage_error("--gpu: a CUDA ordinal >= 0");
      gpu_given = true;
    } else if (take(argc, argv, &i, "--mpi-mode", &v)) {
      if (std::strcmp(v, "independent") && std::strcmp(v, "concurrent"))
        return usage_error(std::string("--mpi-mode: '") + v + "' is neither 'independent' nor 'concurrent'");
      mpi_mode = v;
    } else if (take(argc, argv, &i, "--mpi-timeout", &v)) {
      if (!parse_budget(v, &mpi_timeout) || mpi_timeout == 0)
        return usage_error(std::string("--mpi-timeout: '") + v + "' is not a number of seconds > 0");
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
  const char *out_path = gbench_flag(rest, "--benchmark_out");
#ifdef ZBUF_WITH_MPI
  // Under a launcher (or with --mpi-mode alone: a fleet of one) every rank measures and rank 0 merges.
  static zbuf_bench::Fleet fleet;
  bool in_fleet = !help && !list_rows && !opt.placement_only && (mpi_mode || zbuf_fleet_launched());
  if (in_fleet) {
    if (!out_path)
      return usage_error("under mpirun/srun, --benchmark_out=FILE is where rank 0 merges the rows");
    std::string why;
    if (!fleet.Start(&argc, &argv, mpi_mode ? mpi_mode : "independent", mpi_timeout, &why))
      return usage_error("MPI: " + why);
    opt.gpu = fleet.Gpu(gpu_given, opt.gpu);
    opt.peer_from_own_gpu = 1; // the ranks of a node share the peer matrix: each its own GPU's row
    if (fleet.info().rank != 0) {
      out_path = nullptr; // one file, rank 0's; a shared file system would see every rank write it
      if (!std::freopen("/dev/null", "w", stdout)) std::fprintf(stderr, "zbuf-bench: cannot quiet stdout\n");
    }
  }
  const std::string merged_path = out_path ? out_path : "";
#else
  if (mpi_mode) return usage_error("--mpi-mode: this zbuf-bench was built without MPI (ZBUF_WITH_MPI=OFF)");
  (void)gpu_given;
  (void)mpi_timeout;
#endif
  const char *out_format = gbench_flag(rest, "--benchmark_out_format");
  if (out_format && std::strcmp(out_format, "json") != 0)
    return usage_error(std::string("--benchmark_out_format=") + out_format +
                       ": zbuf-bench writes --benchmark_out as JSON only");
  if (out_path && !*out_path) return usage_error("--benchmark_out: an empty file name");
  // The file is checked now, and written if a signal comes before the first row (loading an implementation
  // can take seconds: a CUDA context, an interpreter).
  static zbuf_bench::JsonFile file;
  bool with_file = out_path && !list_rows && !opt.placement_only;
  if (with_file) {
    std::string why;
    if (!file.Open(out_path, &why)) return usage_error(why);
    zbuf_bench_stop_on_signal(on_early_signal, &file);
  }

  zbuf_bench_env *env = nullptr;
  int rc = zbuf_bench_env_init(&opt, &env);
#ifdef ZBUF_WITH_MPI
  // A rank that cannot measure still takes its turns and sends its exit status, so that the others merge
  // without waiting for it.
  if (rc != 0 && in_fleet) return fleet.Abstain(merged_path, rc);
#endif
  if (rc != 0) return rc;
  if (opt.placement_only) {
    rc = zbuf_bench_env_print_placement(env);
    zbuf_bench_env_free(env);
    return rc;
  }

  static zbuf_bench_plan plan{};
  zbuf_bench_plan_build(env, &plan);
  bool gpu_rows = false;
  for (size_t k = 0; k < plan.n; k++) gpu_rows = gpu_rows || plan.cases[k].gpu >= 0;
  std::string budget_from = budget_arg ? std::string("--budget ") + budget_arg
                            : gpu_rows ? "default for runs with GPU rows"
                                       : "default for runs without GPU rows: none";
  if (!budget_arg && gpu_rows) budget = kDefaultGpuBudget;
  if (budget > 0 && flag_true(gbench_flag(rest, "--benchmark_enable_random_interleaving"))) {
    zbuf_bench_env_free(env);
    return usage_error(
        "--benchmark_enable_random_interleaving runs rows out of the order a budget plans: "
        "give --budget none with it");
  }

  static char reps[] = "--benchmark_repetitions=3", warmup[] = "--benchmark_min_warmup_time=0.05",
              min_time[sizeof kBudgetMinTime], list[] = "--benchmark_list_tests=true";
  std::memcpy(min_time, kBudgetMinTime, sizeof kBudgetMinTime);
  if (!gbench_flag(rest, "--benchmark_repetitions")) rest.push_back(reps);
  if (!gbench_flag(rest, "--benchmark_min_warmup_time")) rest.push_back(warmup);
  if (budget > 0 && !gbench_flag(rest, "--benchmark_min_time")) rest.push_back(min_time);
  if (list_rows) rest.push_back(list);
  zbuf_bench_budget_settings settings{};
  settings.start = start;
  settings.seconds = budget;
  settings.min_time = flag_seconds(rest, "--benchmark_min_time", 0.5);
  settings.warmup = flag_seconds(rest, "--benchmark_min_warmup_time", 0);
  settings.repetitions = static_cast<int>(flag_seconds(rest, "--benchmark_repetitions", 1));
  int bargc = static_cast<int>(rest.size());
  rest.push_back(nullptr);
  benchmark::Initialize(&bargc, rest.data());
  if (benchmark::ReportUnrecognizedArguments(bargc, rest.data())) {
    zbuf_bench_env_free(env);
    return 2;
  }

  mark_selected(&plan);
  zbuf_bench_budget_init(&settings);
  zbuf_bench_stop_set_deadline(zbuf_bench_budget_deadline());
  static zbuf_bench::RunState *run =
      new zbuf_bench::RunState(&plan, with_file ? &file : nullptr, start, budget);
  zbuf_bench_stop_on_signal(on_signal, run);
#ifdef ZBUF_WITH_MPI
  if (in_fleet) fleet.Attach(env, run);
#endif

  for (size_t k = 0; k < plan.n; k++) {
    zbuf_bench_case *c = &plan.cases[k];
    auto *b = benchmark::RegisterBenchmark(c->name, [c, k](benchmark::State &s) {
      zbuf_bench_state st{&s, c, false};
      if (!run->Enter(c, k)) {
        s.SkipWithError("SKIPPED: left out for lack of budget");
      } else if (c->failed) {
        if (c->failed == 1) g_had_error = 1;
        s.SkipWithError(c->fail_msg);
      } else {
        double t0 = zbuf_bench_now();
        c->body(&st, c);
        if (s.thread_index() == 0) zbuf_bench_budget_run_ended(c, zbuf_bench_now() - t0, s.iterations());
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
  char budget_text[32] = "none";
  if (budget > 0) std::snprintf(budget_text, sizeof budget_text, "%g", budget);
  benchmark::AddCustomContext("zbuf_bench_budget_s", budget_text);
  benchmark::AddCustomContext("zbuf_bench_budget_from", budget_from);
  if (!list_rows) {
    if (budget > 0)
      std::fprintf(stderr, "zbuf-bench: %zu cases, implementation %s, budget %.0f s (%s)\n", plan.n,
                   opt.impl_spec, budget, budget_from.c_str());
    else
      std::fprintf(stderr, "zbuf-bench: %zu cases, implementation %s, no budget\n", plan.n, opt.impl_spec);
  }
#ifdef ZBUF_WITH_MPI
  if (in_fleet) fleet.Before(budget);
#endif
  size_t matched = benchmark::RunSpecifiedBenchmarks(run->display(), run->file_reporter());
#ifdef ZBUF_WITH_MPI
  if (in_fleet) fleet.After(budget);
#endif
  if (matched == 0 && !list_rows) run->NothingMatched();
  // From here a signal only ends the process: the file is complete.
  zbuf_bench_stop_on_signal(nullptr, nullptr);
  if (matched == 0) {
    zbuf_bench_env_free(env);
    return usage_error("no row matches --benchmark_filter (--list-rows lists them)");
  }
  bool wrote = list_rows || run->Summary();
  int failed = zbuf_bench_had_error();
  if (failed) std::fprintf(stderr, "zbuf-bench: at least one row is an error row (see error_message)\n");
  rc = failed || !wrote ? 1 : 0;
#ifdef ZBUF_WITH_MPI
  // Before Shutdown: the merged file's context is Google Benchmark's, which Shutdown frees.
  if (in_fleet) rc = fleet.Merge(merged_path, rc);
#endif
  benchmark::Shutdown();
  zbuf_bench_env_free(env);
  return rc;
}
