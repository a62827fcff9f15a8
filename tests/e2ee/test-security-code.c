/* The Security Verification Code and the explanation of its changes.
 *
 * Expected digits come from Python, run here on random authenticators, so
 * that the C formatting is checked against an independent computation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "cv-bytes.h"
#include "cv-security-code.h"

static int failures;

#define CHECK(cond) \
  do { if (!(cond)) { fprintf (stderr, "%s:%d: CHECK failed: %s (%s)\n", __FILE__, __LINE__, #cond, \
                               cv_status_message ()); failures++; } } while (0)

/* The codes of n authenticators (hex) as Python computes them, in one run
 * of the interpreter; false when Python is missing. */
static bool
python_codes (char **hex, int n, char want[][64])
{
  char cmd[8192];
  size_t used;
  bool ok = true;
  FILE *p;

  used = (size_t) snprintf (cmd, sizeof cmd,
                            "python3 -c 'import sys\n"
                            "for h in sys.argv[1:]:\n"
                            "  b = bytes.fromhex(h)\n"
                            "  print(\" \".join(\"%%05d\" %% (int.from_bytes(b[5*i:5*i+5], \"big\") %% 100000) "
                            "for i in range(6)))'");
  for (int i = 0; i < n && used < sizeof cmd; i++)
    used += (size_t) snprintf (cmd + used, sizeof cmd - used, " %s", hex[i]);
  if (used >= sizeof cmd)
    return false;
  p = popen (cmd, "r");
  if (p == NULL)
    return false;
  for (int i = 0; i < n; i++)
    {
      if (fgets (want[i], 64, p) == NULL)
        {
          ok = false;
          break;
        }
      want[i][strcspn (want[i], "\n")] = '\0';
    }
  pclose (p);
  return ok;
}

enum { ROUNDS = 20 };

static void
test_codes (void)
{
  static const size_t lengths[] = { 30, 32, 32, 32, 48, 64, 64, 31 };
  uint8_t auth[64];
  char codes[ROUNDS][CV_SECURITY_CODE_LEN + 1], want[ROUNDS][64], code[CV_SECURITY_CODE_LEN + 1];
  char *hex[ROUNDS];
  int compared = 0;

  for (int round = 0; round < ROUNDS; round++)
    {
      size_t len = lengths[round % 8];

      if (round == 0)
        memset (auth, 0xff, sizeof auth);  /* every group at its largest */
      else if (round == 1)
        memset (auth, 0, sizeof auth);
      else
        RAND_bytes (auth, sizeof auth);
      hex[round] = cv_hex_encode (auth, len);
      CHECK (cv_security_code_format (auth, len, codes[round]) == CV_OK);
      CHECK (strlen (codes[round]) == CV_SECURITY_CODE_LEN);
    }
  if (python_codes (hex, ROUNDS, want))
    for (int round = 0; round < ROUNDS; round++)
      {
        if (strcmp (codes[round], want[round]) != 0)
          fprintf (stderr, "  %s\n    got  %s\n    want %s\n", hex[round], codes[round], want[round]);
        CHECK (strcmp (codes[round], want[round]) == 0);
        compared++;
      }
  for (int round = 0; round < ROUNDS; round++)
    free (hex[round]);

  /* Each group reads only its own five bytes. */
  RAND_bytes (auth, 32);
  char before[CV_SECURITY_CODE_LEN + 1];
  CHECK (cv_security_code_format (auth, 32, before) == CV_OK);
  auth[30] ^= 0xff;
  auth[31] ^= 0xff;
  CHECK (cv_security_code_format (auth, 32, code) == CV_OK && strcmp (code, before) == 0);
  auth[7] ^= 0x01;
  CHECK (cv_security_code_format (auth, 32, code) == CV_OK && strcmp (code, before) != 0);
  CHECK (memcmp (code, before, 6) == 0 && memcmp (code + 12, before + 12, 23) == 0);

  for (size_t len = 0; len < CV_SECURITY_CODE_MIN_AUTHENTICATOR; len++)
    CHECK (cv_security_code_format (auth, len, code) == CV_ERR_TRUNCATED && code[0] == '\0');
  CHECK (cv_security_code_format (NULL, 32, code) == CV_ERR_TRUNCATED);
  printf ("security-code: %d codes compared with Python\n", compared);
  CHECK (compared == ROUNDS);
}

static void
test_explain (void)
{
  static const uint8_t k1[] = { 1 }, k2[] = { 2 }, k2b[] = { 2, 2 }, k3[] = { 3 }, k4[] = { 4 };
  static const uint8_t k5[] = { 5 }, k6[] = { 6 };
  const cv_security_member before[] = {
    { 4, "erin@example.org", k5, 1 },
    { 0, "alice@example.org", k1, 1 },
    { 2, "carol@example.org", k3, 1 },
    { 1, "bob@example.org", k2, 1 },
  };
  const cv_security_member after[] = {
    { 3, "dana@example.org", k4, 1 },
    { 1, "bob@example.org", k2b, 2 },
    { 4, "frank@example.org", k6, 1 },
    { 0, "alice@example.org", k1, 1 },
  };
  cv_security_code_changes ch;

  CHECK (cv_security_code_explain (before, 4, after, 4, &ch) == CV_OK);
  CHECK (ch.n_changes == 5);
  if (ch.n_changes == 5)
    {
      CHECK (ch.changes[0].kind == CV_MEMBER_REMOVED && ch.changes[0].leaf_index == 2
             && strcmp (ch.changes[0].identity, "carol@example.org") == 0);
      CHECK (ch.changes[1].kind == CV_MEMBER_REMOVED && ch.changes[1].leaf_index == 4
             && strcmp (ch.changes[1].identity, "erin@example.org") == 0);
      CHECK (ch.changes[2].kind == CV_MEMBER_ADDED && ch.changes[2].leaf_index == 3
             && strcmp (ch.changes[2].identity, "dana@example.org") == 0);
      CHECK (ch.changes[3].kind == CV_MEMBER_ADDED && ch.changes[3].leaf_index == 4
             && strcmp (ch.changes[3].identity, "frank@example.org") == 0);
      CHECK (ch.changes[4].kind == CV_MEMBER_UPDATED && ch.changes[4].leaf_index == 1
             && strcmp (ch.changes[4].identity, "bob@example.org") == 0);
    }
  cv_security_code_changes_clear (&ch);
  CHECK (ch.changes == NULL && ch.n_changes == 0);

  /* Nothing changed: a re-key. */
  CHECK (cv_security_code_explain (before, 4, before, 4, &ch) == CV_OK && ch.n_changes == 0);
  cv_security_code_changes_clear (&ch);
  /* The group's first epoch: everyone joined. And everyone left. */
  CHECK (cv_security_code_explain (NULL, 0, after, 4, &ch) == CV_OK && ch.n_changes == 4);
  for (size_t i = 0; i < ch.n_changes; i++)
    CHECK (ch.changes[i].kind == CV_MEMBER_ADDED && (i == 0 || ch.changes[i].leaf_index > ch.changes[i - 1].leaf_index));
  cv_security_code_changes_clear (&ch);
  CHECK (cv_security_code_explain (before, 4, NULL, 0, &ch) == CV_OK && ch.n_changes == 4);
  cv_security_code_changes_clear (&ch);

  /* Bad lists. */
  const cv_security_member twice[] = { { 1, "a", k1, 1 }, { 1, "b", k2, 1 } };
  const cv_security_member nameless[] = { { 1, NULL, k1, 1 } };
  CHECK (cv_security_code_explain (twice, 2, after, 4, &ch) == CV_ERR_INVALID && ch.changes == NULL);
  CHECK (cv_security_code_explain (before, 4, twice, 2, &ch) == CV_ERR_INVALID && ch.changes == NULL);
  CHECK (cv_security_code_explain (before, 4, nameless, 1, &ch) == CV_ERR_INVALID);
  CHECK (cv_security_code_explain (NULL, 3, after, 4, &ch) == CV_ERR_ARGUMENT);
}

int
main (void)
{
  test_codes ();
  test_explain ();
  printf ("security-code: %d checks failed\n", failures);
  return failures ? 1 : 0;
}
