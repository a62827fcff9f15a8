/* cv-test-passive-client.h: the passive-client-*.json runner shared by the
 * tests that read those files. */
#pragma once

/* Runs every case of the vector file; returns the process exit status. */
int cv_test_passive_client_run (const char *vector_file);
