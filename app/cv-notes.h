#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CV_TYPE_NOTES (cv_notes_get_type ())
G_DECLARE_FINAL_TYPE (CvNotes, cv_notes, CV, NOTES, GObject)

/* A meeting's notes: the text, saved automatically to file a short delay
 * after the last edit (and at the latest a few delays after the first
 * unsaved one while the user keeps typing) and on close. Every write replaces
 * the file atomically (cv_local_file_replace): a failed save leaves the last
 * good one in place, and the failure is in the "error" property until a save
 * succeeds. Without a file nothing is saved automatically. */
CvNotes      *cv_notes_new                (GFile       *file);

/* "<folder>/<date> Meeting <number>.md" (the word translated), date as YYYY-MM-DD. */
GFile        *cv_notes_file_for_meeting   (const char  *folder,
                                           const char  *meeting_number,
                                           GDateTime   *date);

GFile        *cv_notes_get_file           (CvNotes     *self);
/* Reads the file's text if it exists (notes of an earlier part of the same
 * meeting); a missing file is not an error. */
gboolean      cv_notes_load               (CvNotes     *self,
                                           GError     **error);

const char   *cv_notes_get_text           (CvNotes     *self);
/* Starts (or moves) the autosave timer when the text changed. */
void          cv_notes_set_text           (CvNotes     *self,
                                           const char  *text);

/* Milliseconds after the last edit; 2000 by default. */
guint         cv_notes_get_autosave_delay (CvNotes     *self);
void          cv_notes_set_autosave_delay (CvNotes     *self,
                                           guint        delay_ms);

/* Whether there are edits not yet saved to file. */
gboolean      cv_notes_get_modified       (CvNotes     *self);
/* When the text was last saved to file, or NULL. */
GDateTime    *cv_notes_get_saved_time     (CvNotes     *self);
/* Why the last save failed, or NULL after a good one. */
const GError *cv_notes_get_error          (CvNotes     *self);

/* Saves to file now. */
gboolean      cv_notes_save               (CvNotes     *self,
                                           GError     **error);
/* The meeting ended: saves what is unsaved and stops the timer. */
gboolean      cv_notes_close              (CvNotes     *self,
                                           GError     **error);
/* Writes a copy of the text to another file (atomically); autosave keeps
 * writing to the notes folder. */
gboolean      cv_notes_save_as            (CvNotes     *self,
                                           GFile       *file,
                                           GError     **error);

G_END_DECLS
