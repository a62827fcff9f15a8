#include "cv-mls-key-schedule.h"

#include <string.h>

#include <openssl/evp.h>

#include "cv-hpke.h"

/* ---- GroupContext ---- */

void
cv_mls_group_context_write (cv_mls_writer *w, const cv_mls_group_context *gc)
{
  cv_mls_write_u16 (w, CV_MLS_VERSION_10);
  cv_mls_write_u16 (w, gc->cipher_suite);
  cv_mls_write_opaque (w, gc->group_id, gc->group_id_len);
  cv_mls_write_u64 (w, gc->epoch);
  cv_mls_write_opaque (w, gc->tree_hash, gc->tree_hash_len);
  cv_mls_write_opaque (w, gc->confirmed_transcript_hash, gc->confirmed_transcript_hash_len);
  cv_mls_write_opaque (w, gc->extensions, gc->extensions_len);
}

cv_status
cv_mls_group_context_serialize (const cv_mls_group_context *gc, cv_bytes *out)
{
  cv_mls_writer w;

  cv_mls_writer_init (&w);
  cv_mls_group_context_write (&w, gc);
  return cv_mls_writer_finish (&w, out);
}

cv_status
cv_mls_group_context_read (cv_mls_reader *r, cv_mls_group_context *gc)
{
  cv_mls_reader start = *r;
  uint16_t version = 0;
  cv_status st;

  memset (gc, 0, sizeof *gc);
  if ((st = cv_mls_read_u16 (r, &version)) == CV_OK && version != CV_MLS_VERSION_10)
    st = cv_fail (CV_ERR_UNSUPPORTED, "RFC 9420 §8.1: GroupContext version %u is not mls10",
                  version);
  if (st == CV_OK)
    st = cv_mls_read_u16 (r, &gc->cipher_suite);
  if (st == CV_OK)
    st = cv_mls_read_opaque (r, &gc->group_id, &gc->group_id_len);
  if (st == CV_OK)
    st = cv_mls_read_u64 (r, &gc->epoch);
  if (st == CV_OK)
    st = cv_mls_read_opaque (r, &gc->tree_hash, &gc->tree_hash_len);
  if (st == CV_OK)
    st = cv_mls_read_opaque (r, &gc->confirmed_transcript_hash,
                             &gc->confirmed_transcript_hash_len);
  if (st == CV_OK)
    st = cv_mls_read_opaque (r, &gc->extensions, &gc->extensions_len);
  if (st != CV_OK)
    *r = start;
  return st;
}

/* ---- Pre-shared keys ---- */

void
cv_mls_psk_id_write (cv_mls_writer *w, const cv_mls_psk_id *id)
{
  cv_mls_write_u8 (w, id->psk_type);
  if (id->psk_type == CV_MLS_PSK_EXTERNAL)
    cv_mls_write_opaque (w, id->psk_id, id->psk_id_len);
  else
    {
      cv_mls_write_u8 (w, id->usage);
      cv_mls_write_opaque (w, id->psk_group_id, id->psk_group_id_len);
      cv_mls_write_u64 (w, id->psk_epoch);
    }
  cv_mls_write_opaque (w, id->psk_nonce, id->psk_nonce_len);
}

cv_status
cv_mls_psk_id_read (cv_mls_reader *r, cv_mls_psk_id *id)
{
  cv_mls_reader start = *r;
  cv_status st;

  memset (id, 0, sizeof *id);
  st = cv_mls_read_u8 (r, &id->psk_type);
  if (st == CV_OK && id->psk_type == CV_MLS_PSK_EXTERNAL)
    st = cv_mls_read_opaque (r, &id->psk_id, &id->psk_id_len);
  else if (st == CV_OK && id->psk_type == CV_MLS_PSK_RESUMPTION)
    {
      st = cv_mls_read_u8 (r, &id->usage);
      if (st == CV_OK && (id->usage < CV_MLS_RESUMPTION_APPLICATION
                          || id->usage > CV_MLS_RESUMPTION_BRANCH))
        st = cv_fail (CV_ERR_MALFORMED, "RFC 9420 §8.4: unknown resumption PSK usage %u",
                      id->usage);
      if (st == CV_OK)
        st = cv_mls_read_opaque (r, &id->psk_group_id, &id->psk_group_id_len);
      if (st == CV_OK)
        st = cv_mls_read_u64 (r, &id->psk_epoch);
    }
  else if (st == CV_OK)
    st = cv_fail (CV_ERR_MALFORMED, "RFC 9420 §8.4: unknown PSK type %u", id->psk_type);
  if (st == CV_OK)
    st = cv_mls_read_opaque (r, &id->psk_nonce, &id->psk_nonce_len);
  if (st != CV_OK)
    *r = start;
  return st;
}

/* psk_input = ExpandWithLabel(Extract(0, psk), "derived psk", PSKLabel, Nh). */
static cv_status
psk_input (const cv_mls_suite *s, const cv_mls_psk *psk, size_t index, size_t count,
           cv_bytes *out)
{
  cv_mls_writer w;
  cv_bytes label = CV_BYTES_INIT, extracted = CV_BYTES_INIT;
  cv_status st;

  /* struct { PreSharedKeyID id; uint16 index; uint16 count; } PSKLabel; */
  cv_mls_writer_init (&w);
  cv_mls_psk_id_write (&w, &psk->id);
  cv_mls_write_u16 (&w, (uint16_t) index);
  cv_mls_write_u16 (&w, (uint16_t) count);
  st = cv_mls_writer_finish (&w, &label);
  if (st == CV_OK)
    st = cv_mls_kdf_extract (s, NULL, 0, psk->psk, psk->psk_len, &extracted);
  if (st == CV_OK)
    st = cv_mls_expand_with_label (s, extracted.data, extracted.len, "derived psk",
                                   label.data, label.len, (uint16_t) s->hash_len, out);
  cv_bytes_clear (&label);
  cv_bytes_clear (&extracted);
  return st;
}

cv_status
cv_mls_psk_secret (const cv_mls_suite *s, const cv_mls_psk *psks, size_t count, cv_bytes *out)
{
  cv_bytes secret = CV_BYTES_INIT;
  cv_status st;

  if (count > UINT16_MAX)
    return cv_fail (CV_ERR_TOO_LARGE, "RFC 9420 §8.4: %zu PSKs exceed the uint16 count", count);
  for (size_t i = 0; i < count; i++)
    {
      if (psks[i].id.psk_nonce_len != s->hash_len)
        return cv_fail (CV_ERR_INVALID, "RFC 9420 §8.4: psk_nonce %zu is %zu bytes, not KDF.Nh = %zu",
                        i, psks[i].id.psk_nonce_len, s->hash_len);
      if (psks[i].id.psk_type != CV_MLS_PSK_EXTERNAL && psks[i].id.psk_type != CV_MLS_PSK_RESUMPTION)
        return cv_fail (CV_ERR_ARGUMENT, "RFC 9420 §8.4: PSK %zu has unknown type %u",
                        i, psks[i].id.psk_type);
    }

  /* psk_secret_[0] is Nh zeros; psk_secret_[i] = Extract(psk_input_[i-1], psk_secret_[i-1]). */
  st = cv_bytes_alloc (&secret, s->hash_len);
  for (size_t i = 0; st == CV_OK && i < count; i++)
    {
      cv_bytes input = CV_BYTES_INIT, next = CV_BYTES_INIT;

      st = psk_input (s, &psks[i], i, count, &input);
      if (st == CV_OK)
        st = cv_mls_kdf_extract (s, input.data, input.len, secret.data, secret.len, &next);
      cv_bytes_clear (&input);
      cv_bytes_clear (&secret);
      secret = next;
    }
  if (st != CV_OK)
    {
      cv_bytes_clear (&secret);
      return st;
    }
  *out = secret;
  return CV_OK;
}

/* ---- Key schedule ---- */

void
cv_mls_epoch_secrets_clear (cv_mls_epoch_secrets *e)
{
  cv_bytes_clear (&e->joiner_secret);
  cv_bytes_clear (&e->welcome_secret);
  cv_bytes_clear (&e->sender_data_secret);
  cv_bytes_clear (&e->encryption_secret);
  cv_bytes_clear (&e->exporter_secret);
  cv_bytes_clear (&e->epoch_authenticator);
  cv_bytes_clear (&e->external_secret);
  cv_bytes_clear (&e->confirmation_key);
  cv_bytes_clear (&e->membership_key);
  cv_bytes_clear (&e->resumption_psk);
  cv_bytes_clear (&e->init_secret);
}

/* Where an all-zero default of Nh bytes stands for an absent input. */
static void
zero_default (const cv_mls_suite *s, const uint8_t **data, size_t *len, const uint8_t *zeros)
{
  if (*len == 0)
    {
      *data = zeros;
      *len = s->hash_len;
    }
}

cv_status
cv_mls_joiner_secret (const cv_mls_suite *s,
                      const uint8_t *init_secret, size_t init_secret_len,
                      const uint8_t *commit_secret, size_t commit_secret_len,
                      const uint8_t *group_context, size_t group_context_len,
                      cv_bytes *joiner_secret)
{
  static const uint8_t zeros[EVP_MAX_MD_SIZE];
  cv_bytes prk = CV_BYTES_INIT;
  cv_status st;

  zero_default (s, &commit_secret, &commit_secret_len, zeros);
  st = cv_mls_kdf_extract (s, init_secret, init_secret_len, commit_secret, commit_secret_len, &prk);
  if (st == CV_OK)
    st = cv_mls_expand_with_label (s, prk.data, prk.len, "joiner", group_context,
                                   group_context_len, (uint16_t) s->hash_len, joiner_secret);
  cv_bytes_clear (&prk);
  return st;
}

cv_status
cv_mls_key_schedule_from_joiner (const cv_mls_suite *s,
                                 const uint8_t *joiner_secret, size_t joiner_secret_len,
                                 const uint8_t *psk_secret, size_t psk_secret_len,
                                 const uint8_t *group_context, size_t group_context_len,
                                 cv_mls_epoch_secrets *out)
{
  static const uint8_t zeros[EVP_MAX_MD_SIZE];
  cv_bytes member = CV_BYTES_INIT, epoch = CV_BYTES_INIT;
  cv_status st;

  memset (out, 0, sizeof *out);
  zero_default (s, &psk_secret, &psk_secret_len, zeros);
  st = cv_bytes_set (&out->joiner_secret, joiner_secret, joiner_secret_len);
  if (st == CV_OK)
    st = cv_mls_kdf_extract (s, joiner_secret, joiner_secret_len, psk_secret, psk_secret_len,
                             &member);
  if (st == CV_OK)
    st = cv_mls_derive_secret (s, member.data, member.len, "welcome", &out->welcome_secret);
  if (st == CV_OK)
    st = cv_mls_expand_with_label (s, member.data, member.len, "epoch", group_context,
                                   group_context_len, (uint16_t) s->hash_len, &epoch);

  /* §8 table of secrets derived from the epoch_secret. */
  const struct {
    const char *label;
    cv_bytes *out;
  } derived[] = {
    { "sender data", &out->sender_data_secret },
    { "encryption", &out->encryption_secret },
    { "exporter", &out->exporter_secret },
    { "external", &out->external_secret },
    { "confirm", &out->confirmation_key },
    { "membership", &out->membership_key },
    { "resumption", &out->resumption_psk },
    { "authentication", &out->epoch_authenticator },
    { "init", &out->init_secret },
  };
  for (size_t i = 0; st == CV_OK && i < sizeof derived / sizeof derived[0]; i++)
    st = cv_mls_derive_secret (s, epoch.data, epoch.len, derived[i].label, derived[i].out);

  cv_bytes_clear (&member);
  cv_bytes_clear (&epoch);
  if (st != CV_OK)
    cv_mls_epoch_secrets_clear (out);
  return st;
}

cv_status
cv_mls_key_schedule (const cv_mls_suite *s,
                     const uint8_t *init_secret, size_t init_secret_len,
                     const uint8_t *commit_secret, size_t commit_secret_len,
                     const uint8_t *psk_secret, size_t psk_secret_len,
                     const uint8_t *group_context, size_t group_context_len,
                     cv_mls_epoch_secrets *out)
{
  cv_bytes joiner = CV_BYTES_INIT;
  cv_status st;

  memset (out, 0, sizeof *out);
  st = cv_mls_joiner_secret (s, init_secret, init_secret_len, commit_secret, commit_secret_len,
                             group_context, group_context_len, &joiner);
  if (st == CV_OK)
    st = cv_mls_key_schedule_from_joiner (s, joiner.data, joiner.len, psk_secret, psk_secret_len,
                                          group_context, group_context_len, out);
  cv_bytes_clear (&joiner);
  return st;
}

cv_status
cv_mls_exporter (const cv_mls_suite *s,
                 const uint8_t *exporter_secret, size_t exporter_secret_len,
                 const uint8_t *label, size_t label_len,
                 const uint8_t *context, size_t context_len,
                 uint16_t length, cv_bytes *out)
{
  cv_bytes derived = CV_BYTES_INIT, context_hash = CV_BYTES_INIT;
  cv_status st;

  /* ExpandWithLabel(DeriveSecret(exporter_secret, Label), "exported", Hash(Context), Length) */
  st = cv_mls_expand_with_label_bytes (s, exporter_secret, exporter_secret_len, label, label_len,
                                       NULL, 0, (uint16_t) s->hash_len, &derived);
  if (st == CV_OK)
    st = cv_mls_hash (s, context, context_len, &context_hash);
  if (st == CV_OK)
    st = cv_mls_expand_with_label (s, derived.data, derived.len, "exported",
                                   context_hash.data, context_hash.len, length, out);
  cv_bytes_clear (&derived);
  cv_bytes_clear (&context_hash);
  return st;
}

cv_status
cv_mls_welcome_key_nonce (const cv_mls_suite *s,
                          const uint8_t *welcome_secret, size_t welcome_secret_len,
                          cv_bytes *key, cv_bytes *nonce)
{
  cv_status st = cv_mls_expand_with_label (s, welcome_secret, welcome_secret_len, "key", NULL, 0,
                                           (uint16_t) s->key_len, key);

  if (st == CV_OK)
    {
      st = cv_mls_expand_with_label (s, welcome_secret, welcome_secret_len, "nonce", NULL, 0,
                                     (uint16_t) s->nonce_len, nonce);
      if (st != CV_OK)
        cv_bytes_clear (key);
    }
  return st;
}

/* ---- External joins ---- */

cv_status
cv_mls_external_key_pair (const cv_mls_suite *s,
                          const uint8_t *external_secret, size_t external_secret_len,
                          cv_bytes *external_priv, cv_bytes *external_pub)
{
  return cv_mls_derive_key_pair (s, external_secret, external_secret_len,
                                 external_priv, external_pub);
}

#define EXTERNAL_INIT_LABEL "MLS 1.0 external init secret"

cv_status
cv_mls_external_init_send (const cv_mls_suite *s,
                           const uint8_t *external_pub, size_t external_pub_len,
                           cv_bytes *kem_output, cv_bytes *init_secret)
{
  cv_hpke_context *ctx = NULL;
  cv_status st;

  /* kem_output, context = SetupBaseS(external_pub, "") */
  st = cv_hpke_setup_base_s (&s->hpke, external_pub, external_pub_len, NULL, 0, kem_output, &ctx);
  if (st == CV_OK)
    {
      st = cv_hpke_context_export (ctx, (const uint8_t *) EXTERNAL_INIT_LABEL,
                                   strlen (EXTERNAL_INIT_LABEL), s->hash_len, init_secret);
      if (st != CV_OK)
        cv_bytes_clear (kem_output);
    }
  cv_hpke_context_free (ctx);
  return st;
}

cv_status
cv_mls_external_init_receive (const cv_mls_suite *s,
                              const uint8_t *external_priv, size_t external_priv_len,
                              const uint8_t *kem_output, size_t kem_output_len,
                              cv_bytes *init_secret)
{
  cv_hpke_context *ctx = NULL;
  cv_status st;

  st = cv_hpke_setup_base_r (&s->hpke, kem_output, kem_output_len, external_priv,
                             external_priv_len, NULL, 0, &ctx);
  if (st == CV_OK)
    st = cv_hpke_context_export (ctx, (const uint8_t *) EXTERNAL_INIT_LABEL,
                                 strlen (EXTERNAL_INIT_LABEL), s->hash_len, init_secret);
  cv_hpke_context_free (ctx);
  return st;
}

/* ---- Confirmation and transcript hashes ---- */

cv_status
cv_mls_confirmation_tag (const cv_mls_suite *s,
                         const uint8_t *confirmation_key, size_t confirmation_key_len,
                         const uint8_t *confirmed_transcript_hash, size_t cth_len,
                         cv_bytes *tag)
{
  return cv_mls_mac (s, confirmation_key, confirmation_key_len, confirmed_transcript_hash,
                     cth_len, tag);
}

cv_status
cv_mls_confirmation_tag_verify (const cv_mls_suite *s,
                                const uint8_t *confirmation_key, size_t confirmation_key_len,
                                const uint8_t *confirmed_transcript_hash, size_t cth_len,
                                const uint8_t *tag, size_t tag_len)
{
  cv_status st = cv_mls_mac_verify (s, confirmation_key, confirmation_key_len,
                                    confirmed_transcript_hash, cth_len, tag, tag_len);

  if (st == CV_ERR_AUTH)
    st = cv_fail (CV_ERR_AUTH, "RFC 9420 §6.1: confirmation_tag does not verify");
  return st;
}

/* Hash(a || b). */
static cv_status
hash_two (const cv_mls_suite *s, const uint8_t *a, size_t a_len,
          const uint8_t *b, size_t b_len, cv_bytes *out)
{
  cv_mls_writer w;
  cv_bytes joined = CV_BYTES_INIT;
  cv_status st;

  cv_mls_writer_init (&w);
  cv_mls_write_fixed (&w, a, a_len);
  cv_mls_write_fixed (&w, b, b_len);
  st = cv_mls_writer_finish (&w, &joined);
  if (st == CV_OK)
    st = cv_mls_hash (s, joined.data, joined.len, out);
  cv_bytes_clear (&joined);
  return st;
}

cv_status
cv_mls_confirmed_transcript_hash (const cv_mls_suite *s,
                                  const uint8_t *interim_before, size_t interim_before_len,
                                  const uint8_t *confirmed_input, size_t confirmed_input_len,
                                  cv_bytes *out)
{
  return hash_two (s, interim_before, interim_before_len, confirmed_input, confirmed_input_len,
                   out);
}

cv_status
cv_mls_interim_transcript_hash (const cv_mls_suite *s,
                                const uint8_t *confirmed, size_t confirmed_len,
                                const uint8_t *confirmation_tag, size_t tag_len,
                                cv_bytes *out)
{
  cv_mls_writer w;
  cv_bytes input = CV_BYTES_INIT;
  cv_status st;

  /* struct { MAC confirmation_tag; } InterimTranscriptHashInput; MAC is opaque<V>. */
  cv_mls_writer_init (&w);
  cv_mls_write_opaque (&w, confirmation_tag, tag_len);
  st = cv_mls_writer_finish (&w, &input);
  if (st == CV_OK)
    st = hash_two (s, confirmed, confirmed_len, input.data, input.len, out);
  cv_bytes_clear (&input);
  return st;
}

cv_status
cv_mls_split_commit_content (const cv_mls_suite *s,
                             const uint8_t *authenticated_content, size_t len,
                             size_t *confirmed_input_len,
                             const uint8_t **confirmation_tag)
{
  size_t prefix = cv_mls_varint_size (s->hash_len);
  cv_mls_reader r;
  uint64_t tag_len;

  if (len < prefix + s->hash_len)
    return cv_fail (CV_ERR_TRUNCATED, "RFC 9420 §8.2: commit content of %zu bytes has no room "
                    "for a confirmation_tag", len);
  cv_mls_reader_init (&r, authenticated_content + len - prefix - s->hash_len, prefix);
  if (cv_mls_read_varint (&r, &tag_len) != CV_OK || tag_len != s->hash_len)
    return cv_fail (CV_ERR_MALFORMED, "RFC 9420 §6.1: commit content does not end with a "
                    "confirmation_tag of %zu bytes", s->hash_len);
  *confirmed_input_len = len - prefix - s->hash_len;
  *confirmation_tag = authenticated_content + len - s->hash_len;
  return CV_OK;
}
