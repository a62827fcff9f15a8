#pragma once

#include <adwaita.h>

#include "cv-session.h"

G_BEGIN_DECLS

#define CV_TYPE_MEETING_PAGE (cv_meeting_page_get_type ())
G_DECLARE_FINAL_TYPE (CvMeetingPage, cv_meeting_page, CV, MEETING_PAGE, AdwBin)

CvSession *cv_meeting_page_get_session (CvMeetingPage *self);
void       cv_meeting_page_set_session (CvMeetingPage *self,
                                        CvSession     *session);

G_END_DECLS
