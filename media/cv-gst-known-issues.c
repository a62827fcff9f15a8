#include "config.h"

#include <string.h>

#include "cv-gst-known-issues.h"

static gboolean
is_fatal (const char     *log_domain,
          GLogLevelFlags  log_level,
          const char     *message,
          gpointer        user_data)
{
  return !(g_strcmp0 (log_domain, "GLib") == 0
           && (log_level & G_LOG_LEVEL_CRITICAL) != 0
           && message != NULL
           && strstr (message, CV_GST_KNOWN_CRITICAL) != NULL);
}

void
cv_gst_tolerate_known_criticals (void)
{
  /* GLib consults this handler for fatal messages in any program, not only
   * under g_test_init(). */
  g_test_log_set_fatal_handler (is_fatal, NULL);
}
