/* The chat panel: messages of a CvChatLog as rows (own ones marked, hostile
 * text shown literally), the privacy line, and sending with Enter through a
 * real meeting on loopback, the other participant receiving it. */
#include "config.h"

#include <gst/gst.h>
#include <locale.h>

#include "cv-chat-panel.h"
#include "cv-test-meeting.h"
#include "cv-test-ui.h"

typedef struct {
  GtkWindow *window;
  CvChatPanel *panel;
  GtkEntry *entry;
  GtkLabel *privacy;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, 360, 560);
  gtk_window_set_title (f->window, "Chat");
  f->panel = CV_CHAT_PANEL (cv_chat_panel_new ());
  gtk_window_set_child (f->window, GTK_WIDGET (f->panel));
  gtk_window_present (f->window);
  cv_test_ui_wait_mapped (GTK_WIDGET (f->panel));
  f->entry = GTK_ENTRY (cv_test_ui_find_type (GTK_WIDGET (f->panel), GTK_TYPE_ENTRY));
  g_assert_nonnull (f->entry);
  f->privacy = cv_test_ui_find_label_containing (GTK_WIDGET (f->panel), "only on this computer");
  g_assert_nonnull (f->privacy);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  gtk_window_destroy (f->window);
  cv_test_ui_iterate (50);
}

static GtkButton *
find_button (GtkWidget  *root,
             const char *label)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkButton *found;

      if (GTK_IS_BUTTON (child) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (child)), label) == 0)
        return GTK_BUTTON (child);
      if ((found = find_button (child, label)) != NULL)
        return found;
    }
  return NULL;
}

/* A label that is on screen now (list rows are recycled and hidden ones
 * may linger). */
static gboolean
label_shown (GtkWidget  *root,
             const char *text)
{
  GtkLabel *label = cv_test_ui_find_label (root, text);

  return label != NULL && gtk_widget_is_drawable (GTK_WIDGET (label));
}

static void
append (CvChatPanel *panel, const char *sender, const char *text, gboolean outgoing)
{
  g_autoptr (GDateTime) time = g_date_time_new_local (2026, 11, 26, 14, 3, 0);
  g_autoptr (CvChatMessage) message = cv_chat_message_new (sender, text, time, outgoing);

  cv_chat_log_append (cv_chat_panel_get_log (panel), message);
}

static void
test_log (Fixture       *f,
          gconstpointer  data)
{
  GtkWidget *panel = GTK_WIDGET (f->panel);
  GtkButton *save = find_button (panel, "Save _Chat…");
  GtkButton *send = find_button (panel, "_Send");
  GtkLabel *ann, *you;
  g_autofree char *problem = NULL;

  g_assert_nonnull (save);
  g_assert_nonnull (send);
  /* No meeting: nothing to send, nothing to save, and the chat is local. */
  g_assert_true (label_shown (panel, "No messages yet"));
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (f->entry)));
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (save)));
  g_assert_cmpstr (gtk_label_get_text (f->privacy), ==, "The chat is kept only on this computer.");
  problem = gtk_test_accessible_check_property (GTK_ACCESSIBLE (f->entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                                "Message to everyone in the meeting");
  g_assert_null (problem);

  append (f->panel, "Ann", "Hello from Ann", FALSE);
  append (f->panel, "Me", "Hi Ann", TRUE);
  append (f->panel, "Eve", "<b>bold?</b> **Ann** (14:04)\n# heading", FALSE);
  cv_test_ui_iterate (300);

  g_assert_false (label_shown (panel, "No messages yet"));
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (save)));
  g_assert_true (label_shown (panel, "Hello from Ann"));
  g_assert_true (label_shown (panel, "Hi Ann"));
  /* Text from the network is shown as it is, never as markup. */
  g_assert_true (label_shown (panel, "<b>bold?</b> **Ann** (14:04)\n# heading"));
  ann = cv_test_ui_find_label (panel, "Ann");
  g_assert_nonnull (ann);
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (ann), "accent"));
  /* Our own message says "You", in the accent colour. */
  you = cv_test_ui_find_label (panel, "You");
  g_assert_nonnull (you);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (you), "accent"));
  g_assert_true (label_shown (panel, "14:03"));
  g_autofree char *path = cv_test_ui_screenshot (GTK_WIDGET (f->window), "chat-panel-messages");
}

static CvChatMessage *last_at_bob;

static void
bob_chat_cb (CvSession *session, const char *from, const char *text, gpointer data)
{
  g_autoptr (CvChatMessage) message = cv_chat_message_new (from, text, NULL, FALSE);

  g_set_object (&last_at_bob, message);
}

static void
test_meeting (Fixture       *f,
              gconstpointer  data)
{
  CvTestMeeting meeting = { 0 };
  CvSession *sessions[2];
  GtkWidget *panel = GTK_WIDGET (f->panel);
  GtkButton *send = find_button (panel, "_Send");
  CvChatLog *log;
  gint64 deadline;

  cv_test_meeting_start (&meeting, TRUE);
  sessions[0] = cv_test_meeting_join (&meeting, "Ann");
  sessions[1] = cv_test_meeting_join (&meeting, "Bob");
  g_signal_connect (sessions[1], "chat", G_CALLBACK (bob_chat_cb), NULL);
  cv_chat_panel_set_session (f->panel, sessions[0]);
  log = cv_chat_panel_get_log (f->panel);
  /* Joining: the entry waits for the meeting. */
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (f->entry)));

  cv_test_meeting_wait (sessions, 2);
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (f->entry)));
  g_assert_true (g_str_has_prefix (gtk_label_get_text (f->privacy),
                                   "End-to-end encrypted: only the people in this meeting can read the chat."));
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (send)));

  /* Type and press Enter. */
  gtk_widget_grab_focus (GTK_WIDGET (f->entry));
  gtk_editable_set_text (GTK_EDITABLE (f->entry), "Can everyone see the slides?");
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (send)));
  /* What Enter does: the key binding of the entry's text widget emits
   * "activate", which the entry passes on. */
  g_signal_emit_by_name (cv_test_ui_find_type (GTK_WIDGET (f->entry), GTK_TYPE_TEXT), "activate");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (f->entry)), ==, "");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (log)), ==, 1);
  /* The focus stays in the entry for the next message. */
  g_assert_true (gtk_widget_has_focus (cv_test_ui_find_type (GTK_WIDGET (f->entry), GTK_TYPE_TEXT)));

  /* Tab goes from the entry to Send and on to Save Chat. */
  gtk_editable_set_text (GTK_EDITABLE (f->entry), "draft");
  g_assert_true (gtk_widget_child_focus (GTK_WIDGET (f->window), GTK_DIR_TAB_FORWARD));
  g_assert_true (gtk_widget_has_focus (GTK_WIDGET (send)));
  g_assert_true (gtk_widget_child_focus (GTK_WIDGET (f->window), GTK_DIR_TAB_FORWARD));
  g_assert_true (gtk_widget_has_focus (GTK_WIDGET (find_button (panel, "Save _Chat…"))));
  gtk_editable_set_text (GTK_EDITABLE (f->entry), "");

  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (last_at_bob == NULL)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      cv_test_ui_iterate (20);
    }
  g_assert_cmpstr (cv_chat_message_get_sender (last_at_bob), ==, "Ann");
  g_assert_cmpstr (cv_chat_message_get_text (last_at_bob), ==, "Can everyone see the slides?");

  /* Bob answers; the panel shows it under Ann's own message. */
  g_assert_true (cv_session_send_chat (sessions[1], "Yes, page 3", NULL));
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (g_list_model_get_n_items (G_LIST_MODEL (log)) < 2)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      cv_test_ui_iterate (20);
    }
  cv_test_ui_iterate (200);
  g_assert_true (label_shown (panel, "Can everyone see the slides?"));
  g_assert_true (label_shown (panel, "Yes, page 3"));
  g_assert_true (label_shown (panel, "Bob"));
  g_autofree char *path = cv_test_ui_screenshot (GTK_WIDGET (f->window), "chat-panel-meeting");

  /* The meeting ends: the transcript stays, the entry says why it is off. */
  cv_session_leave (sessions[0]);
  cv_chat_panel_set_session (f->panel, NULL);
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (f->entry)));
  g_assert_cmpstr (gtk_entry_get_placeholder_text (f->entry), ==, "The meeting has ended");
  g_assert_true (label_shown (panel, "Yes, page 3"));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (cv_chat_panel_get_log (f->panel))), ==, 2);

  cv_session_leave (sessions[1]);
  g_object_unref (sessions[0]);
  g_object_unref (sessions[1]);
  g_clear_object (&last_at_bob);
  cv_test_meeting_stop (&meeting);
}

/* A standard meeting: the privacy line says the service can read the chat,
 * and the chat still goes through. */
static void
test_standard_meeting (Fixture       *f,
                       gconstpointer  data)
{
  CvTestMeeting meeting = { 0 };
  CvSession *sessions[2];
  gint64 deadline;

  cv_test_meeting_start (&meeting, FALSE);
  sessions[0] = cv_test_meeting_join (&meeting, "Ann");
  sessions[1] = cv_test_meeting_join (&meeting, "Bob");
  g_signal_connect (sessions[1], "chat", G_CALLBACK (bob_chat_cb), NULL);
  cv_chat_panel_set_session (f->panel, sessions[0]);
  cv_test_meeting_wait (sessions, 2);
  g_assert_false (cv_session_get_e2ee (sessions[0]));
  g_assert_cmpstr (gtk_label_get_text (f->privacy), ==,
                   "Not end-to-end encrypted: the meeting service can read the chat. "
                   "It is kept only on this computer.");

  gtk_editable_set_text (GTK_EDITABLE (f->entry), "Plain chat");
  g_signal_emit_by_name (cv_test_ui_find_type (GTK_WIDGET (f->entry), GTK_TYPE_TEXT), "activate");
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (last_at_bob == NULL)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      cv_test_ui_iterate (20);
    }
  g_assert_cmpstr (cv_chat_message_get_text (last_at_bob), ==, "Plain chat");
  /* No MLS credential here: the names are those the service's roster gives. */
  g_assert_cmpstr (cv_chat_message_get_sender (last_at_bob), ==, "Ann");
  {
    CvChatLog *log = cv_chat_panel_get_log (f->panel);
    guint n = g_list_model_get_n_items (G_LIST_MODEL (log));
    g_autoptr (CvChatMessage) own = g_list_model_get_item (G_LIST_MODEL (log), n - 1);

    g_assert_true (cv_chat_message_get_outgoing (own));
    g_assert_cmpstr (cv_chat_message_get_sender (own), ==, "Ann");
  }
  g_autofree char *path = cv_test_ui_screenshot (GTK_WIDGET (f->window), "chat-panel-standard");

  cv_chat_panel_set_session (f->panel, NULL);
  for (guint i = 0; i < 2; i++)
    {
      cv_session_leave (sessions[i]);
      g_object_unref (sessions[i]);
    }
  g_clear_object (&last_at_bob);
  cv_test_meeting_stop (&meeting);
}

static void
test_finalize (void)
{
  GtkWidget *panel = g_object_ref_sink (cv_chat_panel_new ());

  g_assert_finalize_object (panel);
}

int
main (int argc, char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  gst_init (&argc, &argv);
  cv_test_ui_init (&argc, &argv);

  g_test_add_func ("/chat-panel/finalize", test_finalize);
  g_test_add ("/chat-panel/log", Fixture, NULL, fixture_setup, test_log, fixture_teardown);
  g_test_add ("/chat-panel/meeting", Fixture, NULL, fixture_setup, test_meeting, fixture_teardown);
  g_test_add ("/chat-panel/standard-meeting", Fixture, NULL, fixture_setup, test_standard_meeting, fixture_teardown);
  return g_test_run ();
}
