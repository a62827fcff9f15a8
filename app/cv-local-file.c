/* Saving the user's own text (notes, chat transcripts) without ever leaving a
 * half-written file behind: a temporary file in the same folder, written,
 * flushed to disk, then renamed over the old one, which a rename replaces in
 * one step. Done by hand rather than with g_file_set_contents() so that the
 * error can name the user's file and the cause, not the temporary file. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "cv-local-file.h"

static const char *
reason_for_errno (int saved_errno)
{
  switch (saved_errno)
    {
    case EACCES:
    case EPERM:
      return _("you are not allowed to write in that folder");
    case ENOSPC:
    case EDQUOT:
      return _("the disk is full");
    case EFBIG:
      return _("the file is too large for that disk");
    case EROFS:
      return _("the disk is read-only");
    case ENOENT:
    case ENOTDIR:
      return _("the folder does not exist");
    default:
      return g_strerror (saved_errno);
    }
}

static gboolean
fail (GError     **error,
      const char  *path,
      int          saved_errno)
{
  g_autofree char *name = g_filename_display_basename (path);

  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               /* Translators: the first %s is a file name, the second why it could not be written */
               _("Could not save “%s”: %s"), name, reason_for_errno (saved_errno));
  return FALSE;
}

static gboolean
write_all (int          fd,
           const char  *contents,
           gsize        length)
{
  while (length > 0)
    {
      gssize written = write (fd, contents, length);

      if (written < 0 && errno == EINTR)
        continue;
      if (written <= 0)
        {
          if (written == 0)
            errno = ENOSPC;
          return FALSE;
        }
      contents += written;
      length -= (gsize) written;
    }
  return TRUE;
}

gboolean
cv_local_file_replace (GFile       *file,
                       const char  *contents,
                       gsize        length,
                       GError     **error)
{
  g_autofree char *path = NULL;
  g_autofree char *tmp_path = NULL;
  int fd;
  int saved_errno;

  g_return_val_if_fail (G_IS_FILE (file), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  path = g_file_get_path (file);
  if (path == NULL)
    {
      /* Not a local file (a remote location chosen in the file chooser):
       * GIO writes it to a temporary file first where it can. */
      return g_file_replace_contents (file, contents, length, NULL, FALSE,
                                      G_FILE_CREATE_PRIVATE, NULL, NULL, error);
    }

  tmp_path = g_strconcat (path, ".XXXXXX", NULL);
  fd = g_mkstemp_full (tmp_path, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    return fail (error, path, errno);

  if (!write_all (fd, contents, length) || fsync (fd) != 0)
    {
      saved_errno = errno;
      close (fd);
      g_unlink (tmp_path);
      return fail (error, path, saved_errno);
    }
  if (close (fd) != 0 || g_rename (tmp_path, path) != 0)
    {
      saved_errno = errno;
      g_unlink (tmp_path);
      return fail (error, path, saved_errno);
    }
  return TRUE;
}
