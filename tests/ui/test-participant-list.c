/* The participant list at 1000 members: rows exist only for what is on
 * screen, follow scrolling, show each member's state and whether it is the
 * app or a room device, and a row opens the member's certificate. Members
 * are real CvMeetingMember objects over e2ee/'s basic-credential verdicts. */
#include "config.h"

#include <locale.h>

#include "cv-certificate-dialog.h"
#include "cv-meeting-member.h"
#include "cv-participant-list.h"
#include "cv-participant-row.h"
#include "cv-test-ui.h"

#define N_MEMBERS 1000
/* A screenful of rows at this height is ~12; GTK 4.8's GtkListView keeps
 * a fixed pool of about 200 rows around the visible ones (measured: 205).
 * The bound is that pool, a fifth of the model, and it must not grow. */
#define MAX_ROWS 250

static CvMeetingMember *
member_new (guint leaf)
{
  g_autofree char *name = g_strdup_printf ("Member %u", leaf);
  cv_cred_result *result = NULL;
  g_autoptr (CvCertificateInfo) info = NULL;

  g_assert_cmpint (cv_cred_basic ((const guint8 *) name, strlen (name), &result), ==, CV_OK);
  info = cv_certificate_info_new (result);
  cv_cred_result_free (result);
  return cv_meeting_member_new (leaf, info);
}

/* Every row widget ever seen, to check that scrolling recycles rows. */
static GHashTable *rows_seen;

static void
count_rows (GtkWidget *widget,
            guint     *n)
{
  if (CV_IS_PARTICIPANT_ROW (widget))
    {
      (*n)++;
      g_hash_table_add (rows_seen, widget);
    }
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    count_rows (c, n);
}

/* The row showing leaf, among those that exist, or NULL. */
static CvParticipantRow *
find_row (GtkWidget *widget,
          guint      leaf)
{
  if (CV_IS_PARTICIPANT_ROW (widget))
    {
      CvMeetingMember *m = cv_participant_row_get_member (CV_PARTICIPANT_ROW (widget));
      return m && cv_meeting_member_get_leaf_index (m) == leaf ? CV_PARTICIPANT_ROW (widget) : NULL;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      CvParticipantRow *row = find_row (c, leaf);
      if (row != NULL)
        return row;
    }
  return NULL;
}

static CvCertificateDialog *
find_certificate_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GObject) w = g_list_model_get_item (toplevels, i);
      if (CV_IS_CERTIFICATE_DIALOG (w) && gtk_widget_get_visible (GTK_WIDGET (w)))
        return CV_CERTIFICATE_DIALOG (w);
    }
  return NULL;
}

static void
after_paint_cb (GdkFrameClock *clock,
                gint64        *painted_at)
{
  *painted_at = g_get_monotonic_time ();
}

/* Scrolls and returns the microseconds until the next frame was painted. */
static gint64
scroll_to (GtkWidget     *widget,
           GtkAdjustment *adj,
           double         value)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  gint64 painted_at = 0, start;
  gulong handler = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), &painted_at);

  start = g_get_monotonic_time ();
  gtk_adjustment_set_value (adj, value);
  while (painted_at == 0)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (clock, handler);
  cv_test_ui_iterate (50);
  return painted_at - start;
}

static void
test_thousand_rows (void)
{
  g_autoptr (GListStore) store = g_list_store_new (CV_TYPE_MEETING_MEMBER);
  GtkWidget *window = gtk_window_new ();
  GtkWidget *list = cv_participant_list_new ();
  GtkListView *view = cv_participant_list_get_view (CV_PARTICIPANT_LIST (list));
  GtkAdjustment *adj;
  CvParticipantRow *row;
  CvCertificateDialog *dialog;
  guint n_rows = 0;
  gint64 slowest = 0, total = 0;
  g_autofree char *shot = NULL;

  rows_seen = g_hash_table_new (NULL, NULL);
  for (guint i = 0; i < N_MEMBERS; i++)
    {
      g_autoptr (CvMeetingMember) m = member_new (i);
      cv_meeting_member_set_in_roster (m, TRUE);
      cv_meeting_member_set_frames (m, i % 7 == 0 ? 0 : 100);
      cv_meeting_member_set_announced (m, i % 3 == 0, TRUE, i == 2);
      /* Member 0 is a room device; of member 1 the roster did not say. */
      cv_meeting_member_set_kind (m, i == 0 ? CV_MEMBER_KIND_ROOM_DEVICE
                                     : i == 1 ? CV_MEMBER_KIND_UNKNOWN : CV_MEMBER_KIND_APP);
      g_list_store_append (store, m);
    }
  gtk_window_set_default_size (GTK_WINDOW (window), 320, 600);
  gtk_window_set_child (GTK_WINDOW (window), list);
  cv_participant_list_set_model (CV_PARTICIPANT_LIST (list), G_LIST_MODEL (store));
  gtk_window_present (GTK_WINDOW (window));
  cv_test_ui_wait_mapped (list);

  count_rows (list, &n_rows);
  g_test_message ("rows at the top: %u of %u members", n_rows, N_MEMBERS);
  g_assert_cmpuint (n_rows, >, 5);
  g_assert_cmpuint (n_rows, <=, MAX_ROWS);

  /* The first rows show their members: name, identity, state. */
  row = find_row (list, 0);
  g_assert_nonnull (row);
  g_assert_nonnull (cv_test_ui_find_label (GTK_WIDGET (row), "Member 0"));
  g_assert_nonnull (cv_test_ui_find_label_containing (GTK_WIDGET (row), "Unverified"));
  g_assert_nonnull (cv_test_ui_find_label_containing (GTK_WIDGET (row), "no media decrypted yet"));
  g_assert_nonnull (cv_test_ui_find_label_containing (GTK_WIDGET (row), "Unverified · Room device"));
  g_assert_null (cv_test_ui_find_label_containing (GTK_WIDGET (row), "Conclave app"));
  row = find_row (list, 1);
  g_assert_nonnull (row);
  g_assert_null (cv_test_ui_find_label_containing (GTK_WIDGET (row), "Conclave app"));
  g_assert_null (cv_test_ui_find_label_containing (GTK_WIDGET (row), "Room device"));
  row = find_row (list, 2);
  g_assert_nonnull (row);
  g_assert_null (cv_test_ui_find_label_containing (GTK_WIDGET (row), "no media decrypted yet"));
  g_assert_nonnull (cv_test_ui_find_label_containing (GTK_WIDGET (row), "Unverified · Conclave app"));
  /* The kind learnt later (a roster update) shows without scrolling. */
  cv_meeting_member_set_kind (cv_participant_row_get_member (row), CV_MEMBER_KIND_ROOM_DEVICE);
  g_assert_nonnull (cv_test_ui_find_label_containing (GTK_WIDGET (row), "Room device"));
  g_assert_null (cv_test_ui_find_label_containing (GTK_WIDGET (row), "Conclave app"));
  shot = cv_test_ui_screenshot (window, "participant-list-1000");

  /* Scrolling through: rows are recycled, never more than a screenful. */
  adj = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (view));
  g_assert_cmpfloat (gtk_adjustment_get_upper (adj), >, 20 * gtk_adjustment_get_page_size (adj));
  for (guint step = 1; step <= 20; step++)
    {
      gint64 took = scroll_to (list, adj, gtk_adjustment_get_upper (adj) * step / 20.0);

      slowest = MAX (slowest, took);
      total += took;
      n_rows = 0;
      count_rows (list, &n_rows);
      g_assert_cmpuint (n_rows, <=, MAX_ROWS);
    }
  g_test_message ("scrolling 1000 rows in 20 jumps: %.1f ms mean, %.1f ms slowest from scroll to painted frame",
                  total / 20 / 1000.0, slowest / 1000.0);
  /* The same row widgets served the whole list. */
  g_test_message ("row widgets created while scrolling through 1000 members: %u",
                  g_hash_table_size (rows_seen));
  g_assert_cmpuint (g_hash_table_size (rows_seen), <=, MAX_ROWS);
  /* Xvfb renders in software on a shared machine: generous, but a list
   * that built all 1000 rows per jump would miss it. */
  g_assert_cmpint (slowest, <, 1000 * 1000);

  /* At the end, the last members have rows; those far above have none
   * (GTK keeps the row of the focus item, the first, wherever it is). */
  g_assert_nonnull (find_row (list, N_MEMBERS - 1));
  g_assert_null (find_row (list, 300));
  /* In the middle, a muted member shows the muted icon. */
  scroll_to (list, adj, gtk_adjustment_get_upper (adj) / 2);
  for (guint leaf = 450; leaf < 550; leaf++)
    if ((row = find_row (list, leaf)) != NULL && gtk_widget_get_mapped (GTK_WIDGET (row)))
      break;
  g_assert_nonnull (row);
  {
    CvMeetingMember *m = cv_participant_row_get_member (row);
    gboolean muted = cv_meeting_member_get_audio_muted (m);
    GtkWidget *icon = NULL;

    /* The muted icon is the last image of the row. */
    for (GtkWidget *c = gtk_widget_get_last_child (GTK_WIDGET (row)); c && icon == NULL; c = gtk_widget_get_prev_sibling (c))
      if (GTK_IS_IMAGE (c))
        icon = c;
    g_assert_cmpstr (gtk_image_get_icon_name (GTK_IMAGE (icon)), ==, "microphone-disabled-symbolic");
    g_assert_cmpint (gtk_widget_get_visible (icon), ==, muted);
    /* A change arriving over MLS shows without scrolling. */
    cv_meeting_member_set_announced (m, !muted, TRUE, FALSE);
    g_assert_cmpint (gtk_widget_get_visible (icon), ==, !muted);
  }

  /* Activating a row opens that member's certificate. */
  g_assert_null (find_certificate_dialog ());
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "list.activate-item", "u", 500));
  cv_test_ui_iterate (300);
  dialog = find_certificate_dialog ();
  g_assert_nonnull (dialog);
  g_assert_nonnull (cv_test_ui_find_label (GTK_WIDGET (dialog), "“Member 500” (claimed)"));
  gtk_window_destroy (GTK_WINDOW (dialog));

  gtk_window_destroy (GTK_WINDOW (window));
  g_clear_pointer (&rows_seen, g_hash_table_unref);
}

int
main (int argc, char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  cv_test_ui_init (&argc, &argv);

  g_test_add_func ("/participant-list/thousand-rows", test_thousand_rows);
  return g_test_run ();
}
