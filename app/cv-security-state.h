/* CvSecurityState: what the shield shows, owned by the session.
 *
 * The session writes it when the connection or the MLS epoch changes; the UI
 * only reads and binds to it. It holds no secret: the security code is public
 * to everyone in the epoch by design (it is read aloud).
 */
#pragma once

#include <glib-object.h>

#include "cv-security-code.h"

G_BEGIN_DECLS

typedef enum {
  CV_E2EE_STATE_NOT_CONNECTED,   /* no meeting */
  CV_E2EE_STATE_SECURING,        /* connected, agreeing on the MLS group */
  CV_E2EE_STATE_SECURE_E2EE,     /* MLS group established, every stream SFrame-protected */
  CV_E2EE_STATE_TRANSPORT_ONLY,  /* standard meeting: TLS and SRTP to the service, which sees media */
  CV_E2EE_STATE_DEGRADED,        /* E2EE, but a participant's media cannot be decrypted or was forged */
} CvE2eeState;

#define CV_TYPE_E2EE_STATE (cv_e2ee_state_get_type ())
GType cv_e2ee_state_get_type (void);

#define CV_TYPE_SECURITY_STATE (cv_security_state_get_type ())
G_DECLARE_FINAL_TYPE (CvSecurityState, cv_security_state, CV, SECURITY_STATE, GObject)

CvSecurityState *cv_security_state_new              (void);

CvE2eeState      cv_security_state_get_state        (CvSecurityState *self);
void             cv_security_state_set_state        (CvSecurityState *self,
                                                     CvE2eeState      state);
/* "12345 67890 12345 67890 12345 67890", or NULL when there is no epoch. */
const char      *cv_security_state_get_code         (CvSecurityState *self);
/* Accepts only NULL or the canonical form above (see cv_security_code_is_valid). */
void             cv_security_state_set_code         (CvSecurityState *self,
                                                     const char      *code);
/* Formats the code of an epoch from its MLS epoch_authenticator. */
gboolean         cv_security_state_set_authenticator (CvSecurityState *self,
                                                      const guint8    *epoch_authenticator,
                                                      gsize            len,
                                                      GError         **error);
/* Why the code last changed, in words for the user ("Dana joined"). */
const char      *cv_security_state_get_change_reason (CvSecurityState *self);
void             cv_security_state_set_change_reason (CvSecurityState *self,
                                                      const char      *reason);
/* The MLS cipher suite name, "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519". */
const char      *cv_security_state_get_cipher_suite (CvSecurityState *self);
void             cv_security_state_set_cipher_suite (CvSecurityState *self,
                                                     const char      *cipher_suite);
guint64          cv_security_state_get_epoch        (CvSecurityState *self);
void             cv_security_state_set_epoch        (CvSecurityState *self,
                                                     guint64          epoch);
guint            cv_security_state_get_member_count (CvSecurityState *self);
void             cv_security_state_set_member_count (CvSecurityState *self,
                                                     guint            member_count);

/* Sets everything an epoch change brings at once, so that a watcher sees the
 * new code together with its epoch and reason (notifications are held until
 * all are set). */
void             cv_security_state_update_epoch     (CvSecurityState *self,
                                                     const char      *code,
                                                     guint64          epoch,
                                                     guint            member_count,
                                                     const char      *change_reason);

/* TRUE for exactly six groups of five ASCII digits separated by one space. */
gboolean         cv_security_code_is_valid          (const char      *code);
/* A translated sentence for what changed between two epochs: "Dana joined",
 * "Ann left; Bob joined", or "The meeting key was renewed" when nobody came
 * or went. */
char            *cv_security_state_describe_changes (const cv_security_code_changes *changes);

G_END_DECLS
