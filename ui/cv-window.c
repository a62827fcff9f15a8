/* CvWindow: the main window; the start page now, the meeting later. */
#include "config.h"

#include <glib/gi18n.h>

#include "cv-start-page.h"
#include "cv-window.h"

struct _CvWindow
{
  AdwApplicationWindow parent_instance;

  GSettings *settings;

  AdwToastOverlay *toast_overlay;
  GtkStack *stack;
  CvStartPage *start_page;
};

G_DEFINE_FINAL_TYPE (CvWindow, cv_window, ADW_TYPE_APPLICATION_WINDOW)

static void
show_toast (CvWindow   *self,
            const char *text)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
}

static void
start_meeting_cb (CvWindow    *self,
                  CvStartPage *page)
{
  /* Hosting needs the meeting session and the embedded service, which are
   * not part of this build yet: say so instead of pretending. */
  show_toast (self, _("Starting meetings is not available in this version yet"));
}

static void
join_requested_cb (CvWindow    *self,
                   const char  *meeting,
                   CvStartPage *page)
{
  g_autofree char *text =
    g_strdup_printf (_("Joining meeting %s is not available in this version yet"), meeting);

  show_toast (self, text);
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

  gtk_widget_dispose_template (GTK_WIDGET (self), CV_TYPE_WINDOW);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (cv_window_parent_class)->dispose (object);
}

static void
cv_window_class_init (CvWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cv_window_dispose;

  g_type_ensure (CV_TYPE_START_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/conclave/Conclave/cv-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CvWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, CvWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, CvWindow, start_page);
  gtk_widget_class_bind_template_callback (widget_class, start_meeting_cb);
  gtk_widget_class_bind_template_callback (widget_class, join_requested_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL);
}

static void
cv_window_init (CvWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APP_ID);
  g_settings_bind (self->settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
}

CvWindow *
cv_window_new (CvApplication *application)
{
  return g_object_new (CV_TYPE_WINDOW, "application", application, NULL);
}
