/* Fuzzes SFrame input as a receiver meets it: the header parser, then the
 * decryption of whatever follows under a fixed key, both directly and through
 * a key ring. Checks that an accepted header re-encodes to the very bytes it
 * came from (only minimal encodings are accepted), and that garbage never
 * authenticates (except by the 2^-32 luck a 32-bit tag allows, so suite 3 is
 * not held to it). The first input byte picks the cipher suite. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cv-sframe-keyring.h"
#include "cv-sframe.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* AEAD.Nk bytes for every suite: up to 48. */
static const uint8_t base_key[CV_SFRAME_KEY_MAX] = {
  0x46, 0x75, 0x7a, 0x7a, 0x20, 0x53, 0x46, 0x72, 0x61, 0x6d, 0x65, 0x20, 0x62, 0x61, 0x73, 0x65,
  0x20, 0x6b, 0x65, 0x79, 0x20, 0x66, 0x6f, 0x72, 0x20, 0x74, 0x65, 0x73, 0x74, 0x73, 0x21, 0x00,
  0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78, 0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0,
};

static cv_sframe_keyring *rings[6];

static cv_sframe_keyring *
ring_for (uint16_t suite)
{
  static const uint32_t leaves[] = { 0, 1, 2, 3, 5, 8 };

  if (rings[suite] == NULL)
    {
      const cv_sframe_suite_info *info = cv_sframe_suite_info_get (suite);

      if (cv_sframe_keyring_new (&rings[suite], suite, 1000) != CV_OK
          || cv_sframe_keyring_install_epoch (rings[suite], 1, base_key, info->nk, leaves, 6, 0, 0) != CV_OK
          || cv_sframe_keyring_install_epoch (rings[suite], 2, base_key, info->nk, leaves, 6, 0, 10) != CV_OK)
        abort ();
    }
  return rings[suite];
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  uint8_t header[CV_SFRAME_HEADER_MAX], out[4096], copy[4096 + 64];
  uint64_t kid, ctr;
  size_t header_len, len, off;
  uint16_t suite;
  cv_sframe_key *key = NULL;

  if (size < 1 || size > sizeof copy)
    return 0;
  suite = (uint16_t) (data[0] % 5 + 1);
  data++;
  size--;

  if (cv_sframe_header_parse (data, size, &kid, &ctr, &header_len) != CV_OK)
    return 0;
  if (cv_sframe_header_encode (kid, ctr, header, sizeof header, &len) != CV_OK
      || len != header_len || memcmp (header, data, len) != 0)
    abort ();

  /* Under the key the header names, derived from a fixed base key: the
   * garbage must be refused, and refused cleanly. */
  const cv_sframe_suite_info *info = cv_sframe_suite_info_get (suite);
  bool must_fail = info->nt >= 8;
  if (cv_sframe_key_new (&key, suite, kid, base_key, info->nk) != CV_OK)
    abort ();
  if (cv_sframe_decrypt (key, data, size > 4 ? 4 : size, data, size, out, sizeof out, &len, NULL) == CV_OK
      && must_fail)
    abort ();
  memcpy (copy, data, size);
  if (cv_sframe_decrypt_in_place (key, NULL, 0, copy, size, &off, &len, NULL) == CV_OK && must_fail)
    abort ();
  cv_sframe_key_free (key);

  /* Through a ring with two epochs and a sparse group. */
  memcpy (copy, data, size);
  if (cv_sframe_keyring_decrypt (ring_for (suite), 20, NULL, 0, copy, size, out, sizeof out,
                                 &len, NULL) == CV_OK && must_fail)
    abort ();
  return 0;
}
