/* CvFrameAuth: signed statements over the frames of each stream, sent in
 * band and checked on receipt (e2ee/cv-media-auth.h does the work).
 *
 * One mutex guards everything: per frame the work under it is a truncated
 * hash already taken outside it and a slot update; once a second per stream
 * a signature or a verification.
 */
#include "cv-frame-auth.h"
#include "cv-media-pipeline.h"

#include <gio/gio.h>

typedef struct {
  gboolean set;
  guint64 epoch;
  guint32 own_leaf;
  cv_bytes own_private_key;   /* empty when we only receive */
  GHashTable *public_keys;    /* leaf (GUINT_TO_POINTER) -> GBytes */
} epoch_keys;

struct _CvFrameAuth
{
  GObject parent_instance;

  GMutex lock;
  guint16 mls_suite;
  GBytes *group_id;
  cv_media_auth_verifier *verifier;
  cv_media_auth_signer *signers[CV_MEDIA_AUTH_STATEMENT_CONTEXT];
  epoch_keys epochs[2];       /* [0] the newest */
};

G_DEFINE_FINAL_TYPE (CvFrameAuth, cv_frame_auth, G_TYPE_OBJECT)

/* Statements at least this often, as docs/media-authenticity.md says. Audio
 * (50 frames/s) waits longer so that its statements carry up to the 64
 * hashes one may hold (1.28 s of 20 ms frames): the Ed25519 signature and its
 * verification are most of what authenticity costs an audio frame. Both stay
 * well inside the receivers' 3 s deadline. */
#define STATEMENT_INTERVAL_MS 1000
#define AUDIO_STATEMENT_INTERVAL_MS 1500

guint64
cv_frame_auth_now_ms (void)
{
  return (guint64) (g_get_monotonic_time () / 1000);
}

static void
epoch_keys_clear (epoch_keys *k)
{
  cv_bytes_clear (&k->own_private_key);
  g_clear_pointer (&k->public_keys, g_hash_table_unref);
  k->set = FALSE;
}

static epoch_keys *
keys_for_epoch (CvFrameAuth *self, guint64 epoch)
{
  for (int i = 0; i < 2; i++)
    if (self->epochs[i].set && self->epochs[i].epoch == epoch)
      return &self->epochs[i];
  return NULL;
}

static cv_status
signer_catch_up (CvFrameAuth          *self,
                 cv_media_auth_signer *signer)
{
  cv_status st = CV_OK;

  /* Older epoch first: the signer keeps the last two it was given. */
  for (int i = 1; i >= 0 && st == CV_OK; i--)
    {
      epoch_keys *k = &self->epochs[i];

      if (k->set && k->own_private_key.len > 0)
        st = cv_media_auth_signer_set_epoch (signer, k->epoch, k->own_leaf, k->own_private_key.data,
                                             k->own_private_key.len);
    }
  return st;
}

gboolean
cv_frame_auth_install_epoch (CvFrameAuth     *self,
                             guint64          epoch,
                             guint32          own_leaf,
                             const guint8    *own_private_key,
                             gsize            own_private_key_len,
                             const guint32   *leaf_indices,
                             GBytes * const  *public_keys,
                             gsize            n_members,
                             GError         **error)
{
  epoch_keys fresh = { TRUE, epoch, own_leaf, CV_BYTES_INIT, NULL };

  g_return_val_if_fail (CV_IS_FRAME_AUTH (self), FALSE);
  g_return_val_if_fail (n_members == 0 || (leaf_indices != NULL && public_keys != NULL), FALSE);

  fresh.public_keys = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                             (GDestroyNotify) g_bytes_unref);
  for (gsize i = 0; i < n_members; i++)
    g_hash_table_insert (fresh.public_keys, GUINT_TO_POINTER (leaf_indices[i]),
                         g_bytes_ref (public_keys[i]));
  if (own_private_key != NULL
      && cv_bytes_set (&fresh.own_private_key, own_private_key, own_private_key_len) != CV_OK)
    {
      epoch_keys_clear (&fresh);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, cv_status_message ());
      return FALSE;
    }

  g_mutex_lock (&self->lock);
  if (self->epochs[0].set && epoch <= self->epochs[0].epoch)
    {
      g_mutex_unlock (&self->lock);
      epoch_keys_clear (&fresh);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "media authenticity: epoch %" G_GUINT64_FORMAT " is not newer than %" G_GUINT64_FORMAT,
                   epoch, self->epochs[0].epoch);
      return FALSE;
    }
  epoch_keys_clear (&self->epochs[1]);
  self->epochs[1] = self->epochs[0];
  self->epochs[0] = fresh;
  for (int c = 0; c < CV_MEDIA_AUTH_STATEMENT_CONTEXT; c++)
    if (self->signers[c] != NULL && own_private_key != NULL
        && cv_media_auth_signer_set_epoch (self->signers[c], epoch, own_leaf, own_private_key,
                                           own_private_key_len) != CV_OK)
      {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                     "media authenticity: cannot sign in epoch %" G_GUINT64_FORMAT ": %s",
                     epoch, cv_status_message ());
        g_mutex_unlock (&self->lock);
        return FALSE;
      }
  g_mutex_unlock (&self->lock);
  return TRUE;
}

GBytes *
cv_frame_auth_sent (CvFrameAuth  *self,
                    guint64       context,
                    const guint8 *frame,
                    gsize         frame_len,
                    guint64       now_ms)
{
  cv_bytes statement = CV_BYTES_INIT;
  epoch_keys *k = NULL;
  guint64 kid, ctr;
  gsize header_len;
  GBytes *out = NULL;

  g_return_val_if_fail (CV_IS_FRAME_AUTH (self), NULL);
  if (context >= CV_MEDIA_AUTH_STATEMENT_CONTEXT)
    return NULL;

  g_mutex_lock (&self->lock);
  if (self->signers[context] == NULL)
    {
      if (cv_media_auth_signer_new (&self->signers[context], self->mls_suite,
                                    g_bytes_get_data (self->group_id, NULL),
                                    g_bytes_get_size (self->group_id), context,
                                    context == CV_MEDIA_CONTEXT_AUDIO ? AUDIO_STATEMENT_INTERVAL_MS
                                                                      : STATEMENT_INTERVAL_MS) != CV_OK
          || signer_catch_up (self, self->signers[context]) != CV_OK)
        g_warning ("media authenticity: no signer for stream %" G_GUINT64_FORMAT ": %s",
                   context, cv_status_message ());
    }
  if (frame != NULL && self->signers[context] != NULL
      && cv_sframe_header_parse (frame, frame_len, &kid, &ctr, &header_len) == CV_OK)
    {
      /* The KID carries the epoch's low bits; we hold at most two epochs. */
      for (int i = 0; i < 2 && k == NULL; i++)
        if (self->epochs[i].set && self->epochs[i].own_private_key.len > 0
            && ((self->epochs[i].epoch ^ kid) & ((1u << CV_SFRAME_EPOCH_BITS) - 1)) == 0)
          k = &self->epochs[i];
      if (k != NULL)
        cv_media_auth_signer_add_frame (self->signers[context], k->epoch, frame, frame_len, now_ms);
    }
  else if (self->signers[context] != NULL)
    {
      cv_media_auth_signer_tick (self->signers[context], now_ms, FALSE);
    }
  if (self->signers[context] != NULL && cv_media_auth_signer_take (self->signers[context], &statement))
    {
      out = g_bytes_new (statement.data, statement.len);
      cv_bytes_clear (&statement);
    }
  g_mutex_unlock (&self->lock);
  return out;
}

GBytes *
cv_frame_auth_flush (CvFrameAuth *self,
                     guint64      context)
{
  cv_bytes statement = CV_BYTES_INIT;
  GBytes *out = NULL;

  g_return_val_if_fail (CV_IS_FRAME_AUTH (self), NULL);
  if (context >= CV_MEDIA_AUTH_STATEMENT_CONTEXT)
    return NULL;
  g_mutex_lock (&self->lock);
  if (self->signers[context] != NULL
      && cv_media_auth_signer_tick (self->signers[context], cv_frame_auth_now_ms (), TRUE) == CV_OK
      && cv_media_auth_signer_take (self->signers[context], &statement))
    {
      out = g_bytes_new (statement.data, statement.len);
      cv_bytes_clear (&statement);
    }
  g_mutex_unlock (&self->lock);
  return out;
}

gboolean
cv_frame_auth_hash (CvFrameAuth  *self,
                    const guint8 *frame,
                    gsize         frame_len,
                    guint8        hash[CV_MEDIA_AUTH_HASH_LEN])
{
  cv_status st;

  g_mutex_lock (&self->lock);
  st = cv_media_auth_verifier_hash (self->verifier, frame, frame_len, hash);
  g_mutex_unlock (&self->lock);
  return st == CV_OK;
}

void
cv_frame_auth_received_frame (CvFrameAuth                *self,
                              const cv_sframe_frame_info *info,
                              const guint8                hash[CV_MEDIA_AUTH_HASH_LEN],
                              guint64                     now_ms)
{
  g_mutex_lock (&self->lock);
  if (cv_media_auth_verifier_add_frame_hash (self->verifier, info, hash, now_ms) != CV_OK)
    g_debug ("media authenticity: frame of leaf %u not tracked: %s", info->sender_index,
             cv_status_message ());
  g_mutex_unlock (&self->lock);
}

cv_status
cv_frame_auth_received_statement (CvFrameAuth                *self,
                                  const cv_sframe_frame_info *info,
                                  const guint8               *bytes,
                                  gsize                       len,
                                  guint64                     now_ms)
{
  cv_media_auth_statement statement;
  epoch_keys *k;
  GBytes *key;
  cv_status st;

  if ((st = cv_media_auth_statement_parse (bytes, len, &statement)) != CV_OK)
    return st;
  /* A member may carry only its own statements, for the stream beside. */
  if (statement.epoch != info->epoch || statement.sender_leaf != info->sender_index
      || statement.context + CV_MEDIA_AUTH_STATEMENT_CONTEXT != info->context)
    return cv_fail (CV_ERR_INVALID, "media auth statement: for leaf %u context %llu epoch %llu, "
                    "carried by leaf %u context %llu epoch %llu", statement.sender_leaf,
                    (unsigned long long) statement.context, (unsigned long long) statement.epoch,
                    info->sender_index, (unsigned long long) info->context,
                    (unsigned long long) info->epoch);

  g_mutex_lock (&self->lock);
  k = keys_for_epoch (self, statement.epoch);
  key = k ? g_hash_table_lookup (k->public_keys, GUINT_TO_POINTER (statement.sender_leaf)) : NULL;
  if (key == NULL)
    st = cv_fail (CV_ERR_STATE, "media auth statement: no signature key for leaf %u in epoch %llu",
                  statement.sender_leaf, (unsigned long long) statement.epoch);
  else
    st = cv_media_auth_verifier_add_statement (self->verifier, &statement, g_bytes_get_data (key, NULL),
                                               g_bytes_get_size (key), now_ms);
  g_mutex_unlock (&self->lock);
  return st;
}

void
cv_frame_auth_get_report (CvFrameAuth          *self,
                          guint32               leaf,
                          guint64               now_ms,
                          cv_media_auth_report *out)
{
  g_mutex_lock (&self->lock);
  cv_media_auth_verifier_report (self->verifier, leaf, now_ms, out);
  g_mutex_unlock (&self->lock);
}

void
cv_frame_auth_forget_sender (CvFrameAuth *self,
                             guint32      leaf)
{
  g_mutex_lock (&self->lock);
  cv_media_auth_verifier_forget_sender (self->verifier, leaf);
  g_mutex_unlock (&self->lock);
}

static void
cv_frame_auth_finalize (GObject *object)
{
  CvFrameAuth *self = CV_FRAME_AUTH (object);

  for (int c = 0; c < CV_MEDIA_AUTH_STATEMENT_CONTEXT; c++)
    cv_media_auth_signer_free (self->signers[c]);
  epoch_keys_clear (&self->epochs[0]);
  epoch_keys_clear (&self->epochs[1]);
  cv_media_auth_verifier_free (self->verifier);
  g_clear_pointer (&self->group_id, g_bytes_unref);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (cv_frame_auth_parent_class)->finalize (object);
}

static void
cv_frame_auth_class_init (CvFrameAuthClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cv_frame_auth_finalize;
}

static void
cv_frame_auth_init (CvFrameAuth *self)
{
  g_mutex_init (&self->lock);
}

CvFrameAuth *
cv_frame_auth_new (guint16        mls_suite,
                   const guint8  *group_id,
                   gsize          group_id_len,
                   GError       **error)
{
  g_autoptr (CvFrameAuth) self = g_object_new (CV_TYPE_FRAME_AUTH, NULL);

  self->mls_suite = mls_suite;
  self->group_id = g_bytes_new (group_id, group_id_len);
  if (cv_media_auth_verifier_new (&self->verifier, mls_suite, group_id, group_id_len, NULL) != CV_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "%s", cv_status_message ());
      return NULL;
    }
  return g_steal_pointer (&self);
}
