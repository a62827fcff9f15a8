/* bench-common.h: timing for the benchmarks under tests/bench/.
 *
 * A benchmark reports a rate and, always, its ratio against a baseline
 * measured in the same run on the same buffers, so the figure means the same
 * on any machine. Each measurement repeats the operation until at least
 * `min_seconds` have passed and reports operations per second.
 */
#pragma once

#include <stdio.h>
#include <time.h>

static inline double
bench_now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

/* Runs `op(arg)` in batches until min_seconds have passed; returns ops/s.
 * op returns non-zero on failure, which aborts the benchmark loudly. */
typedef int (*bench_op) (void *arg);

static inline double
bench_rate (bench_op op, void *arg, double min_seconds)
{
  unsigned long n = 0, batch = 1;
  double start = bench_now (), elapsed;

  do
    {
      for (unsigned long i = 0; i < batch; i++)
        if (op (arg) != 0)
          {
            fprintf (stderr, "benchmark operation failed\n");
            return 0.0;
          }
      n += batch;
      if (batch < (1ul << 20))
        batch *= 2;
      elapsed = bench_now () - start;
    }
  while (elapsed < min_seconds);
  return (double) n / elapsed;
}

/* One line: "name  rate/s  baseline/s  ratio". */
static inline void
bench_report (const char *name, double rate, const char *baseline_name, double baseline)
{
  printf ("%-44s %12.0f/s   %-28s %12.0f/s   ratio %.3f\n",
          name, rate, baseline_name, baseline, baseline > 0 ? rate / baseline : 0.0);
}
