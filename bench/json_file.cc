// zbuf-bench: the --benchmark_out file, valid JSON whenever the run stops. See json_file.h.
#include "json_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace zbuf_bench {

namespace {
// How Google Benchmark's JSONReporter (1.5 to 1.8) ends its context block and opens the rows.
const char kContextEnd[] = "\n  },\n  \"benchmarks\": [\n";
const char kRowsEnd[] = "\n  ]\n}\n";
} // namespace

std::string JsonQuote(const std::string &s) {
  std::string out = "\"";
  for (unsigned char ch : s) {
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (ch < 0x20) {
          char esc[8];
          std::snprintf(esc, sizeof esc, "\\u%04x", ch);
          out += esc;
        } else {
          out += static_cast<char>(ch);
        }
    }
  }
  return out + "\"";
}

bool JsonFile::Open(const std::string &path, std::string *why) {
  path_ = path;
  tmp_ = path + ".tmp." + std::to_string(static_cast<long>(getpid()));
  FILE *f = std::fopen(tmp_.c_str(), "w");
  if (!f) {
    *why = "--benchmark_out=" + path + ": cannot write " + tmp_ + ": " + std::strerror(errno);
    return false;
  }
  std::fclose(f);
  std::remove(tmp_.c_str());
  return true;
}

bool JsonFile::Context(const benchmark::BenchmarkReporter::Context &context, std::string *why) {
  std::lock_guard<std::mutex> lock(mu_);
  json_.SetOutputStream(&out_);
  json_.SetErrorStream(&discard_);
  json_.ReportContext(context);
  std::string text = out_.str();
  size_t end = sizeof kContextEnd - 1;
  if (text.size() < end || text.compare(text.size() - end, end, kContextEnd) != 0) {
    *why = "Google Benchmark's JSON context does not end the way json_file.cc expects; cannot write " + path_;
    return false;
  }
  head_ = text.substr(0, text.size() - end);
  rows_from_ = text.size();
  had_context_ = true;
  return true;
}

void JsonFile::Rows(const std::vector<benchmark::BenchmarkReporter::Run> &runs) {
  std::lock_guard<std::mutex> lock(mu_);
  if (runs.empty()) return;
  json_.ReportRuns(runs);
  cases_++;
}

bool JsonFile::Write(const std::string &status_members) {
  std::lock_guard<std::mutex> lock(mu_);
  // Before Google Benchmark's context (a signal during set-up, or no row matched the filter) the file still
  // parses: a context of zbuf-bench's own members and no rows.
  const std::string head =
      had_context_ ? head_ : "{\n  \"context\": {\n    \"zbuf_bench_schema\": \"zbuf-bench/1\"";
  std::string rows = had_context_ ? out_.str().substr(rows_from_) : "";
  FILE *f = std::fopen(tmp_.c_str(), "w");
  bool ok = f != nullptr;
  if (ok) {
    ok = std::fputs(head.c_str(), f) >= 0 && std::fputs(status_members.c_str(), f) >= 0 &&
         std::fputs(kContextEnd, f) >= 0 && std::fputs(rows.c_str(), f) >= 0 && std::fputs(kRowsEnd, f) >= 0;
    ok = (std::fclose(f) == 0) && ok;
  }
  if (ok) ok = std::rename(tmp_.c_str(), path_.c_str()) == 0;
  if (!ok) {
    std::fprintf(stderr, "zbuf-bench: cannot write %s: %s\n", path_.c_str(), std::strerror(errno));
    std::remove(tmp_.c_str());
  }
  return ok;
}

} // namespace zbuf_bench
