/* Fuzzes MLSMessage(Welcome) parsing and opening (RFC 9420 §12.4.3.1):
 * canonical round trip, then each entry is decrypted with a fixed X25519
 * init key and the GroupInfo with a fixed welcome_secret; all of it must
 * fail cleanly on made-up input. */
#include <stdint.h>
#include <stdlib.h>

#include "cv-mls-messages.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const uint8_t init_priv[32] = { 0x77, 0x07, 0x6d, 0x0a, 0x73, 0x18, 0xa5, 0x7d,
                                       0x3c, 0x16, 0xc1, 0x72, 0x51, 0xb2, 0x66, 0x45,
                                       0xdf, 0x4c, 0x2f, 0x87, 0xeb, 0xc0, 0x99, 0x2a,
                                       0xb1, 0x77, 0xfb, 0xa5, 0x1d, 0xb9, 0x2c, 0x2a };

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  cv_mls_welcome wel;
  cv_bytes again = CV_BYTES_INIT;
  const cv_mls_suite *s;
  static const uint8_t welcome_secret[32];

  if (cv_mls_welcome_parse_message (data, size, &wel) != CV_OK)
    return 0;
  if (cv_mls_welcome_serialize_message (&wel, &again) != CV_OK
      || !cv_bytes_equal_ct (again.data, again.len, data, size))
    abort ();
  cv_mls_suite_get (1, &s);
  for (size_t i = 0; i < wel.n_secrets && i < 4; i++)
    {
      cv_mls_group_secrets gs;

      if (cv_mls_welcome_decrypt_secrets (s, &wel, i, init_priv, sizeof init_priv, &gs) == CV_OK)
        cv_mls_group_secrets_clear (&gs);
    }
  {
    cv_mls_group_info gi;

    if (cv_mls_welcome_decrypt_group_info (s, &wel, welcome_secret, sizeof welcome_secret, &gi)
        == CV_OK)
      cv_mls_group_info_clear (&gi);
  }
  cv_bytes_clear (&again);
  cv_mls_welcome_clear (&wel);
  return 0;
}
