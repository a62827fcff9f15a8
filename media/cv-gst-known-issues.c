#include "config.h"

#include <string.h>

#include "cv-gst-known-issues.h"

static gboolean
is_known (const char     *log_domain,
          GLogLevelFlags  log_level,
          const char     *message)
{
  return g_strcmp0 (log_domain, "GLib") == 0
         && (log_level & G_LOG_LEVEL_CRITICAL) != 0
         && message != NULL
         && strstr (message, CV_GST_KNOWN_CRITICAL) != NULL;
}

static gboolean
is_fatal (const char     *log_domain,
          GLogLevelFlags  log_level,
          const char     *message,
          gpointer        user_data)
{
  return !is_known (log_domain, log_level, message);
}

/* GLib's criticals: the known one is printed as a plain line (the default
 * handler would mark it fatal, and under --tap print "Bail out!", which ends
 * a test run); every other one goes to the default handler as before. */
static void
print_glib_critical (const char     *log_domain,
                     GLogLevelFlags  log_level,
                     const char     *message,
                     gpointer        user_data)
{
  if (is_known (log_domain, log_level, message))
    g_printerr ("GLib-CRITICAL (tolerated: GStreamer 1.22 rtpsession, media/cv-gst-known-issues.h): %s\n",
                message);
  else
    g_log_default_handler (log_domain, log_level, message, user_data);
}

void
cv_gst_tolerate_known_criticals (void)
{
  static gsize handler_set = 0;

  if (g_once_init_enter (&handler_set))
    {
      g_log_set_handler ("GLib", G_LOG_LEVEL_CRITICAL | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION,
                         print_glib_critical, NULL);
      g_once_init_leave (&handler_set, 1);
    }
  /* GLib consults this for fatal messages in any program; its test
   * framework resets it at every test case, so it is set each time. */
  g_test_log_set_fatal_handler (is_fatal, NULL);
}
