#pragma once

#include <adwaita.h>

#include "cv-session.h"

G_BEGIN_DECLS

#define CV_TYPE_MEETING_PAGE (cv_meeting_page_get_type ())
G_DECLARE_FINAL_TYPE (CvMeetingPage, cv_meeting_page, CV, MEETING_PAGE, AdwBin)

/* Signals:
 *   "leave": the user asked to leave;
 *   "recording-saved" (const char *path): a local recording is complete;
 *   "recording-failed" (GError *error): it stopped or could not start. */
CvSession *cv_meeting_page_get_session   (CvMeetingPage *self);
void       cv_meeting_page_set_session   (CvMeetingPage *self,
                                          CvSession     *session);
/* Shows "participants", "chat" or "notes" in the side pane; NULL hides it. */
void       cv_meeting_page_show_side     (CvMeetingPage *self,
                                          const char    *name);
const char *cv_meeting_page_get_side     (CvMeetingPage *self);

G_END_DECLS
