/* CvNotes: the file name, autosave after the last edit and while typing,
 * saving on close, and atomic replace: when a write fails (a full disk, a
 * folder we may not write in) the last good file stays as it was. */
#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/resource.h>
#include <string.h>
#include <unistd.h>

#include "cv-notes.h"

static char *
make_dir (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("conclave-notes-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_dir (const char *dir)
{
  g_autofree char *cmd = g_strdup_printf ("chmod -R u+w '%s' && rm -rf '%s'", dir, dir);

  g_assert_cmpint (system (cmd), ==, 0);
}

static char *
read_file (GFile *file)
{
  g_autofree char *path = g_file_get_path (file);
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return NULL;
  return contents;
}

static guint
count_entries (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (g_dir_read_name (d) != NULL)
    n++;
  return n;
}

/* Runs the main loop for ms milliseconds. */
static void
iterate (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
}

static void
test_file_name (void)
{
  g_autoptr (GDateTime) date = g_date_time_new_local (2026, 11, 26, 23, 40, 0);
  g_autoptr (GFile) file = cv_notes_file_for_meeting ("/home/ann/Conclave", "123456", date);
  g_autoptr (GFile) hostile = cv_notes_file_for_meeting ("/home/ann/Conclave", "../../etc/x", date);
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *hostile_path = g_file_get_path (hostile);
  g_autoptr (GFile) parent = g_file_get_parent (hostile);
  g_autofree char *parent_path = g_file_get_path (parent);

  g_assert_cmpstr (path, ==, "/home/ann/Conclave/2026-11-26 Meeting 123456.md");
  /* A number with slashes stays one file name in the notes folder. */
  g_assert_cmpstr (parent_path, ==, "/home/ann/Conclave");
  g_assert_null (strstr (hostile_path, "/etc/"));
}

static void
test_autosave_after_last_edit (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *path = g_build_filename (dir, "notes.md", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (CvNotes) notes = cv_notes_new (file);
  g_autofree char *saved = NULL;
  gint64 first_edit, last_edit, saved_at;
  const guint delay = 300;

  cv_notes_set_autosave_delay (notes, delay);
  g_assert_false (cv_notes_get_modified (notes));
  g_assert_null (cv_notes_get_saved_time (notes));

  first_edit = g_get_monotonic_time ();
  cv_notes_set_text (notes, "Agenda");
  g_assert_true (cv_notes_get_modified (notes));
  iterate (delay / 2);
  /* Only assert "not yet" when the loop really ran before the deadline:
   * a stalled machine makes timers late, never early. */
  if (g_get_monotonic_time () - first_edit < delay * 1000)
    g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  last_edit = g_get_monotonic_time ();
  cv_notes_set_text (notes, "Agenda\n- budget");
  iterate (delay / 2);
  if (g_get_monotonic_time () - last_edit < delay * 1000)
    g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  while (cv_notes_get_modified (notes) && g_get_monotonic_time () - last_edit < 10 * G_USEC_PER_SEC)
    g_main_context_iteration (NULL, TRUE);
  saved_at = g_get_monotonic_time ();
  g_assert_false (cv_notes_get_modified (notes));
  g_assert_nonnull (cv_notes_get_saved_time (notes));
  g_assert_null (cv_notes_get_error (notes));
  /* The timer moved with the second edit. */
  g_assert_cmpint (saved_at - last_edit, >=, delay * 1000);
  g_test_message ("saved %" G_GINT64_FORMAT " ms after the last edit (delay %u ms)",
                  (saved_at - last_edit) / 1000, delay);
  saved = read_file (file);
  g_assert_cmpstr (saved, ==, "Agenda\n- budget");
  /* Private to the user. */
  {
    GStatBuf st;
    g_assert_cmpint (g_stat (path, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  }
  g_clear_object (&notes);
  remove_dir (dir);
}

static void
test_autosave_while_typing (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *path = g_build_filename (dir, "notes.md", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (CvNotes) notes = cv_notes_new (file);
  GString *text = g_string_new (NULL);
  gint64 start = g_get_monotonic_time ();
  const guint delay = 100;

  cv_notes_set_autosave_delay (notes, delay);
  /* Someone typing a key every 30 ms never pauses for the delay. */
  while (!g_file_test (path, G_FILE_TEST_EXISTS) && g_get_monotonic_time () - start < 10 * G_USEC_PER_SEC)
    {
      g_string_append_c (text, 'a' + text->len % 26);
      cv_notes_set_text (notes, text->str);
      iterate (30);
    }
  g_test_message ("saved after %" G_GINT64_FORMAT " ms of typing",
                  (g_get_monotonic_time () - start) / 1000);
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  /* A few delays (5) and slack for a loaded machine, not ten seconds. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 3 * G_USEC_PER_SEC);
  g_string_free (text, TRUE);
  g_clear_object (&notes);
  remove_dir (dir);
}

static void
test_save_on_close (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *path = g_build_filename (dir, "notes.md", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GError) error = NULL;
  g_autofree char *saved = NULL;
  g_autofree char *saved_on_dispose = NULL;
  CvNotes *notes = cv_notes_new (file);

  cv_notes_set_autosave_delay (notes, 60000);
  /* How long a save blocks the main loop, with a long meeting's notes. */
  {
    g_autofree char *long_notes = g_strnfill (100 * 1024, 'n');
    gint64 start;

    cv_notes_set_text (notes, long_notes);
    start = g_get_monotonic_time ();
    g_assert_true (cv_notes_save (notes, &error));
    g_assert_no_error (error);
    g_test_message ("saving 100 KiB of notes took %.1f ms", (g_get_monotonic_time () - start) / 1000.0);
  }
  cv_notes_set_text (notes, "Decided: ship it");
  g_assert_true (cv_notes_close (notes, &error));
  g_assert_no_error (error);
  saved = read_file (file);
  g_assert_cmpstr (saved, ==, "Decided: ship it");

  /* Dropped without closing: still saved. */
  cv_notes_set_text (notes, "Decided: ship it on Monday");
  g_assert_finalize_object (notes);
  saved_on_dispose = read_file (file);
  g_assert_cmpstr (saved_on_dispose, ==, "Decided: ship it on Monday");
  remove_dir (dir);
}

static void
test_load_and_save_as (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *path = g_build_filename (dir, "notes.md", NULL);
  g_autofree char *copy_path = g_build_filename (dir, "copy.md", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFile) copy = g_file_new_for_path (copy_path);
  g_autoptr (GFile) missing = g_file_new_build_filename (dir, "missing.md", NULL);
  g_autoptr (CvNotes) notes = cv_notes_new (file);
  g_autoptr (CvNotes) fresh = cv_notes_new (missing);
  g_autoptr (GError) error = NULL;
  g_autofree char *copied = NULL;

  g_assert_true (g_file_set_contents (path, "From the first half", -1, NULL));
  g_assert_true (cv_notes_load (notes, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (cv_notes_get_text (notes), ==, "From the first half");
  g_assert_false (cv_notes_get_modified (notes));

  g_assert_true (cv_notes_load (fresh, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (cv_notes_get_text (fresh), ==, "");

  g_assert_true (g_file_set_contents (path, "\xff\xfe not text", -1, NULL));
  g_assert_false (cv_notes_load (notes, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);
  g_assert_cmpstr (cv_notes_get_text (notes), ==, "From the first half");

  g_assert_true (cv_notes_save_as (notes, copy, &error));
  g_assert_no_error (error);
  copied = read_file (copy);
  g_assert_cmpstr (copied, ==, "From the first half");
  /* Save-as is a copy: autosave still goes to the notes file. */
  g_assert_true (g_file_equal (cv_notes_get_file (notes), file));
  g_clear_object (&notes);
  g_clear_object (&fresh);
  remove_dir (dir);
}

static void
check_failed_save_keeps_file (CvNotes    *notes,
                              GFile      *file,
                              const char *dir,
                              const char *kept)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *after = NULL;

  g_assert_false (cv_notes_save (notes, &error));
  g_assert_nonnull (error);
  g_assert_true (error->domain == G_IO_ERROR);
  g_test_message ("error: %s", error->message);
  /* It names the user's file, not the temporary one. */
  g_assert_nonnull (strstr (error->message, "“notes.md”"));
  g_assert_null (strstr (error->message, "notes.md."));
  g_assert_nonnull (cv_notes_get_error (notes));
  g_assert_true (cv_notes_get_modified (notes));
  after = read_file (file);
  g_assert_cmpstr (after, ==, kept);
  /* No temporary file left beside it. */
  g_assert_cmpuint (count_entries (dir), ==, 1);
}

static void
test_failed_save_keeps_file (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *path = g_build_filename (dir, "notes.md", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (CvNotes) notes = cv_notes_new (file);
  g_autoptr (GError) error = NULL;
  g_autofree char *final = NULL;
  g_autofree char *longer = g_strnfill (4096, 'x');
  struct rlimit saved_limit, small;

  cv_notes_set_autosave_delay (notes, 60000);
  cv_notes_set_text (notes, "first");
  g_assert_true (cv_notes_save (notes, &error));
  g_assert_no_error (error);

  /* A full disk: the process may write no more than 100 bytes per file
   * (works as root too). The write fails with EFBIG instead of a signal. */
  cv_notes_set_text (notes, longer);
  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &saved_limit), ==, 0);
  small = saved_limit;
  small.rlim_cur = 100;
  signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &small), ==, 0);
  check_failed_save_keeps_file (notes, file, dir, "first");
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &saved_limit), ==, 0);
  g_assert_nonnull (strstr (cv_notes_get_error (notes)->message, "too large"));

  /* A folder we may not write in (root may write anywhere). */
  if (geteuid () != 0)
    {
      g_assert_cmpint (g_chmod (dir, 0500), ==, 0);
      check_failed_save_keeps_file (notes, file, dir, "first");
      g_assert_nonnull (strstr (cv_notes_get_error (notes)->message, "not allowed"));
      g_assert_cmpint (g_chmod (dir, 0700), ==, 0);
    }
  else
    g_test_message ("running as root: the read-only folder case is not checked");

  /* Once writing works again, the next save succeeds and clears the error. */
  g_assert_true (cv_notes_save (notes, &error));
  g_assert_no_error (error);
  g_assert_null (cv_notes_get_error (notes));
  final = read_file (file);
  g_assert_cmpstr (final, ==, longer);
  g_clear_object (&notes);
  remove_dir (dir);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/app/notes/file-name", test_file_name);
  g_test_add_func ("/app/notes/autosave-after-last-edit", test_autosave_after_last_edit);
  g_test_add_func ("/app/notes/autosave-while-typing", test_autosave_while_typing);
  g_test_add_func ("/app/notes/save-on-close", test_save_on_close);
  g_test_add_func ("/app/notes/load-and-save-as", test_load_and_save_as);
  g_test_add_func ("/app/notes/failed-save-keeps-file", test_failed_save_keeps_file);
  return g_test_run ();
}
