/* cv-participant.h: one participant of a meeting, as the service sees it.
 *
 * The service knows what a participant told it when joining (display name,
 * kind, capabilities) and, in an E2EE meeting, where it is in the MLS group:
 * whether it has been welcomed (is a member) and its leaf index as reported
 * by itself or by the commit that added it. It never knows any key.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum {
  CV_PARTICIPANT_KIND_CLIENT,
  CV_PARTICIPANT_KIND_DEVICE,   /* a room device (kiosk mode) */
  CV_PARTICIPANT_KIND_SIP,
  CV_PARTICIPANT_KIND_PSTN,
} CvParticipantKind;

/* "client", "device", "sip", "pstn"; parsing returns FALSE for anything else. */
const char *cv_participant_kind_to_string (CvParticipantKind kind);
gboolean    cv_participant_kind_from_string (const char        *text,
                                             CvParticipantKind *kind);

#define CV_TYPE_PARTICIPANT (cv_participant_get_type ())
G_DECLARE_FINAL_TYPE (CvParticipant, cv_participant, CV, PARTICIPANT, GObject)

/* No leaf index known. */
#define CV_LEAF_UNKNOWN G_MAXUINT32

CvParticipant    *cv_participant_new              (guint64            id,
                                                   const char        *display_name,
                                                   CvParticipantKind  kind);
guint64           cv_participant_get_id           (CvParticipant *self);
const char       *cv_participant_get_display_name (CvParticipant *self);
CvParticipantKind cv_participant_get_kind         (CvParticipant *self);

const char       *cv_participant_get_account      (CvParticipant *self);
void              cv_participant_set_account      (CvParticipant *self,
                                                   const char    *account);
gboolean          cv_participant_get_video        (CvParticipant *self);
void              cv_participant_set_video        (CvParticipant *self,
                                                   gboolean       video);
/* First SSRC of the participant's streams at the relay (CV_SSRC_NONE: no media). */
#define CV_SSRC_NONE G_MAXUINT32
guint32           cv_participant_get_ssrc_base    (CvParticipant *self);
void              cv_participant_set_ssrc_base    (CvParticipant *self,
                                                   guint32        ssrc_base);

/* Whether it wants participant-joined/left events (a room device or a bot
 * showing no participant list may decline them; default TRUE). */
gboolean          cv_participant_get_roster_events (CvParticipant *self);
void              cv_participant_set_roster_events (CvParticipant *self,
                                                    gboolean       roster_events);

/* MLS membership as tracked by the delivery service. */
gboolean          cv_participant_get_member       (CvParticipant *self);
void              cv_participant_set_member       (CvParticipant *self,
                                                   gboolean       member);
guint32           cv_participant_get_leaf_index   (CvParticipant *self);
void              cv_participant_set_leaf_index   (CvParticipant *self,
                                                   guint32        leaf_index);
/* A joiner's KeyPackage (base64 as received) until it is welcomed. */
const char       *cv_participant_get_key_package  (CvParticipant *self);
void              cv_participant_set_key_package  (CvParticipant *self,
                                                   const char    *key_package_b64);

/* The signaling connection that carries this participant (owned by the
 * server, opaque here); NULL once it is gone. */
gpointer          cv_participant_get_connection   (CvParticipant *self);
void              cv_participant_set_connection   (CvParticipant *self,
                                                   gpointer       connection);

G_END_DECLS
