/* CvApplication: the GtkApplication of Conclave.
 *
 * It opens the main window, and accepts invite links (conclave://HOST/j/NUMBER
 * or the https form) as files to open, which is how a click on a link in a
 * browser or mail client reaches us through the .desktop MimeType.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "conclave-resources.h"
#include "cv-application.h"
#include "cv-preferences-window.h"
#include "cv-window.h"

struct _CvApplication
{
  AdwApplication parent_instance;

  int demo_bots; /* --demo N: host a meeting that N bots join */
};

G_DEFINE_FINAL_TYPE (CvApplication, cv_application, ADW_TYPE_APPLICATION)

static CvWindow *
get_or_create_window (CvApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    window = GTK_WINDOW (cv_window_new (self));
  return CV_WINDOW (window);
}

static void
cv_application_activate (GApplication *app)
{
  CvApplication *self = CV_APPLICATION (app);
  CvWindow *window = get_or_create_window (self);

  gtk_window_present (GTK_WINDOW (window));
  if (self->demo_bots > 0)
    {
      cv_window_start_demo (window, (guint) self->demo_bots);
      self->demo_bots = 0;
    }
}

static int
cv_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  CvApplication *self = CV_APPLICATION (app);

  g_variant_dict_lookup (options, "demo", "i", &self->demo_bots);
  if (self->demo_bots < 0 || self->demo_bots > 6)
    {
      g_printerr ("conclave: --demo takes 1 to 6 participants\n");
      return 2;
    }
  return -1;
}

static void
cv_application_open (GApplication  *app,
                     GFile        **files,
                     int            n_files,
                     const char    *hint)
{
  CvWindow *window = get_or_create_window (CV_APPLICATION (app));

  /* One meeting per window: the last link given wins. */
  if (n_files > 0)
    {
      g_autofree char *uri = g_file_get_uri (files[n_files - 1]);
      cv_window_open_invite (window, uri);
    }
  gtk_window_present (GTK_WINDOW (window));
}

static void
about_action_cb (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  CvApplication *self = user_data;
  const char *developers[] = { "The Conclave developers", NULL };

  adw_show_about_window (gtk_application_get_active_window (GTK_APPLICATION (self)),
                         "application-name", "Conclave",
                         "application-icon", APP_ID,
                         "version", PACKAGE_VERSION,
                         "developers", developers,
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "comments", _("End-to-end encrypted meetings"),
                         NULL);
}

static void
preferences_action_cb (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  CvApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));

  gtk_window_present (GTK_WINDOW (cv_preferences_window_new (parent)));
}

static void
quit_action_cb (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static const GActionEntry app_actions[] = {
  { "about", about_action_cb },
  { "preferences", preferences_action_cb },
  { "quit", quit_action_cb },
};

static void
cv_application_startup (GApplication *app)
{
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };

  G_APPLICATION_CLASS (cv_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions,
                                   G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.preferences", preferences_accels);
}

static void
cv_application_class_init (CvApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->activate = cv_application_activate;
  app_class->open = cv_application_open;
  app_class->startup = cv_application_startup;
  app_class->handle_local_options = cv_application_handle_local_options;

  conclave_register_resource ();
}

static void
cv_application_init (CvApplication *self)
{
  const GOptionEntry options[] = {
    { "demo", 0, 0, G_OPTION_ARG_INT, NULL,
      N_("Host a meeting on this computer that N test participants join"), N_("N") },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), options);
}

CvApplication *
cv_application_new (void)
{
  return g_object_new (CV_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/org/conclave/Conclave",
                       NULL);
}
