/* The meeting window in a real meeting: the window hosts a meeting on this
 * machine (as "Start a Meeting" does), three conclave-bot processes join it,
 * and the test reads the window's widget tree:
 *   - the shield is green and its popover shows the very code every bot
 *     prints (read from the label on screen, not from the session);
 *   - a tile per bot with its name and decoded video, and the self view;
 *   - the participant list with a row per member;
 *   - the certificate dialog opened by activating a bot's row;
 *   - mute through the control bar's action reaches the session and the
 *     user's own row; leaving returns to the start page.
 * Screenshots go to $MESON_BUILD_ROOT/screenshots/meeting-*.png.
 *
 * Usage: test-gui-meeting-bots [--tap] PATH-TO-conclave-bot */
#include "config.h"

#include <locale.h>
#include <signal.h>
#include <sys/prctl.h>

#include <glib/gstdio.h>
#include <gst/gst.h>

#include "cv-certificate-dialog.h"
#include "cv-meeting-page.h"
#include "cv-participant-list.h"
#include "cv-participant-row.h"
#include "cv-shield-button.h"
#include "cv-start-page.h"
#include "cv-test-ui.h"
#include "cv-tile-grid.h"
#include "cv-video-tile.h"
#include "cv-window.h"

#define N_BOTS 3
#define WAIT_SECONDS 120

static const char *bot_path;
static const char *const bot_names[N_BOTS] = { "Ada", "Grace", "Hedy" };

typedef struct {
  GSubprocess *process;
  GDataInputStream *out;
  char *code;        /* the last security code it printed */
  guint members;     /* and the member count with it */
} Bot;

static Bot bots[N_BOTS];

static void
read_line_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Bot *bot = data;
  g_autofree char *line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), result, NULL, NULL);
  g_autoptr (GMatchInfo) match = NULL;
  static GRegex *code_line;

  if (line == NULL)
    return;
  g_test_message ("bot: %s", line);
  if (code_line == NULL)
    code_line = g_regex_new ("^[^:]+: security-code ([0-9 ]+) epoch [0-9]+ members ([0-9]+)", 0, 0, NULL);
  if (g_regex_match (code_line, line, 0, &match))
    {
      g_autofree char *members = g_match_info_fetch (match, 2);
      g_free (bot->code);
      bot->code = g_match_info_fetch (match, 1);
      bot->members = (guint) g_ascii_strtoull (members, NULL, 10);
    }
  g_data_input_stream_read_line_async (bot->out, G_PRIORITY_DEFAULT, NULL, read_line_cb, bot);
}

/* The bots end with the test, even when an assertion aborts it. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static void
spawn_bots (const char *invite)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  for (guint i = 0; i < N_BOTS; i++)
    {
      g_autoptr (GError) error = NULL;

      bots[i].process = g_subprocess_launcher_spawn (launcher, &error, bot_path, "--meeting", invite,
                                                     "--name", bot_names[i], NULL);
      g_assert_no_error (error);
      bots[i].out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (bots[i].process));
      g_data_input_stream_read_line_async (bots[i].out, G_PRIORITY_DEFAULT, NULL, read_line_cb, &bots[i]);
    }
}

static void
stop_bots (void)
{
  for (guint i = 0; i < N_BOTS; i++)
    {
      if (bots[i].process != NULL)
        g_subprocess_force_exit (bots[i].process);
      g_clear_object (&bots[i].out);
      g_clear_object (&bots[i].process);
      g_clear_pointer (&bots[i].code, g_free);
    }
}

static void
collect_tiles (GtkWidget  *widget,
               GPtrArray  *tiles)
{
  if (CV_IS_VIDEO_TILE (widget))
    g_ptr_array_add (tiles, widget);
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    collect_tiles (c, tiles);
}

typedef gboolean (*Condition) (gpointer data);

static void
wait_for (Condition    condition,
          gpointer     data,
          const char  *what)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_SECONDS * G_USEC_PER_SEC;

  while (!condition (data))
    {
      for (guint i = 0; i < N_BOTS; i++)
        if (bots[i].process != NULL && g_subprocess_get_identifier (bots[i].process) == NULL)
          g_error ("%s (conclave-bot) ended while waiting for %s", bot_names[i], what);
      if (g_get_monotonic_time () > deadline)
        {
          g_autoptr (GPtrArray) tiles = g_ptr_array_new ();
          GListModel *toplevels = gtk_window_get_toplevels ();

          /* What the window showed, for the log. */
          for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
            {
              g_autoptr (GtkWidget) w = g_list_model_get_item (toplevels, i);
              collect_tiles (w, tiles);
            }
          for (guint i = 0; i < tiles->len; i++)
            {
              CvVideoTile *tile = g_ptr_array_index (tiles, i);
              GtkPicture *picture = GTK_PICTURE (cv_test_ui_find_type (GTK_WIDGET (tile), GTK_TYPE_PICTURE));
              g_test_message ("tile \"%s\": self %d, video %d, mapped %d", cv_video_tile_get_name (tile),
                              cv_video_tile_get_is_self (tile), gtk_picture_get_paintable (picture) != NULL,
                              gtk_widget_get_mapped (GTK_WIDGET (tile)));
            }
          g_error ("timed out waiting for %s", what);
        }
      cv_test_ui_iterate (100);
    }
}

/* Every bot and the window agree on the code of a 4-member group. */
static gboolean
codes_agree (gpointer data)
{
  CvSecurityState *state = data;
  const char *code = cv_security_state_get_code (state);

  if (code == NULL || cv_security_state_get_state (state) != CV_E2EE_STATE_SECURE_E2EE
      || cv_security_state_get_member_count (state) != N_BOTS + 1)
    return FALSE;
  for (guint i = 0; i < N_BOTS; i++)
    if (bots[i].members != N_BOTS + 1 || g_strcmp0 (bots[i].code, code) != 0)
      return FALSE;
  return TRUE;
}

/* A tile per bot, named, showing decoded video, and our self view. */
static gboolean
tiles_ready (gpointer data)
{
  g_autoptr (GPtrArray) tiles = g_ptr_array_new ();
  guint named = 0, self_views = 0;

  collect_tiles (data, tiles);
  for (guint i = 0; i < tiles->len; i++)
    {
      CvVideoTile *tile = g_ptr_array_index (tiles, i);
      GtkPicture *picture = GTK_PICTURE (cv_test_ui_find_type (GTK_WIDGET (tile), GTK_TYPE_PICTURE));

      if (gtk_picture_get_paintable (picture) == NULL || !gtk_widget_get_mapped (GTK_WIDGET (tile)))
        continue;
      if (cv_video_tile_get_is_self (tile))
        self_views++;
      else
        for (guint b = 0; b < N_BOTS; b++)
          if (g_strcmp0 (cv_video_tile_get_name (tile), bot_names[b]) == 0)
            named++;
    }
  return named == N_BOTS && self_views == 1;
}

static gboolean
speaker_first (gpointer root)
{
  g_autoptr (GPtrArray) tiles = g_ptr_array_new ();
  CvTileGrid *grid = CV_TILE_GRID (cv_test_ui_find_type (root, CV_TYPE_TILE_GRID));
  GtkWidget *first = gtk_widget_get_first_child (GTK_WIDGET (grid));
  guint speaking = 0;

  collect_tiles (root, tiles);
  for (guint i = 0; i < tiles->len; i++)
    if (cv_video_tile_get_speaking (g_ptr_array_index (tiles, i)))
      speaking++;
  return speaking == 1 && CV_IS_VIDEO_TILE (first) && cv_video_tile_get_speaking (CV_VIDEO_TILE (first))
         && gtk_widget_has_css_class (first, "speaking");
}

static void
collect_rows (GtkWidget *widget,
              GPtrArray *rows)
{
  if (CV_IS_PARTICIPANT_ROW (widget) && gtk_widget_get_mapped (widget)
      && cv_participant_row_get_member (CV_PARTICIPANT_ROW (widget)) != NULL)
    g_ptr_array_add (rows, widget);
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    collect_rows (c, rows);
}

static gboolean
rows_ready (gpointer data)
{
  g_autoptr (GPtrArray) rows = g_ptr_array_new ();

  collect_rows (data, rows);
  return rows->len == N_BOTS + 1;
}

static CvCertificateDialog *
find_certificate_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GObject) w = g_list_model_get_item (toplevels, i);
      if (CV_IS_CERTIFICATE_DIALOG (w) && gtk_widget_get_mapped (GTK_WIDGET (w)))
        return CV_CERTIFICATE_DIALOG (w);
    }
  return NULL;
}

static gboolean
dialog_shown (gpointer data)
{
  return find_certificate_dialog () != NULL;
}

static gboolean
in_meeting (gpointer data)
{
  CvSession *session = cv_meeting_page_get_session (data);
  return session != NULL && cv_session_get_state (session) == CV_SESSION_IN_MEETING;
}

/* The label whose text is code, read as the user reads it: the popover
 * breaks the 6 groups over lines, which is the same code. */
static GtkLabel *
find_code_label (GtkWidget  *widget,
                 const char *code)
{
  if (GTK_IS_LABEL (widget))
    {
      g_autofree char *text = g_strdup (gtk_label_get_text (GTK_LABEL (widget)));
      g_strdelimit (text, "\n", ' ');
      if (g_str_equal (text, code))
        return GTK_LABEL (widget);
    }
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkLabel *found = find_code_label (c, code);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Whether widget shows (visible, not only present) an image of icon_name. */
static gboolean
shows_icon (GtkWidget  *widget,
            const char *icon_name)
{
  if (GTK_IS_IMAGE (widget) && g_strcmp0 (gtk_image_get_icon_name (GTK_IMAGE (widget)), icon_name) == 0
      && gtk_widget_get_visible (widget))
    return TRUE;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    if (shows_icon (c, icon_name))
      return TRUE;
  return FALSE;
}

static CvVideoTile *
self_tile (GtkWidget *root)
{
  g_autoptr (GPtrArray) tiles = g_ptr_array_new ();

  collect_tiles (root, tiles);
  for (guint i = 0; i < tiles->len; i++)
    if (cv_video_tile_get_is_self (g_ptr_array_index (tiles, i)))
      return g_ptr_array_index (tiles, i);
  return NULL;
}

static gboolean
popover_shows_bots_code (gpointer popover)
{
  for (guint i = 0; i < N_BOTS; i++)
    {
      GtkLabel *label = bots[i].code ? find_code_label (popover, bots[i].code) : NULL;
      if (bots[i].members != N_BOTS + 1 || label == NULL || !gtk_widget_get_mapped (GTK_WIDGET (label)))
        return FALSE;
    }
  return TRUE;
}

static void
saved_cb (CvMeetingPage *page,
          const char    *path,
          char         **saved)
{
  g_free (*saved);
  *saved = g_strdup (path);
}

static GtkWidget *
find_css_class (GtkWidget  *widget,
                const char *css_class)
{
  if (gtk_widget_has_css_class (widget, css_class))
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_css_class (c, css_class);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
test_meeting_with_bots (void)
{
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);
  g_autofree char *recordings = g_dir_make_tmp ("conclave-recordings-XXXXXX", NULL);
  g_autofree char *saved = NULL;
  GtkWidget *indicator;
  CvWindow *window = cv_window_new (NULL);
  GtkWidget *root = GTK_WIDGET (window);
  CvMeetingPage *page;
  CvShieldButton *shield;
  CvSession *session;
  CvSecurityState *security;
  GtkWidget *popover, *list, *start_page;
  GtkLabel *code_label;
  GtkListView *view;
  GListModel *members;
  CvCertificateDialog *dialog;
  g_autoptr (GPtrArray) rows = g_ptr_array_new ();
  g_autofree char *shot = NULL;
  const char *invite;
  guint ada_position = G_MAXUINT;
  CvParticipantRow *own_row = NULL;

  g_assert_nonnull (recordings);
  g_settings_set_string (settings, "recordings-folder", recordings);
  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 760);
  gtk_window_present (GTK_WINDOW (window));
  start_page = cv_test_ui_find_type (root, CV_TYPE_START_PAGE);
  cv_test_ui_wait_mapped (start_page);

  /* "Start a Meeting": the window hosts it. */
  g_signal_emit_by_name (start_page, "start-meeting");
  invite = cv_window_get_invite (window);
  g_assert_nonnull (invite);
  page = CV_MEETING_PAGE (cv_test_ui_find_type (root, CV_TYPE_MEETING_PAGE));
  wait_for (in_meeting, page, "the window to be in its meeting");
  session = cv_meeting_page_get_session (page);
  spawn_bots (invite);

  /* The shield: green, and the popover's code is the bots' code. */
  shield = CV_SHIELD_BUTTON (cv_test_ui_find_type (root, CV_TYPE_SHIELD_BUTTON));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (shield)));
  security = cv_shield_button_get_state (shield);
  g_assert_true (security == cv_session_get_security (session));
  wait_for (codes_agree, security, "the bots and the window to agree on a code for 4 members");
  g_assert_nonnull (cv_test_ui_find_type (GTK_WIDGET (shield), GTK_TYPE_IMAGE));
  g_assert_cmpstr (gtk_image_get_icon_name (GTK_IMAGE (cv_test_ui_find_type (GTK_WIDGET (shield), GTK_TYPE_IMAGE))),
                   ==, "conclave-shield-secure-symbolic");
  cv_shield_button_popup (shield);
  popover = cv_test_ui_find_type (GTK_WIDGET (shield), GTK_TYPE_POPOVER);
  g_assert_nonnull (popover);
  cv_test_ui_wait_mapped (popover);
  /* Read again until they agree: a bot may join late or the key be renewed
   * between the wait above and the popover's opening. */
  wait_for (popover_shows_bots_code, popover, "the popover to show the bots' code");
  for (guint i = 0; i < N_BOTS; i++)
    {
      printf ("# code printed by %s: %s\n", bot_names[i], bots[i].code);
      code_label = find_code_label (popover, bots[i].code);
      g_assert_nonnull (code_label);
      g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (code_label)));
    }
  {
    g_autofree char *shown = g_strdup (gtk_label_get_text (code_label));
    printf ("# code on the shield popover: %s\n", g_strdelimit (shown, "\n", ' '));
  }
  g_test_message ("popover: %dx%d", gtk_widget_get_width (popover), gtk_widget_get_height (popover));
  shot = cv_test_ui_screenshot (popover, "meeting-shield-popover");
  g_clear_pointer (&shot, g_free);
  gtk_popover_popdown (GTK_POPOVER (popover));

  /* The tiles. */
  wait_for (tiles_ready, root, "a named tile with video per bot and the self view");
  g_assert_true (gtk_widget_get_mapped (cv_test_ui_find_type (root, CV_TYPE_TILE_GRID)));
  {
    GListModel *streams = cv_session_get_remote_streams (session);
    for (guint i = 0; i < g_list_model_get_n_items (streams); i++)
      {
        g_autoptr (CvRemoteStream) s = g_list_model_get_item (streams, i);
        g_test_message ("stream %u: kind %d, leaf %" G_GINT64_FORMAT ", frames %" G_GUINT64_FORMAT ", level %.3f",
                        i, cv_remote_stream_get_kind (s), cv_remote_stream_get_sender_leaf (s),
                        cv_remote_stream_get_frames (s), cv_remote_stream_get_audio_level (s));
      }
  }
  /* The bots all send a tone: one of them is the active speaker, outlined
   * and first, and stays so (they are equally loud). */
  wait_for (speaker_first, root, "an active speaker tile in front");
  cv_test_ui_iterate (2000);
  g_assert_true (speaker_first (root));
  shot = cv_test_ui_screenshot (root, "meeting-bots");
  g_clear_pointer (&shot, g_free);

  /* The participant list, opened as its button does. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "meeting.toggle-side", "s", "participants"));
  g_assert_cmpstr (cv_meeting_page_get_side (page), ==, "participants");
  list = cv_test_ui_find_type (root, CV_TYPE_PARTICIPANT_LIST);
  wait_for (rows_ready, list, "a row per member");
  collect_rows (list, rows);
  for (guint i = 0; i < rows->len; i++)
    {
      CvParticipantRow *row = g_ptr_array_index (rows, i);
      if (cv_meeting_member_get_is_self (cv_participant_row_get_member (row)))
        own_row = row;
    }
  g_assert_nonnull (own_row);
  for (guint b = 0; b < N_BOTS; b++)
    {
      GtkLabel *name = cv_test_ui_find_label (list, bot_names[b]);
      g_assert_nonnull (name);
      g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (name)));
    }
  g_assert_nonnull (cv_test_ui_find_label_containing (GTK_WIDGET (own_row), "(you)"));
  cv_test_ui_iterate (500);
  shot = cv_test_ui_screenshot (root, "meeting-participants");
  g_clear_pointer (&shot, g_free);

  /* Mute from the control bar: the session mutes, our row says so. */
  g_assert_false (cv_session_get_audio_muted (session));
  g_assert_false (shows_icon (GTK_WIDGET (own_row), "microphone-disabled-symbolic"));
  g_assert_false (shows_icon (GTK_WIDGET (self_tile (root)), "microphone-disabled-symbolic"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "meeting.toggle-mute", NULL));
  g_assert_true (cv_session_get_audio_muted (session));
  cv_test_ui_iterate (200);
  g_assert_true (shows_icon (GTK_WIDGET (own_row), "microphone-disabled-symbolic"));
  g_assert_true (shows_icon (GTK_WIDGET (self_tile (root)), "microphone-disabled-symbolic"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "meeting.toggle-mute", NULL));
  g_assert_false (cv_session_get_audio_muted (session));
  cv_test_ui_iterate (200);
  g_assert_false (shows_icon (GTK_WIDGET (own_row), "microphone-disabled-symbolic"));

  /* Recording: the header says so while we record; stopping saves a file
   * in the recordings folder and says where. */
  indicator = find_css_class (root, "recording-indicator");
  g_assert_nonnull (indicator);
  g_assert_false (gtk_widget_get_visible (indicator));
  /* A folder that cannot be made: a dialog says why, nothing records. */
  g_settings_set_string (settings, "recordings-folder", "/proc/conclave-cannot-be-here");
  g_assert_null (cv_test_ui_find_message_dialog ());
  gtk_widget_activate_action (GTK_WIDGET (page), "meeting.toggle-recording", NULL);
  cv_test_ui_iterate (300);
  {
    AdwMessageDialog *error_dialog = cv_test_ui_find_message_dialog ();

    g_assert_nonnull (error_dialog);
    g_assert_cmpstr (adw_message_dialog_get_heading (error_dialog), ==, "Recording Failed");
    g_test_message ("recording error shown: %s", adw_message_dialog_get_body (error_dialog));
    g_assert_nonnull (strstr (adw_message_dialog_get_body (error_dialog), "/proc/conclave-cannot-be-here"));
    gtk_window_destroy (GTK_WINDOW (error_dialog));
  }
  g_assert_false (cv_session_get_recording (session));
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (find_css_class (root, "record-button"))));
  g_settings_set_string (settings, "recordings-folder", recordings);

  g_signal_connect (page, "recording-saved", G_CALLBACK (saved_cb), &saved);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "meeting.toggle-recording", NULL));
  g_assert_true (cv_session_get_recording (session));
  cv_test_ui_iterate (3000);
  g_assert_true (gtk_widget_get_visible (indicator));
  g_assert_true (shows_icon (GTK_WIDGET (own_row), "media-record-symbolic"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "meeting.toggle-recording", NULL));
  g_assert_false (cv_session_get_recording (session));
  g_assert_nonnull (saved);
  {
    g_autofree char *dir = g_path_get_dirname (saved);
    g_autoptr (GFile) file = g_file_new_for_path (saved);
    g_autoptr (GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE, 0, NULL, NULL);

    g_assert_cmpstr (dir, ==, recordings);
    g_assert_nonnull (info);
    g_test_message ("recording: %s, %" G_GINT64_FORMAT " bytes", saved, g_file_info_get_size (info));
    g_assert_cmpint (g_file_info_get_size (info), >, 1000);
    g_assert_nonnull (cv_test_ui_find_label_containing (root, "Recording saved as"));
    g_assert_cmpint (g_unlink (saved), ==, 0);
  }
  cv_test_ui_iterate (500);
  g_assert_false (gtk_widget_get_visible (indicator));

  /* A bot's row opens its certificate. */
  view = cv_participant_list_get_view (CV_PARTICIPANT_LIST (list));
  members = cv_participant_list_get_model (CV_PARTICIPANT_LIST (list));
  for (guint i = 0; i < g_list_model_get_n_items (members); i++)
    {
      g_autoptr (CvMeetingMember) m = g_list_model_get_item (members, i);
      if (g_strcmp0 (cv_meeting_member_get_display_name (m), "Ada") == 0)
        ada_position = i;
    }
  g_assert_cmpuint (ada_position, !=, G_MAXUINT);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "list.activate-item", "u", ada_position));
  wait_for (dialog_shown, NULL, "the certificate dialog");
  dialog = find_certificate_dialog ();
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (dialog)) == GTK_WINDOW (window));
  g_assert_nonnull (cv_test_ui_find_label_containing (GTK_WIDGET (dialog), "Ada"));
  cv_test_ui_wait_mapped (GTK_WIDGET (dialog));
  shot = cv_test_ui_screenshot (GTK_WIDGET (dialog), "meeting-certificate");
  g_clear_pointer (&shot, g_free);
  gtk_window_destroy (GTK_WINDOW (dialog));

  /* Leaving returns to the start page. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "meeting.leave", NULL));
  cv_test_ui_iterate (200);
  g_assert_null (cv_window_get_invite (window));
  g_assert_true (gtk_widget_get_mapped (start_page));

  stop_bots ();
  gtk_window_destroy (GTK_WINDOW (window));
  g_settings_reset (settings, "recordings-folder");
  g_assert_cmpint (g_rmdir (recordings), ==, 0);
}

int
main (int argc, char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  /* Software rendering: once, reading back a popover rendered by llvmpipe
   * GL spun for minutes on the loaded test machine. */
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  gst_init (&argc, &argv);
  cv_test_ui_init (&argc, &argv);
  if (argc < 2)
    {
      g_printerr ("usage: %s [--tap] PATH-TO-conclave-bot\n", argv[0]);
      return 2;
    }
  bot_path = argv[1];
  {
    /* What AdwApplication loads for the app from its resource base path. */
    g_autoptr (GtkCssProvider) css = gtk_css_provider_new ();
    gtk_css_provider_load_from_resource (css, "/org/conclave/Conclave/style.css");
    gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                                GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  }

  g_test_add_func ("/meeting/three-bots", test_meeting_with_bots);
  return g_test_run ();
}
