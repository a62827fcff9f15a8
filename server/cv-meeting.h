/* cv-meeting.h: one meeting: its participants, admission rules, and the
 * state of the MLS delivery service for it.
 *
 * Delivery-service rules (docs/protocol.md, "Commit"):
 *   - the committer is the present member with the lowest known leaf index;
 *     leaf indices come from the commit that added a member (`added`), from
 *     `removed_leaves` of later commits, and from the member's own
 *     `member-state` reports; the group's creator is leaf 0;
 *   - for each epoch the first commit received is accepted and the epoch
 *     advances; later commits for that epoch are refused with the current
 *     epoch;
 *   - commits and proposals are kept in memory (never on disk), up to a byte
 *     budget, so that a member can fetch what it missed since an epoch.
 */
#pragma once

#include <glib-object.h>

#include "cv-mls-wire-header.h"
#include "cv-participant.h"
#include "cv-site-config.h"

G_BEGIN_DECLS

#define CV_TYPE_MEETING (cv_meeting_get_type ())
G_DECLARE_FINAL_TYPE (CvMeeting, cv_meeting, CV, MEETING, GObject)

typedef struct {
  const char *password;            /* NULL when none given */
  CvParticipantKind kind;
  gboolean e2ee_capable;
  gboolean video;
  const char *const *features;     /* server-side features requested, NULL-terminated or NULL */
  gboolean has_key_package;
} CvJoinRequest;

typedef struct {
  guint64 seq;
  guint64 epoch;                   /* the epoch the message was sent in */
  guint64 from;                    /* participant id */
  const char *type;                /* "commit" or "proposal" (static string) */
  char *message;                   /* base64 as received */
} CvLogEntry;

CvMeeting     *cv_meeting_new                 (const char *number,
                                               gboolean    e2ee,
                                               const char *password,
                                               const char *owner_account);
const char    *cv_meeting_get_number          (CvMeeting *self);
gboolean       cv_meeting_get_e2ee            (CvMeeting *self);
gboolean       cv_meeting_has_password        (CvMeeting *self);
const char    *cv_meeting_get_owner           (CvMeeting *self);
gint64         cv_meeting_get_empty_since     (CvMeeting *self);

/* Applies every admission rule; the error is CV_SERVER_ERROR with the
 * code the client gets. */
gboolean       cv_meeting_check_admission     (CvMeeting            *self,
                                               const CvSiteSettings *site,
                                               const CvJoinRequest  *request,
                                               GError              **error);

/* Adds an admitted participant. In an E2EE meeting without members the
 * participant becomes the group's creator (member, leaf 0) and TRUE is
 * returned: it must create the MLS group at epoch 0. */
gboolean       cv_meeting_add_participant     (CvMeeting     *self,
                                               CvParticipant *participant);
void           cv_meeting_remove_participant  (CvMeeting     *self,
                                               CvParticipant *participant);
guint          cv_meeting_get_n_participants  (CvMeeting *self);
/* In join order; borrowed. */
GPtrArray     *cv_meeting_get_participants    (CvMeeting *self);
CvParticipant *cv_meeting_lookup              (CvMeeting *self,
                                               guint64    participant_id);

/* ---- Delivery service ---- */

CvParticipant *cv_meeting_get_committer       (CvMeeting *self);
guint64        cv_meeting_get_epoch           (CvMeeting *self);
guint          cv_meeting_get_n_members       (CvMeeting *self);
/* The cipher suite of the meeting's KeyPackages (0 until the first). */
guint16        cv_meeting_get_cipher_suite    (CvMeeting *self);
/* The MLS group id learned from the first handshake message, or NULL. */
GBytes        *cv_meeting_get_group_id        (CvMeeting *self);
gboolean       cv_meeting_check_key_package   (CvMeeting                *self,
                                               const cv_mls_wire_header *header,
                                               GError                  **error);

/* Checks sender membership, group id and epoch of a handshake or
 * application message. For a commit, accepts it when it is the first for
 * the current epoch and advances the epoch. */
gboolean       cv_meeting_check_message       (CvMeeting                *self,
                                               CvParticipant            *sender,
                                               const cv_mls_wire_header *header,
                                               GError                  **error);
gboolean       cv_meeting_accept_commit       (CvMeeting                *self,
                                               CvParticipant            *sender,
                                               const cv_mls_wire_header *header,
                                               GError                  **error);
/* Forgets the group (its last member left): the next participant to
 * become creator starts at epoch 0. */
void           cv_meeting_reset_group         (CvMeeting *self);
/* Makes participant the creator of a new group (member, leaf 0). */
void           cv_meeting_make_creator        (CvMeeting     *self,
                                               CvParticipant *participant);

guint64        cv_meeting_log_append          (CvMeeting  *self,
                                               const char *type,
                                               guint64     epoch,
                                               guint64     from,
                                               const char *message_b64,
                                               gsize       byte_budget);
/* Entries whose epoch is >= since_epoch, oldest first (borrowed entries);
 * CV_SERVER_ERROR_BACKLOG_TRUNCATED when some were already dropped. */
GPtrArray     *cv_meeting_log_since           (CvMeeting *self,
                                               guint64    since_epoch,
                                               GError   **error);

G_END_DECLS
