#pragma once

#include <adwaita.h>

#include "cv-chat-log.h"
#include "cv-session.h"

G_BEGIN_DECLS

#define CV_TYPE_CHAT_PANEL (cv_chat_panel_get_type ())
G_DECLARE_FINAL_TYPE (CvChatPanel, cv_chat_panel, CV, CHAT_PANEL, AdwBin)

GtkWidget *cv_chat_panel_new         (void);
/* The meeting whose chat the panel shows and sends to; NULL when the
 * meeting ends (the transcript stays visible and can still be saved). */
void       cv_chat_panel_set_session (CvChatPanel *self,
                                      CvSession   *session);
/* The transcript shown (fed by the session; kept when it ends). */
CvChatLog *cv_chat_panel_get_log     (CvChatPanel *self);

G_END_DECLS
