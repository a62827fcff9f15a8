/* CvNotesPanel: the meeting's notes in the side pane. The text view edits a
 * CvNotes, which saves itself into the notes folder; the panel says when it
 * last did, or why it could not, and saves a copy where the user chooses. */
#include "config.h"

#include <glib/gi18n.h>

#include "cv-folders.h"
#include "cv-notes-panel.h"
#include "cv-save-dialog.h"

struct _CvNotesPanel
{
  AdwBin parent_instance;

  CvNotes *notes;
  CvSession *session;
  gulong state_handler;
  GError *folder_error;    /* the notes folder could not be made */
  GtkFileChooserNative *chooser;
  char *save_as_message;   /* the outcome of "Save Notes…", until the next edit */

  GtkTextView *text_view;
  GtkLabel *status_label;
  GtkButton *save_button;
};

G_DEFINE_FINAL_TYPE (CvNotesPanel, cv_notes_panel, ADW_TYPE_BIN)

static void
update_status (CvNotesPanel *self)
{
  const GError *error = cv_notes_get_error (self->notes);
  GDateTime *saved = cv_notes_get_saved_time (self->notes);
  g_autofree char *text = NULL;
  gboolean is_error = FALSE;

  if (error != NULL || self->folder_error != NULL)
    {
      text = g_strdup ((error ? error : self->folder_error)->message);
      is_error = TRUE;
    }
  else if (self->save_as_message != NULL)
    text = g_strdup (self->save_as_message);
  else if (saved != NULL)
    {
      g_autofree char *clock = g_date_time_format (saved, "%H:%M");
      /* Translators: %s is the time of the last automatic save, e.g. 14:03 */
      text = g_strdup_printf (_("Saved %s"), clock);
    }
  else if (cv_notes_get_file (self->notes) == NULL)
    text = g_strdup (_("Notes are saved once you are in a meeting"));
  else
    text = g_strdup ("");

  gtk_label_set_text (self->status_label, text);
  if (is_error)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
      gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "dim-label");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "dim-label");
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->status_label),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
}

static void
buffer_changed_cb (GtkTextBuffer *buffer,
                   CvNotesPanel  *self)
{
  GtkTextIter start, end;
  g_autofree char *text = NULL;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  g_clear_pointer (&self->save_as_message, g_free);
  cv_notes_set_text (self->notes, text);
  update_status (self);
}

static void
show_notes_text (CvNotesPanel *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);

  g_signal_handlers_block_by_func (buffer, buffer_changed_cb, self);
  gtk_text_buffer_set_text (buffer, cv_notes_get_text (self->notes), -1);
  g_signal_handlers_unblock_by_func (buffer, buffer_changed_cb, self);
}

static void
set_notes (CvNotesPanel *self,
           CvNotes      *notes)
{
  if (self->notes != NULL)
    {
      g_signal_handlers_disconnect_by_func (self->notes, update_status, self);
      /* Its failure, if any, is shown until the new notes save. */
      cv_notes_close (self->notes, NULL);
    }
  g_set_object (&self->notes, notes);
  g_signal_connect_swapped (notes, "notify::saved-time", G_CALLBACK (update_status), self);
  g_signal_connect_swapped (notes, "notify::error", G_CALLBACK (update_status), self);
  update_status (self);
}

/* Opens the notes file of the session's meeting once its number is known. */
static void
attach_to_meeting (CvNotesPanel *self)
{
  g_autoptr (GSettings) settings = NULL;
  g_autoptr (GDateTime) today = NULL;
  g_autoptr (GFile) file = NULL;
  g_autoptr (CvNotes) notes = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *unsaved = NULL;
  const char *number = cv_session_get_meeting_number (self->session);

  if (number == NULL)
    return;

  settings = g_settings_new (APP_ID);
  g_clear_error (&self->folder_error);
  folder = cv_folders_get_notes (settings, &self->folder_error);
  if (folder == NULL)
    {
      update_status (self);
      return;
    }
  today = g_date_time_new_now_local ();
  file = cv_notes_file_for_meeting (folder, number, today);
  if (cv_notes_get_file (self->notes) != NULL && g_file_equal (cv_notes_get_file (self->notes), file))
    return;

  /* What was typed before the meeting had a file goes into its notes. */
  if (cv_notes_get_file (self->notes) == NULL)
    unsaved = g_strdup (cv_notes_get_text (self->notes));

  notes = cv_notes_new (file);
  cv_notes_set_autosave_delay (notes, cv_notes_get_autosave_delay (self->notes));
  if (!cv_notes_load (notes, &error))
    self->folder_error = g_steal_pointer (&error);
  else if (unsaved != NULL && *unsaved != '\0')
    {
      g_autofree char *joined = NULL;

      joined = *cv_notes_get_text (notes) != '\0'
               ? g_strconcat (cv_notes_get_text (notes), "\n", unsaved, NULL)
               : g_strdup (unsaved);
      cv_notes_set_text (notes, joined);
    }
  set_notes (self, notes);
  show_notes_text (self);
}

/* ---- saving a copy ---- */

static void
chooser_response_cb (GtkNativeDialog *chooser,
                     int              response,
                     CvNotesPanel    *self)
{
  g_autoptr (GFile) file = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *name = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  g_clear_object (&self->chooser);
  if (file == NULL)
    return;

  g_clear_pointer (&self->save_as_message, g_free);
  if (!cv_notes_save_as (self->notes, file, &error))
    self->save_as_message = g_strdup (error->message);
  else
    {
      name = g_file_get_basename (file);
      /* Translators: %s is a file name */
      self->save_as_message = g_strdup_printf (_("Notes saved as “%s”"), name);
    }
  update_status (self);
}

static void
save_cb (CvNotesPanel *self)
{
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);
  g_autofree char *folder = cv_folders_get_notes (settings, NULL);
  GFile *file = cv_notes_get_file (self->notes);
  g_autofree char *suggested = NULL;

  if (self->chooser != NULL)
    return;

  if (file != NULL)
    suggested = g_file_get_basename (file);
  else
    suggested = g_strdup (_("Notes.md"));

  self->chooser = cv_save_dialog_new (GTK_WIDGET (self), _("Save Notes"), folder, suggested);
  g_signal_connect (self->chooser, "response", G_CALLBACK (chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* ---- the object ---- */

static void
cv_notes_panel_dispose (GObject *object)
{
  CvNotesPanel *self = CV_NOTES_PANEL (object);

  cv_save_dialog_clear (&self->chooser, self);
  cv_notes_panel_set_session (self, NULL);
  if (self->notes != NULL)
    {
      g_signal_handlers_disconnect_by_func (self->notes, update_status, self);
      cv_notes_close (self->notes, NULL);
      g_clear_object (&self->notes);
    }
  if (self->text_view != NULL)
    g_signal_handlers_disconnect_by_func (gtk_text_view_get_buffer (self->text_view), buffer_changed_cb, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), CV_TYPE_NOTES_PANEL);

  G_OBJECT_CLASS (cv_notes_panel_parent_class)->dispose (object);
}

static void
cv_notes_panel_finalize (GObject *object)
{
  CvNotesPanel *self = CV_NOTES_PANEL (object);

  g_clear_error (&self->folder_error);
  g_free (self->save_as_message);

  G_OBJECT_CLASS (cv_notes_panel_parent_class)->finalize (object);
}

static void
cv_notes_panel_class_init (CvNotesPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cv_notes_panel_dispose;
  object_class->finalize = cv_notes_panel_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/conclave/Conclave/cv-notes-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, CvNotesPanel, text_view);
  gtk_widget_class_bind_template_child (widget_class, CvNotesPanel, status_label);
  gtk_widget_class_bind_template_child (widget_class, CvNotesPanel, save_button);
  gtk_widget_class_bind_template_callback (widget_class, save_cb);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
cv_notes_panel_init (CvNotesPanel *self)
{
  g_autoptr (CvNotes) notes = cv_notes_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Notes"), -1);
  g_signal_connect (gtk_text_view_get_buffer (self->text_view), "changed",
                    G_CALLBACK (buffer_changed_cb), self);
  set_notes (self, notes);
}

GtkWidget *
cv_notes_panel_new (void)
{
  return g_object_new (CV_TYPE_NOTES_PANEL, NULL);
}

void
cv_notes_panel_set_session (CvNotesPanel *self,
                            CvSession    *session)
{
  g_return_if_fail (CV_IS_NOTES_PANEL (self));
  g_return_if_fail (session == NULL || CV_IS_SESSION (session));

  if (self->session == session)
    return;
  if (self->session != NULL)
    g_clear_signal_handler (&self->state_handler, self->session);
  g_set_object (&self->session, session);

  if (session == NULL)
    {
      /* The meeting ended: save now. Later edits still go to the same file. */
      if (self->notes != NULL)
        cv_notes_close (self->notes, NULL);
      return;
    }
  /* The meeting number is known from the invite as soon as joining starts. */
  self->state_handler = g_signal_connect_swapped (session, "notify::state",
                                                  G_CALLBACK (attach_to_meeting), self);
  attach_to_meeting (self);
}

CvNotes *
cv_notes_panel_get_notes (CvNotesPanel *self)
{
  g_return_val_if_fail (CV_IS_NOTES_PANEL (self), NULL);
  return self->notes;
}
