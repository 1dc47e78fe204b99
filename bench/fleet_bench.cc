// zbuf-bench as one rank of an MPI job. See fleet_bench.h.
#include "fleet_bench.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>

namespace zbuf_bench {

namespace {

// Record separators (ASCII unit/record separators): a field, a run, a case's group of runs.
const char kField = '\x1f', kRun = '\x1e';
const char kGroupEnd[] = "G";

std::string Clean(const std::string &s) {
  std::string out;
  for (char ch : s)
    if (ch != kField && ch != kRun) out += ch;
  return out;
}

std::string Num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::vector<std::string> Split(const std::string &s, char sep) {
  std::vector<std::string> out(1);
  for (char ch : s) {
    if (ch == sep)
      out.emplace_back();
    else
      out.back() += ch;
  }
  return out;
}

// One run as a compact record: the fields Google Benchmark's JSONReporter prints, nothing more.
std::string Encode(const benchmark::BenchmarkReporter::Run &r) {
  const auto &n = r.run_name;
  std::vector<std::string> f = {"R",
                                Clean(n.function_name),
                                Clean(n.args),
                                Clean(n.min_time),
                                Clean(n.min_warmup_time),
                                Clean(n.iterations),
                                Clean(n.repetitions),
                                Clean(n.time_type),
                                Clean(n.threads),
                                std::to_string(r.family_index),
                                std::to_string(r.per_family_instance_index),
                                std::to_string(static_cast<int>(r.run_type)),
                                Clean(r.aggregate_name),
                                std::to_string(static_cast<int>(r.aggregate_unit)),
                                Clean(r.report_label),
                                r.error_occurred ? "1" : "0",
                                Clean(r.error_message),
                                std::to_string(static_cast<long long>(r.iterations)),
                                std::to_string(r.threads),
                                std::to_string(r.repetition_index),
                                std::to_string(r.repetitions),
                                std::to_string(static_cast<int>(r.time_unit)),
                                Num(r.real_accumulated_time),
                                Num(r.cpu_accumulated_time)};
  for (const auto &c : r.counters) {
    f.push_back(Clean(c.first));
    f.push_back(Num(c.second.value));
  }
  std::string out;
  for (size_t i = 0; i < f.size(); i++) out += (i ? std::string(1, kField) : "") + f[i];
  return out + kRun;
}

const size_t kFixedFields = 24;

bool Decode(const std::string &rec, benchmark::BenchmarkReporter::Run *r) {
  std::vector<std::string> f = Split(rec, kField);
  if (f.size() < kFixedFields || f[0] != "R" || (f.size() - kFixedFields) % 2) return false;
  auto &n = r->run_name;
  n.function_name = f[1], n.args = f[2], n.min_time = f[3], n.min_warmup_time = f[4];
  n.iterations = f[5], n.repetitions = f[6], n.time_type = f[7], n.threads = f[8];
  r->family_index = std::atoll(f[9].c_str());
  r->per_family_instance_index = std::atoll(f[10].c_str());
  r->run_type = static_cast<benchmark::BenchmarkReporter::Run::RunType>(std::atoi(f[11].c_str()));
  r->aggregate_name = f[12];
  r->aggregate_unit = static_cast<benchmark::StatisticUnit>(std::atoi(f[13].c_str()));
  r->report_label = f[14];
  r->error_occurred = f[15] == "1";
  r->error_message = f[16];
  r->iterations = static_cast<benchmark::IterationCount>(std::atoll(f[17].c_str()));
  r->threads = std::atoll(f[18].c_str());
  r->repetition_index = std::atoll(f[19].c_str());
  r->repetitions = std::atoll(f[20].c_str());
  r->time_unit = static_cast<benchmark::TimeUnit>(std::atoi(f[21].c_str()));
  r->real_accumulated_time = std::strtod(f[22].c_str(), nullptr);
  r->cpu_accumulated_time = std::strtod(f[23].c_str(), nullptr);
  for (size_t i = kFixedFields; i + 1 < f.size(); i += 2)
    r->counters[f[i]] = benchmark::Counter(std::strtod(f[i + 1].c_str(), nullptr));
  return true;
}

// Which exit status of two speaks for the job: a failure over "cannot run here" (77) over success.
int Severity(int status) { return status == 0 ? 0 : status == 77 ? 1 : 2 + status; }

void AddWhere(const char *key, const char *value, void *ctx) {
  auto *m = static_cast<std::map<std::string, std::string> *>(ctx);
  (*m)[key] = value;
}

} // namespace

bool Fleet::Start(int *argc, char ***argv, const std::string &mode, double timeout_s, std::string *why) {
  mode_ = mode;
  char msg[256];
  if (zbuf_fleet_start(argc, argv, timeout_s, &f_, msg, sizeof msg) != 0) {
    *why = msg;
    return false;
  }
  return true;
}

int Fleet::Gpu(bool given, int gpu) const {
  if (given) return gpu;
  const char *visible = std::getenv("CUDA_VISIBLE_DEVICES");
  if (!visible) return f_.local_rank;
  int listed = *visible ? 1 : 0;
  for (const char *p = visible; *p; p++) listed += *p == ',';
  return listed > 0 ? f_.local_rank % listed : 0;
}

void Fleet::Attach(zbuf_bench_env *env, RunState *run) {
  if (!zbuf_bench_env_has_gpu(env)) zbuf_bench_env_host_slot(env, f_.local_rank);
  std::map<std::string, std::string> ctx;
  zbuf_bench_env_context(env, AddWhere, &ctx);
  bool gpu = zbuf_bench_env_has_gpu(env);
  const char *side = gpu ? "gpu" : "host";
  where_ = "gpu=" + (gpu ? ctx["gpu_pci"] : std::string("host")) +
           " numa=" + ctx[std::string(side) + "_near_node"] +
           " cpu=" + ctx[std::string(side) + "_thread_cpu"];
  run->SetFleet(mode_ == "concurrent" ? Gate : nullptr, Collect, this);
}

void Fleet::Gate(void *self) {
  auto *fleet = static_cast<Fleet *>(self);
  zbuf_fleet_node_min(&fleet->f_, "start a row together (concurrent mode)", 1, 0);
}

void Fleet::Collect(const std::vector<benchmark::BenchmarkReporter::Run> &runs, void *self) {
  auto *fleet = static_cast<Fleet *>(self);
  for (const auto &r : runs) fleet->rows_ += Encode(r);
  fleet->rows_ += std::string(kGroupEnd) + kRun;
}

void Fleet::Before(double budget_s) {
  if (mode_ != "independent") return;
  for (int turn = 0; turn < f_.rank; turn++)
    zbuf_fleet_barrier(&f_, "wait for the turn (independent mode)", budget_s);
}

void Fleet::After(double budget_s) {
  if (mode_ != "independent") return;
  for (int turn = f_.rank; turn < f_.size; turn++)
    zbuf_fleet_barrier(&f_, "let the next rank measure (independent mode)", budget_s);
}

bool Fleet::WriteMerged(const std::string &path, const char *all, const size_t *offsets,
                        const size_t *lengths) {
  benchmark::AddCustomContext("zbuf_fleet_mode", mode_);
  benchmark::AddCustomContext("zbuf_fleet_ranks", std::to_string(f_.size));
  benchmark::AddCustomContext("zbuf_fleet_nodes", std::to_string(f_.nodes));
  std::vector<std::vector<std::string>> ranks;
  for (int r = 0; r < f_.size; r++) {
    ranks.push_back(Split(std::string(all + offsets[r], lengths[r]), kRun));
    std::vector<std::string> head = Split(ranks.back().front(), kField);
    if (head.size() != 6 || head[0] != "H") {
      std::fprintf(stderr, "zbuf-bench: the record of rank %d is malformed\n", r);
      return false;
    }
    benchmark::AddCustomContext("zbuf_fleet_rank_" + std::to_string(r),
                                "host=" + head[1] + " rank=" + head[2] + " local_rank=" + head[3] +
                                    " node=" + head[4] + " " + head[5]);
  }
  std::string tmp = path + ".fleet.tmp";
  std::ofstream out(tmp);
  std::ostringstream discard;
  benchmark::JSONReporter json;
  json.SetOutputStream(&out);
  json.SetErrorStream(&discard);
  json.ReportContext(benchmark::BenchmarkReporter::Context());
  for (int r = 0; r < f_.size; r++) {
    std::vector<std::string> head = Split(ranks[r].front(), kField);
    std::string tag = "[rank=" + head[2] + " host=" + head[1] + " local_rank=" + head[3] +
                      " node=" + head[4] + " " + head[5] + "]";
    std::vector<benchmark::BenchmarkReporter::Run> group;
    for (size_t i = 1; i < ranks[r].size(); i++) {
      const std::string &rec = ranks[r][i];
      if (rec == kGroupEnd) {
        json.ReportRuns(group);
        group.clear();
        continue;
      }
      benchmark::BenchmarkReporter::Run run;
      if (rec.empty()) continue;
      if (!Decode(rec, &run)) {
        std::fprintf(stderr, "zbuf-bench: a row of rank %d is malformed\n", r);
        return false;
      }
      run.report_label += (run.report_label.empty() ? "" : " ") + tag;
      run.counters["fleet_rank"] = benchmark::Counter(std::atof(head[2].c_str()));
      run.counters["fleet_local_rank"] = benchmark::Counter(std::atof(head[3].c_str()));
      run.counters["fleet_node"] = benchmark::Counter(std::atof(head[4].c_str()));
      group.push_back(run);
    }
    ranks[r].clear(); // rank 0 keeps one rank's rows at a time beside the records
  }
  json.Finalize();
  out.close();
  if (!out || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::fprintf(stderr, "zbuf-bench: cannot write the merged fleet JSON %s\n", path.c_str());
    std::remove(tmp.c_str());
    return false;
  }
  std::fprintf(stderr, "zbuf-bench: fleet of %d ranks on %d node%s (%s): merged rows in %s\n", f_.size,
               f_.nodes, f_.nodes == 1 ? "" : "s", mode_.c_str(), path.c_str());
  return true;
}

int Fleet::Abstain(const std::string &path, int exit_status) {
  where_ = "gpu=none numa=none cpu=none";
  Before(0);
  After(0);
  return Merge(path, exit_status);
}

int Fleet::Merge(const std::string &path, int exit_status) {
  zbuf_fleet_test_hooks(&f_, "gather the rows");
  std::string rec = std::string("H") + kField + Clean(f_.host) + kField + std::to_string(f_.rank) + kField +
                    std::to_string(f_.local_rank) + kField + std::to_string(f_.node) + kField +
                    Clean(where_) + kRun + rows_ + "S" + kField + std::to_string(exit_status) + kRun;
  rows_.clear();
  char *all = nullptr;
  size_t *offsets = nullptr, *lengths = nullptr;
  zbuf_fleet_gather(&f_, "gather the rows", rec.data(), rec.size(), &all, &offsets, &lengths);
  int rc = exit_status;
  if (f_.rank == 0) {
    // The most severe exit status of the ranks (each record ends with it), then the merged file.
    for (int r = 0; r < f_.size; r++) {
      std::string tail(all + offsets[r], lengths[r]);
      size_t at = tail.rfind(std::string("S") + kField);
      int theirs = at == std::string::npos ? 1 : std::atoi(tail.c_str() + at + 2);
      if (Severity(theirs) > Severity(rc)) rc = theirs;
      if (at != std::string::npos) all[offsets[r] + at] = '\0', lengths[r] = at;
    }
    if (!WriteMerged(path, all, offsets, lengths)) rc = rc ? rc : 1;
  }
  std::free(all);
  std::free(offsets);
  std::free(lengths);
  zbuf_fleet_broadcast_int(&f_, "share the exit status", &rc);
  zbuf_fleet_end(&f_);
  return rc;
}

} // namespace zbuf_bench
