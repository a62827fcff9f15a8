/* cv-save-dialog.h: the "Save Chat…" / "Save Notes…" file chooser.
 *
 * GTK 4.8 has no GtkFileDialog; both panels ask where to save a Markdown
 * file the same way, so the chooser is made and torn down here.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* A modal save chooser over `widget`'s window, opening in `folder` (NULL:
 * the chooser's own default) with `suggested_name`. Connect "response",
 * then show it with gtk_native_dialog_show(). */
GtkFileChooserNative *cv_save_dialog_new   (GtkWidget              *widget,
                                            const char             *title,
                                            const char             *folder,
                                            const char             *suggested_name);

/* Closes a chooser still open when its owner goes away: disconnects the
 * owner's handlers first, so no response reaches a disposed widget. */
void                  cv_save_dialog_clear (GtkFileChooserNative  **dialog,
                                            gpointer                owner);

G_END_DECLS
