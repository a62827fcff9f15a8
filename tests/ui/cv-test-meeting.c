#include "config.h"

#include "cv-test-meeting.h"

void
cv_test_meeting_start (CvTestMeeting *meeting,
                       gboolean       e2ee)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CvSiteConfig) config = cv_site_config_new ();

  meeting->state_dir = g_dir_make_tmp ("conclave-ui-meeting-XXXXXX", &error);
  g_assert_no_error (error);
  g_object_set (config, "port", 0, "relay-port", 0, "state-dir", meeting->state_dir,
                "bind", "127.0.0.1", "public-host", "127.0.0.1", NULL);
  meeting->server = cv_server_new (config, &error);
  g_assert_no_error (error);
  g_assert_true (cv_server_start (meeting->server, &error));
  meeting->number = cv_server_create_meeting (meeting->server, e2ee, NULL, &error);
  g_assert_no_error (error);
  meeting->invite = cv_server_build_invite (meeting->server, meeting->number);
}

void
cv_test_meeting_stop (CvTestMeeting *meeting)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", meeting->state_dir);

  cv_server_stop (meeting->server);
  g_clear_object (&meeting->server);
  g_assert_cmpint (system (cmd), ==, 0);
  g_clear_pointer (&meeting->state_dir, g_free);
  g_clear_pointer (&meeting->number, g_free);
  g_clear_pointer (&meeting->invite, g_free);
}

static void
failed_cb (CvSession *session,
           GError    *error,
           gpointer   data)
{
  g_error ("session failed: %s", error->message);
}

CvSession *
cv_test_meeting_join (CvTestMeeting *meeting,
                      const char    *name)
{
  g_autoptr (GError) error = NULL;
  CvSession *session = cv_session_new (name);

  cv_session_set_media (session, FALSE, FALSE, TRUE);
  g_signal_connect (session, "failed", G_CALLBACK (failed_cb), NULL);
  g_assert_true (cv_session_join (session, meeting->invite, NULL, &error));
  g_assert_no_error (error);
  return session;
}

static gboolean
together (CvSession **sessions,
          guint       n)
{
  for (guint i = 0; i < n; i++)
    {
      if (cv_session_get_state (sessions[i]) != CV_SESSION_IN_MEETING)
        return FALSE;
      /* A standard meeting has no MLS group to agree on. */
      if (cv_session_get_e2ee (sessions[i])
          && (g_list_model_get_n_items (cv_session_get_members (sessions[i])) != n
              || cv_session_get_epoch (sessions[i]) != cv_session_get_epoch (sessions[0])))
        return FALSE;
    }
  return TRUE;
}

void
cv_test_meeting_wait (CvSession **sessions,
                      guint       n)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (!together (sessions, n))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}
