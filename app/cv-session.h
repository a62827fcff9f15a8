#pragma once

#include <gio/gio.h>

#include "cv-media-pipeline.h"
#include "cv-meeting-member.h"
#include "cv-security-state.h"

G_BEGIN_DECLS

#define CV_TYPE_SESSION (cv_session_get_type ())
G_DECLARE_FINAL_TYPE (CvSession, cv_session, CV, SESSION, GObject)

typedef enum {
  CV_SESSION_IDLE,
  CV_SESSION_CONNECTING,
  CV_SESSION_JOINING,     /* joined the service, waiting for the MLS group */
  CV_SESSION_IN_MEETING,
  CV_SESSION_LEFT,
  CV_SESSION_FAILED,
  /* The connection to the service dropped: rejoining as a new member
   * (between IN_MEETING or JOINING and IN_MEETING again, or FAILED). Note
   * it sorts after LEFT and FAILED: compare states for equality. */
  CV_SESSION_RECONNECTING,
} CvSessionState;

#define CV_SESSION_ERROR (cv_session_error_quark ())
GQuark cv_session_error_quark (void);

typedef enum {
  CV_SESSION_ERROR_REFUSED,   /* the service refused: the message says why, in plain words */
  CV_SESSION_ERROR_PROTOCOL,  /* the service or a member sent something invalid */
  CV_SESSION_ERROR_CRYPTO,    /* MLS or SFrame failed */
} CvSessionError;

CvSession       *cv_session_new                  (const char  *display_name);

/* What we send: video and audio on or off, and test media instead of
 * devices (bots, tests, machines without a camera). */
void             cv_session_set_media            (CvSession   *self,
                                                  gboolean     send_video,
                                                  gboolean     send_audio,
                                                  gboolean     test_media);

/* What we join as (before joining): the app (default) or a room device.
 * Others see it on our row, as the service reports it. */
void             cv_session_set_kind             (CvSession    *self,
                                                  CvMemberKind  kind);

/* Our identity in the meeting (before joining): a PEM certificate chain,
 * leaf first, and its PEM private key, which becomes our MLS signature key.
 * Others verify the chain against their partner CAs or the service CA.
 * NULL, NULL: a basic credential (the name is only claimed). A key that
 * cannot sign in the meeting's cipher suite (suite 1: Ed25519) or does not
 * belong to the certificate makes cv_session_join() fail. */
void             cv_session_set_identity         (CvSession   *self,
                                                  GBytes      *certificate_chain_pem,
                                                  GBytes      *private_key_pem);
/* Adds the CA certificates of these PEM files to the partner CAs:
 * members whose certificates chain to one show as verified externally.
 * Unreadable files are skipped (logged). */
void             cv_session_set_partner_cas      (CvSession          *self,
                                                  const char * const *pem_paths);

/* Joins the meeting of an invite link (conclave://HOST:PORT/j/NUMBER?fp=…).
 * Progress and failure are reported through the state property and the
 * "failed" signal. */
gboolean         cv_session_join                 (CvSession   *self,
                                                  const char  *invite,
                                                  const char  *password,
                                                  GError     **error);
void             cv_session_leave                (CvSession   *self);

CvSessionState   cv_session_get_state            (CvSession   *self);
/* A sentence for the user about what happens to the connection ("Connection
 * to the meeting service lost. Reconnecting…"), or NULL; property "notice".
 * When the connection drops unexpectedly the session stops its media,
 * retries with backoff (0.5, 1, 2, 4, 8, 16 s … for about a minute) and
 * rejoins as a new member: a fresh KeyPackage and leaf, a new security code,
 * a new media pipeline (cv_session_get_remote_streams() returns a new model,
 * property "remote-streams" notifies). If it cannot, it fails. */
const char      *cv_session_get_notice           (CvSession   *self);
CvSecurityState *cv_session_get_security         (CvSession   *self);
/* CvMeetingMember items from the MLS tree, by leaf index. */
GListModel      *cv_session_get_members          (CvSession   *self);
/* CvRemoteStream items of what we receive. */
GListModel      *cv_session_get_remote_streams   (CvSession   *self);
/* Our own video as we send it (the self view), NULL before the media starts. */
CvRemoteStream  *cv_session_get_self_view        (CvSession   *self);
/* Our own microphone as we send it (nothing while muted), NULL before the
 * media starts: for the recorder. */
CvRemoteStream  *cv_session_get_self_audio       (CvSession   *self);
const char      *cv_session_get_meeting_number   (CvSession   *self);
/* The name we join with, as given to cv_session_new(). */
const char      *cv_session_get_display_name     (CvSession   *self);
gboolean         cv_session_get_e2ee             (CvSession   *self);
guint64          cv_session_get_epoch            (CvSession   *self);

/* Whether the media of the member at leaf is signed by its own MLS key
 * (docs/media-authenticity.md): CV_MEDIA_AUTH_AUTHENTICATED, _FORGED, ... */
int              cv_session_get_media_auth       (CvSession   *self,
                                                  guint32      leaf);

/* What we announce to every member (an MLS application message {"type":
 * "state", …} on every change and whenever someone joins), and what the
 * media pipeline does: muted audio and disabled video send nothing. The
 * recording flag is set by whoever records locally (UI, bot): participants
 * must be told. Properties "audio-muted", "video-enabled", "recording". In a
 * standard meeting nothing is announced (there is no MLS group). */
void             cv_session_set_audio_muted      (CvSession   *self,
                                                  gboolean     muted);
void             cv_session_set_video_enabled    (CvSession   *self,
                                                  gboolean     enabled);
void             cv_session_set_recording        (CvSession   *self,
                                                  gboolean     recording);
gboolean         cv_session_get_audio_muted      (CvSession   *self);
gboolean         cv_session_get_video_enabled    (CvSession   *self);
gboolean         cv_session_get_recording        (CvSession   *self);
/* Whether we or any member announced a recording (property "anyone-recording"). */
gboolean         cv_session_get_anyone_recording (CvSession   *self);

/* Post-compromise security: every member commits an update of its own
 * leaf (fresh HPKE keys along its path) about this many seconds after its
 * previous one (spread ±25%; 0: never). Only our own update heals our
 * leaf, so others' commits do not restart the wait. */
#define CV_SESSION_SELF_UPDATE_SECONDS (10 * 60)
void             cv_session_set_self_update_interval (CvSession *self,
                                                      guint      seconds);
/* Commits such an update now (retried in the next epoch if another commit
 * wins this one). */
void             cv_session_update_keys          (CvSession   *self);

/* Sends a chat message: an MLS application message in an E2EE meeting. */
gboolean         cv_session_send_chat            (CvSession   *self,
                                                  const char  *text,
                                                  GError     **error);

G_END_DECLS
