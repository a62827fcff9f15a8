#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Where Conclave keeps what belongs to the user alone: the folder named in
 * the setting when set, else "Conclave" in the XDG folder, created 0700. */
char *cv_folders_get_recordings (GSettings  *settings,
                                 GError    **error);
char *cv_folders_get_notes      (GSettings  *settings,
                                 GError    **error);

G_END_DECLS
