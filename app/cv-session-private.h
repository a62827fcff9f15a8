/* What the files of CvSession share: cv-session.c (life cycle, signaling,
 * media) and cv-session-group.c (the MLS group). */
#pragma once

#include <json-glib/json-glib.h>

#include "cv-credential.h"
#include "cv-frame-keys.h"
#include "cv-media-pipeline.h"
#include "cv-mls-group.h"
#include "cv-session.h"
#include "cv-signaling-client.h"

G_BEGIN_DECLS

/* A joiner whose KeyPackage waits for our next commit (we are the committer). */
typedef struct {
  gint64 participant;
  cv_bytes key_package;
} CvWaitingJoiner;

/* A leaf the service reported gone, as it was then: the key tells whether
 * the same member still holds it (a newcomer may take a freed leaf). */
typedef struct {
  guint32 leaf;
  cv_bytes signature_key;
} CvLeafToRemove;

/* What a member announced of itself (its "state" message), kept across
 * epochs while the same key holds its leaf. */
typedef struct {
  cv_bytes signature_key;
  gboolean audio_muted, video_on, recording;
} CvMemberState;

/* A member of the previous epoch, to tell what changed. */
typedef struct {
  guint32 leaf_index;
  char *identity;
  cv_bytes signature_key;
} CvPreviousMember;

struct _CvSession
{
  GObject parent_instance;

  CvSessionState state;
  char *notice;
  char *display_name;
  gboolean send_video, send_audio, test_media;
  CvMemberKind kind;                /* what we join as */

  /* The meeting */
  char *host;
  guint16 port;
  char *fingerprint;
  char *number;
  char *password;
  gboolean e2ee;
  gint64 participant_id;
  GHashTable *roster;              /* participant id → JsonObject (participant object) */

  CvSignalingClient *signaling;
  CvSecurityState *security;
  GListStore *members;             /* CvMeetingMember */
  cv_trust_store *partner_cas;
  cv_trust_store *service_ca;
  /* Our own X.509 identity (PEM), NULL for a basic credential. The key
   * is wiped when the session goes. */
  GBytes *identity_chain_pem;
  cv_bytes identity_key_pem;

  /* MLS */
  const cv_mls_suite *suite;
  cv_bytes signature_priv;
  cv_mls_credential credential;
  cv_mls_key_package_bundle key_package;
  cv_mls_group *group;
  cv_mls_staged_commit *own_commit;  /* sent, waiting for the service's confirmation */
  gint64 own_commit_id;              /* the request id it was sent with */
  GArray *own_commit_added;          /* participant ids, in the order of the adds */
  gboolean committer;
  GPtrArray *waiting;                /* CvWaitingJoiner */
  GArray *leaves_to_remove;          /* CvLeafToRemove, until a commit removes them */
  guint commit_source;
  gboolean own_commit_is_update;     /* own_commit has a path for our leaf */
  gboolean update_wanted;            /* a self-update waits for its epoch */
  guint self_update_seconds;         /* 0: none */
  guint self_update_source;
  guint forget_past_source;
  GArray *previous_members;          /* CvPreviousMember */
  GHashTable *member_states;         /* leaf → CvMemberState */

  /* What we announce of ourselves */
  gboolean audio_muted, video_enabled, recording;
  gboolean anyone_recording;

  /* Reconnecting */
  gint64 reconnect_started;          /* monotonic µs */
  guint reconnect_attempt;
  guint reconnect_source;

  /* Media */
  CvFrameKeys *frame_keys;
  CvFrameAuth *frame_auth;           /* from the first epoch on */
  CvMediaPipeline *media;
  GHashTable *subscribed;            /* participant ids whose streams we asked for */
  guint frames_source;
};

void     cv_session_fail              (CvSession    *self,
                                       GError       *error);
void     cv_session_set_state         (CvSession    *self,
                                       CvSessionState state);
gboolean cv_session_send              (CvSession    *self,
                                       JsonObject   *message);

/* cv-session-group.c */
gboolean cv_session_group_prepare     (CvSession    *self,
                                       guint16       cipher_suite,
                                       char        **key_package_b64,
                                       GError      **error);
void     cv_session_group_clear       (CvSession    *self);
gboolean cv_session_group_check_identity (CvSession *self,
                                          guint16    cipher_suite,
                                          GError   **error);
gboolean cv_session_group_create      (CvSession    *self,
                                       JsonObject   *mls,
                                       GError      **error);
void     cv_session_group_on_message  (CvSession    *self,
                                       const char   *type,
                                       JsonObject   *message);
/* Sends payload (JSON text, docs/protocol.md) as an MLS application message. */
/* Commits a self-update (fresh keys for our leaf) as soon as we can. */
void     cv_session_group_update_keys (CvSession    *self);
/* Called when an epoch begins: past epochs' application keys expire. */
void     cv_session_group_epoch_began (CvSession    *self);
gboolean cv_session_group_send_application (CvSession  *self,
                                            const char *payload,
                                            GError    **error);

/* cv-session.c: the plaintext of an application message from the member at leaf */
void     cv_session_application_received (CvSession    *self,
                                          guint32       sender_leaf,
                                          const guint8 *data,
                                          gsize         len);

/* cv-session.c: the name of the member at leaf, from its credential ("" if none) */
const char *cv_session_member_name (CvSession *self,
                                    guint32    leaf);

/* cv-session.c, called by the group when an epoch begins */
void     cv_session_epoch_changed     (CvSession    *self,
                                       const char   *reason);

G_END_DECLS
