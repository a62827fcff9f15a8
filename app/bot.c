/* conclave-bot: a headless participant for tests, benchmarks and the demo.
 *
 * It runs the same CvSession as the app with test media (a moving pattern
 * with its name, a tone), prints the Security Verification Code whenever it
 * changes and, every few seconds, what it receives from whom. Output lines
 * start with the bot's name so that several bots can share a terminal.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <gst/gst.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cv-certificate-request.h"
#include "cv-identity.h"
#include "cv-invite-link.h"
#include "cv-meeting-member.h"
#include "cv-recorder.h"
#include "cv-remote-stream.h"
#include "cv-session.h"
#include "cv-signaling-client.h"

typedef struct {
  char *name;
  CvSession *session;
  gboolean chat_sent;
  char *record_path;     /* --record, for the first bot */
  CvRecorder *recorder;
} Bot;

/* Seconds between joining and sending --chat. */
#define CHAT_DELAY_S 3

static GMainLoop *loop;
static char *chat_text;
static guint running;

static void
bot_print (Bot *bot, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
bot_print (Bot        *bot,
           const char *fmt,
           ...)
{
  g_autofree char *text = NULL;
  va_list ap;

  va_start (ap, fmt);
  text = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  printf ("%s: %s\n", bot->name, text);
  fflush (stdout);
}

static void
code_changed_cb (CvSecurityState *security,
                 GParamSpec      *pspec,
                 Bot             *bot)
{
  const char *code = cv_security_state_get_code (security);

  if (code == NULL)
    return;
  bot_print (bot, "security-code %s epoch %" G_GUINT64_FORMAT " members %u (%s)", code,
             cv_security_state_get_epoch (security), cv_security_state_get_member_count (security),
             cv_security_state_get_change_reason (security) ? cv_security_state_get_change_reason (security) : "");
}

static gboolean
send_chat_cb (gpointer user_data)
{
  Bot *bot = user_data;
  g_autoptr (GError) error = NULL;

  if (!cv_session_send_chat (bot->session, chat_text, &error))
    bot_print (bot, "chat not sent: %s", error->message);
  return G_SOURCE_REMOVE;
}

static void
recording_saved_cb (CvRecorder *recorder,
                    const char *path,
                    Bot        *bot)
{
  bot_print (bot, "recording saved: %s", path);
}

static void
recording_failed_cb (CvRecorder *recorder,
                     GError     *error,
                     Bot        *bot)
{
  bot_print (bot, "recording failed: %s", error->message);
  cv_session_set_recording (bot->session, FALSE);
}

/* --record: what we receive (and our own video and microphone) from the moment we are in. */
static void
start_recording (Bot *bot)
{
  GListModel *streams = cv_session_get_remote_streams (bot->session);
  g_autoptr (GError) error = NULL;

  if (streams == NULL)
    {
      bot_print (bot, "recording failed: no media in this meeting");
      return;
    }
  bot->recorder = cv_recorder_new (streams);
  cv_recorder_set_self_view (bot->recorder, cv_session_get_self_view (bot->session));
  cv_recorder_set_self_audio (bot->recorder, cv_session_get_self_audio (bot->session));
  g_signal_connect (bot->recorder, "saved", G_CALLBACK (recording_saved_cb), bot);
  g_signal_connect (bot->recorder, "failed", G_CALLBACK (recording_failed_cb), bot);
  if (!cv_recorder_start (bot->recorder, bot->record_path, &error))
    {
      bot_print (bot, "recording failed: %s", error->message);
      return;
    }
  cv_session_set_recording (bot->session, TRUE);
  bot_print (bot, "recording to %s", bot->record_path);
}

static void
stop_recording (Bot *bot)
{
  if (bot->recorder == NULL || !cv_recorder_is_recording (bot->recorder))
    return;
  cv_recorder_stop (bot->recorder);
  cv_session_set_recording (bot->session, FALSE);
}

static void
state_changed_cb (CvSession  *session,
                  GParamSpec *pspec,
                  Bot        *bot)
{
  /* A while after joining, so that participants who join with us are
   * members when it is sent: an MLS message reaches only the members of its
   * epoch. (One sent just before a commit is still read by those who merged
   * it: members keep past epochs' keys a while, docs/decisions.md.) */
  if (cv_session_get_state (session) == CV_SESSION_IN_MEETING && chat_text != NULL && !bot->chat_sent)
    {
      bot->chat_sent = TRUE;
      g_timeout_add_seconds (CHAT_DELAY_S, send_chat_cb, bot);
    }
  if (cv_session_get_state (session) == CV_SESSION_IN_MEETING && bot->record_path != NULL
      && bot->recorder == NULL)
    start_recording (bot);
  if (cv_session_get_state (session) == CV_SESSION_IN_MEETING && !cv_session_get_e2ee (session))
    bot_print (bot, "not end-to-end encrypted: the service can see this meeting's media");
}

static void
failed_cb (CvSession *session,
           GError    *error,
           Bot       *bot)
{
  bot_print (bot, "failed: %s", error->message);
  if (--running == 0)
    g_main_loop_quit (loop);
}

static void
chat_cb (CvSession  *session,
         const char *from,
         const char *text,
         Bot        *bot)
{
  bot_print (bot, "chat from %s: %s", from, text);
}

static void
report (Bot *bot)
{
  GListModel *members = cv_session_get_members (bot->session);
  GListModel *streams = cv_session_get_remote_streams (bot->session);

  for (guint i = 0; i < g_list_model_get_n_items (members); i++)
    {
      g_autoptr (CvMeetingMember) m = g_list_model_get_item (members, i);
      guint64 video = 0, audio = 0;

      if (cv_meeting_member_get_is_self (m))
        continue;
      for (guint s = 0; streams && s < g_list_model_get_n_items (streams); s++)
        {
          g_autoptr (CvRemoteStream) stream = g_list_model_get_item (streams, s);
          if (cv_remote_stream_get_sender_leaf (stream) != cv_meeting_member_get_leaf_index (m))
            continue;
          if (cv_remote_stream_get_kind (stream) == CV_MEDIA_KIND_VIDEO)
            video += cv_remote_stream_get_frames (stream);
          else
            audio += cv_remote_stream_get_frames (stream);
        }
      bot_print (bot, "received from %s (%s): video %" G_GUINT64_FORMAT " frames, audio %" G_GUINT64_FORMAT
                 " frames, media %s", cv_meeting_member_get_display_name (m),
                 cv_certificate_verdict_to_string (cv_meeting_member_get_verdict (m)), video, audio,
                 cv_media_auth_state_name (cv_session_get_media_auth (bot->session,
                                                                      cv_meeting_member_get_leaf_index (m))));
    }
}

static gboolean
report_cb (gpointer user_data)
{
  GPtrArray *bots = user_data;

  for (guint i = 0; i < bots->len; i++)
    {
      Bot *bot = g_ptr_array_index (bots, i);
      if (cv_session_get_state (bot->session) == CV_SESSION_IN_MEETING)
        report (bot);
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
leave_cb (gpointer user_data)
{
  GPtrArray *bots = user_data;

  for (guint i = 0; i < bots->len; i++)
    {
      Bot *bot = g_ptr_array_index (bots, i);
      report (bot);
      stop_recording (bot);
      cv_session_leave (bot->session);
      bot_print (bot, "left");
    }
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static gboolean
signal_cb (gpointer user_data)
{
  return leave_cb (user_data);
}

static void
bot_free (gpointer data)
{
  Bot *bot = data;

  g_clear_object (&bot->recorder);
  g_clear_object (&bot->session);
  g_free (bot->record_path);
  g_free (bot->name);
  g_free (bot);
}

static void
certificate_requested_cb (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* --account: a certificate from the meeting's own service CA, kept in a
 * private temporary folder for this run. */
static CvCertificateRequestFiles *
request_certificate (CvInviteLink *link,
                     const char   *account,
                     const char   *password_file,
                     char        **folder,
                     GError      **error)
{
  g_autoptr (GBytes) password = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autofree char *text = NULL;
  gsize len = 0;
  const char *data;

  if (password_file == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _("--account needs --password-file"));
      return NULL;
    }
  password = cv_identity_read_secret_file (password_file, error);
  if (password == NULL)
    return NULL;
  *folder = g_dir_make_tmp ("conclave-bot-XXXXXX", error);
  if (*folder == NULL)
    return NULL;
  /* The password is the file's first line. */
  data = g_bytes_get_data (password, &len);
  text = g_strndup (data, len);
  text[strcspn (text, "\r\n")] = '\0';
  cv_certificate_request_async (link->host, link->port, link->fingerprint, account, text, *folder, NULL,
                                certificate_requested_cb, &result);
  explicit_bzero (text, strlen (text));
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return cv_certificate_request_finish (result, error);
}

static void
remove_folder (const char *folder)
{
  const char *names[] = { "certificate.pem", "key.pem", "service-ca.pem" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (folder, names[i], NULL);
      g_unlink (path);
    }
  g_rmdir (folder);
}

/* An invite link from --meeting, or from --server + number + --fingerprint. */
static char *
invite_for (const char *server, const char *meeting, const char *fingerprint, GError **error)
{
  if (g_str_has_prefix (meeting, "conclave://") || g_str_has_prefix (meeting, "https://"))
    return g_strdup (meeting);
  if (server == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _("--server is needed with a meeting number"));
      return NULL;
    }
  return g_strdup_printf ("conclave://%s/j/%s%s%s", server, meeting,
                          fingerprint ? "?fp=" : "", fingerprint ? fingerprint : "");
}

int
main (int argc, char *argv[])
{
  g_autofree char *server = NULL, *meeting = NULL, *name = NULL, *record = NULL, *fingerprint = NULL;
  g_autofree char *invite = NULL;
  g_autofree char *certificate = NULL, *key = NULL, *account = NULL, *password_file = NULL;
  g_autofree char *request_folder = NULL;
  g_auto (GStrv) partner_cas = NULL;
  g_autoptr (GBytes) identity_chain = NULL;
  g_autoptr (GBytes) identity_key = NULL;
  int count = 1, leave_after = 0;
  gboolean no_video = FALSE;
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) bots = g_ptr_array_new_with_free_func (bot_free);
  g_autoptr (CvInviteLink) link = NULL;
  const GOptionEntry entries[] = {
    { "server", 's', 0, G_OPTION_ARG_STRING, &server, N_("Meeting service, HOST[:PORT]"), N_("HOST") },
    { "meeting", 'm', 0, G_OPTION_ARG_STRING, &meeting, N_("Meeting number or invite link"), N_("MEETING") },
    { "fingerprint", 0, 0, G_OPTION_ARG_STRING, &fingerprint, N_("SHA-256 of the service's certificate, when --meeting is a number"), N_("HEX") },
    { "name", 'n', 0, G_OPTION_ARG_STRING, &name, N_("Display name (numbered when --count > 1)"), N_("NAME") },
    { "count", 'c', 0, G_OPTION_ARG_INT, &count, N_("How many participants to run"), N_("N") },
    { "chat", 0, 0, G_OPTION_ARG_STRING, &chat_text, N_("Send this chat message 3 seconds after joining"), N_("TEXT") },
    { "no-video", 0, 0, G_OPTION_ARG_NONE, &no_video, N_("Send audio only"), NULL },
    { "record", 0, 0, G_OPTION_ARG_FILENAME, &record, N_("Record the meeting to this WebM file"), N_("FILE") },
    { "leave-after", 0, 0, G_OPTION_ARG_INT, &leave_after, N_("Leave after this many seconds (0: stay)"), N_("SECONDS") },
    { "certificate", 0, 0, G_OPTION_ARG_FILENAME, &certificate, N_("Join with this certificate (PEM chain, leaf first; needs --key)"), N_("FILE") },
    { "key", 0, 0, G_OPTION_ARG_FILENAME, &key, N_("The certificate's private key (PEM)"), N_("FILE") },
    { "account", 0, 0, G_OPTION_ARG_STRING, &account, N_("Sign in to the meeting's service with this account and join with a certificate from its CA"), N_("NAME") },
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &password_file, N_("File whose first line is the account's password"), N_("FILE") },
    { "partner-ca", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &partner_cas, N_("Trust this partner CA (PEM); may be repeated"), N_("FILE") },
    { NULL }
  };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (_("— a headless Conclave participant"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_add_group (context, gst_init_get_option_group ());
  g_option_context_set_summary (context,
                                _("Joins a meeting with test media (a moving pattern with its name, a tone),\n"
                                  "prints the Security Verification Code and what it receives."));
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("conclave-bot: %s\n", error->message);
      return 2;
    }
  if (count < 1 || count > 1000)
    {
      g_printerr ("conclave-bot: %s\n", _("--count must be between 1 and 1000"));
      return 2;
    }
  if (meeting == NULL)
    {
      g_printerr ("conclave-bot: %s\n", _("--meeting is required (see --help)"));
      return 2;
    }
  invite = invite_for (server, meeting, fingerprint, &error);
  if (invite == NULL || (link = cv_invite_link_parse (invite, &error)) == NULL)
    {
      g_printerr ("conclave-bot: %s\n", error->message);
      return 2;
    }
  if ((certificate != NULL) != (key != NULL) || (certificate != NULL && account != NULL))
    {
      g_printerr ("conclave-bot: %s\n", _("--certificate and --key go together, and not with --account"));
      return 2;
    }
  /* Members' signature keys must differ: one identity is one participant. */
  if ((certificate != NULL || account != NULL) && count != 1)
    {
      g_printerr ("conclave-bot: %s\n", _("a certificate identifies one participant: use --count 1"));
      return 2;
    }
  if (account != NULL)
    {
      g_autoptr (CvCertificateRequestFiles) files =
        request_certificate (link, account, password_file, &request_folder, &error);

      if (files == NULL)
        {
          g_printerr ("conclave-bot: %s\n", error->message);
          if (request_folder != NULL)
            remove_folder (request_folder);
          return 1;
        }
      certificate = g_strdup (files->certificate_path);
      key = g_strdup (files->key_path);
    }
  if (certificate != NULL)
    {
      identity_chain = cv_identity_read_secret_file (certificate, &error);
      identity_key = identity_chain ? cv_identity_read_secret_file (key, &error) : NULL;
      /* Read once: the request's private folder is not needed any more. */
      if (request_folder != NULL)
        remove_folder (request_folder);
      if (identity_key == NULL)
        {
          g_printerr ("conclave-bot: %s\n", error->message);
          return 2;
        }
    }

  loop = g_main_loop_new (NULL, FALSE);
  for (int i = 0; i < count; i++)
    {
      Bot *bot = g_new0 (Bot, 1);

      bot->name = count > 1 ? g_strdup_printf ("%s %d", name ? name : "Bot", i + 1)
                            : g_strdup (name ? name : "Bot");
      bot->session = cv_session_new (bot->name);
      bot->record_path = i == 0 ? g_strdup (record) : NULL;
      cv_session_set_media (bot->session, !no_video, TRUE, TRUE);
      if (identity_chain != NULL)
        cv_session_set_identity (bot->session, identity_chain, identity_key);
      cv_session_set_partner_cas (bot->session, (const char * const *) partner_cas);
      g_signal_connect (cv_session_get_security (bot->session), "notify::code", G_CALLBACK (code_changed_cb), bot);
      g_signal_connect (bot->session, "notify::state", G_CALLBACK (state_changed_cb), bot);
      g_signal_connect (bot->session, "failed", G_CALLBACK (failed_cb), bot);
      g_signal_connect (bot->session, "chat", G_CALLBACK (chat_cb), bot);
      g_ptr_array_add (bots, bot);
      if (!cv_session_join (bot->session, invite, NULL, &error))
        {
          g_printerr ("conclave-bot: %s\n", error->message);
          return 1;
        }
      running++;
    }

  g_timeout_add_seconds (2, report_cb, bots);
  if (leave_after > 0)
    g_timeout_add_seconds (leave_after, leave_cb, bots);
  g_unix_signal_add (SIGTERM, signal_cb, bots);
  g_unix_signal_add (SIGINT, signal_cb, bots);
  g_main_loop_run (loop);
  g_main_loop_unref (loop);
  return running == 0 ? 1 : 0;
}
