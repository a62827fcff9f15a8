#pragma once

#include <gio/gio.h>

#include "cv-chat-message.h"
#include "cv-session.h"

G_BEGIN_DECLS

#define CV_TYPE_CHAT_LOG (cv_chat_log_get_type ())
G_DECLARE_FINAL_TYPE (CvChatLog, cv_chat_log, CV, CHAT_LOG, GObject)

/* A meeting's chat transcript: a GListModel of CvChatMessage in the order
 * they were sent or arrived. It lives only in memory until the user saves it. */
CvChatLog  *cv_chat_log_new                (void);

/* Received messages of the session are appended from now on; NULL stops
 * listening (the meeting ended) and keeps the transcript. */
void        cv_chat_log_set_session        (CvChatLog     *self,
                                            CvSession     *session);
CvSession  *cv_chat_log_get_session        (CvChatLog     *self);
/* The number of the last meeting the log was fed from, or NULL. */
const char *cv_chat_log_get_meeting_number (CvChatLog     *self);

/* Sends text to the meeting and appends it as an outgoing message. Fails
 * with a message in plain words (nothing to send, not in a meeting, ...). */
gboolean    cv_chat_log_send               (CvChatLog     *self,
                                            const char    *text,
                                            GError       **error);
void        cv_chat_log_append             (CvChatLog     *self,
                                            CvChatMessage *message);

/* The transcript as Markdown. Names and texts are escaped so that no message
 * can make a heading, a sender line or anything but its own quoted text. */
char       *cv_chat_log_to_markdown        (CvChatLog     *self);
/* Writes the Markdown to file, replacing it atomically (cv_local_file_replace). */
gboolean    cv_chat_log_save               (CvChatLog     *self,
                                            GFile         *file,
                                            GError       **error);

G_END_DECLS
