/* Three CvSessions meet through the real service (signaling, MLS delivery,
 * media relay) on loopback: they agree on the epoch and the Security
 * Verification Code, see each other in the MLS member list, decrypt each
 * other's media and chat, and when one leaves the others move to a new epoch
 * and code without it. */
#include <arpa/inet.h>
#include <dirent.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <netinet/in.h>
#include <openssl/pem.h>
#include <sys/socket.h>

#include "cv-meeting-member.h"
#include "cv-remote-stream.h"
#include "cv-server.h"
#include "cv-service-ca.h"
#include "cv-session-private.h"   /* the sessions' SFrame key rings */
#include "cv-test-certs.h"

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
new_session (const char *name)
{
  CvSession *session = cv_session_new (name);

  cv_session_set_media (session, TRUE, TRUE, TRUE);
  g_signal_connect (session, "failed", G_CALLBACK (failed_cb), NULL);
  return session;
}

static void
start_join (Service *s, CvSession *session)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (cv_session_join (session, s->invite, NULL, &error));
  g_assert_no_error (error);
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

static const char *names[] = { "Ann", "Bob", "Cyd", "Dan" };

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

/* ---- participant state ---- */

static gboolean
ann_state_seen (CvSession **sessions, guint n)
{
  gboolean want = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (sessions[0]), "want-recording"));

  for (guint v = 1; v < n; v++)
    {
      g_autoptr (CvMeetingMember) ann = NULL;
      GListModel *members = cv_session_get_members (sessions[v]);
      gboolean found = FALSE;

      if (g_list_model_get_n_items (members) != n)
        return FALSE;
      for (guint i = 0; i < g_list_model_get_n_items (members) && !found; i++)
        {
          g_autoptr (CvMeetingMember) m = g_list_model_get_item (members, i);
          if (g_str_equal (cv_meeting_member_get_display_name (m), "Ann"))
            {
              found = TRUE;
              if (cv_meeting_member_get_recording (m) != want || cv_meeting_member_get_audio_muted (m) != want
                  || cv_meeting_member_get_video_on (m) == want)
                return FALSE;
            }
        }
      if (!found || cv_session_get_anyone_recording (sessions[v]) != want)
        return FALSE;
    }
  return TRUE;
}

/* Runs the main loop for ms. */
static void
settle (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, timeout_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static gboolean
ann_media_again (CvSession **sessions, guint n)
{
  guint64 audio = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (sessions[1]), "audio-mark"));
  guint64 video = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (sessions[1]), "video-mark"));

  return frames_from (sessions[1], "Ann", CV_MEDIA_KIND_AUDIO) > audio + 10
         && frames_from (sessions[1], "Ann", CV_MEDIA_KIND_VIDEO) > video + 3;
}

static void
notify_count_cb (GObject *object, GParamSpec *pspec, gpointer data)
{
  (*(guint *) data)++;
}

/* Ann mutes, turns her camera off and records: Bob and Cyd see it on her
 * member row, their "anyone-recording" turns on, and Dan, who joins after,
 * learns it too; when she stops, everyone's indicator goes off. */
static void
test_participant_state (void)
{
  Service service = { 0 };
  CvSession *sessions[4];
  guint anyone_notified = 0;

  service_start (&service);
  for (guint i = 0; i < 3; i++)
    sessions[i] = join (&service, names[i]);
  wait_for (sessions, 3, all_at_same_epoch, 20, "three members at one epoch");
  g_assert_false (cv_session_get_anyone_recording (sessions[1]));
  g_signal_connect (sessions[1], "notify::anyone-recording", G_CALLBACK (notify_count_cb), &anyone_notified);

  g_object_set_data (G_OBJECT (sessions[0]), "want-recording", GINT_TO_POINTER (FALSE));
  wait_for (sessions, 3, ann_state_seen, 10, "Ann's first state at Bob and Cyd");

  cv_session_set_audio_muted (sessions[0], TRUE);
  cv_session_set_video_enabled (sessions[0], FALSE);
  cv_session_set_recording (sessions[0], TRUE);
  g_assert_true (cv_session_get_audio_muted (sessions[0]));
  g_assert_true (cv_session_get_anyone_recording (sessions[0]));
  g_object_set_data (G_OBJECT (sessions[0]), "want-recording", GINT_TO_POINTER (TRUE));
  wait_for (sessions, 3, ann_state_seen, 10, "Ann muted and recording, at Bob and Cyd");
  g_assert_cmpuint (anyone_notified, ==, 1);

  /* Muted and dark means nothing sent: Bob's counts of Ann's frames stand
   * still (a few in flight aside). */
  {
    guint64 audio, video;

    settle (1000);
    audio = frames_from (sessions[1], "Ann", CV_MEDIA_KIND_AUDIO);
    video = frames_from (sessions[1], "Ann", CV_MEDIA_KIND_VIDEO);
    settle (1500);
    g_test_message ("while muted and dark, in 1.5 s: %" G_GUINT64_FORMAT " audio, %" G_GUINT64_FORMAT " video frames",
                    frames_from (sessions[1], "Ann", CV_MEDIA_KIND_AUDIO) - audio,
                    frames_from (sessions[1], "Ann", CV_MEDIA_KIND_VIDEO) - video);
    g_assert_cmpuint (frames_from (sessions[1], "Ann", CV_MEDIA_KIND_AUDIO) - audio, <=, 3);
    g_assert_cmpuint (frames_from (sessions[1], "Ann", CV_MEDIA_KIND_VIDEO) - video, <=, 1);
  }

  /* A late joiner learns it from the state Ann sends when the epoch adds him. */
  sessions[3] = join (&service, names[3]);
  wait_for (sessions, 4, all_at_same_epoch, 20, "four members at one epoch");
  wait_for (sessions, 4, ann_state_seen, 10, "Ann muted and recording, at Dan");

  cv_session_set_recording (sessions[0], FALSE);
  cv_session_set_audio_muted (sessions[0], FALSE);
  cv_session_set_video_enabled (sessions[0], TRUE);
  g_object_set_data (G_OBJECT (sessions[0]), "want-recording", GINT_TO_POINTER (FALSE));
  wait_for (sessions, 4, ann_state_seen, 10, "Ann unmuted and not recording");
  g_assert_cmpuint (anyone_notified, ==, 2);
  /* Her media flows again. */
  g_object_set_data (G_OBJECT (sessions[1]), "audio-mark",
                     GSIZE_TO_POINTER (frames_from (sessions[1], "Ann", CV_MEDIA_KIND_AUDIO)));
  g_object_set_data (G_OBJECT (sessions[1]), "video-mark",
                     GSIZE_TO_POINTER (frames_from (sessions[1], "Ann", CV_MEDIA_KIND_VIDEO)));
  wait_for (sessions, 4, ann_media_again, 15, "Ann's audio and video at Bob again");

  for (guint i = 0; i < 4; i++)
    {
      cv_session_leave (sessions[i]);
      g_object_unref (sessions[i]);
    }
  service_stop (&service);
}

/* ---- chat across an epoch change, self-updates ---- */

typedef struct {
  char *text;
  guint64 epoch_at_receiver;
} Received;

static Received received_chat[4];

static void
chat_epoch_cb (CvSession *session, const char *from, const char *text, gpointer data)
{
  Received *r = &received_chat[GPOINTER_TO_UINT (data)];

  g_free (r->text);
  r->text = g_strdup_printf ("%s: %s", from, text);
  r->epoch_at_receiver = cv_session_get_epoch (session);
}

static gboolean
bob_got_chat (CvSession **sessions, guint n)
{
  return received_chat[1].text != NULL;
}

static gboolean
bob_and_cyd_got_chat (CvSession **sessions, guint n)
{
  return received_chat[1].text != NULL && received_chat[2].text != NULL;
}

static gboolean
all_past_epoch (CvSession **sessions, guint n)
{
  guint64 target = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (sessions[0]), "target-epoch"));

  for (guint i = 0; i < n; i++)
    if (cv_session_get_epoch (sessions[i]) < target)
      return FALSE;
  return all_at_same_epoch (sessions, n);
}

/* Ann commits a self-update and sends a chat message right away, still in
 * epoch n (her commit is not confirmed yet). The service delivers her
 * commit first, so Bob and Cyd are in epoch n+1 when the message arrives:
 * they still read it with epoch n's keys. Then self-updates on a short
 * timer move the epoch on, with everyone agreeing on the code. */
static void
test_chat_across_epoch (void)
{
  Service service = { 0 };
  CvSession *sessions[3];
  g_autoptr (GError) error = NULL;
  guint64 epoch;
  g_autofree char *code = NULL;

  service_start (&service);
  for (guint i = 0; i < 3; i++)
    {
      sessions[i] = join (&service, names[i]);
      g_signal_connect (sessions[i], "chat", G_CALLBACK (chat_epoch_cb), GUINT_TO_POINTER (i));
    }
  wait_for (sessions, 3, all_at_same_epoch, 20, "three members at one epoch");
  epoch = cv_session_get_epoch (sessions[0]);

  cv_session_update_keys (sessions[0]);
  g_assert_true (cv_session_send_chat (sessions[0], "sent in the old epoch MARKER-7731", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cv_session_get_epoch (sessions[0]), ==, epoch);
  wait_for (sessions, 3, bob_and_cyd_got_chat, 10, "the chat of the old epoch at Bob and Cyd");
  for (guint i = 1; i < 3; i++)
    {
      g_assert_cmpstr (received_chat[i].text, ==, "Ann: sent in the old epoch MARKER-7731");
      g_test_message ("%s read a chat of epoch %" G_GUINT64_FORMAT " in epoch %" G_GUINT64_FORMAT,
                      names[i], epoch, received_chat[i].epoch_at_receiver);
      g_assert_cmpuint (received_chat[i].epoch_at_receiver, ==, epoch + 1);
    }
  wait_for (sessions, 3, all_at_same_epoch, 10, "Ann's update merged everywhere");
  g_assert_cmpuint (cv_session_get_epoch (sessions[0]), ==, epoch + 1);

  /* Self-updates every ~2 s (±25%) by everyone: the epoch moves on and
   * the codes agree. */
  code = g_strdup (cv_security_state_get_code (cv_session_get_security (sessions[0])));
  for (guint i = 0; i < 3; i++)
    cv_session_set_self_update_interval (sessions[i], 2);
  g_object_set_data (G_OBJECT (sessions[0]), "target-epoch", GSIZE_TO_POINTER (epoch + 4));
  wait_for (sessions, 3, all_past_epoch, 30, "three self-updates");
  for (guint i = 0; i < 3; i++)
    cv_session_set_self_update_interval (sessions[i], 0);
  wait_for (sessions, 3, all_at_same_epoch, 10, "the last update merged everywhere");
  g_test_message ("epoch %" G_GUINT64_FORMAT " after self-updates, code %s",
                  cv_session_get_epoch (sessions[0]),
                  cv_security_state_get_code (cv_session_get_security (sessions[0])));
  g_assert_cmpstr (cv_security_state_get_code (cv_session_get_security (sessions[0])), !=, code);
  for (guint i = 1; i < 3; i++)
    g_assert_cmpstr (cv_security_state_get_code (cv_session_get_security (sessions[i])), ==,
                     cv_security_state_get_code (cv_session_get_security (sessions[0])));
  g_assert_cmpuint (g_list_model_get_n_items (cv_session_get_members (sessions[0])), ==, 3);

  for (guint i = 0; i < 3; i++)
    {
      cv_session_leave (sessions[i]);
      g_object_unref (sessions[i]);
      g_clear_pointer (&received_chat[i].text, g_free);
    }
  service_stop (&service);
}

/* ---- reconnecting ---- */

/* Our process's TCP sockets connected to the service's port (the client
 * ends of the sessions' signaling connections). */
static GArray *
client_sockets (guint16 service_port)
{
  GArray *fds = g_array_new (FALSE, FALSE, sizeof (int));
  DIR *dir = opendir ("/proc/self/fd");
  struct dirent *entry;

  g_assert_nonnull (dir);
  while ((entry = readdir (dir)) != NULL)
    {
      int fd = atoi (entry->d_name);
      struct sockaddr_in peer;
      socklen_t len = sizeof peer;

      if (entry->d_name[0] == '.' || fd == dirfd (dir))
        continue;
      if (getpeername (fd, (struct sockaddr *) &peer, &len) == 0 && peer.sin_family == AF_INET
          && ntohs (peer.sin_port) == service_port)
        g_array_append_val (fds, fd);
    }
  closedir (dir);
  return fds;
}

static void
record_state_cb (GObject *object, GParamSpec *pspec, gpointer data)
{
  GString *states = data;

  g_string_append_printf (states, "%d ", cv_session_get_state (CV_SESSION (object)));
}

static void
record_notice_cb (GObject *object, GParamSpec *pspec, gpointer data)
{
  GPtrArray *notices = data;
  const char *notice = cv_session_get_notice (CV_SESSION (object));

  if (notice != NULL)
    g_ptr_array_add (notices, g_strdup (notice));
}

static gboolean
chat_at_everyone (CvSession **sessions, guint n)
{
  for (guint i = 0; i < n; i++)
    if (received_chat[i].text == NULL)
      return FALSE;
  return TRUE;
}

static gboolean
cyd_reconnecting (CvSession **sessions, guint n)
{
  return cv_session_get_state (sessions[2]) == CV_SESSION_RECONNECTING;
}

/* Cyd's TCP connection to the service breaks (shutdown of its socket, as a
 * network failure would): Cyd says so, goes RECONNECTING, stops its media,
 * reconnects and rejoins as a new member; the service removes the old
 * leaf; all three agree on a new code and media and chat flow again. */
static void
test_reconnect (void)
{
  Service service = { 0 };
  CvSession *sessions[3];
  g_autoptr (GArray) before = NULL, after = NULL;
  g_autoptr (GString) states = g_string_new (NULL);
  g_autoptr (GPtrArray) notices = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  g_autofree char *code = NULL;
  int cyd_fd = -1;
  guint16 port;

  service_start (&service);
  port = cv_server_get_port (service.server);
  for (guint i = 0; i < 2; i++)
    sessions[i] = join (&service, names[i]);
  wait_for (sessions, 2, all_at_same_epoch, 20, "two members at one epoch");
  before = client_sockets (port);
  sessions[2] = join (&service, names[2]);
  wait_for (sessions, 3, all_at_same_epoch, 20, "three members at one epoch");
  wait_for (sessions, 3, everyone_sees_everyone, 20, "everyone's media at everyone");
  after = client_sockets (port);
  g_assert_cmpuint (after->len, ==, before->len + 1);
  for (guint i = 0; i < after->len; i++)
    {
      gboolean old = FALSE;
      for (guint j = 0; j < before->len; j++)
        old |= g_array_index (before, int, j) == g_array_index (after, int, i);
      if (!old)
        cyd_fd = g_array_index (after, int, i);
    }
  g_assert_cmpint (cyd_fd, >=, 0);
  code = g_strdup (cv_security_state_get_code (cv_session_get_security (sessions[0])));
  for (guint i = 0; i < 3; i++)
    g_signal_connect (sessions[i], "chat", G_CALLBACK (chat_epoch_cb), GUINT_TO_POINTER (i));
  g_signal_connect (sessions[2], "notify::state", G_CALLBACK (record_state_cb), states);
  g_signal_connect (sessions[2], "notify::notice", G_CALLBACK (record_notice_cb), notices);

  g_assert_cmpint (shutdown (cyd_fd, SHUT_RDWR), ==, 0);
  wait_for (sessions, 3, cyd_reconnecting, 10, "Cyd to notice the broken connection");
  g_assert_null (cv_session_get_remote_streams (sessions[2]));  /* media stopped */
  wait_for (sessions, 3, all_at_same_epoch, 30, "Cyd back as a new member, all three at one epoch");

  g_test_message ("Cyd's states: %s", states->str);
  g_assert_nonnull (strstr (states->str, "6 3"));   /* RECONNECTING, then IN_MEETING */
  g_assert_cmpint (CV_SESSION_RECONNECTING, ==, 6);
  g_assert_cmpuint (notices->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (notices, 0), ==, "Connection to the meeting service lost. Reconnecting…");
  g_assert_cmpstr (g_ptr_array_index (notices, 1), ==,
                   "Reconnected: you rejoined as a new member; the security code changed.");
  g_test_message ("code before %s, after %s", code,
                  cv_security_state_get_code (cv_session_get_security (sessions[0])));
  g_assert_cmpstr (cv_security_state_get_code (cv_session_get_security (sessions[0])), !=, code);
  for (guint i = 1; i < 3; i++)
    g_assert_cmpstr (cv_security_state_get_code (cv_session_get_security (sessions[i])), ==,
                     cv_security_state_get_code (cv_session_get_security (sessions[0])));
  g_assert_cmpint (cv_security_state_get_state (cv_session_get_security (sessions[2])), ==, CV_E2EE_STATE_SECURE_E2EE);

  /* Media and chat flow again, both ways. */
  wait_for (sessions, 3, everyone_sees_everyone, 30, "everyone's media at everyone after the rejoin");
  g_assert_true (cv_session_send_chat (sessions[2], "back MARKER-5150", &error));
  g_assert_no_error (error);
  g_assert_true (cv_session_send_chat (sessions[0], "welcome back MARKER-5151", &error));
  g_assert_no_error (error);
  wait_for (sessions, 3, chat_at_everyone, 10, "chat after the rejoin");
  g_assert_cmpstr (received_chat[0].text, ==, "Cyd: back MARKER-5150");
  g_assert_cmpstr (received_chat[2].text, ==, "Ann: welcome back MARKER-5151");

  for (guint i = 0; i < 3; i++)
    {
      cv_session_leave (sessions[i]);
      g_object_unref (sessions[i]);
      g_clear_pointer (&received_chat[i].text, g_free);
    }
  service_stop (&service);
}

/* The service is gone for good: after about a minute of attempts the
 * session fails with a clear error. (The backoff is the session's own;
 * the test waits it out.) */
static void
failed_quietly_cb (CvSession *session, GError *error, gpointer data)
{
  *(GError **) data = g_error_copy (error);
}

static gboolean
has_failed (CvSession **sessions, guint n)
{
  return cv_session_get_state (sessions[0]) == CV_SESSION_FAILED;
}

static void
test_reconnect_gives_up (void)
{
  Service service = { 0 };
  CvSession *sessions[1];
  GError *failure = NULL;
  gint64 start;

  service_start (&service);
  sessions[0] = cv_session_new ("Ann");
  cv_session_set_media (sessions[0], FALSE, FALSE, TRUE);
  g_signal_connect (sessions[0], "failed", G_CALLBACK (failed_quietly_cb), &failure);
  start_join (&service, sessions[0]);
  wait_for (sessions, 1, all_at_same_epoch, 20, "Ann in the meeting");
  cv_server_stop (service.server);
  start = g_get_monotonic_time ();
  wait_for (sessions, 1, has_failed, 90, "Ann to give up");
  g_test_message ("gave up after %.1f s: %s", (g_get_monotonic_time () - start) / 1e6, failure->message);
  g_assert_error (failure, CV_SESSION_ERROR, CV_SESSION_ERROR_REFUSED);
  g_assert_nonnull (strstr (failure->message, "Could not reconnect"));
  g_assert_cmpfloat ((g_get_monotonic_time () - start) / 1e6, >, 30);
  g_assert_null (cv_session_get_notice (sessions[0]));
  g_error_free (failure);
  g_object_unref (sessions[0]);
  service_stop (&service);
}

/* ---- bad application messages ---- */

/* A member (Ann, through the session's own sending path) sends application
 * data that is not what members expect: not JSON, nested 40000 deep, a
 * state with a string for a boolean, a chat without text, an unknown type.
 * Bob drops each (logged), changes nothing, and reads the good chat after. */
static void
test_bad_application_messages (void)
{
  Service service = { 0 };
  CvSession *sessions[2];
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) deep = g_string_new (NULL);
  const char *bad[] = {
    "not json at all",
    "{\"type\":\"state\",\"audio_muted\":\"yes\",\"video_on\":true,\"recording\":true}",
    "{\"type\":\"state\",\"audio_muted\":true}",
    "{\"type\":\"chat\"}",
    "{\"type\":\"chat\",\"text\":42}",
    "{\"no type\":1}",
    "[1,2,3]",
    "{\"type\":\"from-the-future\",\"x\":[1]}",
  };

  service_start (&service);
  for (guint i = 0; i < 2; i++)
    {
      sessions[i] = join (&service, names[i]);
      g_signal_connect (sessions[i], "chat", G_CALLBACK (chat_epoch_cb), GUINT_TO_POINTER (i));
    }
  wait_for (sessions, 2, all_at_same_epoch, 20, "two members at one epoch");
  /* Deep, but within the service's payload limit (64 KiB of base64). */
  for (guint i = 0; i < 40000; i++)
    g_string_append_c (deep, '[');
  g_assert_true (cv_session_group_send_application (sessions[0], deep->str, &error));
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    g_assert_true (cv_session_group_send_application (sessions[0], bad[i], &error));
  g_assert_no_error (error);
  g_assert_true (cv_session_send_chat (sessions[0], "after the bad ones MARKER-9090", &error));
  wait_for (sessions, 2, bob_got_chat, 10, "the good chat at Bob");
  g_assert_cmpstr (received_chat[1].text, ==, "Ann: after the bad ones MARKER-9090");
  g_assert_false (cv_session_get_anyone_recording (sessions[1]));
  g_assert_cmpint (cv_session_get_state (sessions[1]), ==, CV_SESSION_IN_MEETING);

  for (guint i = 0; i < 2; i++)
    {
      cv_session_leave (sessions[i]);
      g_object_unref (sessions[i]);
      g_clear_pointer (&received_chat[i].text, g_free);
    }
  service_stop (&service);
}

/* ---- a standard meeting ---- */

static guint64
all_frames (CvSession *viewer, CvMediaKind kind)
{
  GListModel *streams = cv_session_get_remote_streams (viewer);
  guint64 frames = 0;

  for (guint i = 0; streams && i < g_list_model_get_n_items (streams); i++)
    {
      g_autoptr (CvRemoteStream) s = g_list_model_get_item (streams, i);
      if (cv_remote_stream_get_kind (s) == kind)
        frames += cv_remote_stream_get_frames (s);
    }
  return frames;
}

static gboolean
both_get_media (CvSession **sessions, guint n)
{
  for (guint i = 0; i < n; i++)
    if (cv_session_get_state (sessions[i]) != CV_SESSION_IN_MEETING
        || all_frames (sessions[i], CV_MEDIA_KIND_VIDEO) < 3 || all_frames (sessions[i], CV_MEDIA_KIND_AUDIO) < 10)
      return FALSE;
  return TRUE;
}

/* In a standard (not end-to-end encrypted) meeting there are no MLS keys:
 * the session runs its media without SFrame and both participants see and
 * hear each other; the shield says the service can see the media. */
static void
test_standard_meeting (void)
{
  Service service = { 0 };
  CvSession *sessions[2];
  g_autofree char *number = NULL, *invite = NULL;
  g_autoptr (GError) error = NULL;

  service_start (&service);
  number = cv_server_create_meeting (service.server, FALSE, NULL, &error);
  g_assert_no_error (error);
  g_free (service.invite);
  service.invite = cv_server_build_invite (service.server, number);
  for (guint i = 0; i < 2; i++)
    sessions[i] = join (&service, names[i]);
  wait_for (sessions, 2, both_get_media, 20, "media both ways in a standard meeting");
  for (guint i = 0; i < 2; i++)
    {
      g_assert_false (cv_session_get_e2ee (sessions[i]));
      g_assert_cmpint (cv_security_state_get_state (cv_session_get_security (sessions[i])), ==,
                       CV_E2EE_STATE_TRANSPORT_ONLY);
    }
  for (guint i = 0; i < 2; i++)
    {
      cv_session_leave (sessions[i]);
      g_object_unref (sessions[i]);
    }
  service_stop (&service);
}

/* ---- a leaver cannot decrypt ---- */

/* A test stream of Ann's: a context her pipeline does not use, so that its
 * CTRs are the test's own. */
#define TEST_CONTEXT 5

static GBytes *
ann_frame (CvSession *ann, const char *text)
{
  guint8 out[256];
  gsize len = 0;

  g_assert_cmpint (cv_frame_keys_encrypt (ann->frame_keys, TEST_CONTEXT, (const guint8 *) text, strlen (text),
                                          out, sizeof out, &len), ==, CV_OK);
  return g_bytes_new (out, len);
}

/* Decrypts a copy of frame with keys: CV_OK and the plaintext, or the refusal. */
static cv_status
open_frame (CvFrameKeys *keys, GBytes *frame, char **text, guint64 *epoch_bits)
{
  gsize len = 0;
  g_autofree guint8 *copy = g_memdup2 (g_bytes_get_data (frame, &len), g_bytes_get_size (frame));
  gsize offset = 0, plain_len = 0;
  cv_sframe_frame_info info = { 0 };
  cv_status st = cv_frame_keys_decrypt (keys, copy, len, &offset, &plain_len, &info);

  if (st == CV_OK)
    {
      *text = g_strndup ((const char *) copy + offset, plain_len);
      *epoch_bits = info.kid & 0xff;
    }
  return st;
}

/* Bob leaves, keeping the SFrame key ring he had (as a leaver who wanted
 * to listen on would). Frames Ann sent before still open with it; frames
 * she sends after the epoch that removed him are refused as of an unknown
 * epoch, while Cyd, who stayed, opens them. */
static void
test_leaver_cannot_decrypt (void)
{
  Service service = { 0 };
  CvSession *sessions[3];
  g_autoptr (CvFrameKeys) bob_keys = NULL;
  g_autoptr (GBytes) before_1 = NULL, before_2 = NULL, after = NULL;
  g_autofree char *text = NULL;
  guint64 epoch, epoch_bits = 0;
  cv_status st;

  service_start (&service);
  for (guint i = 0; i < 3; i++)
    sessions[i] = join (&service, names[i]);
  wait_for (sessions, 3, all_at_same_epoch, 20, "three members at one epoch");
  epoch = cv_session_get_epoch (sessions[0]);
  bob_keys = g_object_ref (sessions[1]->frame_keys);

  before_1 = ann_frame (sessions[0], "before the leave 1");
  before_2 = ann_frame (sessions[0], "before the leave 2");
  g_assert_cmpint (open_frame (bob_keys, before_1, &text, &epoch_bits), ==, CV_OK);
  g_assert_cmpstr (text, ==, "before the leave 1");
  g_clear_pointer (&text, g_free);

  cv_session_leave (sessions[1]);
  {
    CvSession *rest[2] = { sessions[0], sessions[2] };
    wait_for (rest, 2, all_at_same_epoch, 20, "Ann and Cyd at the epoch without Bob");
  }
  g_assert_cmpuint (cv_session_get_epoch (sessions[0]), ==, epoch + 1);

  after = ann_frame (sessions[0], "after the leave");
  st = open_frame (sessions[2]->frame_keys, after, &text, &epoch_bits);
  g_assert_cmpint (st, ==, CV_OK);
  g_assert_cmpstr (text, ==, "after the leave");
  g_assert_cmpuint (epoch_bits, ==, (epoch + 1) & 0xff);
  g_clear_pointer (&text, g_free);

  st = open_frame (bob_keys, after, &text, &epoch_bits);
  g_test_message ("Bob's key ring on a frame of epoch %" G_GUINT64_FORMAT ": %s (%s)", epoch + 1,
                  cv_status_name (st), cv_status_message ());
  g_assert_cmpint (st, !=, CV_OK);
  g_assert_null (text);
  g_assert_cmpint (cv_frame_keys_reason_for_status (st), ==, CV_FRAME_DROP_REJECTED);

  /* His ring still works for what he was entitled to. */
  g_assert_cmpint (open_frame (bob_keys, before_2, &text, &epoch_bits), ==, CV_OK);
  g_assert_cmpstr (text, ==, "before the leave 2");
  g_assert_cmpuint (epoch_bits, ==, epoch & 0xff);

  for (guint i = 0; i < 3; i++)
    {
      cv_session_leave (sessions[i]);
      g_object_unref (sessions[i]);
    }
  service_stop (&service);
}

/* ---- a leaf reported gone, then taken over ---- */

static guint32
own_leaf (CvSession *session)
{
  GListModel *members = cv_session_get_members (session);

  for (guint i = 0; i < g_list_model_get_n_items (members); i++)
    {
      g_autoptr (CvMeetingMember) m = g_list_model_get_item (members, i);
      if (cv_meeting_member_get_is_self (m))
        return cv_meeting_member_get_leaf_index (m);
    }
  g_assert_not_reached ();
}

/* Everyone sees Dan as a room device and the others as the app, Dan too. */
static gboolean
kinds_seen (CvSession **sessions, guint n)
{
  for (guint v = 0; v < n; v++)
    {
      GListModel *members = cv_session_get_members (sessions[v]);

      if (g_list_model_get_n_items (members) != n)
        return FALSE;
      for (guint i = 0; i < n; i++)
        {
          g_autoptr (CvMeetingMember) m = g_list_model_get_item (members, i);
          CvMemberKind want = g_str_equal (cv_meeting_member_get_display_name (m), "Dan")
                              ? CV_MEMBER_KIND_ROOM_DEVICE : CV_MEMBER_KIND_APP;
          if (cv_meeting_member_get_kind (m) != want)
            return FALSE;
        }
    }
  return TRUE;
}

/* Three meet; by leaf, the first is the committer, the last leaves. The
 * middle one, not the committer, is told without a Remove proposal he can
 * use (as when the service's does not verify): he keeps that leaf to
 * remove. The committer's commit removes it and he forgets it. Dan, a room
 * device, takes the freed leaf. When the first leaves, the middle one is the
 * committer (lowest leaf): his commit removes the first only, and Dan stays.
 * Along the way, everyone sees who is the app and who the room device. */
static void
test_reused_leaf (void)
{
  Service service = { 0 };
  CvSession *sessions[4];
  CvSession *first, *stays, *goes;
  g_autoptr (JsonObject) report = json_object_new ();
  guint32 freed_leaf;

  service_start (&service);
  for (guint i = 0; i < 3; i++)
    sessions[i] = join (&service, names[i]);
  wait_for (sessions, 3, all_at_same_epoch, 20, "three members at one epoch");
  /* Whose join the service saw first created the group: leaves by order. */
  first = stays = goes = sessions[0];
  for (guint i = 0; i < 3; i++)
    {
      if (own_leaf (sessions[i]) < own_leaf (first))
        first = sessions[i];
      if (own_leaf (sessions[i]) > own_leaf (goes))
        goes = sessions[i];
    }
  for (guint i = 0; i < 3; i++)
    if (sessions[i] != first && sessions[i] != goes)
      stays = sessions[i];
  g_assert_true (first->committer);
  g_assert_false (stays->committer);
  freed_leaf = own_leaf (goes);

  cv_session_leave (goes);
  json_object_set_string_member (report, "type", "remove-needed");
  json_object_set_int_member (report, "participant", goes->participant_id);
  json_object_set_int_member (report, "leaf_index", freed_leaf);
  json_object_set_int_member (report, "epoch", (gint64) cv_session_get_epoch (stays));
  json_object_set_string_member (report, "reason", "left");
  cv_session_group_on_message (stays, "remove-needed", report);
  g_assert_cmpuint (stays->leaves_to_remove->len, ==, 1);
  /* The same report again is one entry; one about himself is none. */
  cv_session_group_on_message (stays, "remove-needed", report);
  json_object_set_int_member (report, "leaf_index", own_leaf (stays));
  cv_session_group_on_message (stays, "remove-needed", report);
  g_assert_cmpuint (stays->leaves_to_remove->len, ==, 1);
  {
    CvSession *two[2] = { first, stays };
    wait_for (two, 2, all_at_same_epoch, 20, "the first two at the epoch without the third");
  }
  g_assert_cmpuint (stays->leaves_to_remove->len, ==, 0);

  sessions[3] = new_session (names[3]);
  cv_session_set_kind (sessions[3], CV_MEMBER_KIND_ROOM_DEVICE);
  start_join (&service, sessions[3]);
  {
    CvSession *now[3] = { first, stays, sessions[3] };
    wait_for (now, 3, all_at_same_epoch, 20, "the first two and Dan at one epoch");
    g_assert_cmpuint (own_leaf (sessions[3]), ==, freed_leaf);
    wait_for (now, 3, kinds_seen, 10, "Dan seen as a room device, the others as the app");
  }

  cv_session_leave (first);
  {
    CvSession *rest[2] = { stays, sessions[3] };
    wait_for (rest, 2, all_at_same_epoch, 20, "the second and Dan at the epoch without the first");
    g_assert_true (stays->committer);
    g_assert_cmpuint (own_leaf (sessions[3]), ==, freed_leaf);
  }

  for (guint i = 0; i < 4; i++)
    {
      cv_session_leave (sessions[i]);
      g_object_unref (sessions[i]);
    }
  service_stop (&service);
}

/* ---- identities ---- */

static GBytes *
pem_of_cert (X509 *cert)
{
  BIO *bio = BIO_new (BIO_s_mem ());
  char *data = NULL;
  long len;
  GBytes *pem;

  g_assert_cmpint (PEM_write_bio_X509 (bio, cert), ==, 1);
  len = BIO_get_mem_data (bio, &data);
  pem = g_bytes_new (data, (gsize) len);
  BIO_free (bio);
  return pem;
}

static GBytes *
pem_of_key (EVP_PKEY *key)
{
  BIO *bio = BIO_new (BIO_s_mem ());
  char *data = NULL;
  long len;
  GBytes *pem;

  g_assert_cmpint (PEM_write_bio_PrivateKey (bio, key, NULL, NULL, 0, NULL, NULL), ==, 1);
  len = BIO_get_mem_data (bio, &data);
  pem = g_bytes_new (data, (gsize) len);
  BIO_free (bio);
  return pem;
}

static CvMeetingMember *
member_at (CvSession *viewer, CvSession *member)
{
  GListModel *members = cv_session_get_members (viewer);
  GListModel *own = cv_session_get_members (member);

  /* The member's own leaf, from its own list. */
  for (guint i = 0; i < g_list_model_get_n_items (own); i++)
    {
      g_autoptr (CvMeetingMember) self_item = g_list_model_get_item (own, i);
      if (!cv_meeting_member_get_is_self (self_item))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (members); j++)
        {
          CvMeetingMember *m = g_list_model_get_item (members, j);
          if (cv_meeting_member_get_leaf_index (m) == cv_meeting_member_get_leaf_index (self_item))
            return m;
          g_object_unref (m);
        }
    }
  g_assert_not_reached ();
}

static CvCertificateVerdict
verdict_at (CvSession *viewer, CvSession *member)
{
  g_autoptr (CvMeetingMember) m = member_at (viewer, member);
  return cv_meeting_member_get_verdict (m);
}

/* Ann holds a certificate of a partner CA, Cyd one of the meeting service's
 * CA (both Ed25519, made now); Bob has a basic credential and trusts the
 * partner CA. Everyone sees Cyd verified internally (the service CA's root
 * comes from the service), only Bob sees Ann verified externally, and nobody
 * sees Bob verified. A P-256 key cannot join a suite-1 meeting. */
static void
test_identities (void)
{
  Service service = { 0 };
  CvSession *sessions[3];
  g_autoptr (GError) error = NULL;
  g_autoptr (CvTestCert) partner_ca = cv_test_cert_new ("Partner Root", "Partner Org", NULL, 1, TRUE, NULL, "ED25519");
  g_autoptr (CvTestCert) ann_cert = cv_test_cert_new ("Ann Partner", "Partner Org", NULL, 2, FALSE, partner_ca,
                                                      "ED25519");
  g_autoptr (CvTestCert) p256 = cv_test_cert_new ("Pat P256", NULL, NULL, 3, FALSE, partner_ca, "P-256");
  g_autoptr (CvServiceCa) service_ca = NULL;
  g_autoptr (GBytes) cyd_der = NULL, ann_chain = NULL, ann_key = NULL, cyd_chain = NULL, cyd_key = NULL;
  g_autoptr (GBytes) p256_chain = NULL, p256_key = NULL;
  g_autofree char *ca_dir = g_dir_make_tmp ("conclave-partner-XXXXXX", NULL);
  g_autofree char *ca_path = NULL;
  g_autofree char *rm = NULL;
  EVP_PKEY *cyd_pkey = EVP_PKEY_Q_keygen (NULL, NULL, "ED25519");
  X509 *cyd_x509;
  const guint8 *p;
  gsize len;

  service_start (&service);
  /* The service's CA lives in its state folder: issue Cyd's certificate as
   * request-certificate would after a sign-in. */
  service_ca = cv_service_ca_new (service.state_dir, "127.0.0.1", &error);
  g_assert_no_error (error);
  cyd_der = cv_service_ca_issue_for_key (service_ca, cyd_pkey, "Cyd Service", 1, &error);
  g_assert_no_error (error);
  p = g_bytes_get_data (cyd_der, &len);
  cyd_x509 = d2i_X509 (NULL, &p, (long) len);
  g_assert_nonnull (cyd_x509);
  cyd_chain = pem_of_cert (cyd_x509);
  cyd_key = pem_of_key (cyd_pkey);
  X509_free (cyd_x509);
  EVP_PKEY_free (cyd_pkey);
  ann_chain = pem_of_cert (ann_cert->cert);
  ann_key = pem_of_key (ann_cert->key);
  ca_path = cv_test_cert_write_pem (partner_ca, ca_dir, "partner.pem");

  /* A key that suite 1 cannot sign with is refused when joining. */
  {
    g_autoptr (CvSession) pat = new_session ("Pat");
    p256_chain = pem_of_cert (p256->cert);
    p256_key = pem_of_key (p256->key);
    cv_session_set_identity (pat, p256_chain, p256_key);
    g_assert_false (cv_session_join (pat, service.invite, NULL, &error));
    g_assert_error (error, CV_SESSION_ERROR, CV_SESSION_ERROR_CRYPTO);
    g_test_message ("P-256 key: %s", error->message);
    g_assert_nonnull (strstr (error->message, "Ed25519"));
    g_clear_error (&error);
    /* Ann's certificate with Cyd's key: the key does not belong to it. */
    cv_session_set_identity (pat, ann_chain, cyd_key);
    g_assert_false (cv_session_join (pat, service.invite, NULL, &error));
    g_assert_error (error, CV_SESSION_ERROR, CV_SESSION_ERROR_CRYPTO);
    g_clear_error (&error);
  }

  for (guint i = 0; i < 3; i++)
    sessions[i] = new_session (names[i]);
  cv_session_set_identity (sessions[0], ann_chain, ann_key);
  cv_session_set_identity (sessions[2], cyd_chain, cyd_key);
  cv_session_set_partner_cas (sessions[1], (const char *[]) { ca_path, NULL });
  for (guint i = 0; i < 3; i++)
    start_join (&service, sessions[i]);
  wait_for (sessions, 3, all_at_same_epoch, 20, "three members at one epoch");

  g_assert_cmpint (verdict_at (sessions[1], sessions[0]), ==, CV_CERTIFICATE_VERIFIED_EXTERNAL);
  {
    g_autoptr (CvMeetingMember) ann = member_at (sessions[1], sessions[0]);
    CvCertificateInfo *info = cv_meeting_member_get_certificate (ann);
    g_assert_cmpstr (cv_meeting_member_get_display_name (ann), ==, "Ann Partner");
    g_assert_nonnull (strstr (cv_certificate_info_get_trust_anchor (info), "Partner Root"));
  }
  /* Without the partner CA Ann's certificate proves nothing. */
  g_assert_cmpint (verdict_at (sessions[2], sessions[0]), ==, CV_CERTIFICATE_UNVERIFIED);
  for (guint v = 0; v < 3; v++)
    {
      g_assert_cmpint (verdict_at (sessions[v], sessions[2]), ==, CV_CERTIFICATE_VERIFIED_INTERNAL);
      g_assert_cmpint (verdict_at (sessions[v], sessions[1]), ==, CV_CERTIFICATE_UNVERIFIED);
    }
  {
    g_autoptr (CvMeetingMember) cyd = member_at (sessions[0], sessions[2]);
    g_assert_cmpstr (cv_meeting_member_get_display_name (cyd), ==, "Cyd Service");
  }

  for (guint i = 0; i < 3; i++)
    {
      cv_session_leave (sessions[i]);
      g_object_unref (sessions[i]);
    }
  service_stop (&service);
  rm = g_strdup_printf ("rm -rf '%s'", ca_dir);
  g_assert_cmpint (system (rm), ==, 0);
}

int
main (int argc, char *argv[])
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/app/session/three-meet", test_three_meet);
  g_test_add_func ("/app/session/identities", test_identities);
  g_test_add_func ("/app/session/participant-state", test_participant_state);
  g_test_add_func ("/app/session/chat-across-epoch", test_chat_across_epoch);
  g_test_add_func ("/app/session/reconnect", test_reconnect);
  g_test_add_func ("/app/session/leaver-cannot-decrypt", test_leaver_cannot_decrypt);
  g_test_add_func ("/app/session/reused-leaf", test_reused_leaf);
  g_test_add_func ("/app/session/standard-meeting", test_standard_meeting);
  g_test_add_func ("/app/session/bad-application-messages", test_bad_application_messages);
  if (g_test_slow ())
    g_test_add_func ("/app/session/reconnect-gives-up", test_reconnect_gives_up);
  return g_test_run ();
}
