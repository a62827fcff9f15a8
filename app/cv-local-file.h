#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Writes contents to file as a whole or not at all: into a temporary file
 * beside it, then renamed over it, so a crash, a full disk or a refused write
 * leaves the previous file as it was. The new file is readable by the user
 * only (notes and chat are private). The error says in plain words which file
 * and why (G_IO_ERROR codes from errno). */
gboolean cv_local_file_replace (GFile       *file,
                                const char  *contents,
                                gsize        length,
                                GError     **error);

G_END_DECLS
