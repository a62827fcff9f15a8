/* CvFrameKeys: the SFrame key ring of one meeting, shared by the SFrame
 * elements of every stream.
 *
 * The session installs an epoch whenever MLS moves to a new one; the
 * elements encrypt and decrypt from their streaming threads. media/ never
 * sees MLS itself: an epoch arrives as the exported base key and the leaf
 * indices of its members. One mutex guards the ring: the work done under it
 * is one AEAD call per frame, and streams of a meeting are few.
 */
#include "cv-frame-keys.h"

#include <gio/gio.h>

struct _CvFrameKeys
{
  GObject parent_instance;

  GMutex lock;
  cv_sframe_keyring *ring;
  gboolean has_epoch;
  guint64 drops[CV_FRAME_DROP_N_REASONS];
};

G_DEFINE_FINAL_TYPE (CvFrameKeys, cv_frame_keys, G_TYPE_OBJECT)

static guint64
now_ms (void)
{
  return (guint64) (g_get_monotonic_time () / 1000);
}

gboolean
cv_frame_keys_install_epoch (CvFrameKeys    *self,
                             guint64         epoch,
                             const guint8   *base_key,
                             gsize           base_key_len,
                             const guint32  *leaf_indices,
                             gsize           n_leaves,
                             guint32         own_leaf,
                             GError        **error)
{
  cv_status st;

  g_return_val_if_fail (CV_IS_FRAME_KEYS (self), FALSE);

  g_mutex_lock (&self->lock);
  st = cv_sframe_keyring_install_epoch (self->ring, epoch, base_key, base_key_len,
                                        leaf_indices, n_leaves, own_leaf, now_ms ());
  if (st == CV_OK)
    self->has_epoch = TRUE;
  g_mutex_unlock (&self->lock);

  if (st != CV_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "cannot install SFrame keys for epoch %" G_GUINT64_FORMAT ": %s",
                   epoch, cv_status_message ());
      return FALSE;
    }
  return TRUE;
}

gboolean
cv_frame_keys_has_epoch (CvFrameKeys *self)
{
  gboolean has;

  g_mutex_lock (&self->lock);
  has = self->has_epoch;
  g_mutex_unlock (&self->lock);
  return has;
}

gsize
cv_frame_keys_overhead (void)
{
  return CV_SFRAME_OVERHEAD_MAX;
}

cv_status
cv_frame_keys_encrypt (CvFrameKeys  *self,
                       guint64       context,
                       const guint8 *plaintext,
                       gsize         plaintext_len,
                       guint8       *out,
                       gsize         out_cap,
                       gsize        *out_len)
{
  cv_status st;

  g_mutex_lock (&self->lock);
  st = cv_sframe_keyring_encrypt (self->ring, context, NULL, 0, plaintext, plaintext_len,
                                  out, out_cap, out_len);
  g_mutex_unlock (&self->lock);
  return st;
}

cv_status
cv_frame_keys_decrypt (CvFrameKeys          *self,
                       guint8               *frame,
                       gsize                 frame_len,
                       gsize                *plaintext_offset,
                       gsize                *plaintext_len,
                       cv_sframe_frame_info *info)
{
  cv_status st;

  g_mutex_lock (&self->lock);
  st = cv_sframe_keyring_decrypt_in_place (self->ring, now_ms (), NULL, 0, frame, frame_len,
                                           plaintext_offset, plaintext_len, info);
  g_mutex_unlock (&self->lock);
  return st;
}

CvFrameDropReason
cv_frame_keys_reason_for_status (cv_status status)
{
  switch (status)
    {
    case CV_ERR_TRUNCATED:
    case CV_ERR_MALFORMED:
    case CV_ERR_TOO_LARGE:
      return CV_FRAME_DROP_MALFORMED;
    case CV_ERR_AUTH:
      return CV_FRAME_DROP_AUTH;
    case CV_ERR_STATE:
    case CV_ERR_INVALID:
    case CV_ERR_UNSUPPORTED:
      return CV_FRAME_DROP_REJECTED;
    default:
      return CV_FRAME_DROP_OTHER;
    }
}

void
cv_frame_keys_count_drop (CvFrameKeys       *self,
                          CvFrameDropReason  reason)
{
  g_return_if_fail (reason < CV_FRAME_DROP_N_REASONS);

  g_mutex_lock (&self->lock);
  self->drops[reason]++;
  g_mutex_unlock (&self->lock);
}

guint64
cv_frame_keys_get_drops (CvFrameKeys       *self,
                         CvFrameDropReason  reason)
{
  guint64 n;

  g_return_val_if_fail (reason < CV_FRAME_DROP_N_REASONS, 0);

  g_mutex_lock (&self->lock);
  n = self->drops[reason];
  g_mutex_unlock (&self->lock);
  return n;
}

static void
cv_frame_keys_finalize (GObject *object)
{
  CvFrameKeys *self = CV_FRAME_KEYS (object);

  cv_sframe_keyring_free (self->ring);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (cv_frame_keys_parent_class)->finalize (object);
}

static void
cv_frame_keys_class_init (CvFrameKeysClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cv_frame_keys_finalize;
}

static void
cv_frame_keys_init (CvFrameKeys *self)
{
  g_mutex_init (&self->lock);
}

CvFrameKeys *
cv_frame_keys_new (guint16   sframe_suite,
                   guint     grace_ms,
                   GError  **error)
{
  g_autoptr (CvFrameKeys) self = g_object_new (CV_TYPE_FRAME_KEYS, NULL);

  if (cv_sframe_keyring_new (&self->ring, sframe_suite, grace_ms) != CV_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "%s", cv_status_message ());
      return NULL;
    }
  return g_steal_pointer (&self);
}
