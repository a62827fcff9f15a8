#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CV_TYPE_CHAT_MESSAGE (cv_chat_message_get_type ())
G_DECLARE_FINAL_TYPE (CvChatMessage, cv_chat_message, CV, CHAT_MESSAGE, GObject)

/* One message of a meeting's chat. The sender's name and the text come from
 * the network: they are made valid UTF-8 here, and a name is kept to one line. */
CvChatMessage *cv_chat_message_new          (const char    *sender,
                                             const char    *text,
                                             GDateTime     *time,
                                             gboolean       outgoing);

const char    *cv_chat_message_get_sender   (CvChatMessage *self);
const char    *cv_chat_message_get_text     (CvChatMessage *self);
/* When it was sent (ours) or arrived (others'), local time. */
GDateTime     *cv_chat_message_get_time     (CvChatMessage *self);
/* Whether we sent it. */
gboolean       cv_chat_message_get_outgoing (CvChatMessage *self);

G_END_DECLS
