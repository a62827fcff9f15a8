/* fuzz-group.c: untrusted bytes into the group state machine: as a handshake
 * or application message for a member of a two-member group, and as a
 * Welcome for a KeyPackage. A message must never change the epoch unless it
 * is a valid commit (which fuzzing cannot forge), and nothing may crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cv-mls-group.h"

static cv_mls_group *alice, *bob;
static cv_mls_key_package_bundle carol;

static void
setup (void)
{
  const cv_mls_suite *s;
  cv_mls_credential cred = { .type = CV_MLS_CREDENTIAL_BASIC };
  cv_bytes sk = CV_BYTES_INIT, pk = CV_BYTES_INIT, commit = CV_BYTES_INIT;
  cv_bytes sk2 = CV_BYTES_INIT, pk2 = CV_BYTES_INIT, sk3 = CV_BYTES_INIT, pk3 = CV_BYTES_INIT;
  cv_bytes welcome = CV_BYTES_INIT;
  cv_mls_key_package_bundle b = { 0 };
  cv_mls_staged_commit *sc = NULL;
  cv_mls_commit_options opts = { 0 };

  if (cv_mls_suite_get (1, &s) != CV_OK
      || cv_bytes_set (&cred.identity, (const uint8_t *) "fuzz", 4) != CV_OK
      || cv_mls_signature_key_pair (s, &sk, &pk) != CV_OK
      || cv_mls_signature_key_pair (s, &sk2, &pk2) != CV_OK
      || cv_mls_signature_key_pair (s, &sk3, &pk3) != CV_OK
      || cv_mls_group_create (s, (const uint8_t *) "g", 1, &cred, sk.data, sk.len, NULL, NULL,
                              &alice) != CV_OK
      || cv_mls_make_key_package (s, &cred, sk2.data, sk2.len, 0, 0, NULL, NULL, &b) != CV_OK
      || cv_mls_make_key_package (s, &cred, sk3.data, sk3.len, 0, 0, NULL, NULL, &carol) != CV_OK)
    abort ();
  opts.add_key_packages = &b.key_package_message;
  opts.n_add = 1;
  if (cv_mls_group_commit (alice, &opts, &commit, &welcome, &sc) != CV_OK
      || cv_mls_group_merge (alice, sc) != CV_OK
      || cv_mls_group_join (&b, welcome.data, welcome.len, NULL, 0, NULL, &bob) != CV_OK)
    abort ();
  cv_mls_key_package_bundle_clear (&b);
  cv_mls_credential_clear (&cred);
  cv_bytes_clear (&sk);
  cv_bytes_clear (&pk);
  cv_bytes_clear (&sk2);
  cv_bytes_clear (&pk2);
  cv_bytes_clear (&sk3);
  cv_bytes_clear (&pk3);
  cv_bytes_clear (&commit);
  cv_bytes_clear (&welcome);
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  cv_mls_received r;
  cv_mls_group *joined = NULL;
  uint64_t epoch;

  if (!alice)
    setup ();
  epoch = cv_mls_group_epoch (bob);
  if (cv_mls_group_process (bob, data, size, &r) == CV_OK)
    cv_mls_received_clear (&r);   /* a staged commit is dropped, never merged */
  if (cv_mls_group_epoch (bob) != epoch)
    abort ();
  cv_mls_group_clear_pending_proposals (bob);
  if (cv_mls_group_join (&carol, data, size, NULL, 0, NULL, &joined) == CV_OK)
    cv_mls_group_free (joined);
  return 0;
}
