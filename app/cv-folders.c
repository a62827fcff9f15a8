/* Local folders for recordings, notes and chat transcripts. Nothing of a
 * meeting's content is ever uploaded: these folders are where it goes. */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "cv-folders.h"

static char *
ensure_folder (GSettings       *settings,
               const char      *key,
               GUserDirectory   xdg_dir,
               GError         **error)
{
  g_autofree char *configured = settings ? g_settings_get_string (settings, key) : NULL;
  const char *base = g_get_user_special_dir (xdg_dir);
  g_autofree char *path = NULL;

  if (configured != NULL && *configured != '\0')
    path = g_steal_pointer (&configured);
  else
    path = g_build_filename (base ? base : g_get_home_dir (), "Conclave", NULL);

  if (g_mkdir_with_parents (path, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot create the folder “%s”: %s"), path, g_strerror (saved));
      return NULL;
    }
  return g_steal_pointer (&path);
}

char *
cv_folders_get_recordings (GSettings  *settings,
                           GError    **error)
{
  return ensure_folder (settings, "recordings-folder", G_USER_DIRECTORY_VIDEOS, error);
}

char *
cv_folders_get_notes (GSettings  *settings,
                      GError    **error)
{
  return ensure_folder (settings, "notes-folder", G_USER_DIRECTORY_DOCUMENTS, error);
}
