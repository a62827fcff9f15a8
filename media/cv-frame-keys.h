#pragma once

#include <glib-object.h>

#include "cv-sframe-keyring.h"

G_BEGIN_DECLS

#define CV_TYPE_FRAME_KEYS (cv_frame_keys_get_type ())
G_DECLARE_FINAL_TYPE (CvFrameKeys, cv_frame_keys, CV, FRAME_KEYS, GObject)

/* Why a received frame was not played. */
typedef enum {
  CV_FRAME_DROP_MALFORMED, /* not an SFrame frame at all */
  CV_FRAME_DROP_REJECTED,  /* KID of an unknown or expired epoch, a non-member, or a replay */
  CV_FRAME_DROP_AUTH,      /* did not authenticate: corrupted or forged */
  CV_FRAME_DROP_OTHER,
  CV_FRAME_DROP_N_REASONS
} CvFrameDropReason;

CvFrameKeys *cv_frame_keys_new           (guint16        sframe_suite,
                                          guint          grace_ms,
                                          GError       **error);
/* Installs a new MLS epoch: base_key = MLS-Exporter("SFrame 1.0 Base Key", "", Nk). */
gboolean     cv_frame_keys_install_epoch (CvFrameKeys   *self,
                                          guint64        epoch,
                                          const guint8  *base_key,
                                          gsize          base_key_len,
                                          const guint32 *leaf_indices,
                                          gsize          n_leaves,
                                          guint32        own_leaf,
                                          GError       **error);
gboolean     cv_frame_keys_has_epoch     (CvFrameKeys   *self);
gsize        cv_frame_keys_overhead      (void);

/* The per-frame calls, safe from streaming threads. */
cv_status    cv_frame_keys_encrypt       (CvFrameKeys   *self,
                                          guint64        context,
                                          const guint8  *plaintext,
                                          gsize          plaintext_len,
                                          guint8        *out,
                                          gsize          out_cap,
                                          gsize         *out_len);
cv_status    cv_frame_keys_decrypt       (CvFrameKeys   *self,
                                          guint8        *frame,
                                          gsize          frame_len,
                                          gsize         *plaintext_offset,
                                          gsize         *plaintext_len,
                                          cv_sframe_frame_info *info);

void         cv_frame_keys_count_drop    (CvFrameKeys       *self,
                                          CvFrameDropReason  reason);
guint64      cv_frame_keys_get_drops     (CvFrameKeys       *self,
                                          CvFrameDropReason  reason);
CvFrameDropReason cv_frame_keys_reason_for_status (cv_status status);

G_END_DECLS
