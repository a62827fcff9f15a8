/* Saving the user's own text (notes, chat transcripts) without ever leaving a
 * half-written file behind. */
#include "config.h"

#include <glib/gi18n.h>

#include "cv-local-file.h"

/* GLib's own message names the temporary file; say what it means instead. */
static const char *
reason_for (GFileError code)
{
  switch (code)
    {
    case G_FILE_ERROR_ACCES:
    case G_FILE_ERROR_PERM:
      return _("you are not allowed to write in that folder");
    case G_FILE_ERROR_NOSPC:
      return _("the disk is full");
    case G_FILE_ERROR_ROFS:
      return _("the disk is read-only");
    case G_FILE_ERROR_NOENT:
    case G_FILE_ERROR_NOTDIR:
      return _("the folder does not exist");
    default:
      return NULL;
    }
}

gboolean
cv_local_file_replace (GFile       *file,
                       const char  *contents,
                       gsize        length,
                       GError     **error)
{
  g_autofree char *path = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *name = NULL;
  const char *reason;

  g_return_val_if_fail (G_IS_FILE (file), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  path = g_file_get_path (file);
  if (path == NULL)
    {
      /* Not a local file (a remote location chosen in the file chooser):
       * GIO still writes it to a temporary file first where it can. */
      return g_file_replace_contents (file, contents, length, NULL, FALSE,
                                      G_FILE_CREATE_PRIVATE, NULL, NULL, error);
    }

  /* CONSISTENT: temporary file, fsync, rename. ONLY_EXISTING: the fsync is
   * only needed to protect a file that was there before. */
  if (g_file_set_contents_full (path, contents, length,
                                G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_ONLY_EXISTING,
                                0600, &local_error))
    return TRUE;

  name = g_filename_display_name (path);
  reason = local_error->domain == G_FILE_ERROR ? reason_for (local_error->code) : NULL;
  g_set_error (error, G_IO_ERROR,
               local_error->domain == G_FILE_ERROR ? g_io_error_from_file_error (local_error->code)
                                                   : G_IO_ERROR_FAILED,
               /* Translators: the first %s is a file, the second why it could not be written */
               _("Could not save “%s”: %s"), name, reason ? reason : local_error->message);
  return FALSE;
}
