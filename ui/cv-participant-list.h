#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CV_TYPE_PARTICIPANT_LIST (cv_participant_list_get_type ())
G_DECLARE_FINAL_TYPE (CvParticipantList, cv_participant_list, CV, PARTICIPANT_LIST, AdwBin)

GtkWidget   *cv_participant_list_new        (void);
/* A model of CvMeetingMember (the session's members), or NULL. */
GListModel  *cv_participant_list_get_model  (CvParticipantList *self);
void         cv_participant_list_set_model  (CvParticipantList *self,
                                             GListModel        *members);
GtkListView *cv_participant_list_get_view   (CvParticipantList *self);
/* Opens the certificate dialog of the member at position, as activating
 * its row does. */
void         cv_participant_list_show_certificate (CvParticipantList *self,
                                                   guint              position);

G_END_DECLS
