/* CvNotesPanel: placeholder so the meeting page compiles against the API;
 * the real panel follows. */
#include "config.h"

#include "cv-notes-panel.h"

struct _CvNotesPanel
{
  AdwBin parent_instance;

  CvSession *session;
};

G_DEFINE_FINAL_TYPE (CvNotesPanel, cv_notes_panel, ADW_TYPE_BIN)

static void
cv_notes_panel_dispose (GObject *object)
{
  CvNotesPanel *self = CV_NOTES_PANEL (object);

  g_clear_object (&self->session);
  G_OBJECT_CLASS (cv_notes_panel_parent_class)->dispose (object);
}

static void
cv_notes_panel_class_init (CvNotesPanelClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cv_notes_panel_dispose;
}

static void
cv_notes_panel_init (CvNotesPanel *self)
{
}

GtkWidget *
cv_notes_panel_new (void)
{
  return g_object_new (CV_TYPE_NOTES_PANEL, NULL);
}

void
cv_notes_panel_set_session (CvNotesPanel *self,
                           CvSession   *session)
{
  g_return_if_fail (CV_IS_NOTES_PANEL (self));
  g_return_if_fail (session == NULL || CV_IS_SESSION (session));

  g_set_object (&self->session, session);
}
