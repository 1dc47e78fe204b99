"""zbuf_report: conformance and benchmark JSON in, plots and a summary out.

One concept per module:

  load         reading a folder, recognising each JSON file by its shape, validating it (ReportError)
  results      the two kinds of result as Python objects: ConformResult and BenchResult (rows, series)
  style        status colours and ranking, units, figure sizes shared by the plots
  matrix       the conformance matrix: clause x implementation, worst status per clause
  migration    the status differences between two runs of one implementation at two versions
  throughput   throughput against size, log-log, with the ceilings the JSON carries
  latency      operation latency bars per implementation, with ratios to the reference
  headline     the headline numbers, each as a ratio to its ceiling
  html, markdown   the two writers (index.html, summary.md)
  cli          `scripts/report`: options, the order of the work, exit codes
"""

__version__ = "1.0.0"
