#include "config.h"

#include <glib/gi18n.h>

#include "cv-save-dialog.h"

GtkFileChooserNative *
cv_save_dialog_new (GtkWidget  *widget,
                    const char *title,
                    const char *folder,
                    const char *suggested_name)
{
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkFileChooserNative *dialog;

  dialog = gtk_file_chooser_native_new (title, GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  if (folder != NULL)
    {
      g_autoptr (GFile) folder_file = g_file_new_for_path (folder);

      gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (dialog), folder_file, NULL);
    }
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), suggested_name);
  return dialog;
}

void
cv_save_dialog_clear (GtkFileChooserNative **dialog,
                      gpointer               owner)
{
  if (*dialog == NULL)
    return;
  g_signal_handlers_disconnect_by_data (*dialog, owner);
  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (*dialog));
  g_clear_object (dialog);
}
