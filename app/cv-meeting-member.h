#pragma once

#include <glib-object.h>

#include "cv-certificate-info.h"

G_BEGIN_DECLS

#define CV_TYPE_MEETING_MEMBER (cv_meeting_member_get_type ())
G_DECLARE_FINAL_TYPE (CvMeetingMember, cv_meeting_member, CV, MEETING_MEMBER, GObject)

/* A participant as the MLS group shows it: the leaf, its credential and what
 * that credential proves. Presence comes from the service and is only a
 * hint; a member the service does not list (or the reverse) is flagged. */
CvMeetingMember   *cv_meeting_member_new              (guint32            leaf_index,
                                                       CvCertificateInfo *certificate);
guint32            cv_meeting_member_get_leaf_index   (CvMeetingMember   *self);
CvCertificateInfo *cv_meeting_member_get_certificate  (CvMeetingMember   *self);
/* The name from the credential: verified, else claimed. */
const char        *cv_meeting_member_get_display_name (CvMeetingMember   *self);
CvCertificateVerdict cv_meeting_member_get_verdict    (CvMeetingMember   *self);
gboolean           cv_meeting_member_get_is_self      (CvMeetingMember   *self);
void               cv_meeting_member_set_is_self      (CvMeetingMember   *self,
                                                       gboolean           is_self);
/* Whether the service's roster lists this member as present. */
gboolean           cv_meeting_member_get_in_roster    (CvMeetingMember   *self);
void               cv_meeting_member_set_in_roster    (CvMeetingMember   *self,
                                                       gboolean           in_roster);
/* Frames of this member decrypted by us, from its streams. */
guint64            cv_meeting_member_get_frames       (CvMeetingMember   *self);
void               cv_meeting_member_set_frames       (CvMeetingMember   *self,
                                                       guint64            frames);

/* What the member announces of itself over MLS (docs/protocol.md, "Participant
 * state"): microphone muted, camera on, recording the meeting locally. */
gboolean           cv_meeting_member_get_audio_muted  (CvMeetingMember   *self);
gboolean           cv_meeting_member_get_video_on     (CvMeetingMember   *self);
gboolean           cv_meeting_member_get_recording    (CvMeetingMember   *self);
void               cv_meeting_member_set_announced    (CvMeetingMember   *self,
                                                       gboolean           audio_muted,
                                                       gboolean           video_on,
                                                       gboolean           recording);

G_END_DECLS
