/* Invite links: what the service builds, the app parses back; bad links are
 * refused with the reason. */
#include "cv-invite-link.h"
#include "cv-site-config.h"

#define FP "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void
test_round_trip (void)
{
  g_autofree char *link = cv_invite_link_build ("meet.example.org", 8443, "123456789", FP);
  g_autoptr (CvInviteLink) parsed = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_cmpstr (link, ==, "conclave://meet.example.org:8443/j/123456789?fp=" FP);
  parsed = cv_invite_link_parse (link, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (parsed->host, ==, "meet.example.org");
  g_assert_cmpuint (parsed->port, ==, 8443);
  g_assert_cmpstr (parsed->number, ==, "123456789");
  g_assert_cmpstr (parsed->fingerprint, ==, FP);
}

static void
test_variants (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *v6 = cv_invite_link_build ("::1", CV_SERVER_DEFAULT_PORT, "987654321", NULL);
  CvInviteLink *l;

  /* Default port omitted, IPv6 in brackets, no fingerprint. */
  g_assert_cmpstr (v6, ==, "conclave://[::1]/j/987654321");
  l = cv_invite_link_parse (v6, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (l->host, ==, "::1");
  g_assert_cmpuint (l->port, ==, CV_SERVER_DEFAULT_PORT);
  g_assert_null (l->fingerprint);
  cv_invite_link_free (l);

  /* https form, upper-case fingerprint, unknown parameters ignored. */
  l = cv_invite_link_parse ("https://host:9000/j/555000111?x=1&fp=" "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (l->fingerprint, ==, FP);
  cv_invite_link_free (l);
}

static void
test_bad_links (void)
{
  static const struct {
    const char *link;
    CvInviteLinkError code;
  } cases[] = {
    { "", CV_INVITE_LINK_ERROR_SYNTAX },
    { "not a link", CV_INVITE_LINK_ERROR_SYNTAX },
    { "http://host/j/123456789", CV_INVITE_LINK_ERROR_SCHEME },
    { "javascript:alert(1)", CV_INVITE_LINK_ERROR_SCHEME },
    { "conclave:///j/123456789", CV_INVITE_LINK_ERROR_HOST },
    { "conclave://user@host/j/123456789", CV_INVITE_LINK_ERROR_HOST },
    { "conclave://ho%20st/j/123456789", CV_INVITE_LINK_ERROR_HOST },
    { "conclave://host:0/j/123456789", CV_INVITE_LINK_ERROR_PORT },
    { "conclave://host:70000/j/123456789", CV_INVITE_LINK_ERROR_SYNTAX },
    { "conclave://host/m/123456789", CV_INVITE_LINK_ERROR_PATH },
    { "conclave://host/j/12345678", CV_INVITE_LINK_ERROR_NUMBER },
    { "conclave://host/j/1234567890", CV_INVITE_LINK_ERROR_NUMBER },
    { "conclave://host/j/012345678", CV_INVITE_LINK_ERROR_NUMBER },
    { "conclave://host/j/12345678a", CV_INVITE_LINK_ERROR_NUMBER },
    { "conclave://host/j/123456789/x", CV_INVITE_LINK_ERROR_NUMBER },
    { "conclave://host/j/123456789?fp=abc", CV_INVITE_LINK_ERROR_FINGERPRINT },
    { "conclave://host/j/123456789?fp=" FP "00", CV_INVITE_LINK_ERROR_FINGERPRINT },
    { "conclave://host/j/123456789?fp=zz23456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", CV_INVITE_LINK_ERROR_FINGERPRINT },
  };
  guint failures = 0;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      CvInviteLink *l = cv_invite_link_parse (cases[i].link, &error);

      if (l != NULL || !g_error_matches (error, CV_INVITE_LINK_ERROR, cases[i].code))
        {
          g_printerr ("bad link accepted or wrong reason: %s (%s)\n", cases[i].link,
                      error ? error->message : "accepted");
          failures++;
        }
      cv_invite_link_free (l);
    }
  {
    g_autofree char *long_link = g_strnfill (5000, 'a');
    g_autoptr (GError) error = NULL;
    g_assert_null (cv_invite_link_parse (long_link, &error));
    g_assert_error (error, CV_INVITE_LINK_ERROR, CV_INVITE_LINK_ERROR_SYNTAX);
  }
  g_print ("# %u bad links refused with the expected reason\n", (guint) G_N_ELEMENTS (cases) - failures);
  g_assert_cmpuint (failures, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/server/invite-link/round-trip", test_round_trip);
  g_test_add_func ("/server/invite-link/variants", test_variants);
  g_test_add_func ("/server/invite-link/bad", test_bad_links);
  return g_test_run ();
}
