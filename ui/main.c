/* conclave: the desktop application. */
#include "config.h"

#include <glib/gi18n.h>
#include <gst/gst.h>
#include <locale.h>

#include "cv-application.h"

int
main (int argc, char *argv[])
{
  g_autoptr (CvApplication) app = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  gst_init (&argc, &argv);
  app = cv_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
