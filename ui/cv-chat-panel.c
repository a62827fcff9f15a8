/* CvChatPanel: placeholder so the meeting page compiles against the API;
 * the real panel follows. */
#include "config.h"

#include "cv-chat-panel.h"

struct _CvChatPanel
{
  AdwBin parent_instance;

  CvSession *session;
};

G_DEFINE_FINAL_TYPE (CvChatPanel, cv_chat_panel, ADW_TYPE_BIN)

static void
cv_chat_panel_dispose (GObject *object)
{
  CvChatPanel *self = CV_CHAT_PANEL (object);

  g_clear_object (&self->session);
  G_OBJECT_CLASS (cv_chat_panel_parent_class)->dispose (object);
}

static void
cv_chat_panel_class_init (CvChatPanelClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cv_chat_panel_dispose;
}

static void
cv_chat_panel_init (CvChatPanel *self)
{
}

GtkWidget *
cv_chat_panel_new (void)
{
  return g_object_new (CV_TYPE_CHAT_PANEL, NULL);
}

void
cv_chat_panel_set_session (CvChatPanel *self,
                           CvSession   *session)
{
  g_return_if_fail (CV_IS_CHAT_PANEL (self));
  g_return_if_fail (session == NULL || CV_IS_SESSION (session));

  g_set_object (&self->session, session);
}
