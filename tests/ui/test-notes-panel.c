/* The notes panel: typing autosaves into "<notes folder>/<date> Meeting
 * <number>.md" of a real meeting and says "Saved hh:mm"; a failing write is
 * shown as an error and keeps the saved file; leaving the meeting saves at
 * once; the privacy line and the accessible label are there. */
#include "config.h"

#include <gst/gst.h>
#include <locale.h>
#include <signal.h>
#include <sys/resource.h>

#include "cv-notes-panel.h"
#include "cv-test-meeting.h"
#include "cv-test-ui.h"

typedef struct {
  GtkWindow *window;
  CvNotesPanel *panel;
  GtkTextView *text_view;
  GSettings *settings;
  char *folder;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr (GError) error = NULL;

  f->folder = g_dir_make_tmp ("conclave-notes-panel-XXXXXX", &error);
  g_assert_no_error (error);
  f->settings = g_settings_new (APP_ID);
  g_settings_set_string (f->settings, "notes-folder", f->folder);

  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, 360, 480);
  gtk_window_set_title (f->window, "Notes");
  f->panel = CV_NOTES_PANEL (cv_notes_panel_new ());
  gtk_window_set_child (f->window, GTK_WIDGET (f->panel));
  gtk_window_present (f->window);
  cv_test_ui_wait_mapped (GTK_WIDGET (f->panel));
  f->text_view = GTK_TEXT_VIEW (cv_test_ui_find_type (GTK_WIDGET (f->panel), GTK_TYPE_TEXT_VIEW));
  g_assert_nonnull (f->text_view);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->folder);

  gtk_window_destroy (f->window);
  cv_test_ui_iterate (50);
  g_settings_reset (f->settings, "notes-folder");
  g_clear_object (&f->settings);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->folder);
}

static void
type (Fixture *f, const char *text)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (f->text_view);

  gtk_widget_grab_focus (GTK_WIDGET (f->text_view));
  gtk_text_buffer_insert_at_cursor (buffer, text, -1);
}

static char *
contents (const char *path)
{
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  return text;
}

static void
wait_saved (CvNotes *notes)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (cv_notes_get_modified (notes) && cv_notes_get_error (notes) == NULL)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      cv_test_ui_iterate (20);
    }
}

static void
test_autosave (Fixture       *f,
               gconstpointer  data)
{
  CvTestMeeting meeting = { 0 };
  CvSession *ann;
  CvNotes *notes;
  GtkLabel *status;
  g_autofree char *problem = NULL;
  g_autofree char *day = NULL;
  g_autofree char *path = NULL;
  g_autofree char *saved = NULL;
  g_autofree char *kept = NULL;
  g_autofree char *on_leave = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  struct rlimit normal, tiny;

  g_assert_nonnull (cv_test_ui_find_label_containing (GTK_WIDGET (f->panel), "Notes stay on this computer"));
  problem = gtk_test_accessible_check_property (GTK_ACCESSIBLE (f->text_view), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                                "Meeting notes");
  g_assert_null (problem);
  status = cv_test_ui_find_label (GTK_WIDGET (f->panel), "Notes are saved once you are in a meeting");
  g_assert_nonnull (status);

  /* Typed before the meeting: kept, and saved with the meeting's notes. */
  type (f, "Before: ");
  cv_test_meeting_start (&meeting, TRUE);
  ann = cv_test_meeting_join (&meeting, "Ann");
  cv_notes_panel_set_session (f->panel, ann);
  notes = cv_notes_panel_get_notes (f->panel);
  cv_notes_set_autosave_delay (notes, 200);

  day = g_date_time_format (now, "%Y-%m-%d");
  path = g_strdup_printf ("%s/%s Meeting %s.md", f->folder, day, meeting.number);
  {
    g_autofree char *expected_path = g_file_get_path (cv_notes_get_file (notes));
    g_assert_cmpstr (expected_path, ==, path);
  }

  type (f, "Action items");
  wait_saved (notes);
  saved = contents (path);
  g_assert_cmpstr (saved, ==, "Before: Action items");
  g_assert_true (g_str_has_prefix (gtk_label_get_text (status), "Saved "));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (status), "error"));
  g_autofree char *shot = cv_test_ui_screenshot (GTK_WIDGET (f->window), "notes-panel-saved");

  /* The disk is full (no file may grow past 8 bytes): the error is shown,
   * the saved notes stay as they were. */
  signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &normal), ==, 0);
  tiny = normal;
  tiny.rlim_cur = 8;
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &tiny), ==, 0);
  type (f, "\n- more than eight bytes");
  wait_saved (notes);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &normal), ==, 0);
  g_assert_nonnull (cv_notes_get_error (notes));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (status), "error"));
  g_assert_true (g_str_has_prefix (gtk_label_get_text (status), "Could not save"));
  kept = contents (path);
  g_assert_cmpstr (kept, ==, "Before: Action items");
  g_autofree char *error_shot = cv_test_ui_screenshot (GTK_WIDGET (f->window), "notes-panel-error");

  /* Leaving saves at once, whatever the delay. */
  cv_notes_set_autosave_delay (notes, 60000);
  type (f, "\nDone.");
  cv_session_leave (ann);
  cv_notes_panel_set_session (f->panel, NULL);
  on_leave = contents (path);
  g_assert_cmpstr (on_leave, ==, "Before: Action items\n- more than eight bytes\nDone.");
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (status), "error"));

  g_object_unref (ann);
  cv_test_meeting_stop (&meeting);
}

static void
test_finalize (void)
{
  GtkWidget *panel = g_object_ref_sink (cv_notes_panel_new ());

  g_assert_finalize_object (panel);
}

int
main (int argc, char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  gst_init (&argc, &argv);
  cv_test_ui_init (&argc, &argv);

  g_test_add_func ("/notes-panel/finalize", test_finalize);
  g_test_add ("/notes-panel/autosave", Fixture, NULL, fixture_setup, test_autosave, fixture_teardown);
  return g_test_run ();
}
