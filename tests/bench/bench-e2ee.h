/* Sections of bench-e2ee; each lives in its own bench-e2ee-*.c file. */
#pragma once

#include "bench-common.h"

/* Add a section: declare its function here, list it in BENCH_E2EE_SECTIONS,
 * and add its file to bench_e2ee_sources in tests/bench/meson.build. */

void bench_hpke_run (double seconds);
void bench_sframe_run (double seconds);
void bench_auth_run (double seconds);

#define BENCH_E2EE_SECTIONS \
  { "hpke", bench_hpke_run }, \
  { "sframe", bench_sframe_run }, \
  { "auth", bench_auth_run },
