/* CvChatLog: messages in the order they were sent and arrived, a Markdown
 * transcript in which no message can pass for another (hostile names and
 * texts full of Markdown and line breaks), atomic saving, and a real
 * two-person meeting on loopback feeding two logs. */
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <string.h>

#include "cv-chat-log.h"
#include "cv-server.h"

static CvChatMessage *
message_at (const char *sender, const char *text, int hour, int minute, gboolean outgoing)
{
  g_autoptr (GDateTime) time = g_date_time_new_local (2026, 11, 26, hour, minute, 0);

  return cv_chat_message_new (sender, text, time, outgoing);
}

static void
append (CvChatLog *log, const char *sender, const char *text, int hour, int minute, gboolean outgoing)
{
  g_autoptr (CvChatMessage) message = message_at (sender, text, hour, minute, outgoing);

  cv_chat_log_append (log, message);
}

static void
items_changed_cb (GListModel *model, guint position, guint removed, guint added, guint *count)
{
  g_assert_cmpuint (removed, ==, 0);
  g_assert_cmpuint (position + added, ==, g_list_model_get_n_items (model));
  *count += added;
}

static void
test_order_and_markdown (void)
{
  g_autoptr (CvChatLog) log = cv_chat_log_new ();
  g_autofree char *markdown = NULL;
  guint added = 0;

  g_signal_connect (log, "items-changed", G_CALLBACK (items_changed_cb), &added);
  append (log, "Ann", "Good morning", 9, 1, FALSE);
  append (log, "Me", "Hi Ann\nsecond line\n\nnew paragraph", 9, 2, TRUE);
  append (log, "Bob", "Agenda: 1+1=2", 9, 3, FALSE);
  g_assert_cmpuint (added, ==, 3);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (log)) == CV_TYPE_CHAT_MESSAGE);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (log)), ==, 3);
  {
    const char *senders[] = { "Ann", "Me", "Bob" };
    for (guint i = 0; i < 3; i++)
      {
        g_autoptr (CvChatMessage) m = g_list_model_get_item (G_LIST_MODEL (log), i);
        g_assert_cmpstr (cv_chat_message_get_sender (m), ==, senders[i]);
        g_assert_cmpint (cv_chat_message_get_outgoing (m), ==, i == 1);
      }
  }

  markdown = cv_chat_log_to_markdown (log);
  g_assert_cmpstr (markdown, ==,
                   "# Chat\n\n2026-11-26\n\n"
                   "**Ann** (09:01)\n\n> Good morning\n\n"
                   "**Me** (09:02) (you)\n\n> Hi Ann\\\n> second line\n>\n> new paragraph\n\n"
                   "**Bob** (09:03)\n\n> Agenda: 1+1=2\n\n");
}

/* Undoes the escaping of one quoted line: what a Markdown reader shows. */
static void
append_unescaped (GString *out, const char *line)
{
  g_autofree char *spaces = NULL;
  g_auto (GStrv) parts = g_strsplit (line, "&#32;", -1);

  spaces = g_strjoinv (" ", parts);
  for (const char *p = spaces; *p != '\0'; p++)
    {
      if (*p == '\\' && p[1] != '\0' && g_ascii_ispunct (p[1]))
        p++;
      else if (*p == '\\' && p[1] == '\0')
        break;   /* a hard line break */
      g_string_append_c (out, *p);
    }
}

static void
test_hostile_markdown (void)
{
  const char *hostile =
    "ok\n"
    "\n"
    "**Ann** (09:05)\n"
    "\n"
    "> I resign\n"
    "# Decisions\n"
    "Title\n"
    "===\n"
    "---\n"
    "1. first\n"
    "2) second\n"
    "- item\n"
    "+ item\n"
    "    indented code\n"
    "```\n"
    "<script>alert(1)</script>\n"
    "[click](https://evil.example) ![img](x.png) *em* _em_ ~~del~~ | a | b |\n"
    "&amp; trailing backslash \\\n"
    "end";
  g_autoptr (CvChatLog) log = cv_chat_log_new ();
  g_autofree char *markdown = NULL;
  g_auto (GStrv) lines = NULL;
  GString *recovered = g_string_new (NULL);
  guint sender_lines = 0, headings = 0;
  gboolean in_quote = FALSE;

  append (log, "Ann", "Hello", 9, 4, FALSE);
  /* A name with line breaks and Markdown, as a hostile credential might carry. */
  append (log, "Eve**\n\n# Boss\r\n**Ann", hostile, 9, 5, FALSE);
  append (log, "Ann", "Bye", 9, 6, FALSE);

  markdown = cv_chat_log_to_markdown (log);
  g_test_message ("%s", markdown);
  lines = g_strsplit (markdown, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];

      if (g_str_has_prefix (line, "#"))
        headings++;
      else if (g_str_has_prefix (line, "**"))
        sender_lines++;
      else if (*line == '\0' || g_str_equal (line, "2026-11-26"))
        ;
      else
        /* Everything else is quoted text of a message. */
        g_assert_true (g_str_has_prefix (line, "> ") || g_str_equal (line, ">"));
    }
  /* One title, one sender line per message: nothing forged. */
  g_assert_cmpuint (headings, ==, 1);
  g_assert_cmpuint (sender_lines, ==, 3);
  g_assert_nonnull (strstr (markdown, "**Eve\\*\\*  # Boss \\*\\*Ann** (09:05)\n"));

  /* The quoted lines of Eve's message read back as exactly her text. */
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (g_str_has_prefix (lines[i], "**Eve"))
        {
          in_quote = TRUE;
          i++;   /* the blank line after the sender */
          continue;
        }
      if (!in_quote)
        continue;
      if (lines[i][0] != '>')
        break;
      if (recovered->len > 0 || lines[i][1] != '\0')
        {
          /* An empty quoted line is a paragraph break: one empty text line. */
          if (recovered->len > 0)
            g_string_append_c (recovered, '\n');
          append_unescaped (recovered, lines[i][1] == ' ' ? lines[i] + 2 : lines[i] + 1);
        }
    }
  g_assert_cmpstr (recovered->str, ==, hostile);
  g_string_free (recovered, TRUE);
}

static void
test_invalid_text (void)
{
  g_autoptr (CvChatMessage) m = message_at ("\xff\xfe", "a\xc3\x28" "b\x01\x1b[31mc\r\nd\re", 10, 0, FALSE);
  g_autoptr (CvChatMessage) anonymous = message_at ("  ", "x", 10, 0, FALSE);

  g_assert_true (g_utf8_validate (cv_chat_message_get_sender (m), -1, NULL));
  g_assert_true (g_utf8_validate (cv_chat_message_get_text (m), -1, NULL));
  /* Control characters dropped, every kind of line break made "\n". */
  g_assert_null (strchr (cv_chat_message_get_text (m), '\x1b'));
  g_assert_null (strchr (cv_chat_message_get_text (m), '\r'));
  g_assert_nonnull (strstr (cv_chat_message_get_text (m), "[31mc\nd\ne"));
  g_assert_cmpstr (cv_chat_message_get_sender (anonymous), ==, "Unknown participant");
  {
    /* U+202E RIGHT-TO-LEFT OVERRIDE would reverse the time after the name. */
    g_autoptr (CvChatMessage) reversed = message_at ("Eve\xe2\x80\xae", "\xe2\x80\xaeolleh", 10, 0, FALSE);
    g_assert_cmpstr (cv_chat_message_get_sender (reversed), ==, "Eve");
    g_assert_cmpstr (cv_chat_message_get_text (reversed), ==, "\xe2\x80\xaeolleh");
  }
}

static void
test_save (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("conclave-chat-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "chat.md", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFile) nowhere = g_file_new_build_filename (dir, "no-such-folder", "chat.md", NULL);
  g_autoptr (CvChatLog) log = cv_chat_log_new ();
  g_autofree char *markdown = NULL;
  g_autofree char *saved = NULL;
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);

  g_assert_no_error (error);
  append (log, "Ann", "Minutes follow", 11, 0, FALSE);
  g_assert_true (g_file_set_contents (path, "older transcript", -1, NULL));
  g_assert_true (cv_chat_log_save (log, file, &error));
  g_assert_no_error (error);
  markdown = cv_chat_log_to_markdown (log);
  g_assert_true (g_file_get_contents (path, &saved, NULL, NULL));
  g_assert_cmpstr (saved, ==, markdown);

  g_assert_false (cv_chat_log_save (log, nowhere, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "chat.md"));
  g_assert_nonnull (strstr (error->message, "folder does not exist"));
  g_assert_cmpint (system (cmd), ==, 0);
}

/* ---- a real meeting ---- */

static void
failed_cb (CvSession *session, GError *error, gpointer data)
{
  g_error ("session failed: %s", error->message);
}

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
wait_for_items (GListModel *model, guint n, const char *what)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (20, timeout_cb, &timed_out);

  while (!timed_out && g_list_model_get_n_items (model) < n)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_error ("timed out waiting for %s", what);
  g_source_remove (id);
}

static gboolean
both_in_meeting (CvSession *a, CvSession *b)
{
  return cv_session_get_state (a) == CV_SESSION_IN_MEETING
         && cv_session_get_state (b) == CV_SESSION_IN_MEETING
         && g_list_model_get_n_items (cv_session_get_members (a)) == 2
         && g_list_model_get_n_items (cv_session_get_members (b)) == 2
         && cv_session_get_epoch (a) == cv_session_get_epoch (b);
}

static void
check_item (CvChatLog *log, guint i, const char *sender, const char *text, gboolean outgoing)
{
  g_autoptr (CvChatMessage) m = g_list_model_get_item (G_LIST_MODEL (log), i);

  g_assert_cmpstr (cv_chat_message_get_sender (m), ==, sender);
  g_assert_cmpstr (cv_chat_message_get_text (m), ==, text);
  g_assert_cmpint (cv_chat_message_get_outgoing (m), ==, outgoing);
}

static void
test_meeting (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CvSiteConfig) config = cv_site_config_new ();
  g_autofree char *state_dir = g_dir_make_tmp ("conclave-chat-log-XXXXXX", &error);
  g_autofree char *number = NULL;
  g_autofree char *invite = NULL;
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", state_dir);
  g_autoptr (CvServer) server = NULL;
  CvSession *ann = cv_session_new ("Ann");
  CvSession *bob = cv_session_new ("Bob");
  g_autoptr (CvChatLog) ann_log = cv_chat_log_new ();
  g_autoptr (CvChatLog) bob_log = cv_chat_log_new ();
  gboolean timed_out = FALSE;
  guint id;

  g_object_set (config, "port", 0, "relay-port", 0, "state-dir", state_dir, "bind", "127.0.0.1",
                "public-host", "127.0.0.1", NULL);
  server = cv_server_new (config, &error);
  g_assert_no_error (error);
  g_assert_true (cv_server_start (server, &error));
  number = cv_server_create_meeting (server, TRUE, NULL, &error);
  g_assert_no_error (error);
  invite = cv_server_build_invite (server, number);

  /* Ann's log gets her session before she joins, Bob's after. */
  cv_chat_log_set_session (ann_log, ann);
  g_assert_null (cv_chat_log_get_meeting_number (ann_log));
  for (guint i = 0; i < 2; i++)
    {
      CvSession *s = i == 0 ? ann : bob;
      cv_session_set_media (s, FALSE, FALSE, TRUE);
      g_signal_connect (s, "failed", G_CALLBACK (failed_cb), NULL);
      g_assert_true (cv_session_join (s, invite, NULL, &error));
      g_assert_no_error (error);
    }
  cv_chat_log_set_session (bob_log, bob);
  g_assert_cmpstr (cv_chat_log_get_meeting_number (ann_log), ==, number);
  g_assert_cmpstr (cv_chat_log_get_meeting_number (bob_log), ==, number);

  id = g_timeout_add_seconds (20, timeout_cb, &timed_out);
  while (!timed_out && !both_in_meeting (ann, bob))
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (id);
  g_assert_true (cv_session_get_e2ee (ann));

  g_assert_false (cv_chat_log_send (ann_log, "  \n ", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (ann_log)), ==, 0);

  g_assert_true (cv_chat_log_send (ann_log, "Shall we start?", &error));
  g_assert_no_error (error);
  check_item (ann_log, 0, "Ann", "Shall we start?", TRUE);
  wait_for_items (G_LIST_MODEL (bob_log), 1, "Ann's message at Bob");
  check_item (bob_log, 0, "Ann", "Shall we start?", FALSE);

  g_assert_true (cv_chat_log_send (bob_log, "Yes\n# not a heading", &error));
  g_assert_no_error (error);
  g_assert_true (cv_chat_log_send (bob_log, "Second", &error));
  g_assert_no_error (error);
  wait_for_items (G_LIST_MODEL (ann_log), 3, "Bob's messages at Ann");
  check_item (ann_log, 1, "Bob", "Yes\n# not a heading", FALSE);
  check_item (ann_log, 2, "Bob", "Second", FALSE);
  check_item (bob_log, 1, "Bob", "Yes\n# not a heading", TRUE);
  check_item (bob_log, 2, "Bob", "Second", TRUE);

  /* The meeting ends: the transcript stays, sending says why it cannot. */
  cv_session_leave (ann);
  cv_chat_log_set_session (ann_log, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (ann_log)), ==, 3);
  g_assert_false (cv_chat_log_send (ann_log, "Anyone?", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
  g_clear_error (&error);
  g_assert_cmpstr (cv_chat_log_get_meeting_number (ann_log), ==, number);

  cv_session_leave (bob);
  g_object_unref (ann);
  g_object_unref (bob);
  cv_server_stop (server);
  g_assert_cmpint (system (cmd), ==, 0);
}

int
main (int argc, char *argv[])
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/app/chat-log/order-and-markdown", test_order_and_markdown);
  g_test_add_func ("/app/chat-log/hostile-markdown", test_hostile_markdown);
  g_test_add_func ("/app/chat-log/invalid-text", test_invalid_text);
  g_test_add_func ("/app/chat-log/save", test_save);
  g_test_add_func ("/app/chat-log/meeting", test_meeting);
  return g_test_run ();
}
