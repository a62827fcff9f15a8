#pragma once

#include <glib-object.h>

#include "cv-certificate-info.h"

G_BEGIN_DECLS

/* What the member joins with, as the service's roster says ("kind" in
 * docs/protocol.md): only a hint, like the roster itself. SIP and PSTN
 * cannot be in an E2EE meeting, so they are not here. */
typedef enum {
  CV_MEMBER_KIND_UNKNOWN,      /* the roster does not list it (yet) */
  CV_MEMBER_KIND_APP,          /* "client": the Conclave app */
  CV_MEMBER_KIND_ROOM_DEVICE,  /* "device": a meeting room's system */
} CvMemberKind;

#define CV_TYPE_MEMBER_KIND (cv_member_kind_get_type ())
GType cv_member_kind_get_type (void);
/* The protocol's name of a kind ("client", "device"), NULL for unknown. */
const char   *cv_member_kind_to_protocol   (CvMemberKind  kind);
/* A protocol name to a kind: unknown for anything else (sip, pstn, junk). */
CvMemberKind  cv_member_kind_from_protocol (const char   *name);

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
/* App or room device, from the roster entry of this member; property "kind". */
CvMemberKind       cv_meeting_member_get_kind         (CvMeetingMember   *self);
void               cv_meeting_member_set_kind         (CvMeetingMember   *self,
                                                       CvMemberKind       kind);
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
