/* cv-test-vectors.h: reading the official test vectors for the e2ee tests.
 *
 * The vectors are read from ../shared/vectors (or $CONCLAVE_VECTORS_DIR,
 * or the meson option vectors_dir); they are never copied into the project.
 * A missing file is a failure, not a skip.
 */
#pragma once

#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "cv-bytes.h"

/* Parses DIR/relpath; exits the test with status 1 and a message when it is
 * missing or not JSON. The returned node is owned by the caller. */
JsonNode *cv_test_load_json (const char *relpath);
/* The absolute path of a vector file, for tests that read text files. */
char *cv_test_vector_path (const char *relpath);

/* The hex member `name` of `obj`, decoded; aborts the test if absent or not hex. */
cv_bytes cv_test_hex (JsonObject *obj, const char *name);
/* True when obj has a non-null member `name`. */
bool cv_test_has (JsonObject *obj, const char *name);
/* Exact byte comparison with a hex dump of both sides on mismatch. */
bool cv_test_bytes_match (const char *what, const uint8_t *got, size_t got_len,
                          const cv_bytes *want);

/* Per-cipher-suite tally: "suite 1: 12/12 passed". Suites are 0..65535. */
typedef struct cv_test_tally cv_test_tally;
cv_test_tally *cv_test_tally_new (const char *file_label);
void cv_test_tally_add (cv_test_tally *t, unsigned suite, bool passed);
/* A case that was not run, with the reason (e.g. a suite OpenSSL 3.0 lacks). */
void cv_test_tally_skip (cv_test_tally *t, unsigned suite, const char *why);
/* Prints the per-suite lines and returns the process exit status:
 * 0 when every case that ran passed and at least one ran, 1 otherwise. */
int cv_test_tally_finish (cv_test_tally *t);
