/* CvWindow: the main window: the start page, then the meeting. */
#include "config.h"

#include <glib/gi18n.h>

#include "cv-demo.h"
#include "cv-host.h"
#include "cv-identity.h"
#include "cv-meeting-page.h"
#include "cv-notifier.h"
#include "cv-session.h"
#include "cv-shield-button.h"
#include "cv-start-page.h"
#include "cv-window.h"

struct _CvWindow
{
  AdwApplicationWindow parent_instance;

  GSettings *settings;
  CvHost *host;         /* the embedded service, once we hosted a meeting */
  CvSession *session;
  char *invite;
  GPtrArray *demo_bots; /* GSubprocess */
  CvNotifier *notifier;
  GBinding *recording_binding;
  char *recordings_folder; /* of the last recording saved */

  AdwToastOverlay *toast_overlay;
  AdwWindowTitle *window_title;
  CvShieldButton *shield;
  GtkButton *copy_invite_button;
  GtkWidget *recording_indicator;
  GtkStack *stack;
  CvStartPage *start_page;
  CvMeetingPage *meeting_page;
};

G_DEFINE_FINAL_TYPE (CvWindow, cv_window, ADW_TYPE_APPLICATION_WINDOW)

static void
show_toast (CvWindow   *self,
            const char *text)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
}

static void
stop_demo (CvWindow *self)
{
  for (guint i = 0; self->demo_bots && i < self->demo_bots->len; i++)
    g_subprocess_force_exit (g_ptr_array_index (self->demo_bots, i));
  g_clear_pointer (&self->demo_bots, g_ptr_array_unref);
}

static void
end_meeting (CvWindow *self)
{
  if (self->session != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->session, self);
      cv_session_leave (self->session);
    }
  g_clear_pointer (&self->recording_binding, g_binding_unbind);
  if (self->meeting_page != NULL)
    cv_meeting_page_set_session (self->meeting_page, NULL);
  if (self->notifier != NULL)
    cv_notifier_watch (self->notifier, NULL, NULL);
  cv_shield_button_set_state (self->shield, NULL);
  gtk_widget_set_visible (self->recording_indicator, FALSE);
  g_clear_object (&self->session);
  g_clear_pointer (&self->invite, g_free);
  gtk_widget_set_visible (GTK_WIDGET (self->shield), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->copy_invite_button), FALSE);
  adw_window_title_set_subtitle (self->window_title, NULL);
  gtk_window_set_title (GTK_WINDOW (self), _("Conclave"));
  gtk_stack_set_visible_child (self->stack, GTK_WIDGET (self->start_page));
}

static void
session_failed_cb (CvSession *session,
                   GError    *error,
                   CvWindow  *self)
{
  show_toast (self, error->message);
  end_meeting (self);
}

static void
begin_meeting (CvWindow   *self,
               const char *invite)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) identity_error = NULL;
  g_autofree char *name = g_settings_get_string (self->settings, "display-name");
  g_autofree char *subtitle = NULL;

  end_meeting (self);
  self->session = cv_session_new (*name ? name : g_get_real_name ());
  /* Test media when there is no camera or microphone (CvMediaDevices decides). */
  cv_session_set_media (self->session, g_settings_get_boolean (self->settings, "video-devices-enabled"),
                        TRUE, FALSE);
  /* A certificate that cannot be used: the meeting goes on unverified, and says why. */
  if (!cv_identity_configure_session (self->session, self->settings, &identity_error))
    show_toast (self, identity_error->message);
  g_signal_connect (self->session, "failed", G_CALLBACK (session_failed_cb), self);
  if (!cv_session_join (self->session, invite, NULL, &error))
    {
      show_toast (self, error->message);
      g_clear_object (&self->session);
      return;
    }
  self->invite = g_strdup (invite);
  subtitle = g_strdup_printf (_("Meeting %s"), cv_session_get_meeting_number (self->session));
  adw_window_title_set_subtitle (self->window_title, subtitle);
  {
    /* The window manager's title says which meeting, too. */
    g_autofree char *title = g_strdup_printf (_("%s – Conclave"), subtitle);
    gtk_window_set_title (GTK_WINDOW (self), title);
  }
  cv_shield_button_set_state (self->shield, cv_session_get_security (self->session));
  gtk_widget_set_visible (GTK_WIDGET (self->shield), TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->copy_invite_button), TRUE);
  cv_meeting_page_set_session (self->meeting_page, self->session);
  cv_notifier_watch (self->notifier, cv_session_get_members (self->session),
                     cv_session_get_security (self->session));
  /* Everyone sees that someone records, whoever it is. */
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (self->session), "anyone-recording") != NULL)
    self->recording_binding = g_object_bind_property (self->session, "anyone-recording",
                                                      self->recording_indicator, "visible",
                                                      G_BINDING_SYNC_CREATE);
  gtk_stack_set_visible_child (self->stack, GTK_WIDGET (self->meeting_page));
}

static void
open_recordings_cb (CvWindow *self)
{
  g_autoptr (GFile) folder = NULL;
  g_autofree char *uri = NULL;

  if (self->recordings_folder == NULL)
    return;
  folder = g_file_new_for_path (self->recordings_folder);
  uri = g_file_get_uri (folder);
  gtk_show_uri (GTK_WINDOW (self), uri, GDK_CURRENT_TIME);
}

static void
recording_saved_cb (CvWindow   *self,
                    const char *path)
{
  g_autofree char *name = g_path_get_basename (path);
  /* Translators: %s is the recording's file name */
  g_autofree char *text = g_strdup_printf (_("Recording saved as %s"), name);
  AdwToast *toast = adw_toast_new (text);

  g_free (self->recordings_folder);
  self->recordings_folder = g_path_get_dirname (path);
  adw_toast_set_button_label (toast, _("Open Folder"));
  adw_toast_set_timeout (toast, 10);
  g_signal_connect_object (toast, "button-clicked", G_CALLBACK (open_recordings_cb), self, G_CONNECT_SWAPPED);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
  cv_notifier_recording_saved (self->notifier, path);
}

static void
recording_failed_cb (CvWindow *self,
                     GError   *error)
{
  AdwMessageDialog *dialog;

  /* A failed recording is not a passing remark: it needs an answer. */
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _("Recording Failed"),
                                                       error->message));
  adw_message_dialog_add_response (dialog, "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
start_meeting_cb (CvWindow    *self,
                  CvStartPage *page)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *invite = NULL;

  /* No default server: host the meeting on this machine. */
  if (self->host == NULL)
    self->host = cv_host_new ();
  invite = cv_host_start_meeting (self->host, &error);
  if (invite == NULL)
    {
      show_toast (self, error->message);
      return;
    }
  begin_meeting (self, invite);
}

static void
join_requested_cb (CvWindow    *self,
                   const char  *meeting,
                   CvStartPage *page)
{
  begin_meeting (self, meeting);
}

static void
leave_cb (CvWindow *self)
{
  end_meeting (self);
  stop_demo (self);
}

static void
copy_invite_cb (CvWindow *self)
{
  if (self->invite == NULL)
    return;
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), self->invite);
  show_toast (self, _("Invite link copied"));
}

void
cv_window_start_demo (CvWindow *self,
                      guint     n_bots)
{
  g_autoptr (GError) error = NULL;

  g_return_if_fail (CV_IS_WINDOW (self));

  start_meeting_cb (self, self->start_page);
  if (self->invite == NULL)
    return;
  stop_demo (self);
  self->demo_bots = cv_demo_spawn_bots (self->host, self->session, self->invite, n_bots, &error);
  if (self->demo_bots == NULL)
    show_toast (self, error->message);
}

const char *
cv_window_get_invite (CvWindow *self)
{
  return self->invite;
}

void
cv_window_open_invite (CvWindow   *self,
                       const char *invite)
{
  g_return_if_fail (CV_IS_WINDOW (self));

  gtk_stack_set_visible_child (self->stack, GTK_WIDGET (self->start_page));
  cv_start_page_set_meeting (self->start_page, invite);
  cv_start_page_join (self->start_page);
}

static void
cv_window_dispose (GObject *object)
{
  CvWindow *self = CV_WINDOW (object);

  end_meeting (self);
  stop_demo (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), CV_TYPE_WINDOW);
  g_clear_object (&self->host);
  g_clear_object (&self->settings);
  g_clear_object (&self->notifier);
  g_clear_pointer (&self->recordings_folder, g_free);

  G_OBJECT_CLASS (cv_window_parent_class)->dispose (object);
}

static void
cv_window_class_init (CvWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cv_window_dispose;

  g_type_ensure (CV_TYPE_START_PAGE);
  g_type_ensure (CV_TYPE_MEETING_PAGE);
  g_type_ensure (CV_TYPE_SHIELD_BUTTON);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/conclave/Conclave/cv-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CvWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, CvWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, CvWindow, start_page);
  gtk_widget_class_bind_template_child (widget_class, CvWindow, meeting_page);
  gtk_widget_class_bind_template_child (widget_class, CvWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, CvWindow, shield);
  gtk_widget_class_bind_template_child (widget_class, CvWindow, copy_invite_button);
  gtk_widget_class_bind_template_child (widget_class, CvWindow, recording_indicator);
  gtk_widget_class_bind_template_callback (widget_class, recording_saved_cb);
  gtk_widget_class_bind_template_callback (widget_class, recording_failed_cb);
  gtk_widget_class_bind_template_callback (widget_class, leave_cb);
  gtk_widget_class_bind_template_callback (widget_class, copy_invite_cb);
  gtk_widget_class_bind_template_callback (widget_class, start_meeting_cb);
  gtk_widget_class_bind_template_callback (widget_class, join_requested_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL);
}

static void
cv_window_init (CvWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APP_ID);
  self->notifier = cv_notifier_new (GTK_WINDOW (self));
  g_settings_bind (self->settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
}

CvWindow *
cv_window_new (CvApplication *application)
{
  return g_object_new (CV_TYPE_WINDOW, "application", application, NULL);
}
