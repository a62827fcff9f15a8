/* CvNotes: the text of a meeting's notes and its autosave. Saving is
 * synchronous on the main loop: notes are small and a local write with one
 * fsync takes milliseconds, which keeps the "saved" state simple to reason
 * about. */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "cv-local-file.h"
#include "cv-notes.h"

/* While the user keeps typing, save at the latest after this many delays. */
#define MAX_DELAYS_UNSAVED 5

struct _CvNotes
{
  GObject parent_instance;

  GFile *file;
  char *text;
  guint autosave_delay;
  gboolean modified;
  gint64 modified_since;   /* monotonic µs of the first unsaved edit */
  guint autosave_source;
  GDateTime *saved_time;
  GError *error;
};

G_DEFINE_FINAL_TYPE (CvNotes, cv_notes, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_FILE,
  PROP_TEXT,
  PROP_AUTOSAVE_DELAY,
  PROP_MODIFIED,
  PROP_SAVED_TIME,
  PROP_ERROR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
set_modified (CvNotes  *self,
              gboolean  modified)
{
  if (self->modified == modified)
    return;
  self->modified = modified;
  if (modified)
    self->modified_since = g_get_monotonic_time ();
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODIFIED]);
}

static void
set_error (CvNotes      *self,
           const GError *error)
{
  if (self->error == NULL && error == NULL)
    return;
  g_clear_error (&self->error);
  self->error = error ? g_error_copy (error) : NULL;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

static gboolean
autosave_cb (gpointer user_data)
{
  CvNotes *self = user_data;

  self->autosave_source = 0;
  /* A failure is reported through the "error" property. */
  cv_notes_save (self, NULL);
  return G_SOURCE_REMOVE;
}

static void
schedule_autosave (CvNotes *self)
{
  gint64 now = g_get_monotonic_time ();
  gint64 latest = self->modified_since + (gint64) MAX_DELAYS_UNSAVED * self->autosave_delay * 1000;
  gint64 due = MIN (now + (gint64) self->autosave_delay * 1000, latest);

  g_clear_handle_id (&self->autosave_source, g_source_remove);
  if (self->file == NULL || !self->modified)
    return;
  self->autosave_source = g_timeout_add ((guint) (MAX (due - now, 0) / 1000), autosave_cb, self);
}

static void
cv_notes_dispose (GObject *object)
{
  CvNotes *self = CV_NOTES (object);

  /* Closing without cv_notes_close() must not lose the last edits either. */
  cv_notes_close (self, NULL);

  G_OBJECT_CLASS (cv_notes_parent_class)->dispose (object);
}

static void
cv_notes_finalize (GObject *object)
{
  CvNotes *self = CV_NOTES (object);

  g_clear_object (&self->file);
  g_free (self->text);
  g_clear_pointer (&self->saved_time, g_date_time_unref);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (cv_notes_parent_class)->finalize (object);
}

static void
cv_notes_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  CvNotes *self = CV_NOTES (object);

  switch (prop_id)
    {
    case PROP_FILE:
      g_value_set_object (value, self->file);
      break;
    case PROP_TEXT:
      g_value_set_string (value, self->text);
      break;
    case PROP_AUTOSAVE_DELAY:
      g_value_set_uint (value, self->autosave_delay);
      break;
    case PROP_MODIFIED:
      g_value_set_boolean (value, self->modified);
      break;
    case PROP_SAVED_TIME:
      g_value_set_boxed (value, self->saved_time);
      break;
    case PROP_ERROR:
      g_value_set_boxed (value, self->error);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cv_notes_set_property (GObject      *object,
                       guint         prop_id,
                       const GValue *value,
                       GParamSpec   *pspec)
{
  CvNotes *self = CV_NOTES (object);

  switch (prop_id)
    {
    case PROP_FILE:
      self->file = g_value_dup_object (value);
      break;
    case PROP_TEXT:
      cv_notes_set_text (self, g_value_get_string (value));
      break;
    case PROP_AUTOSAVE_DELAY:
      cv_notes_set_autosave_delay (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cv_notes_class_init (CvNotesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cv_notes_dispose;
  object_class->finalize = cv_notes_finalize;
  object_class->get_property = cv_notes_get_property;
  object_class->set_property = cv_notes_set_property;

  properties[PROP_FILE] =
    g_param_spec_object ("file", NULL, NULL, G_TYPE_FILE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TEXT] =
    g_param_spec_string ("text", NULL, NULL, "",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_AUTOSAVE_DELAY] =
    g_param_spec_uint ("autosave-delay", NULL, NULL, 1, G_MAXINT / 1000, 2000,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MODIFIED] =
    g_param_spec_boolean ("modified", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SAVED_TIME] =
    g_param_spec_boxed ("saved-time", NULL, NULL, G_TYPE_DATE_TIME,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ERROR] =
    g_param_spec_boxed ("error", NULL, NULL, G_TYPE_ERROR,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cv_notes_init (CvNotes *self)
{
  self->text = g_strdup ("");
  self->autosave_delay = 2000;
}

CvNotes *
cv_notes_new (GFile *file)
{
  g_return_val_if_fail (file == NULL || G_IS_FILE (file), NULL);

  return g_object_new (CV_TYPE_NOTES, "file", file, NULL);
}

GFile *
cv_notes_file_for_meeting (const char *folder,
                           const char *meeting_number,
                           GDateTime  *date)
{
  g_autofree char *day = NULL;
  g_autofree char *number = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (folder != NULL, NULL);
  g_return_val_if_fail (meeting_number != NULL, NULL);
  g_return_val_if_fail (date != NULL, NULL);

  day = g_date_time_format (date, "%Y-%m-%d");
  /* The number comes from an invite link: it must stay one file name. */
  number = g_strdelimit (g_strdup (meeting_number), G_DIR_SEPARATOR_S "\\:", '_');
  /* Translators: the file name of a meeting's notes; the first %s is the
   * date (2026-11-26), the second the meeting number */
  name = g_strdup_printf (_("%s Meeting %s.md"), day, number);
  return g_file_new_build_filename (folder, name, NULL);
}

GFile *
cv_notes_get_file (CvNotes *self)
{
  g_return_val_if_fail (CV_IS_NOTES (self), NULL);
  return self->file;
}

gboolean
cv_notes_load (CvNotes  *self,
               GError  **error)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (CV_IS_NOTES (self), FALSE);

  if (self->file == NULL)
    return TRUE;
  if (!g_file_load_contents (self->file, NULL, &contents, &length, NULL, &local_error))
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (!g_utf8_validate_len (contents, length, NULL))
    {
      g_autofree char *name = g_file_get_parse_name (self->file);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("“%s” is not a text file"), name);
      return FALSE;
    }
  /* What is on disk is saved by definition. */
  g_free (self->text);
  self->text = g_steal_pointer (&contents);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TEXT]);
  return TRUE;
}

const char *
cv_notes_get_text (CvNotes *self)
{
  g_return_val_if_fail (CV_IS_NOTES (self), NULL);
  return self->text;
}

void
cv_notes_set_text (CvNotes    *self,
                   const char *text)
{
  g_return_if_fail (CV_IS_NOTES (self));

  if (text == NULL)
    text = "";
  if (g_str_equal (self->text, text))
    return;
  g_free (self->text);
  self->text = g_strdup (text);
  set_modified (self, TRUE);
  schedule_autosave (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TEXT]);
}

guint
cv_notes_get_autosave_delay (CvNotes *self)
{
  g_return_val_if_fail (CV_IS_NOTES (self), 0);
  return self->autosave_delay;
}

void
cv_notes_set_autosave_delay (CvNotes *self,
                             guint    delay_ms)
{
  g_return_if_fail (CV_IS_NOTES (self));
  g_return_if_fail (delay_ms > 0);

  if (self->autosave_delay == delay_ms)
    return;
  self->autosave_delay = delay_ms;
  if (self->autosave_source != 0)
    schedule_autosave (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTOSAVE_DELAY]);
}

gboolean
cv_notes_get_modified (CvNotes *self)
{
  g_return_val_if_fail (CV_IS_NOTES (self), FALSE);
  return self->modified;
}

GDateTime *
cv_notes_get_saved_time (CvNotes *self)
{
  g_return_val_if_fail (CV_IS_NOTES (self), NULL);
  return self->saved_time;
}

const GError *
cv_notes_get_error (CvNotes *self)
{
  g_return_val_if_fail (CV_IS_NOTES (self), NULL);
  return self->error;
}

gboolean
cv_notes_save (CvNotes  *self,
               GError  **error)
{
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (CV_IS_NOTES (self), FALSE);

  g_clear_handle_id (&self->autosave_source, g_source_remove);
  if (self->file == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _("These notes have no file to be saved to"));
      return FALSE;
    }
  if (!cv_local_file_replace (self->file, self->text, strlen (self->text), &local_error))
    {
      set_error (self, local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  set_error (self, NULL);
  set_modified (self, FALSE);
  g_clear_pointer (&self->saved_time, g_date_time_unref);
  self->saved_time = g_date_time_new_now_local ();
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SAVED_TIME]);
  return TRUE;
}

gboolean
cv_notes_close (CvNotes  *self,
                GError  **error)
{
  g_return_val_if_fail (CV_IS_NOTES (self), FALSE);

  g_clear_handle_id (&self->autosave_source, g_source_remove);
  if (!self->modified || self->file == NULL)
    return TRUE;
  return cv_notes_save (self, error);
}

gboolean
cv_notes_save_as (CvNotes  *self,
                  GFile    *file,
                  GError  **error)
{
  g_return_val_if_fail (CV_IS_NOTES (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  return cv_local_file_replace (file, self->text, strlen (self->text), error);
}
