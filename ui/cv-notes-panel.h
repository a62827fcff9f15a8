#pragma once

#include <adwaita.h>

#include "cv-notes.h"
#include "cv-session.h"

G_BEGIN_DECLS

#define CV_TYPE_NOTES_PANEL (cv_notes_panel_get_type ())
G_DECLARE_FINAL_TYPE (CvNotesPanel, cv_notes_panel, CV, NOTES_PANEL, AdwBin)

GtkWidget *cv_notes_panel_new         (void);
/* The meeting the notes belong to (it names the notes file); NULL when the
 * meeting ends, which saves the notes one last time. */
void       cv_notes_panel_set_session (CvNotesPanel *self,
                                       CvSession    *session);
/* The notes being edited (replaced when a session of another meeting is set). */
CvNotes   *cv_notes_panel_get_notes   (CvNotesPanel *self);

G_END_DECLS
