/* The meeting page outside a meeting: its keyboard shortcuts reach the
 * actions the control bar uses, the help overlay lists each of them, the
 * side pane shows one panel at a time, and controls that need a meeting
 * are off. The page in a real meeting is tests/gui/test-meeting-bots.c. */
#include "config.h"

#include <locale.h>

#include <gst/gst.h>

#include "cv-meeting-page.h"
#include "cv-test-meeting.h"
#include "cv-test-ui.h"

static const struct {
  const char *trigger;
  const char *action;
  const char *target;   /* the string argument, or NULL */
} meeting_shortcuts[] = {
  { "<Control>d", "meeting.toggle-mute", NULL },
  { "<Control>e", "meeting.toggle-camera", NULL },
  { "<Shift><Control>r", "meeting.toggle-recording", NULL },
  { "<Shift><Control>c", "meeting.toggle-side", "chat" },
  { "<Shift><Control>n", "meeting.toggle-side", "notes" },
  { "<Shift><Control>p", "meeting.toggle-side", "participants" },
  { "<Shift><Control>h", "meeting.leave", NULL },
  { "<Control>Page_Up", "meeting.previous-page", NULL },
  { "<Control>Page_Down", "meeting.next-page", NULL },
};

/* The page's shortcut for trigger, or NULL. */
static GtkShortcut *
find_shortcut (GtkWidget  *page,
               const char *trigger)
{
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (page);
  g_autoptr (GtkShortcutTrigger) wanted = gtk_shortcut_trigger_parse_string (trigger);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr (GObject) c = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (c))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (c)); j++)
        {
          g_autoptr (GtkShortcut) s = g_list_model_get_item (G_LIST_MODEL (c), j);
          if (gtk_shortcut_trigger_equal (gtk_shortcut_get_trigger (s), wanted))
            {
              /* Anywhere in the window, not only with the focus in the page. */
              g_assert_cmpint (gtk_shortcut_controller_get_scope (GTK_SHORTCUT_CONTROLLER (c)), ==,
                               GTK_SHORTCUT_SCOPE_GLOBAL);
              return g_steal_pointer (&s);
            }
        }
    }
  return NULL;
}

/* Every accelerator the help overlay shows, as parsed triggers. */
static GPtrArray *
help_overlay_triggers (void)
{
  g_autoptr (GtkBuilder) builder = gtk_builder_new_from_resource ("/org/conclave/Conclave/gtk/help-overlay.ui");
  GPtrArray *triggers = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GSList) objects = gtk_builder_get_objects (builder);

  for (GSList *l = objects; l; l = l->next)
    {
      g_autofree char *accelerator = NULL;
      g_auto (GStrv) parts = NULL;

      if (!GTK_IS_SHORTCUTS_SHORTCUT (l->data))
        continue;
      g_object_get (l->data, "accelerator", &accelerator, NULL);
      parts = g_strsplit (accelerator ? accelerator : "", " ", -1);
      for (guint i = 0; parts[i]; i++)
        if (*parts[i])
          g_ptr_array_add (triggers, gtk_shortcut_trigger_parse_string (parts[i]));
    }
  gtk_window_destroy (GTK_WINDOW (gtk_builder_get_object (builder, "help_overlay")));
  return triggers;
}

static void
leave_cb (GtkWidget *page,
          gboolean  *left)
{
  *left = TRUE;
}

static GtkWidget *
find_by_tooltip (GtkWidget  *widget,
                 const char *tooltip)
{
  if (g_strcmp0 (gtk_widget_get_tooltip_text (widget), tooltip) == 0)
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_by_tooltip (c, tooltip);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
test_shortcuts (void)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *page = g_object_new (CV_TYPE_MEETING_PAGE, NULL);
  g_autoptr (GPtrArray) listed = help_overlay_triggers ();

  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  gtk_window_set_child (GTK_WINDOW (window), page);
  gtk_window_present (GTK_WINDOW (window));
  cv_test_ui_wait_mapped (page);

  for (guint i = 0; i < G_N_ELEMENTS (meeting_shortcuts); i++)
    {
      g_autoptr (GtkShortcut) shortcut = find_shortcut (page, meeting_shortcuts[i].trigger);
      g_autoptr (GtkShortcutTrigger) trigger = gtk_shortcut_trigger_parse_string (meeting_shortcuts[i].trigger);
      GtkShortcutAction *action;
      GVariant *args;
      gboolean in_overlay = FALSE;

      g_test_message ("%s → %s", meeting_shortcuts[i].trigger, meeting_shortcuts[i].action);
      g_assert_nonnull (shortcut);
      action = gtk_shortcut_get_action (shortcut);
      g_assert_true (GTK_IS_NAMED_ACTION (action));
      g_assert_cmpstr (gtk_named_action_get_action_name (GTK_NAMED_ACTION (action)), ==, meeting_shortcuts[i].action);
      args = gtk_shortcut_get_arguments (shortcut);
      if (meeting_shortcuts[i].target != NULL)
        g_assert_cmpstr (g_variant_get_string (args, NULL), ==, meeting_shortcuts[i].target);
      for (guint j = 0; j < listed->len; j++)
        in_overlay = in_overlay || gtk_shortcut_trigger_equal (g_ptr_array_index (listed, j), trigger);
      g_assert_true (in_overlay);
    }

  /* Without a meeting, what needs one is off; the side pane works. */
  {
    GtkWidget *mute = find_by_tooltip (page, "Mute (Ctrl+D)");
    gboolean left = FALSE;

    g_assert_true (GTK_IS_TOGGLE_BUTTON (mute));
    gtk_widget_activate_action (page, "meeting.toggle-mute", NULL);
    g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (mute)));
    g_signal_connect (page, "leave", G_CALLBACK (leave_cb), &left);
    gtk_widget_activate_action (page, "meeting.leave", NULL);
    g_assert_false (left);
  }
  g_assert_null (cv_meeting_page_get_side (CV_MEETING_PAGE (page)));
  {
    /* Through the shortcut's own action, as a key press activates it. */
    g_autoptr (GtkShortcut) shortcut = find_shortcut (page, "<Shift><Control>p");
    g_assert_true (gtk_shortcut_action_activate (gtk_shortcut_get_action (shortcut), 0, page,
                                                 gtk_shortcut_get_arguments (shortcut)));
  }
  cv_test_ui_iterate (300);
  g_assert_cmpstr (cv_meeting_page_get_side (CV_MEETING_PAGE (page)), ==, "participants");
  g_assert_true (gtk_widget_activate_action (page, "meeting.toggle-side", "s", "chat"));
  g_assert_cmpstr (cv_meeting_page_get_side (CV_MEETING_PAGE (page)), ==, "chat");
  g_assert_nonnull (cv_test_ui_find_label (page, "Chat"));
  g_assert_true (gtk_widget_activate_action (page, "meeting.toggle-side", "s", "chat"));
  g_assert_null (cv_meeting_page_get_side (CV_MEETING_PAGE (page)));

  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
notice_shown (GtkWidget *page)
{
  GtkRevealer *revealer = GTK_REVEALER (cv_test_ui_find_type (page, GTK_TYPE_REVEALER));

  return gtk_revealer_get_reveal_child (revealer) && gtk_widget_get_mapped (GTK_WIDGET (revealer));
}

/* The service goes away under a meeting: the session's notice shows above
 * the tiles, word for word, while it reconnects. */
static void
test_reconnect_notice (void)
{
  CvTestMeeting meeting = { 0 };
  GtkWidget *window = gtk_window_new ();
  GtkWidget *page = g_object_new (CV_TYPE_MEETING_PAGE, NULL);
  g_autoptr (CvSession) session = NULL;
  gint64 deadline;
  const char *notice;

  cv_test_meeting_start (&meeting, TRUE);
  session = cv_test_meeting_join (&meeting, "Ann");
  cv_test_meeting_wait (&session, 1);
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  gtk_window_set_child (GTK_WINDOW (window), page);
  cv_meeting_page_set_session (CV_MEETING_PAGE (page), session);
  gtk_window_present (GTK_WINDOW (window));
  cv_test_ui_wait_mapped (page);
  g_assert_false (notice_shown (page));

  cv_test_meeting_stop (&meeting);
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (!notice_shown (page))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      cv_test_ui_iterate (100);
    }
  notice = cv_session_get_notice (session);
  g_test_message ("notice: %s", notice);
  g_assert_nonnull (notice);
  g_assert_nonnull (cv_test_ui_find_label (page, notice));
  g_autofree char *path = cv_test_ui_screenshot (window, "meeting-reconnecting");

  cv_meeting_page_set_session (CV_MEETING_PAGE (page), NULL);
  g_assert_false (gtk_revealer_get_reveal_child (GTK_REVEALER (cv_test_ui_find_type (page, GTK_TYPE_REVEALER))));
  cv_session_leave (session);
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int argc, char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  gst_init (&argc, &argv);
  cv_test_ui_init (&argc, &argv);

  g_test_add_func ("/meeting-page/shortcuts", test_shortcuts);
  g_test_add_func ("/meeting-page/reconnect-notice", test_reconnect_notice);
  return g_test_run ();
}
