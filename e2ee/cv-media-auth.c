/* cv-media-auth.c: signed statements over SFrame frame hashes (see the header
 * and docs/media-authenticity.md). */
#include "cv-media-auth.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "cv-mls-codec.h"
#include "cv-mls-suite.h"

#define READY_MAX 4

/* ---- Hashing ---- */

static const char *
hash_name (const cv_mls_suite *suite)
{
  switch (suite->hash_len)
    {
    case 32:
      return "SHA256";
    case 48:
      return "SHA384";
    case 64:
      return "SHA512";
    default:
      return NULL;
    }
}

/* A digest context for the suite's hash, reused for every frame so that
 * hashing allocates nothing per frame. */
typedef struct {
  EVP_MD *md;
  EVP_MD_CTX *ctx;
} frame_hasher;

static cv_status
hasher_init (frame_hasher *h, const cv_mls_suite *suite)
{
  const char *name = hash_name (suite);

  h->md = name ? EVP_MD_fetch (NULL, name, NULL) : NULL;
  h->ctx = EVP_MD_CTX_new ();
  if (h->md == NULL || h->ctx == NULL)
    return cv_fail (CV_ERR_CRYPTO, "media auth: cannot set up the hash of suite 0x%04x", suite->id);
  return CV_OK;
}

static void
hasher_clear (frame_hasher *h)
{
  EVP_MD_CTX_free (h->ctx);
  EVP_MD_free (h->md);
  h->ctx = NULL;
  h->md = NULL;
}

static cv_status
hasher_run (frame_hasher *h, const uint8_t *frame, size_t len, uint8_t out[CV_MEDIA_AUTH_HASH_LEN])
{
  uint8_t full[EVP_MAX_MD_SIZE];
  unsigned full_len = 0;

  if (frame == NULL && len > 0)
    return cv_fail (CV_ERR_ARGUMENT, "media auth: no frame to hash");
  if (EVP_DigestInit_ex2 (h->ctx, h->md, NULL) <= 0
      || EVP_DigestUpdate (h->ctx, frame, len) <= 0
      || EVP_DigestFinal_ex (h->ctx, full, &full_len) <= 0
      || full_len < CV_MEDIA_AUTH_HASH_LEN)
    return cv_fail (CV_ERR_CRYPTO, "media auth: frame hash failed");
  memcpy (out, full, CV_MEDIA_AUTH_HASH_LEN);
  return CV_OK;
}

cv_status
cv_media_auth_frame_hash (uint16_t mls_suite, const uint8_t *frame, size_t frame_len,
                          uint8_t out[CV_MEDIA_AUTH_HASH_LEN])
{
  const cv_mls_suite *suite;
  frame_hasher h = { NULL, NULL };
  cv_status st;

  if ((st = cv_mls_suite_get (mls_suite, &suite)) != CV_OK)
    return st;
  if ((st = hasher_init (&h, suite)) == CV_OK)
    st = hasher_run (&h, frame, frame_len, out);
  hasher_clear (&h);
  return st;
}

/* ---- Statements ---- */

cv_status
cv_media_auth_statement_parse (const uint8_t *data, size_t len, cv_media_auth_statement *out)
{
  cv_mls_reader r;
  const uint8_t *hashes, *signature;
  size_t hashes_len, signature_len;
  uint8_t version;
  uint64_t context;
  cv_status st;

  if (out == NULL || (data == NULL && len > 0))
    return cv_fail (CV_ERR_ARGUMENT, "media auth statement: no input or output");
  memset (out, 0, sizeof *out);
  cv_mls_reader_init (&r, data, len);

  if ((st = cv_mls_read_u8 (&r, &version)) != CV_OK)
    return st;
  if (version != CV_MEDIA_AUTH_VERSION)
    return cv_fail (CV_ERR_UNSUPPORTED, "media auth statement: version %u, only %u is known",
                    version, CV_MEDIA_AUTH_VERSION);
  if ((st = cv_mls_read_u64 (&r, &out->epoch)) != CV_OK
      || (st = cv_mls_read_u32 (&r, &out->sender_leaf)) != CV_OK
      || (st = cv_mls_read_varint (&r, &context)) != CV_OK
      || (st = cv_mls_read_u64 (&r, &out->first_ctr)) != CV_OK
      || (st = cv_mls_read_opaque (&r, &hashes, &hashes_len)) != CV_OK)
    return st;
  out->content = data;
  out->content_len = len - r.left;
  if ((st = cv_mls_read_opaque (&r, &signature, &signature_len)) != CV_OK)
    return st;
  if ((st = cv_mls_reader_expect_end (&r, "MediaAuthStatement")) != CV_OK)
    return st;

  if (hashes_len == 0)
    return cv_fail (CV_ERR_INVALID, "media auth statement: covers no frame");
  if (hashes_len % CV_MEDIA_AUTH_HASH_LEN != 0)
    return cv_fail (CV_ERR_MALFORMED, "media auth statement: frame_hashes of %zu bytes is not "
                    "a multiple of %d", hashes_len, CV_MEDIA_AUTH_HASH_LEN);
  if (hashes_len / CV_MEDIA_AUTH_HASH_LEN > CV_MEDIA_AUTH_MAX_FRAMES)
    return cv_fail (CV_ERR_TOO_LARGE, "media auth statement: %zu frames, at most %d per statement",
                    hashes_len / CV_MEDIA_AUTH_HASH_LEN, CV_MEDIA_AUTH_MAX_FRAMES);
  if (out->first_ctr > UINT64_MAX - (hashes_len / CV_MEDIA_AUTH_HASH_LEN - 1))
    return cv_fail (CV_ERR_INVALID, "media auth statement: CTR range from %llu overflows 64 bits",
                    (unsigned long long) out->first_ctr);
  if (signature_len == 0 || signature_len > CV_MEDIA_AUTH_SIGNATURE_MAX)
    return cv_fail (signature_len == 0 ? CV_ERR_INVALID : CV_ERR_TOO_LARGE,
                    "media auth statement: signature of %zu bytes (1..%d)",
                    signature_len, CV_MEDIA_AUTH_SIGNATURE_MAX);

  out->context = context;
  out->count = hashes_len / CV_MEDIA_AUTH_HASH_LEN;
  out->hashes = hashes;
  out->signature = signature;
  out->signature_len = signature_len;
  return CV_OK;
}

/* MediaAuthTBS: group_id<V>, cipher_suite, then the content as sent. */
static cv_status
encode_tbs (uint16_t mls_suite, const uint8_t *group_id, size_t group_id_len,
            const uint8_t *content, size_t content_len, cv_bytes *out)
{
  cv_mls_writer w;

  cv_mls_writer_init (&w);
  cv_mls_write_opaque (&w, group_id, group_id_len);
  cv_mls_write_u16 (&w, mls_suite);
  cv_mls_write_fixed (&w, content, content_len);
  return cv_mls_writer_finish (&w, out);
}

cv_status
cv_media_auth_statement_verify (const cv_media_auth_statement *statement, uint16_t mls_suite,
                                const uint8_t *group_id, size_t group_id_len,
                                const uint8_t *signature_public_key, size_t key_len)
{
  const cv_mls_suite *suite;
  cv_bytes tbs = CV_BYTES_INIT;
  cv_status st;

  if (statement == NULL || statement->content == NULL || statement->signature == NULL
      || signature_public_key == NULL || (group_id == NULL && group_id_len > 0))
    return cv_fail (CV_ERR_ARGUMENT, "media auth statement: nothing to verify");
  if ((st = cv_mls_suite_get (mls_suite, &suite)) != CV_OK)
    return st;
  if ((st = encode_tbs (mls_suite, group_id, group_id_len, statement->content,
                        statement->content_len, &tbs)) != CV_OK)
    return st;
  st = cv_mls_verify_with_label (suite, signature_public_key, key_len, CV_MEDIA_AUTH_LABEL,
                                 tbs.data, tbs.len, statement->signature, statement->signature_len);
  cv_bytes_clear (&tbs);
  if (st == CV_ERR_AUTH)
    return cv_fail (CV_ERR_AUTH, "media auth statement: signature of leaf %u (epoch %llu) does not "
                    "verify", statement->sender_leaf, (unsigned long long) statement->epoch);
  return st;
}

/* ---- Sending ---- */

typedef struct {
  bool set;
  uint64_t epoch;
  uint32_t leaf;
  cv_bytes priv;
} signer_key;

struct cv_media_auth_signer {
  const cv_mls_suite *suite;
  frame_hasher hasher;
  cv_bytes group_id;
  uint64_t context;
  uint64_t interval_ms;
  signer_key keys[2]; /* [0] the newest epoch, [1] the one before */

  /* The frames not yet signed: CTR first_ctr .. first_ctr + count - 1. */
  bool pending;
  uint64_t acc_epoch;
  uint64_t first_ctr;
  size_t count;
  uint64_t started_ms;
  uint8_t hashes[CV_MEDIA_AUTH_MAX_FRAMES * CV_MEDIA_AUTH_HASH_LEN];

  cv_bytes ready[READY_MAX];
  size_t n_ready;
  cv_media_auth_signer_stats stats;
};

cv_status
cv_media_auth_signer_new (cv_media_auth_signer **out, uint16_t mls_suite,
                          const uint8_t *group_id, size_t group_id_len,
                          uint64_t context, uint64_t interval_ms)
{
  cv_media_auth_signer *s;
  const cv_mls_suite *suite;
  cv_status st;

  if (out == NULL)
    return cv_fail (CV_ERR_ARGUMENT, "media auth signer: no output");
  *out = NULL;
  if (group_id == NULL && group_id_len > 0)
    return cv_fail (CV_ERR_ARGUMENT, "media auth signer: no group id");
  if (context >= CV_MEDIA_AUTH_STATEMENT_CONTEXT)
    return cv_fail (CV_ERR_ARGUMENT, "media auth signer: media context %llu must be below %d "
                    "(the contexts above carry statements)", (unsigned long long) context,
                    CV_MEDIA_AUTH_STATEMENT_CONTEXT);
  if (interval_ms == 0 || interval_ms > 60000)
    return cv_fail (CV_ERR_ARGUMENT, "media auth signer: interval of %llu ms (1..60000)",
                    (unsigned long long) interval_ms);
  if ((st = cv_mls_suite_get (mls_suite, &suite)) != CV_OK)
    return st;
  s = calloc (1, sizeof *s);
  if (s == NULL)
    return cv_fail (CV_ERR_NOMEM, "media auth signer: out of memory");
  s->suite = suite;
  s->context = context;
  s->interval_ms = interval_ms;
  if ((st = hasher_init (&s->hasher, suite)) != CV_OK
      || (st = cv_bytes_set (&s->group_id, group_id, group_id_len)) != CV_OK)
    {
      cv_media_auth_signer_free (s);
      return st;
    }
  *out = s;
  return CV_OK;
}

static void
signer_key_clear (signer_key *k)
{
  cv_bytes_clear (&k->priv);
  k->set = false;
}

void
cv_media_auth_signer_free (cv_media_auth_signer *s)
{
  if (s == NULL)
    return;
  signer_key_clear (&s->keys[0]);
  signer_key_clear (&s->keys[1]);
  for (size_t i = 0; i < s->n_ready; i++)
    cv_bytes_clear (&s->ready[i]);
  cv_bytes_clear (&s->group_id);
  hasher_clear (&s->hasher);
  free (s);
}

static signer_key *
signer_key_for (cv_media_auth_signer *s, uint64_t epoch)
{
  for (int i = 0; i < 2; i++)
    if (s->keys[i].set && s->keys[i].epoch == epoch)
      return &s->keys[i];
  return NULL;
}

static void
queue_ready (cv_media_auth_signer *s, cv_bytes *statement)
{
  if (s->n_ready == READY_MAX)
    {
      /* Nobody takes them: keep the newest, the old ones are stale anyway. */
      cv_bytes_clear (&s->ready[0]);
      memmove (&s->ready[0], &s->ready[1], (READY_MAX - 1) * sizeof s->ready[0]);
      s->n_ready--;
      s->stats.dropped++;
    }
  s->ready[s->n_ready++] = *statement;
  *statement = (cv_bytes) CV_BYTES_INIT;
}

/* Signs the pending frames into a statement; they are forgotten either way. */
static cv_status
signer_flush (cv_media_auth_signer *s)
{
  cv_bytes content = CV_BYTES_INIT, tbs = CV_BYTES_INIT, signature = CV_BYTES_INIT;
  cv_bytes statement = CV_BYTES_INIT;
  signer_key *key;
  cv_mls_writer w;
  cv_status st;

  if (!s->pending)
    return CV_OK;
  s->pending = false;
  key = signer_key_for (s, s->acc_epoch);
  if (key == NULL)
    return cv_fail (CV_ERR_STATE, "media auth signer: no signature key for epoch %llu",
                    (unsigned long long) s->acc_epoch);

  cv_mls_writer_init (&w);
  cv_mls_write_u8 (&w, CV_MEDIA_AUTH_VERSION);
  cv_mls_write_u64 (&w, s->acc_epoch);
  cv_mls_write_u32 (&w, key->leaf);
  cv_mls_write_varint (&w, s->context);
  cv_mls_write_u64 (&w, s->first_ctr);
  cv_mls_write_opaque (&w, s->hashes, s->count * CV_MEDIA_AUTH_HASH_LEN);
  if ((st = cv_mls_writer_finish (&w, &content)) != CV_OK)
    return st;

  if ((st = encode_tbs (s->suite->id, s->group_id.data, s->group_id.len,
                        content.data, content.len, &tbs)) == CV_OK
      && (st = cv_mls_sign_with_label (s->suite, key->priv.data, key->priv.len, CV_MEDIA_AUTH_LABEL,
                                       tbs.data, tbs.len, &signature)) == CV_OK)
    {
      cv_mls_writer_init (&w);
      cv_mls_write_fixed (&w, content.data, content.len);
      cv_mls_write_opaque (&w, signature.data, signature.len);
      st = cv_mls_writer_finish (&w, &statement);
    }
  if (st == CV_OK)
    {
      queue_ready (s, &statement);
      s->stats.statements++;
    }
  cv_bytes_clear (&content);
  cv_bytes_clear (&tbs);
  cv_bytes_clear (&signature);
  return st;
}

cv_status
cv_media_auth_signer_set_epoch (cv_media_auth_signer *s, uint64_t epoch, uint32_t own_leaf,
                                const uint8_t *priv, size_t priv_len)
{
  cv_bytes pub = CV_BYTES_INIT, copy = CV_BYTES_INIT;
  cv_status st;

  if (s == NULL || priv == NULL)
    return cv_fail (CV_ERR_ARGUMENT, "media auth signer: no key");
  if (s->keys[0].set && epoch < s->keys[0].epoch)
    return cv_fail (CV_ERR_STATE, "media auth signer: epoch %llu is older than %llu",
                    (unsigned long long) epoch, (unsigned long long) s->keys[0].epoch);
  /* Refuse a key that is not one of the suite's before frames depend on it. */
  st = cv_mls_signature_public_key (s->suite, priv, priv_len, &pub);
  cv_bytes_clear (&pub);
  if (st != CV_OK)
    return st;
  if ((st = cv_bytes_set (&copy, priv, priv_len)) != CV_OK)
    return st;

  if (s->keys[0].set && epoch == s->keys[0].epoch)
    {
      /* A new key for the same epoch: what was sent before is signed with the old one. */
      if (s->pending && s->acc_epoch == epoch)
        signer_flush (s);
      signer_key_clear (&s->keys[0]);
    }
  else
    {
      if (s->pending && s->keys[1].set && s->acc_epoch == s->keys[1].epoch)
        signer_flush (s);
      signer_key_clear (&s->keys[1]);
      s->keys[1] = s->keys[0];
    }
  s->keys[0] = (signer_key) { true, epoch, own_leaf, copy };
  return CV_OK;
}

cv_status
cv_media_auth_signer_add_frame (cv_media_auth_signer *s, uint64_t epoch,
                                const uint8_t *frame, size_t frame_len, uint64_t now_ms)
{
  uint64_t kid, ctr;
  size_t header_len;
  cv_status st;

  if (s == NULL || frame == NULL)
    return cv_fail (CV_ERR_ARGUMENT, "media auth signer: no frame");
  if ((st = cv_sframe_header_parse (frame, frame_len, &kid, &ctr, &header_len)) != CV_OK)
    return st;
  if (((kid ^ epoch) & ((1u << CV_SFRAME_EPOCH_BITS) - 1)) != 0)
    return cv_fail (CV_ERR_INVALID, "media auth signer: KID %llu is not of epoch %llu",
                    (unsigned long long) kid, (unsigned long long) epoch);
  if (signer_key_for (s, epoch) == NULL)
    return cv_fail (CV_ERR_STATE, "media auth signer: no signature key for epoch %llu",
                    (unsigned long long) epoch);

  /* A statement covers consecutive CTRs of one KID. */
  if (s->pending && (s->acc_epoch != epoch || ctr != s->first_ctr + s->count))
    signer_flush (s);
  if (!s->pending)
    {
      s->pending = true;
      s->acc_epoch = epoch;
      s->first_ctr = ctr;
      s->count = 0;
      s->started_ms = now_ms;
    }
  if ((st = hasher_run (&s->hasher, frame, frame_len,
                        s->hashes + s->count * CV_MEDIA_AUTH_HASH_LEN)) != CV_OK)
    {
      if (s->count == 0)
        s->pending = false;
      return st;
    }
  s->count++;
  s->stats.frames++;

  if (s->count == CV_MEDIA_AUTH_MAX_FRAMES
      || (now_ms >= s->started_ms && now_ms - s->started_ms >= s->interval_ms))
    return signer_flush (s);
  return CV_OK;
}

cv_status
cv_media_auth_signer_tick (cv_media_auth_signer *s, uint64_t now_ms, bool flush)
{
  if (s == NULL)
    return cv_fail (CV_ERR_ARGUMENT, "media auth signer: none");
  if (s->pending && (flush || (now_ms >= s->started_ms && now_ms - s->started_ms >= s->interval_ms)))
    return signer_flush (s);
  return CV_OK;
}

bool
cv_media_auth_signer_take (cv_media_auth_signer *s, cv_bytes *out)
{
  if (s == NULL || out == NULL || s->n_ready == 0)
    return false;
  *out = s->ready[0];
  memmove (&s->ready[0], &s->ready[1], (s->n_ready - 1) * sizeof s->ready[0]);
  s->ready[--s->n_ready] = (cv_bytes) CV_BYTES_INIT;
  return true;
}

void
cv_media_auth_signer_get_stats (const cv_media_auth_signer *s, cv_media_auth_signer_stats *out)
{
  if (out == NULL)
    return;
  if (s == NULL)
    {
      memset (out, 0, sizeof *out);
      return;
    }
  *out = s->stats;
}

/* ---- Receiving ---- */

enum {
  SLOT_FRAME = 1 << 0,    /* a frame was received at this CTR */
  SLOT_CLAIM = 1 << 1,    /* a valid statement gave this CTR a hash */
  SLOT_RESOLVED = 1 << 2, /* the frame was compared with the claim */
};

typedef struct {
  uint64_t ctr;
  uint64_t arrival_ms;
  uint8_t flags;
  uint8_t frame_hash[CV_MEDIA_AUTH_HASH_LEN];
  uint8_t claim_hash[CV_MEDIA_AUTH_HASH_LEN];
} auth_slot;

/* The CTRs of one KID: the window holds top - window + 1 .. top, slot
 * ctr & (window - 1). */
typedef struct {
  bool used;
  uint64_t epoch;
  uint32_t sender;
  uint64_t context;
  bool has_top;
  uint64_t top;
  bool has_signed;
  uint64_t signed_top;  /* the highest CTR a valid statement covered */
  uint64_t last_use;  /* the verifier's use counter, for dropping the least recent */
  size_t sender_rec;
  auth_slot *slots;
} auth_stream;

typedef struct {
  bool used;
  uint32_t leaf;
  cv_media_auth_report counts; /* state, pending and overdue are computed in reports */
  bool any_unverified;
  uint64_t last_unverified_ms;
} sender_rec;

struct cv_media_auth_verifier {
  const cv_mls_suite *suite;
  frame_hasher hasher;
  cv_bytes group_id;
  cv_media_auth_config config;
  auth_stream *streams;   /* config.max_streams */
  sender_rec *senders;    /* grows up to config.max_senders */
  size_t n_senders;
  size_t senders_cap;
  uint64_t use_counter;
};

const char *
cv_media_auth_state_name (cv_media_auth_state state)
{
  switch (state)
    {
    case CV_MEDIA_AUTH_NONE:
      return "no media";
    case CV_MEDIA_AUTH_NOT_YET:
      return "not yet authenticated";
    case CV_MEDIA_AUTH_AUTHENTICATED:
      return "authenticated";
    case CV_MEDIA_AUTH_UNVERIFIED:
      return "unverified";
    case CV_MEDIA_AUTH_FORGED:
      return "FORGED";
    default:
      return "?";
    }
}

cv_status
cv_media_auth_verifier_new (cv_media_auth_verifier **out, uint16_t mls_suite,
                            const uint8_t *group_id, size_t group_id_len,
                            const cv_media_auth_config *config)
{
  const cv_media_auth_config defaults = CV_MEDIA_AUTH_CONFIG_DEFAULT;
  cv_media_auth_verifier *v;
  const cv_mls_suite *suite;
  cv_status st;

  if (out == NULL)
    return cv_fail (CV_ERR_ARGUMENT, "media auth verifier: no output");
  *out = NULL;
  if (group_id == NULL && group_id_len > 0)
    return cv_fail (CV_ERR_ARGUMENT, "media auth verifier: no group id");
  if (config == NULL)
    config = &defaults;
  if (config->window < 16 || config->window > 4096 || (config->window & (config->window - 1)) != 0)
    return cv_fail (CV_ERR_ARGUMENT, "media auth verifier: window of %zu (a power of two, 16..4096)",
                    config->window);
  if (config->max_streams < 1 || config->max_streams > 4096
      || config->max_senders < 1 || config->max_senders > 65536)
    return cv_fail (CV_ERR_ARGUMENT, "media auth verifier: %zu streams (1..4096), %zu senders (1..65536)",
                    config->max_streams, config->max_senders);
  if ((st = cv_mls_suite_get (mls_suite, &suite)) != CV_OK)
    return st;

  v = calloc (1, sizeof *v);
  if (v == NULL)
    return cv_fail (CV_ERR_NOMEM, "media auth verifier: out of memory");
  v->suite = suite;
  v->config = *config;
  v->streams = calloc (config->max_streams, sizeof *v->streams);
  if (v->streams == NULL)
    st = cv_fail (CV_ERR_NOMEM, "media auth verifier: out of memory");
  else if ((st = hasher_init (&v->hasher, suite)) == CV_OK)
    st = cv_bytes_set (&v->group_id, group_id, group_id_len);
  if (st != CV_OK)
    {
      cv_media_auth_verifier_free (v);
      return st;
    }
  *out = v;
  return CV_OK;
}

void
cv_media_auth_verifier_free (cv_media_auth_verifier *v)
{
  if (v == NULL)
    return;
  if (v->streams != NULL)
    for (size_t i = 0; i < v->config.max_streams; i++)
      free (v->streams[i].slots);
  free (v->streams);
  free (v->senders);
  cv_bytes_clear (&v->group_id);
  hasher_clear (&v->hasher);
  free (v);
}

cv_status
cv_media_auth_verifier_hash (cv_media_auth_verifier *v, const uint8_t *frame, size_t frame_len,
                             uint8_t out[CV_MEDIA_AUTH_HASH_LEN])
{
  if (v == NULL || out == NULL)
    return cv_fail (CV_ERR_ARGUMENT, "media auth verifier: none");
  return hasher_run (&v->hasher, frame, frame_len, out);
}

static sender_rec *
find_sender (cv_media_auth_verifier *v, uint32_t leaf, size_t *index)
{
  for (size_t i = 0; i < v->n_senders; i++)
    if (v->senders[i].used && v->senders[i].leaf == leaf)
      {
        if (index != NULL)
          *index = i;
        return &v->senders[i];
      }
  return NULL;
}

static cv_status
get_sender (cv_media_auth_verifier *v, uint32_t leaf, size_t *index)
{
  size_t free_index = SIZE_MAX;

  if (find_sender (v, leaf, index) != NULL)
    return CV_OK;
  for (size_t i = 0; i < v->n_senders && free_index == SIZE_MAX; i++)
    if (!v->senders[i].used)
      free_index = i;
  if (free_index == SIZE_MAX)
    {
      if (v->n_senders == v->config.max_senders)
        return cv_fail (CV_ERR_TOO_LARGE, "media auth verifier: more than %zu senders",
                        v->config.max_senders);
      if (v->n_senders == v->senders_cap)
        {
          size_t cap = v->senders_cap ? v->senders_cap * 2 : 16;
          sender_rec *grown;

          if (cap > v->config.max_senders)
            cap = v->config.max_senders;
          grown = realloc (v->senders, cap * sizeof *grown);
          if (grown == NULL)
            return cv_fail (CV_ERR_NOMEM, "media auth verifier: out of memory");
          v->senders = grown;
          v->senders_cap = cap;
        }
      free_index = v->n_senders++;
    }
  memset (&v->senders[free_index], 0, sizeof v->senders[free_index]);
  v->senders[free_index].used = true;
  v->senders[free_index].leaf = leaf;
  *index = free_index;
  return CV_OK;
}

/* since_ms: when the frame was first reported unverified (as overdue, or now). */
static void
count_unverified (cv_media_auth_verifier *v, auth_stream *t, uint64_t since_ms)
{
  sender_rec *r = &v->senders[t->sender_rec];

  r->counts.unverified++;
  if (!r->any_unverified || since_ms > r->last_unverified_ms)
    r->last_unverified_ms = since_ms;
  r->any_unverified = true;
}

/* Empties a slot; a frame there that no statement covered was never
 * authenticated. One already overdue was shown unverified from its deadline
 * on: leaving the window much later must not start that over, or a stream
 * with a lost statement stays unverified for as long as its window lasts
 * (10 s of 24 fps video) after later statements cover it again. */
static void
evict_slot (cv_media_auth_verifier *v, auth_stream *t, auth_slot *slot, uint64_t now_ms)
{
  if ((slot->flags & SLOT_FRAME) && !(slot->flags & SLOT_RESOLVED))
    {
      uint64_t due = slot->arrival_ms + v->config.deadline_ms;

      count_unverified (v, t, due >= slot->arrival_ms && due < now_ms ? due : now_ms);
    }
  slot->flags = 0;
}

static void
drop_stream (cv_media_auth_verifier *v, auth_stream *t, uint64_t now_ms)
{
  for (size_t i = 0; i < v->config.window; i++)
    evict_slot (v, t, &t->slots[i], now_ms);
  t->used = false;
}

static cv_status
get_stream (cv_media_auth_verifier *v, uint64_t epoch, uint32_t sender, uint64_t context,
            uint64_t now_ms, auth_stream **out)
{
  auth_stream *t = NULL, *oldest = NULL;
  size_t sender_index;
  cv_status st;

  for (size_t i = 0; i < v->config.max_streams; i++)
    {
      auth_stream *c = &v->streams[i];

      if (c->used && c->epoch == epoch && c->sender == sender && c->context == context)
        {
          c->last_use = ++v->use_counter;
          *out = c;
          return CV_OK;
        }
      if (t == NULL && !c->used)
        t = c;
      if (c->used && (oldest == NULL || c->last_use < oldest->last_use))
        oldest = c;
    }

  if ((st = get_sender (v, sender, &sender_index)) != CV_OK)
    return st;
  if (t == NULL)
    {
      /* Bounded memory: the least recently used stream goes. */
      drop_stream (v, oldest, now_ms);
      t = oldest;
    }
  if (t->slots == NULL)
    {
      t->slots = calloc (v->config.window, sizeof *t->slots);
      if (t->slots == NULL)
        return cv_fail (CV_ERR_NOMEM, "media auth verifier: out of memory");
    }
  t->used = true;
  t->epoch = epoch;
  t->sender = sender;
  t->context = context;
  t->has_top = false;
  t->top = 0;
  t->has_signed = false;
  t->signed_top = 0;
  t->sender_rec = sender_index;
  t->last_use = ++v->use_counter;
  *out = t;
  return CV_OK;
}

/* The slot of ctr, moving the window forward if needed; NULL when ctr has
 * already left the window. */
static auth_slot *
slot_for (cv_media_auth_verifier *v, auth_stream *t, uint64_t ctr, uint64_t now_ms)
{
  size_t window = v->config.window, mask = window - 1;

  if (!t->has_top)
    {
      t->has_top = true;
      t->top = ctr;
    }
  else if (ctr > t->top)
    {
      uint64_t steps = ctr - t->top;

      if (steps > window)
        steps = window;
      for (uint64_t i = 1; i <= steps; i++)
        evict_slot (v, t, &t->slots[(ctr - steps + i) & mask], now_ms);
      t->top = ctr;
    }
  else if (t->top - ctr >= window)
    {
      return NULL;
    }
  return &t->slots[ctr & mask];
}

static void
resolve (sender_rec *r, auth_slot *slot)
{
  if (CRYPTO_memcmp (slot->frame_hash, slot->claim_hash, CV_MEDIA_AUTH_HASH_LEN) == 0)
    r->counts.authenticated++;
  else
    r->counts.forged++;
  slot->flags |= SLOT_RESOLVED;
}

cv_status
cv_media_auth_verifier_add_frame_hash (cv_media_auth_verifier *v, const cv_sframe_frame_info *info,
                                       const uint8_t hash[CV_MEDIA_AUTH_HASH_LEN], uint64_t now_ms)
{
  auth_stream *t;
  auth_slot *slot;
  sender_rec *r;
  cv_status st;

  if (v == NULL || info == NULL || hash == NULL)
    return cv_fail (CV_ERR_ARGUMENT, "media auth verifier: no frame");
  if ((st = get_stream (v, info->epoch, info->sender_index, info->context, now_ms, &t)) != CV_OK)
    return st;
  r = &v->senders[t->sender_rec];
  slot = slot_for (v, t, info->ctr, now_ms);
  if (slot == NULL)
    {
      /* Too late to be matched with anything still held. */
      r->counts.frames++;
      count_unverified (v, t, now_ms);
      return CV_OK;
    }
  if (slot->flags != 0 && slot->ctr != info->ctr)
    slot->flags = 0; /* cannot happen: the window keeps one CTR per slot */

  if (slot->flags & SLOT_FRAME)
    {
      if (CRYPTO_memcmp (slot->frame_hash, hash, CV_MEDIA_AUTH_HASH_LEN) == 0)
        return CV_OK; /* the same frame again: nothing new */
      /* Two different frames under one (KID, CTR): the sender never does that. */
      r->counts.frames++;
      r->counts.forged++;
      return CV_OK;
    }
  r->counts.frames++;
  slot->ctr = info->ctr;
  slot->arrival_ms = now_ms;
  slot->flags |= SLOT_FRAME;
  memcpy (slot->frame_hash, hash, CV_MEDIA_AUTH_HASH_LEN);
  if (slot->flags & SLOT_CLAIM)
    resolve (r, slot);
  return CV_OK;
}

cv_status
cv_media_auth_verifier_add_frame (cv_media_auth_verifier *v, const cv_sframe_frame_info *info,
                                  const uint8_t *frame, size_t frame_len, uint64_t now_ms)
{
  uint8_t hash[CV_MEDIA_AUTH_HASH_LEN];
  cv_status st;

  if (v == NULL)
    return cv_fail (CV_ERR_ARGUMENT, "media auth verifier: none");
  if ((st = hasher_run (&v->hasher, frame, frame_len, hash)) != CV_OK)
    return st;
  return cv_media_auth_verifier_add_frame_hash (v, info, hash, now_ms);
}

cv_status
cv_media_auth_verifier_add_statement (cv_media_auth_verifier *v,
                                      const cv_media_auth_statement *statement,
                                      const uint8_t *pub, size_t pub_len, uint64_t now_ms)
{
  bool conflict = false;
  auth_stream *t;
  sender_rec *r;
  size_t sender_index;
  cv_status st;

  if (v == NULL || statement == NULL || statement->hashes == NULL || statement->count == 0
      || statement->count > CV_MEDIA_AUTH_MAX_FRAMES)
    return cv_fail (CV_ERR_ARGUMENT, "media auth verifier: no statement");

  st = cv_media_auth_statement_verify (statement, v->suite->id, v->group_id.data, v->group_id.len,
                                       pub, pub_len);
  if (st != CV_OK)
    {
      /* Someone made a statement in this sender's name that is not its own. */
      if (st == CV_ERR_AUTH && get_sender (v, statement->sender_leaf, &sender_index) == CV_OK)
        v->senders[sender_index].counts.bad_statements++;
      return st;
    }

  if ((st = get_stream (v, statement->epoch, statement->sender_leaf, statement->context,
                        now_ms, &t)) != CV_OK)
    return st;
  r = &v->senders[t->sender_rec];
  r->counts.statements++;

  for (size_t i = 0; i < statement->count; i++)
    {
      const uint8_t *claim = statement->hashes + i * CV_MEDIA_AUTH_HASH_LEN;
      uint64_t ctr = statement->first_ctr + i;
      auth_slot *slot = slot_for (v, t, ctr, now_ms);

      if (slot == NULL)
        continue; /* its frame, if any, has already been counted unverified */
      if (slot->flags != 0 && slot->ctr != ctr)
        slot->flags = 0;
      if (slot->flags & SLOT_CLAIM)
        {
          if (CRYPTO_memcmp (slot->claim_hash, claim, CV_MEDIA_AUTH_HASH_LEN) != 0)
            conflict = true;
          continue;
        }
      slot->ctr = ctr;
      slot->flags |= SLOT_CLAIM;
      memcpy (slot->claim_hash, claim, CV_MEDIA_AUTH_HASH_LEN);
      if (slot->flags & SLOT_FRAME)
        resolve (r, slot);
    }
  /* first_ctr + count - 1 cannot overflow: the parser refuses such ranges. */
  if (!t->has_signed || statement->first_ctr + statement->count - 1 > t->signed_top)
    {
      t->has_signed = true;
      t->signed_top = statement->first_ctr + statement->count - 1;
    }
  if (conflict)
    {
      r->counts.bad_statements++;
      return cv_fail (CV_ERR_INVALID, "media auth statement: leaf %u signed two different hashes "
                      "for one CTR of context %llu", statement->sender_leaf,
                      (unsigned long long) statement->context);
    }
  return CV_OK;
}

void
cv_media_auth_verifier_report (cv_media_auth_verifier *v, uint32_t sender, uint64_t now_ms,
                               cv_media_auth_report *out)
{
  uint64_t unsettled = 0; /* overdue frames that hold the sender at UNVERIFIED */
  size_t index;
  sender_rec *r;

  if (out == NULL)
    return;
  memset (out, 0, sizeof *out);
  if (v == NULL || (r = find_sender (v, sender, &index)) == NULL)
    return;
  *out = r->counts;
  out->pending = 0;
  out->overdue = 0;
  for (size_t i = 0; i < v->config.max_streams; i++)
    {
      auth_stream *t = &v->streams[i];

      if (!t->used || t->sender_rec != index)
        continue;
      for (size_t j = 0; j < v->config.window; j++)
        {
          auth_slot *slot = &t->slots[j];

          if (!(slot->flags & SLOT_FRAME) || (slot->flags & SLOT_RESOLVED))
            continue;
          out->pending++;
          if (now_ms >= slot->arrival_ms && now_ms - slot->arrival_ms >= v->config.deadline_ms)
            {
              out->overdue++;
              /* A frame in a gap the sender's later statements passed over
               * (theirs was lost) is shown unverified for one deadline
               * after its own, then no longer holds back a stream that
               * later statements cover; one past everything signed (or of
               * a stream never signed) keeps it unverified. */
              if (!t->has_signed || slot->ctr > t->signed_top
                  || now_ms - slot->arrival_ms - v->config.deadline_ms < v->config.deadline_ms)
                unsettled++;
            }
        }
    }

  if (out->forged > 0 || out->bad_statements > 0)
    out->state = CV_MEDIA_AUTH_FORGED;
  else if (unsettled > 0
           || (r->any_unverified && now_ms >= r->last_unverified_ms
               && now_ms - r->last_unverified_ms < v->config.deadline_ms))
    out->state = CV_MEDIA_AUTH_UNVERIFIED;
  else if (out->authenticated > 0)
    out->state = CV_MEDIA_AUTH_AUTHENTICATED;
  else if (out->frames > 0)
    out->state = CV_MEDIA_AUTH_NOT_YET;
  else
    out->state = CV_MEDIA_AUTH_NONE;
}

void
cv_media_auth_verifier_forget_sender (cv_media_auth_verifier *v, uint32_t sender)
{
  size_t index;
  sender_rec *r;

  if (v == NULL || (r = find_sender (v, sender, &index)) == NULL)
    return;
  for (size_t i = 0; i < v->config.max_streams; i++)
    if (v->streams[i].used && v->streams[i].sender_rec == index)
      {
        for (size_t j = 0; j < v->config.window; j++)
          v->streams[i].slots[j].flags = 0;
        v->streams[i].used = false;
      }
  r->used = false;
}
