/* The one GStreamer 1.22 critical we tolerate stays logged but not fatal;
 * every other critical stays fatal under G_DEBUG=fatal-criticals. */
#include <glib.h>

#include "cv-gst-known-issues.h"

static void
grow_during_walk (gpointer key, gpointer value, gpointer table)
{
  g_hash_table_insert (table, GUINT_TO_POINTER (g_hash_table_size (table) + 100), table);
}

static void
test_known_critical_tolerated (void)
{
  if (g_test_subprocess ())
    {
      GHashTable *table = g_hash_table_new (NULL, NULL);

      g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
      cv_gst_tolerate_known_criticals ();
      g_hash_table_insert (table, GUINT_TO_POINTER (1), table);
      g_hash_table_insert (table, GUINT_TO_POINTER (2), table);
      g_hash_table_foreach (table, grow_during_walk, table);
      g_hash_table_unref (table);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*tolerated*" CV_GST_KNOWN_CRITICAL "*");
  /* Under --tap a "Bail out!" line would end the whole test run. */
  g_test_trap_assert_stdout_unmatched ("*Bail out*");
}

static void
test_other_critical_fatal (void)
{
  if (g_test_subprocess ())
    {
      g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
      cv_gst_tolerate_known_criticals ();
      g_hash_table_size (NULL);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*g_hash_table_size*");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gst-known-issues/known-critical-tolerated", test_known_critical_tolerated);
  g_test_add_func ("/gst-known-issues/other-critical-fatal", test_other_critical_fatal);
  return g_test_run ();
}
