/* The three identity levels as a member of a meeting sees them, with the
 * real service on loopback and real conclave-bot processes:
 *
 * - demo: the app's embedded service (CvHost) and `--demo 3`'s bots: Ada's
 *   certificate comes from the service's CA (verified internally, the
 *   service CA's name as anchor), Grace's from the demo partner CA that the
 *   viewer was told to trust (verified externally), Hedy has a basic
 *   credential (unverified, no certificate). Uma's certificate comes from an
 *   authority nobody trusts: unverified, and the reason says so. No demo
 *   key is left on disk once the bots started.
 * - requested: a certificate obtained through sign-in + request-certificate
 *   makes its holder verified internally for the others, in-process (Ivy)
 *   and from a conclave-bot process (`--account jo --password-file`).
 */
#include <glib/gstdio.h>
#include <gst/gst.h>

#include "cv-accounts.h"
#include "cv-certificate-request.h"
#include "cv-demo.h"
#include "cv-host.h"
#include "cv-identity.h"
#include "cv-meeting-member.h"
#include "cv-server.h"
#include "cv-session.h"

static char *runtime_dir;

static void
failed_cb (CvSession *session, GError *error, gpointer data)
{
  g_error ("session failed: %s", error->message);
}

static CvSession *
new_session (const char *name)
{
  CvSession *session = cv_session_new (name);

  /* Audio only: the bots' video is work enough for a shared machine. */
  cv_session_set_media (session, FALSE, TRUE, TRUE);
  g_signal_connect (session, "failed", G_CALLBACK (failed_cb), NULL);
  return session;
}

static void
join (CvSession *session, const char *invite)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (cv_session_join (session, invite, NULL, &error));
  g_assert_no_error (error);
}

static void
set_identity_files (CvSession *session, const char *certificate, const char *key)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) chain = cv_identity_read_secret_file (certificate, &error);
  g_autoptr (GBytes) key_pem = NULL;

  g_assert_no_error (error);
  key_pem = cv_identity_read_secret_file (key, &error);
  g_assert_no_error (error);
  cv_session_set_identity (session, chain, key_pem);
}

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
wait_members (CvSession *viewer, guint n, guint seconds)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (seconds, timeout_cb, &timed_out);

  while (!timed_out && (cv_session_get_state (viewer) != CV_SESSION_IN_MEETING
                        || g_list_model_get_n_items (cv_session_get_members (viewer)) != n))
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_error ("timed out waiting for %u members (have %u)", n,
             g_list_model_get_n_items (cv_session_get_members (viewer)));
  g_source_remove (id);
}

/* The member whose certificate or claim carries this name. */
static CvMeetingMember *
find_member (CvSession *viewer, const char *name)
{
  GListModel *members = cv_session_get_members (viewer);

  for (guint i = 0; i < g_list_model_get_n_items (members); i++)
    {
      CvMeetingMember *m = g_list_model_get_item (members, i);
      if (g_strcmp0 (cv_meeting_member_get_display_name (m), name) == 0)
        return m;
      g_object_unref (m);
    }
  g_error ("no member named %s", name);
}

static void
assert_level (CvSession            *viewer,
              const char           *name,
              CvCertificateVerdict  verdict,
              const char           *anchor_part,
              const char           *reason_part)
{
  g_autoptr (CvMeetingMember) m = find_member (viewer, name);
  CvCertificateInfo *info = cv_meeting_member_get_certificate (m);

  g_test_message ("%s: %s; %s", name, cv_certificate_verdict_to_string (cv_meeting_member_get_verdict (m)),
                  info ? cv_certificate_info_get_reason_text (info) : "(no info)");
  g_assert_cmpint (cv_meeting_member_get_verdict (m), ==, verdict);
  g_assert_nonnull (info);
  if (anchor_part != NULL)
    {
      g_assert_nonnull (cv_certificate_info_get_trust_anchor (info));
      g_assert_nonnull (strstr (cv_certificate_info_get_trust_anchor (info), anchor_part));
    }
  else
    g_assert_null (cv_certificate_info_get_trust_anchor (info));
  if (reason_part != NULL)
    g_assert_nonnull (strstr (cv_certificate_info_get_reason_text (info), reason_part));
}

static guint
count_demo_dirs (void)
{
  g_autoptr (GDir) dir = g_dir_open (runtime_dir, 0, NULL);
  const char *name;
  guint n = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "conclave-demo-"))
      n++;
  return n;
}

static void
test_demo (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CvHost) host = cv_host_new ();
  g_autofree char *invite = cv_host_start_meeting (host, &error);
  g_autofree char *work = g_dir_make_tmp ("conclave-levels-XXXXXX", NULL);
  g_autofree char *untrusted_dir = g_build_filename (work, "untrusted", NULL);
  g_autofree char *uma_dir = g_build_filename (work, "uma", NULL);
  g_autofree char *uma_cert = NULL, *uma_key = NULL, *untrusted_ca = NULL;
  g_autofree char *rm = g_strdup_printf ("rm -rf '%s'", work);
  g_autoptr (CvSession) viewer = new_session ("Viewer");
  g_autoptr (CvSession) uma = new_session ("Uma");
  g_autoptr (GPtrArray) bots = NULL;

  g_assert_no_error (error);
  join (viewer, invite);
  bots = cv_demo_spawn_bots (host, viewer, invite, 3, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bots->len, ==, 3);
  /* The bots got their keys through pipes: none is left on disk. */
  g_assert_cmpuint (count_demo_dirs (), ==, 0);

  /* A certificate that looks the same as the demo partner's but comes from
   * another authority, which nobody was told to trust. */
  g_assert_cmpint (g_mkdir (untrusted_dir, 0700), ==, 0);
  untrusted_ca = cv_demo_make_partner_identity (untrusted_dir, uma_dir, "Uma Unknown", &uma_cert, &uma_key, &error);
  g_assert_no_error (error);
  set_identity_files (uma, uma_cert, uma_key);
  join (uma, invite);

  wait_members (viewer, 5, 90);
  wait_members (uma, 5, 30);

  assert_level (viewer, "Ada", CV_CERTIFICATE_VERIFIED_INTERNAL, "Conclave service CA (127.0.0.1)", NULL);
  assert_level (viewer, "Grace Hopper", CV_CERTIFICATE_VERIFIED_EXTERNAL, "Conclave Demo Partner CA", NULL);
  assert_level (viewer, "Hedy", CV_CERTIFICATE_UNVERIFIED, NULL, "no certificate");
  {
    g_autoptr (CvMeetingMember) hedy = find_member (viewer, "Hedy");
    g_assert_false (cv_certificate_info_get_has_certificate (cv_meeting_member_get_certificate (hedy)));
  }
  assert_level (viewer, "Uma Unknown", CV_CERTIFICATE_UNVERIFIED, NULL, "neither a trusted partner nor the meeting service");
  /* Uma trusts no partner CA: to her, Grace's certificate is just as unknown. */
  assert_level (uma, "Grace Hopper", CV_CERTIFICATE_UNVERIFIED, NULL, "neither a trusted partner");
  assert_level (uma, "Ada", CV_CERTIFICATE_VERIFIED_INTERNAL, "Conclave service CA", NULL);

  for (guint i = 0; i < bots->len; i++)
    {
      GSubprocess *bot = g_ptr_array_index (bots, i);
      g_subprocess_force_exit (bot);
      g_subprocess_wait (bot, NULL, NULL);
    }
  g_clear_pointer (&bots, g_ptr_array_unref);

  cv_session_leave (uma);
  cv_session_leave (viewer);
  g_assert_cmpint (system (rm), ==, 0);
}

static void
request_done_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

static void
test_requested (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CvSiteConfig) config = cv_site_config_new ();
  g_autoptr (GKeyFile) accounts = g_key_file_new ();
  g_autofree char *state_dir = g_dir_make_tmp ("conclave-levels-XXXXXX", NULL);
  g_autofree char *accounts_path = g_build_filename (state_dir, "accounts", NULL);
  g_autofree char *identity_dir = g_build_filename (state_dir, "ivy", NULL);
  g_autofree char *hash = cv_accounts_hash_password ("ivy's password", &error);
  g_autofree char *jo_hash = cv_accounts_hash_password ("jo's password", &error);
  g_autofree char *password_file = g_build_filename (state_dir, "jo-password", NULL);
  g_autoptr (GSubprocess) jo = NULL;
  g_autofree char *number = NULL;
  g_autofree char *invite = NULL;
  g_autofree char *rm = g_strdup_printf ("rm -rf '%s'", state_dir);
  g_autoptr (CvServer) server = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (CvCertificateRequestFiles) files = NULL;
  g_autoptr (CvSession) ivy = new_session ("Ivy");
  g_autoptr (CvSession) viewer = new_session ("Viewer");

  g_key_file_set_string (accounts, "ivy", "password", hash);
  g_key_file_set_string (accounts, "jo", "password", jo_hash);
  g_assert_true (g_file_set_contents_full (password_file, "jo's password\n", -1, G_FILE_SET_CONTENTS_NONE,
                                           0600, &error));
  g_assert_true (g_key_file_save_to_file (accounts, accounts_path, &error));
  g_object_set (config, "port", 0, "relay-port", 0, "state-dir", state_dir, "bind", "127.0.0.1",
                "public-host", "127.0.0.1", "accounts", accounts_path, NULL);
  server = cv_server_new (config, &error);
  g_assert_no_error (error);
  g_assert_true (cv_server_start (server, &error));
  number = cv_server_create_meeting (server, TRUE, NULL, &error);
  invite = cv_server_build_invite (server, number);

  cv_certificate_request_async ("127.0.0.1", cv_server_get_port (server), cv_server_get_fingerprint (server),
                                "ivy", "ivy's password", identity_dir, NULL, request_done_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  files = cv_certificate_request_finish (result, &error);
  g_assert_no_error (error);

  set_identity_files (ivy, files->certificate_path, files->key_path);
  join (viewer, invite);
  join (ivy, invite);
  jo = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, BOT_DIR "/conclave-bot", "--meeting", invite,
                         "--name", "Jo", "--no-video", "--account", "jo", "--password-file", password_file, NULL);
  g_assert_no_error (error);
  wait_members (viewer, 3, 60);
  wait_members (ivy, 3, 30);

  /* The service CA names certificates after the account. */
  assert_level (viewer, "ivy", CV_CERTIFICATE_VERIFIED_INTERNAL, "Conclave service CA (127.0.0.1)", NULL);
  assert_level (viewer, "jo", CV_CERTIFICATE_VERIFIED_INTERNAL, "Conclave service CA (127.0.0.1)", NULL);
  assert_level (ivy, "Viewer", CV_CERTIFICATE_UNVERIFIED, NULL, "no certificate");
  g_subprocess_force_exit (jo);
  g_subprocess_wait (jo, NULL, NULL);

  cv_session_leave (ivy);
  cv_session_leave (viewer);
  cv_server_stop (server);
  g_assert_cmpint (system (rm), ==, 0);
}

int
main (int argc, char *argv[])
{
  g_autofree char *state_home = g_dir_make_tmp ("conclave-levels-state-XXXXXX", NULL);
  g_autofree char *path = g_strdup_printf ("%s:%s", BOT_DIR, g_getenv ("PATH"));
  g_autofree char *rm = NULL;
  int status;

  /* The embedded service keeps its CA in the user's state folder and the
   * demo its keys in the runtime folder: both private to this test. Set
   * before GLib reads them. conclave-bot comes from the build tree. */
  runtime_dir = g_dir_make_tmp ("conclave-levels-run-XXXXXX", NULL);
  g_setenv ("XDG_STATE_HOME", state_home, TRUE);
  g_setenv ("XDG_RUNTIME_DIR", runtime_dir, TRUE);
  g_setenv ("PATH", path, TRUE);

  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);

  g_test_add_func ("/identity-levels/demo", test_demo);
  g_test_add_func ("/identity-levels/requested", test_requested);
  status = g_test_run ();

  rm = g_strdup_printf ("rm -rf '%s' '%s'", state_home, runtime_dir);
  if (system (rm) != 0)
    status = 1;
  g_free (runtime_dir);
  return status;
}
