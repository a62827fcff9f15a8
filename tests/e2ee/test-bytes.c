/* Bytes, hex and constant-time comparison: the ground the rest stands on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cv-bytes.h"

static int failures;

#define CHECK(cond) \
  do { if (!(cond)) { fprintf (stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); failures++; } } while (0)

int
main (void)
{
  cv_bytes b = CV_BYTES_INIT, c = CV_BYTES_INIT;

  CHECK (cv_hex_decode (&b, "00ff10Ab") == CV_OK);
  CHECK (b.len == 4 && b.data[0] == 0x00 && b.data[1] == 0xff && b.data[2] == 0x10 && b.data[3] == 0xab);
  char *s = cv_hex_encode (b.data, b.len);
  CHECK (strcmp (s, "00ff10ab") == 0);
  free (s);

  CHECK (cv_hex_decode (&c, "abc") == CV_ERR_MALFORMED);
  CHECK (strstr (cv_status_message (), "odd length") != NULL);
  CHECK (cv_hex_decode (&c, "zz") == CV_ERR_MALFORMED && c.data == NULL);

  CHECK (cv_bytes_copy (&c, &b) == CV_OK);
  CHECK (cv_bytes_eq (&b, &c));
  c.data[3] ^= 1;
  CHECK (!cv_bytes_eq (&b, &c));
  CHECK (!cv_bytes_equal_ct (b.data, 3, b.data, 4));
  CHECK (cv_bytes_equal_ct (NULL, 0, NULL, 0));

  CHECK (cv_bytes_append (&c, (const uint8_t *) "xyz", 3) == CV_OK);
  CHECK (c.len == 7 && memcmp (c.data + 4, "xyz", 3) == 0);

  cv_bytes_clear (&b);
  cv_bytes_clear (&c);
  CHECK (b.data == NULL && b.len == 0);
  cv_bytes_clear (&b); /* twice is harmless */

  printf ("bytes: %d failed\n", failures);
  return failures ? 1 : 0;
}
