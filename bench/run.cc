// zbuf-bench: one run of the plan, as it goes. See run.h.
#include "run.h"

#include <cstdio>

#include "stop.h"

namespace zbuf_bench {

namespace {

int FateOf(const zbuf_bench_case *c) { return __atomic_load_n(&c->fate, __ATOMIC_ACQUIRE); }

// Cases differ by name and thread count (memcpy on 1 thread and on every core share a name).
std::string Key(const std::string &name, int threads) { return name + "#" + std::to_string(threads); }

// The name Google Benchmark shows for a case, threads included.
std::string RowName(const zbuf_bench_case *c) {
  return c->threads > 1 ? std::string(c->name) + "/threads:" + std::to_string(c->threads) : c->name;
}

std::string Text(const char *fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

} // namespace

RunState::RunState(zbuf_bench_plan *plan, JsonFile *file, double start, double budget)
    : plan_(plan),
      file_(file),
      start_(start),
      budget_(budget),
      shown_(benchmark::CreateDefaultDisplayReporter()) {
  ordinal_.assign(plan->n, 0);
  for (size_t k = 0; k < plan->n; k++) {
    index_[Key(plan->cases[k].name, plan->cases[k].threads)] = k;
    if (plan->cases[k].selected) ordinal_[k] = ++selected_;
  }
}

bool RunState::Enter(zbuf_bench_case *c, size_t k) {
  std::lock_guard<std::mutex> lock(mu_);
  if (FateOf(c) == ZBUF_BENCH_PENDING) {
    if (gate_) gate_(fleet_);
    double now = zbuf_bench_now();
    bool admitted;
    if (zbuf_bench_stop_expired()) {
      c->timing.estimate = zbuf_bench_budget_estimate(c);
      __atomic_store_n(&c->fate, ZBUF_BENCH_LEFT_OUT, __ATOMIC_RELEASE);
      admitted = false;
    } else {
      admitted = zbuf_bench_budget_admit(c, now) != 0;
    }
    if (admitted) {
      // The ETA counts this case and every later one that fits; the case's own estimate ends the line.
      std::fprintf(stderr, "[zbuf-bench %zu/%zu] %.0f s elapsed, ETA %.0f s  %s  ~%.1f s\n", ordinal_[k],
                   selected_, now - start_, zbuf_bench_budget_eta(plan_, k, now), RowName(c).c_str(),
                   c->timing.estimate);
    } else if (!said_left_out_) {
      said_left_out_ = true;
      double left = zbuf_bench_budget_deadline() - now;
      std::fprintf(
          stderr,
          "[zbuf-bench %zu/%zu] budget: %.1f s left and %s needs about %.1f s: left out, as is every "
          "later row that does not fit\n",
          ordinal_[k], selected_, left > 0 ? left : 0.0, RowName(c).c_str(), c->timing.estimate);
    }
  }
  return FateOf(c) == ZBUF_BENCH_RUNNING;
}

zbuf_bench_case *RunState::CaseOf(const std::vector<benchmark::BenchmarkReporter::Run> &runs) {
  if (runs.empty()) return nullptr;
  auto it = index_.find(Key(runs.front().run_name.function_name, static_cast<int>(runs.front().threads)));
  return it == index_.end() ? nullptr : &plan_->cases[it->second];
}

void RunState::Finished(zbuf_bench_case *c, const std::vector<benchmark::BenchmarkReporter::Run> &runs) {
  // Google Benchmark reports a case in two calls (repetitions, then aggregates): the first one finishes it.
  if (FateOf(c) == ZBUF_BENCH_RUNNING) {
    // Google Benchmark's own time per iteration (the manual time of manual-time rows), from the repetitions
    // of a case without errors.
    double per_iteration = 0;
    int n = 0;
    for (const auto &r : runs)
      if (!c->failed && r.run_type == benchmark::BenchmarkReporter::Run::RT_Iteration && r.iterations > 0) {
        // A run's iterations are all its threads' together; its time is one thread's (the mean).
        double per_thread =
            static_cast<double>(r.iterations) / static_cast<double>(r.threads > 0 ? r.threads : 1);
        per_iteration += r.real_accumulated_time / per_thread;
        n++;
      }
    double now = zbuf_bench_now();
    zbuf_bench_budget_finished(c, now, n ? per_iteration / n : 0);
    estimated_ += c->timing.estimate;
    took_ += now - c->timing.started;
    __atomic_store_n(&c->fate, ZBUF_BENCH_DONE, __ATOMIC_RELEASE);
  }
  zbuf_bench_cache_release(c);
}

bool RunState::Forwarded(const zbuf_bench_case *c) {
  int fate = FateOf(c);
  return fate != ZBUF_BENCH_LEFT_OUT && fate != ZBUF_BENCH_CUT;
}

size_t RunState::Count(int fate) const {
  size_t n = 0;
  for (size_t k = 0; k < plan_->n; k++)
    if (plan_->cases[k].selected && FateOf(&plan_->cases[k]) == fate) n++;
  return n;
}

std::string RunState::StatusMembers(const std::string &status, const zbuf_bench_case *in_flight) {
  std::string m;
  auto add = [&m](const char *key, const std::string &json) {
    m += ",\n    \"";
    m += key;
    m += "\": " + json;
  };
  auto names = [this](bool headline_only, int fate_a, int fate_b) {
    std::string list = "[";
    for (size_t k = 0; k < plan_->n; k++) {
      const zbuf_bench_case *c = &plan_->cases[k];
      int fate = FateOf(c);
      if (!c->selected || (headline_only && !c->headline) || (fate != fate_a && fate != fate_b)) continue;
      list += (list.size() > 1 ? ", " : "") + JsonQuote(RowName(c));
    }
    return list + "]";
  };
  add("zbuf_bench_status", JsonQuote(status));
  add("zbuf_bench_elapsed_s", JsonQuote(Text("%.1f", zbuf_bench_now() - start_)));
  add("zbuf_bench_rows_planned", JsonQuote(std::to_string(selected_)));
  add("zbuf_bench_rows_done", JsonQuote(std::to_string(Count(ZBUF_BENCH_DONE))));
  add("zbuf_bench_rows_left_out", JsonQuote(std::to_string(Count(ZBUF_BENCH_LEFT_OUT))));
  add("zbuf_bench_rows_cut", JsonQuote(std::to_string(Count(ZBUF_BENCH_CUT))));
  add("zbuf_bench_left_out", names(false, ZBUF_BENCH_LEFT_OUT, ZBUF_BENCH_LEFT_OUT));
  add("zbuf_bench_cut", names(false, ZBUF_BENCH_CUT, ZBUF_BENCH_CUT));
  add("zbuf_bench_headline_left_out", names(true, ZBUF_BENCH_LEFT_OUT, ZBUF_BENCH_CUT));
  if (in_flight) add("zbuf_bench_row_in_flight", JsonQuote(RowName(in_flight)));
  return m;
}

void RunState::WriteFile(const std::string &status) {
  if (file_ && !file_->Write(StatusMembers(status, nullptr))) file_ok_ = false;
}

void RunState::Stopped(int sig) {
  const zbuf_bench_case *in_flight = nullptr;
  for (size_t k = 0; k < plan_->n && !in_flight; k++)
    if (FateOf(&plan_->cases[k]) == ZBUF_BENCH_RUNNING) in_flight = &plan_->cases[k];
  std::string status = std::string("stopped by ") + zbuf_bench_stop_signal_name(sig) + " after " +
                       std::to_string(Count(ZBUF_BENCH_DONE)) + " of " + std::to_string(selected_) + " rows";
  std::string line = "zbuf-bench: " + status;
  if (in_flight) line += " (" + RowName(in_flight) + " was in flight: not kept)";
  bool write = file_ && !finished_.load();
  if (write) line += "; " + file_->path() + " holds the rows measured";
  std::fprintf(stderr, "%s\n", line.c_str());
  if (write) file_->Write(StatusMembers(status, in_flight));
}

void RunState::NothingMatched() {
  WriteFile("no row matched --benchmark_filter");
  finished_ = true;
}

bool RunState::Summary() {
  size_t done = Count(ZBUF_BENCH_DONE), left = Count(ZBUF_BENCH_LEFT_OUT), cut = Count(ZBUF_BENCH_CUT);
  double elapsed = zbuf_bench_now() - start_;
  if (budget_ > 0)
    std::fprintf(stderr,
                 "zbuf-bench: %zu of %zu rows measured in %.1f s (budget %.0f s: %zu left out, %zu cut at "
                 "the deadline)\n",
                 done, selected_, elapsed, budget_, left, cut);
  else
    std::fprintf(stderr, "zbuf-bench: %zu of %zu rows measured in %.1f s (no budget)\n", done, selected_,
                 elapsed);
  if (done)
    std::fprintf(
        stderr, "zbuf-bench: the rows measured were estimated at %.1f s when they started, and took %.1f s\n",
        estimated_, took_);
  size_t headline = 0;
  std::string first;
  for (size_t k = 0; k < plan_->n; k++) {
    const zbuf_bench_case *c = &plan_->cases[k];
    int fate = FateOf(c);
    if (c->selected && c->headline && (fate == ZBUF_BENCH_LEFT_OUT || fate == ZBUF_BENCH_CUT)) {
      if (first.empty()) first = RowName(c);
      headline++;
    }
  }
  if (headline)
    std::fprintf(stderr,
                 "zbuf-bench: WARNING: %zu headline row%s did not fit in the budget (first: %s); the JSON "
                 "context lists them (zbuf_bench_headline_left_out): give a larger --budget\n",
                 headline, headline == 1 ? "" : "s", first.c_str());
  return file_ok_;
}

bool RunState::Display::ReportContext(const Context &context) { return run_->shown_->ReportContext(context); }

void RunState::Display::ReportRuns(const std::vector<BenchmarkReporter::Run> &runs) {
  zbuf_bench_case *c = run_->CaseOf(runs);
  if (c) run_->Finished(c, runs);
  if (!c || Forwarded(c)) {
    run_->shown_->ReportRuns(runs);
    if (run_->sink_) run_->sink_(runs, run_->fleet_);
  }
}

void RunState::Display::Finalize() { run_->shown_->Finalize(); }

bool RunState::FileSide::ReportContext(const Context &context) {
  std::string why;
  if (!run_->file_->Context(context, &why)) {
    std::fprintf(stderr, "zbuf-bench: %s\n", why.c_str());
    run_->file_ok_ = false;
    return false; // Google Benchmark then runs nothing
  }
  run_->WriteFile("running: no row measured yet");
  return true;
}

void RunState::FileSide::ReportRuns(const std::vector<BenchmarkReporter::Run> &runs) {
  zbuf_bench_case *c = run_->CaseOf(runs);
  if (c && !Forwarded(c)) return;
  run_->file_->Rows(runs);
  run_->WriteFile("running: " + std::to_string(run_->Count(ZBUF_BENCH_DONE)) + " of " +
                  std::to_string(run_->selected_) + " rows measured");
}

void RunState::FileSide::Finalize() {
  size_t done = run_->Count(ZBUF_BENCH_DONE), left = run_->Count(ZBUF_BENCH_LEFT_OUT),
         cut = run_->Count(ZBUF_BENCH_CUT);
  std::string status =
      "complete: " + std::to_string(done) + " of " + std::to_string(run_->selected_) + " rows measured";
  if (left || cut)
    status += ", " + std::to_string(left) + " left out for lack of budget, " + std::to_string(cut) +
              " cut at the deadline";
  run_->WriteFile(status);
  run_->finished_ = true;
}

} // namespace zbuf_bench
