/* test-status.c: cv_fail() reasons, in particular a reason that wraps the
 * previous one (cv_fail (st, "Add: %s", cv_status_message ())), which the
 * group state machine does everywhere. That once formatted the thread's
 * buffer into itself and gave "Add 0: Add 0: 0 §10: ..." (found by the
 * ts-mls interop test). */
#include <stdio.h>
#include <string.h>

#include "cv-status.h"

static int failures, cases;

static void
expect (const char *what, const char *got, const char *want)
{
  cases++;
  if (strcmp (got, want) != 0)
    {
      failures++;
      fprintf (stderr, "FAIL: %s:\n  got  \"%s\"\n  want \"%s\"\n", what, got, want);
    }
}

int
main (void)
{
  char want[1024];

  cv_status_clear ();
  expect ("cleared", cv_status_message (), "");

  cases++;
  if (cv_fail (CV_ERR_TRUNCATED, "need %d bytes, %d left", 2, 0) != CV_ERR_TRUNCATED)
    failures++;
  expect ("plain", cv_status_message (), "need 2 bytes, 0 left");

  /* One wrap, then another: each keeps the whole inner reason. */
  cv_fail (CV_ERR_MALFORMED, "RFC 9420 §5.1.1: EC public key is %d bytes, want %d", 33, 65);
  cv_fail (CV_ERR_MALFORMED, "RFC 9420 §12.1.1: Add: %s", cv_status_message ());
  expect ("wrapped once", cv_status_message (),
          "RFC 9420 §12.1.1: Add: RFC 9420 §5.1.1: EC public key is 33 bytes, want 65");
  cv_fail (CV_ERR_MALFORMED, "Add %zu: %s", (size_t) 0, cv_status_message ());
  expect ("wrapped twice", cv_status_message (),
          "Add 0: RFC 9420 §12.1.1: Add: RFC 9420 §5.1.1: EC public key is 33 bytes, want 65");

  /* A reason longer than the buffer is cut, still terminated, and wrapping
   * it keeps the prefix. */
  memset (want, 'x', sizeof want - 1);
  want[sizeof want - 1] = '\0';
  cv_fail (CV_ERR_INVALID, "%s", want);
  cases++;
  if (strlen (cv_status_message ()) >= sizeof want - 1 || cv_status_message ()[0] != 'x')
    failures++;
  cv_fail (CV_ERR_INVALID, "outer: %s", cv_status_message ());
  cases++;
  if (strncmp (cv_status_message (), "outer: xxxx", 11) != 0)
    {
      failures++;
      fprintf (stderr, "FAIL: long wrap: \"%.40s...\"\n", cv_status_message ());
    }

  printf ("status: %d/%d passed\n", cases - failures, cases);
  return failures ? 1 : 0;
}
