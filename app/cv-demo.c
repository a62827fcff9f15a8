/* The demo: a few bots join the meeting the app just started. */
#include "config.h"

#include <glib/gi18n.h>

#include <signal.h>
#include <sys/prctl.h>

#include "cv-demo.h"

/* The bots end with the app, even when it is killed. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static const char *const demo_names[] = { "Ada", "Grace", "Hedy", "Radia", "Barbara", "Frances" };

/* conclave-bot beside our own executable (the build tree or the install's
 * bindir), else from PATH. */
static char *
find_bot (void)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = self ? g_path_get_dirname (self) : NULL;
  const char *candidates[] = { "conclave-bot", "../app/conclave-bot" };

  for (guint i = 0; dir && i < G_N_ELEMENTS (candidates); i++)
    {
      g_autofree char *path = g_build_filename (dir, candidates[i], NULL);
      if (g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
        return g_steal_pointer (&path);
    }
  return g_find_program_in_path ("conclave-bot");
}

GPtrArray *
cv_demo_spawn_bots (const char  *invite,
                    guint        n,
                    GError     **error)
{
  g_autoptr (GPtrArray) bots = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autofree char *bot = find_bot ();

  if (bot == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("conclave-bot is not installed"));
      return NULL;
    }
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = i < G_N_ELEMENTS (demo_names)
                              ? g_strdup (demo_names[i]) : g_strdup_printf ("Bot %u", i + 1);
      GSubprocess *p;

      g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
      p = g_subprocess_launcher_spawn (launcher, error, bot, "--meeting", invite, "--name", name, NULL);
      if (p == NULL)
        {
          for (guint j = 0; j < bots->len; j++)
            g_subprocess_force_exit (g_ptr_array_index (bots, j));
          return NULL;
        }
      g_ptr_array_add (bots, p);
    }
  return g_steal_pointer (&bots);
}
