/* CvNotifier: what a background window announces — joins, leaves, a new
 * security code with its reason, the loss of end-to-end encryption, a saved
 * recording — and nothing for the members already there. Without a
 * notification service (as here, usually) it must stay quiet and alive. */
#include "config.h"

#include <locale.h>

#include "cv-meeting-member.h"
#include "cv-notifier.h"
#include "cv-test-ui.h"

typedef struct {
  char *summary;
  char *body;
  guint count;
} Sent;

static void
sent_cb (CvNotifier *notifier,
         const char *summary,
         const char *body,
         Sent       *sent)
{
  g_free (sent->summary);
  g_free (sent->body);
  sent->summary = g_strdup (summary);
  sent->body = g_strdup (body);
  sent->count++;
}

static CvMeetingMember *
member_new (guint       leaf,
            const char *name)
{
  cv_cred_result *result = NULL;
  g_autoptr (CvCertificateInfo) info = NULL;

  g_assert_cmpint (cv_cred_basic ((const guint8 *) name, strlen (name), &result), ==, CV_OK);
  info = cv_certificate_info_new (result);
  cv_cred_result_free (result);
  return cv_meeting_member_new (leaf, info);
}

static void
test_events (void)
{
  /* Never presented, so never the active window. */
  GtkWidget *window = gtk_window_new ();
  g_autoptr (CvNotifier) notifier = cv_notifier_new (GTK_WINDOW (window));
  g_autoptr (GListStore) members = g_list_store_new (CV_TYPE_MEETING_MEMBER);
  g_autoptr (CvSecurityState) security = cv_security_state_new ();
  g_autoptr (CvMeetingMember) me = member_new (0, "Me");
  g_autoptr (CvMeetingMember) ada = member_new (1, "Ada");
  g_autoptr (CvMeetingMember) dana = member_new (2, "Dana");
  g_autoptr (CvMeetingMember) eve = member_new (3, "Eve");
  Sent sent = { 0 };

  g_signal_connect (notifier, "sent", G_CALLBACK (sent_cb), &sent);
  cv_meeting_member_set_is_self (me, TRUE);
  cv_security_state_set_state (security, CV_E2EE_STATE_SECURING);
  cv_notifier_watch (notifier, G_LIST_MODEL (members), security);

  /* Joining a meeting where Ada already is: no news. */
  g_list_store_append (members, ada);
  g_list_store_append (members, me);
  cv_security_state_update_epoch (security, "11111 22222 33333 44444 55555 66666", 1, 2, "You joined");
  cv_security_state_set_state (security, CV_E2EE_STATE_SECURE_E2EE);
  g_assert_cmpuint (sent.count, ==, 0);

  /* Dana and Eve join in one commit. */
  g_list_store_append (members, dana);
  g_list_store_append (members, eve);
  g_assert_cmpuint (sent.count, ==, 2);
  g_assert_cmpstr (sent.summary, ==, "Participants changed");
  g_assert_true (g_str_equal (sent.body, "Eve joined the meeting.") || strstr (sent.body, "Dana and Eve") != NULL
                 || strstr (sent.body, "Eve and Dana") != NULL);

  cv_security_state_update_epoch (security, "12345 22222 33333 44444 55555 66666", 2, 4, "Dana and Eve joined");
  g_assert_cmpstr (sent.summary, ==, "Security code changed");
  g_assert_nonnull (strstr (sent.body, "Dana and Eve joined"));

  /* Ada leaves. */
  sent.count = 0;
  g_list_store_remove (members, 0);
  g_assert_cmpuint (sent.count, ==, 1);
  g_assert_cmpstr (sent.body, ==, "Ada left the meeting.");

  /* The meeting stops being end-to-end encrypted. */
  cv_security_state_set_state (security, CV_E2EE_STATE_DEGRADED);
  g_assert_cmpstr (sent.summary, ==, "The meeting is no longer end-to-end encrypted");

  cv_notifier_recording_saved (notifier, "/home/ann/Videos/Conclave/meeting-1.webm");
  g_assert_cmpstr (sent.summary, ==, "Recording saved");
  g_assert_nonnull (strstr (sent.body, "meeting-1.webm"));

  /* Not watching: nothing more. */
  sent.count = 0;
  cv_notifier_watch (notifier, NULL, NULL);
  g_list_store_remove_all (members);
  g_assert_cmpuint (sent.count, ==, 0);

  g_free (sent.summary);
  g_free (sent.body);
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int argc, char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  cv_test_ui_init (&argc, &argv);

  g_test_add_func ("/notifier/events", test_events);
  return g_test_run ();
}
