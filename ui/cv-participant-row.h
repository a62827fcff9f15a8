#pragma once

#include <adwaita.h>

#include "cv-meeting-member.h"

G_BEGIN_DECLS

#define CV_TYPE_PARTICIPANT_ROW (cv_participant_row_get_type ())
G_DECLARE_FINAL_TYPE (CvParticipantRow, cv_participant_row, CV, PARTICIPANT_ROW, GtkBox)

GtkWidget       *cv_participant_row_new        (void);
CvMeetingMember *cv_participant_row_get_member (CvParticipantRow *self);
/* Rows are recycled by the list view: setting another member rebinds. */
void             cv_participant_row_set_member (CvParticipantRow *self,
                                                CvMeetingMember  *member);

/* The badge of an identity level, shared with the video tiles: an icon name
 * and a style class ("success", "warning" or NULL). */
const char      *cv_participant_row_verdict_icon  (CvCertificateVerdict verdict);
const char      *cv_participant_row_verdict_style (CvCertificateVerdict verdict);

G_END_DECLS
