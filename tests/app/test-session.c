/* Three CvSessions meet through the real service (signaling, MLS delivery,
 * media relay) on loopback: they agree on the epoch and the Security
 * Verification Code, see each other in the MLS member list, decrypt each
 * other's media and chat, and when one leaves the others move to a new epoch
 * and code without it. */
#include <glib/gstdio.h>
#include <gst/gst.h>

#include "cv-meeting-member.h"
#include "cv-remote-stream.h"
#include "cv-server.h"
#include "cv-session.h"

typedef struct {
  CvServer *server;
  char *state_dir;
  char *invite;
} Service;

static void
service_start (Service *s)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CvSiteConfig) config = cv_site_config_new ();
  g_autofree char *number = NULL;

  s->state_dir = g_dir_make_tmp ("conclave-session-XXXXXX", &error);
  g_object_set (config, "port", 0, "relay-port", 0, "state-dir", s->state_dir, "bind", "127.0.0.1",
                "public-host", "127.0.0.1", NULL);
  s->server = cv_server_new (config, &error);
  g_assert_no_error (error);
  g_assert_true (cv_server_start (s->server, &error));
  number = cv_server_create_meeting (s->server, TRUE, NULL, &error);
  g_assert_no_error (error);
  s->invite = cv_server_build_invite (s->server, number);
}

static void
service_stop (Service *s)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", s->state_dir);

  cv_server_stop (s->server);
  g_clear_object (&s->server);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (s->state_dir);
  g_free (s->invite);
}

static void
failed_cb (CvSession *session, GError *error, gpointer data)
{
  g_error ("session failed: %s", error->message);
}

static CvSession *
join (Service *s, const char *name)
{
  g_autoptr (GError) error = NULL;
  CvSession *session = cv_session_new (name);

  cv_session_set_media (session, TRUE, TRUE, TRUE);
  g_signal_connect (session, "failed", G_CALLBACK (failed_cb), NULL);
  g_assert_true (cv_session_join (session, s->invite, NULL, &error));
  g_assert_no_error (error);
  return session;
}

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

typedef gboolean (*Condition) (CvSession **sessions, guint n);

static void
wait_for (CvSession **sessions, guint n, Condition cond, guint seconds, const char *what)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (seconds, timeout_cb, &timed_out);

  while (!timed_out && !cond (sessions, n))
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_error ("timed out waiting for %s", what);
  g_source_remove (id);
}

static gboolean
all_at_same_epoch (CvSession **sessions, guint n)
{
  for (guint i = 0; i < n; i++)
    if (cv_session_get_state (sessions[i]) != CV_SESSION_IN_MEETING
        || g_list_model_get_n_items (cv_session_get_members (sessions[i])) != n
        || cv_session_get_epoch (sessions[i]) != cv_session_get_epoch (sessions[0]))
      return FALSE;
  return TRUE;
}

static guint64
frames_from (CvSession *viewer, const char *name, CvMediaKind kind)
{
  GListModel *members = cv_session_get_members (viewer);
  GListModel *streams = cv_session_get_remote_streams (viewer);
  gint64 leaf = -1;
  guint64 frames = 0;

  for (guint i = 0; i < g_list_model_get_n_items (members); i++)
    {
      g_autoptr (CvMeetingMember) m = g_list_model_get_item (members, i);
      if (g_str_equal (cv_meeting_member_get_display_name (m), name))
        leaf = cv_meeting_member_get_leaf_index (m);
    }
  for (guint i = 0; streams && i < g_list_model_get_n_items (streams); i++)
    {
      g_autoptr (CvRemoteStream) s = g_list_model_get_item (streams, i);
      if (cv_remote_stream_get_kind (s) == kind && cv_remote_stream_get_sender_leaf (s) == leaf)
        frames += cv_remote_stream_get_frames (s);
    }
  return frames;
}

static const char *names[] = { "Ann", "Bob", "Cyd" };

static gboolean
everyone_sees_everyone (CvSession **sessions, guint n)
{
  for (guint v = 0; v < n; v++)
    for (guint s = 0; s < n; s++)
      if (v != s && (frames_from (sessions[v], names[s], CV_MEDIA_KIND_VIDEO) < 3
                     || frames_from (sessions[v], names[s], CV_MEDIA_KIND_AUDIO) < 10))
        return FALSE;
  return TRUE;
}

static gboolean
everyone_authenticated (CvSession **sessions, guint n)
{
  for (guint v = 0; v < n; v++)
    {
      GListModel *members = cv_session_get_members (sessions[v]);

      for (guint i = 0; i < g_list_model_get_n_items (members); i++)
        {
          g_autoptr (CvMeetingMember) m = g_list_model_get_item (members, i);
          int state = cv_session_get_media_auth (sessions[v], cv_meeting_member_get_leaf_index (m));

          g_assert_cmpint (state, !=, CV_MEDIA_AUTH_FORGED);
          if (!cv_meeting_member_get_is_self (m) && state != CV_MEDIA_AUTH_AUTHENTICATED)
            return FALSE;
        }
    }
  return TRUE;
}

static char *last_chat;

static void
chat_cb (CvSession *session, const char *from, const char *text, gpointer data)
{
  g_free (last_chat);
  last_chat = g_strdup_printf ("%s: %s", from, text);
}

static gboolean
chat_arrived (CvSession **sessions, guint n)
{
  return last_chat != NULL;
}

static void
test_three_meet (void)
{
  Service service = { 0 };
  CvSession *sessions[3];
  const char *code;
  g_autofree char *code_before = NULL;
  g_autoptr (GError) error = NULL;

  service_start (&service);
  for (guint i = 0; i < 3; i++)
    sessions[i] = join (&service, names[i]);

  wait_for (sessions, 3, all_at_same_epoch, 20, "three members at one epoch");
  code = cv_security_state_get_code (cv_session_get_security (sessions[0]));
  g_assert_nonnull (code);
  g_test_message ("epoch %" G_GUINT64_FORMAT ", code %s", cv_session_get_epoch (sessions[0]), code);
  for (guint i = 0; i < 3; i++)
    {
      CvSecurityState *security = cv_session_get_security (sessions[i]);
      g_assert_cmpstr (cv_security_state_get_code (security), ==, code);
      g_assert_cmpint (cv_security_state_get_state (security), ==, CV_E2EE_STATE_SECURE_E2EE);
      g_assert_cmpuint (cv_security_state_get_member_count (security), ==, 3);
    }

  wait_for (sessions, 3, everyone_sees_everyone, 20, "everyone's media at everyone");
  /* Everyone's media carries its sender's MLS signature (about once a second). */
  wait_for (sessions, 3, everyone_authenticated, 15, "every sender's media authenticated");

  g_signal_connect (sessions[2], "chat", G_CALLBACK (chat_cb), NULL);
  g_assert_true (cv_session_send_chat (sessions[0], "hello MARKER-4417", &error));
  g_assert_no_error (error);
  wait_for (sessions, 3, chat_arrived, 10, "chat");
  g_assert_cmpstr (last_chat, ==, "Ann: hello MARKER-4417");

  /* Bob leaves: Ann and Cyd move on without him, to a new code. */
  code_before = g_strdup (code);
  cv_session_leave (sessions[1]);
  {
    CvSession *rest[2] = { sessions[0], sessions[2] };
    wait_for (rest, 2, all_at_same_epoch, 20, "the two who stayed at a new epoch");
    g_assert_cmpstr (cv_security_state_get_code (cv_session_get_security (rest[0])), !=, code_before);
    g_assert_cmpstr (cv_security_state_get_code (cv_session_get_security (rest[0])), ==,
                     cv_security_state_get_code (cv_session_get_security (rest[1])));
    g_test_message ("after Bob left: %s (%s)", cv_security_state_get_code (cv_session_get_security (rest[0])),
                    cv_security_state_get_change_reason (cv_session_get_security (rest[0])));
    g_assert_nonnull (strstr (cv_security_state_get_change_reason (cv_session_get_security (rest[0])), "Bob"));
  }

  for (guint i = 0; i < 3; i++)
    {
      cv_session_leave (sessions[i]);
      g_object_unref (sessions[i]);
    }
  service_stop (&service);
}

int
main (int argc, char *argv[])
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/app/session/three-meet", test_three_meet);
  return g_test_run ();
}
