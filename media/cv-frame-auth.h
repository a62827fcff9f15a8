#pragma once

#include <glib-object.h>

#include "cv-media-auth.h"

G_BEGIN_DECLS

#define CV_TYPE_FRAME_AUTH (cv_frame_auth_get_type ())
G_DECLARE_FINAL_TYPE (CvFrameAuth, cv_frame_auth, CV, FRAME_AUTH, GObject)

/* CvFrameAuth: per-sender media authenticity of one meeting
 * (docs/media-authenticity.md), shared by the SFrame elements beside
 * CvFrameKeys. The session feeds it from MLS: for each epoch our leaf and
 * signature private key, and every member's signature public key. The
 * encrypter records what it sent and gets signed statements to send in band;
 * the decrypter records what it received and hands it the statements. */

CvFrameAuth *cv_frame_auth_new              (guint16        mls_suite,
                                             const guint8  *group_id,
                                             gsize          group_id_len,
                                             GError       **error);

/* Installs an epoch: our leaf and signature private key (NULL for a
 * receive-only participant) and the signature public keys of the members, in
 * the order of leaf_indices. The previous epoch's keys are kept for the
 * frames and statements still in flight; older ones are wiped. */
gboolean     cv_frame_auth_install_epoch    (CvFrameAuth     *self,
                                             guint64          epoch,
                                             guint32          own_leaf,
                                             const guint8    *own_private_key,
                                             gsize            own_private_key_len,
                                             const guint32   *leaf_indices,
                                             GBytes * const  *public_keys,
                                             gsize            n_members,
                                             GError         **error);

/* ---- Sending (cvsframeenc) ---- */

/* Records a protected frame of our stream `context` sent at now_ms. Returns
 * the next statement to send for that stream, if one is ready (repeat until
 * NULL); it goes out SFrame-protected under context |
 * CV_MEDIA_AUTH_STATEMENT_CONTEXT. */
GBytes      *cv_frame_auth_sent             (CvFrameAuth   *self,
                                             guint64        context,
                                             const guint8  *frame,
                                             gsize          frame_len,
                                             guint64        now_ms);

/* Signs what is pending for stream `context` now (the stream stops), giving
 * the statement to send, or NULL. */
GBytes      *cv_frame_auth_flush            (CvFrameAuth   *self,
                                             guint64        context);

/* ---- Receiving (cvsframedec) ---- */

/* The hash of a protected frame, taken before it is decrypted in place. */
gboolean     cv_frame_auth_hash             (CvFrameAuth   *self,
                                             const guint8  *frame,
                                             gsize          frame_len,
                                             guint8         hash[CV_MEDIA_AUTH_HASH_LEN]);
void         cv_frame_auth_received_frame   (CvFrameAuth                 *self,
                                             const cv_sframe_frame_info  *info,
                                             const guint8                 hash[CV_MEDIA_AUTH_HASH_LEN],
                                             guint64                      now_ms);
/* A decrypted statement frame: it must be the sender's own (same epoch, leaf
 * and stream as the frame that carried it), and verify with its key. */
cv_status    cv_frame_auth_received_statement (CvFrameAuth                *self,
                                               const cv_sframe_frame_info *info,
                                               const guint8               *statement,
                                               gsize                       statement_len,
                                               guint64                     now_ms);

/* What the UI shows for a participant. */
void         cv_frame_auth_get_report       (CvFrameAuth          *self,
                                             guint32               leaf,
                                             guint64               now_ms,
                                             cv_media_auth_report *out);
/* The participant left. */
void         cv_frame_auth_forget_sender    (CvFrameAuth   *self,
                                             guint32        leaf);

/* Monotonic milliseconds, the clock the elements use. */
guint64      cv_frame_auth_now_ms           (void);

G_END_DECLS
