/* Fuzzes MLSMessage(KeyPackage) parsing (RFC 9420 §10): whatever parses must
 * serialize back to the same bytes, and verifying it (signatures, leaf
 * checks, KeyPackageRef) must fail cleanly rather than crash. */
#include <stdint.h>
#include <stdlib.h>

#include "cv-mls-messages.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  cv_mls_key_package kp;
  cv_bytes again = CV_BYTES_INIT, ref = CV_BYTES_INIT;
  const cv_mls_suite *s;

  if (cv_mls_key_package_parse_message (data, size, &kp) != CV_OK)
    return 0;
  if (cv_mls_key_package_serialize_message (&kp, &again) != CV_OK
      || !cv_bytes_equal_ct (again.data, again.len, data, size))
    abort ();
  if (cv_mls_suite_get (kp.cipher_suite, &s) == CV_OK)
    {
      (void) cv_mls_key_package_verify (s, &kp, 0);
      (void) cv_mls_key_package_ref (s, &kp, &ref);
    }
  cv_bytes_clear (&again);
  cv_bytes_clear (&ref);
  cv_mls_key_package_clear (&kp);
  return 0;
}
