/* CvSecurityState: the code's format, epoch updates that notify once per
 * property, and the "why it changed" sentence. */
#include "config.h"

#include <locale.h>

#include "cv-security-state.h"

/* The code of RFC-style input computed here, not by cv-security-code.c. */
static void
expected_code (const guint8 *auth,
               char          out[36])
{
  GString *code = g_string_new (NULL);

  for (guint g = 0; g < 6; g++)
    {
      guint64 v = 0;
      for (guint i = 0; i < 5; i++)
        v = (v << 8) | auth[5 * g + i];
      g_string_append_printf (code, g ? " %05" G_GUINT64_FORMAT : "%05" G_GUINT64_FORMAT, v % 100000);
    }
  g_assert_cmpuint (code->len, ==, 35);
  memcpy (out, code->str, 36);
  g_string_free (code, TRUE);
}

static void
test_code_validity (void)
{
  g_assert_true (cv_security_code_is_valid ("01234 56789 01234 56789 01234 56789"));
  g_assert_false (cv_security_code_is_valid (NULL));
  g_assert_false (cv_security_code_is_valid (""));
  g_assert_false (cv_security_code_is_valid ("01234 56789 01234 56789 01234 5678"));
  g_assert_false (cv_security_code_is_valid ("01234 56789 01234 56789 01234 567890"));
  g_assert_false (cv_security_code_is_valid ("01234-56789-01234-56789-01234-56789"));
  g_assert_false (cv_security_code_is_valid ("0123a 56789 01234 56789 01234 56789"));
  g_assert_false (cv_security_code_is_valid ("012345678901234567890123456789     "));
}

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  GHashTable *counts = user_data;
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, pspec->name));

  g_hash_table_insert (counts, (gpointer) pspec->name, GUINT_TO_POINTER (n + 1));
}

static guint
count (GHashTable *counts,
       const char *name)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (counts, name));
}

static void
test_epoch_update (void)
{
  g_autoptr (CvSecurityState) state = cv_security_state_new ();
  g_autoptr (GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GError) error = NULL;
  guint8 auth[32];
  char expected[36];

  for (guint i = 0; i < sizeof auth; i++)
    auth[i] = (guint8) (i * 37 + 11);
  expected_code (auth, expected);

  g_assert_cmpint (cv_security_state_get_state (state), ==, CV_E2EE_STATE_NOT_CONNECTED);
  g_signal_connect (state, "notify", G_CALLBACK (count_notify_cb), counts);

  g_assert_true (cv_security_state_set_authenticator (state, auth, sizeof auth, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (cv_security_state_get_code (state), ==, expected);
  g_assert_cmpuint (count (counts, "code"), ==, 1);

  /* A short authenticator is refused and leaves the code as it was. */
  g_assert_false (cv_security_state_set_authenticator (state, auth, 29, &error));
  g_assert_nonnull (error);
  g_assert_cmpstr (cv_security_state_get_code (state), ==, expected);
  g_assert_cmpuint (count (counts, "code"), ==, 1);

  cv_security_state_update_epoch (state, "11111 22222 33333 44444 55555 66666", 4, 3, "Dana joined");
  g_assert_cmpuint (count (counts, "code"), ==, 2);
  g_assert_cmpuint (count (counts, "epoch"), ==, 1);
  g_assert_cmpuint (count (counts, "member-count"), ==, 1);
  g_assert_cmpuint (count (counts, "change-reason"), ==, 1);
  g_assert_cmpuint (cv_security_state_get_epoch (state), ==, 4);
  g_assert_cmpuint (cv_security_state_get_member_count (state), ==, 3);
  g_assert_cmpstr (cv_security_state_get_change_reason (state), ==, "Dana joined");

  /* Setting the same values again notifies nobody. */
  cv_security_state_update_epoch (state, "11111 22222 33333 44444 55555 66666", 4, 3, "Dana joined");
  cv_security_state_set_state (state, CV_E2EE_STATE_SECURE_E2EE);
  cv_security_state_set_state (state, CV_E2EE_STATE_SECURE_E2EE);
  g_assert_cmpuint (count (counts, "code"), ==, 2);
  g_assert_cmpuint (count (counts, "epoch"), ==, 1);
  g_assert_cmpuint (count (counts, "state"), ==, 1);

  g_object_set (state, "cipher-suite", "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519", NULL);
  g_assert_cmpstr (cv_security_state_get_cipher_suite (state), ==, "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519");
  g_assert_finalize_object (g_steal_pointer (&state));
}

static void
test_describe_changes (void)
{
  cv_member_change changes[9] = {
    { CV_MEMBER_REMOVED, 1, (char *) "Ann" },
    { CV_MEMBER_ADDED, 4, (char *) "Dana" },
  };
  cv_security_code_changes list = { changes, 2 };
  g_autofree char *two = NULL;
  g_autofree char *none = NULL;
  g_autofree char *many = NULL;
  g_autofree char *renewed = NULL;

  two = cv_security_state_describe_changes (&list);
  g_assert_cmpstr (two, ==, "Ann left; Dana joined");

  list.n_changes = 0;
  none = cv_security_state_describe_changes (&list);
  g_assert_cmpstr (none, ==, "The meeting key was renewed");

  for (guint i = 0; i < 7; i++)
    changes[i] = (cv_member_change) { CV_MEMBER_ADDED, i, (char *) (const char *[]) { "A", "B", "C", "D", "E", "F", "G" }[i] };
  list.n_changes = 7;
  many = cv_security_state_describe_changes (&list);
  g_assert_cmpstr (many, ==, "A, B, C, D, E and 2 more joined");

  changes[0] = (cv_member_change) { CV_MEMBER_UPDATED, 0, (char *) "Bob" };
  list.n_changes = 1;
  renewed = cv_security_state_describe_changes (&list);
  g_assert_cmpstr (renewed, ==, "Bob renewed their key");
}

int
main (int argc, char *argv[])
{
  setlocale (LC_ALL, "C");
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/security-state/code-validity", test_code_validity);
  g_test_add_func ("/security-state/epoch-update", test_epoch_update);
  g_test_add_func ("/security-state/describe-changes", test_describe_changes);
  return g_test_run ();
}
