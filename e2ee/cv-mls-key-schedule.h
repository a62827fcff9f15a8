/* cv-mls-key-schedule.h: GroupContext, the key schedule and the transcript
 * hashes of RFC 9420 §8.
 *
 *   init_secret[n-1] ─┐ (salt)
 *   commit_secret ───Extract─ ExpandWithLabel("joiner", GroupContext) = joiner_secret
 *   joiner_secret ───┐ (salt)
 *   psk_secret ──────Extract─┬ DeriveSecret("welcome") = welcome_secret
 *                            └ ExpandWithLabel("epoch", GroupContext) = epoch_secret
 *   epoch_secret → sender data, encryption, exporter, external, confirm,
 *                  membership, resumption, authentication, init secrets.
 *
 * Everything secret lands in cv_bytes members and is wiped by
 * cv_mls_epoch_secrets_clear(); the epoch_secret itself never leaves this
 * file. Inputs are (pointer, length) pairs so that they can be borrowed from a
 * parsed message.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cv-bytes.h"
#include "cv-mls-codec.h"
#include "cv-mls-suite.h"
#include "cv-status.h"

/* ProtocolVersion mls10 (RFC 9420 §6). */
#define CV_MLS_VERSION_10 1

/* ---- GroupContext (§8.1) ---- */

typedef struct {
  uint16_t cipher_suite;
  const uint8_t *group_id;
  size_t group_id_len;
  uint64_t epoch;
  const uint8_t *tree_hash;
  size_t tree_hash_len;
  const uint8_t *confirmed_transcript_hash;
  size_t confirmed_transcript_hash_len;
  /* The content of the extensions<V> vector: Extension entries already
   * serialized back to back (empty for none). */
  const uint8_t *extensions;
  size_t extensions_len;
} cv_mls_group_context;

void cv_mls_group_context_write (cv_mls_writer *w, const cv_mls_group_context *gc);
cv_status cv_mls_group_context_serialize (const cv_mls_group_context *gc, cv_bytes *out);
/* Parses a GroupContext; the byte fields borrow from r's input. Refuses a
 * version other than mls10. The extension entries are not parsed. */
cv_status cv_mls_group_context_read (cv_mls_reader *r, cv_mls_group_context *gc);

/* ---- Pre-shared keys (§8.4) ---- */

enum {
  CV_MLS_PSK_EXTERNAL = 1,
  CV_MLS_PSK_RESUMPTION = 2,
};

enum {
  CV_MLS_RESUMPTION_APPLICATION = 1,
  CV_MLS_RESUMPTION_REINIT = 2,
  CV_MLS_RESUMPTION_BRANCH = 3,
};

/* PreSharedKeyID; byte fields are borrowed. */
typedef struct {
  uint8_t psk_type;            /* CV_MLS_PSK_EXTERNAL or CV_MLS_PSK_RESUMPTION */
  const uint8_t *psk_id;       /* external */
  size_t psk_id_len;
  uint8_t usage;               /* resumption: CV_MLS_RESUMPTION_* */
  const uint8_t *psk_group_id; /* resumption */
  size_t psk_group_id_len;
  uint64_t psk_epoch;          /* resumption */
  const uint8_t *psk_nonce;
  size_t psk_nonce_len;
} cv_mls_psk_id;

void cv_mls_psk_id_write (cv_mls_writer *w, const cv_mls_psk_id *id);
/* Refuses unknown PSK types and resumption usages. */
cv_status cv_mls_psk_id_read (cv_mls_reader *r, cv_mls_psk_id *id);

typedef struct {
  cv_mls_psk_id id;
  const uint8_t *psk;
  size_t psk_len;
} cv_mls_psk;

/* psk_secret over psks[0..count) in order; Nh zero bytes for count == 0.
 * Each psk_nonce must be Nh bytes long (§8.4). */
cv_status cv_mls_psk_secret (const cv_mls_suite *s, const cv_mls_psk *psks, size_t count,
                             cv_bytes *out);

/* ---- The key schedule (§8) ---- */

typedef struct {
  cv_bytes joiner_secret;
  cv_bytes welcome_secret;
  cv_bytes sender_data_secret;
  cv_bytes encryption_secret;
  cv_bytes exporter_secret;
  cv_bytes epoch_authenticator;
  cv_bytes external_secret;
  cv_bytes confirmation_key;
  cv_bytes membership_key;
  cv_bytes resumption_psk;
  cv_bytes init_secret;        /* for the next epoch */
} cv_mls_epoch_secrets;

/* Wipes every member; safe on a zeroed or already cleared struct. */
void cv_mls_epoch_secrets_clear (cv_mls_epoch_secrets *e);

/* joiner_secret from the previous epoch's init_secret and the commit_secret
 * (NULL/empty commit_secret means Nh zero bytes, as for a commit without a
 * path). group_context is the serialized GroupContext of the new epoch. */
cv_status cv_mls_joiner_secret (const cv_mls_suite *s,
                                const uint8_t *init_secret, size_t init_secret_len,
                                const uint8_t *commit_secret, size_t commit_secret_len,
                                const uint8_t *group_context, size_t group_context_len,
                                cv_bytes *joiner_secret);

/* The epoch's secrets from the joiner_secret (what a Welcome carries) and the
 * psk_secret (NULL/empty means Nh zero bytes: no PSKs). out must be zeroed;
 * on failure it is left cleared. */
cv_status cv_mls_key_schedule_from_joiner (const cv_mls_suite *s,
                                           const uint8_t *joiner_secret, size_t joiner_secret_len,
                                           const uint8_t *psk_secret, size_t psk_secret_len,
                                           const uint8_t *group_context, size_t group_context_len,
                                           cv_mls_epoch_secrets *out);

/* Both steps: what a member does when it applies a commit. */
cv_status cv_mls_key_schedule (const cv_mls_suite *s,
                               const uint8_t *init_secret, size_t init_secret_len,
                               const uint8_t *commit_secret, size_t commit_secret_len,
                               const uint8_t *psk_secret, size_t psk_secret_len,
                               const uint8_t *group_context, size_t group_context_len,
                               cv_mls_epoch_secrets *out);

/* MLS-Exporter(Label, Context, Length) (§8.5) from the exporter_secret. */
cv_status cv_mls_exporter (const cv_mls_suite *s,
                           const uint8_t *exporter_secret, size_t exporter_secret_len,
                           const uint8_t *label, size_t label_len,
                           const uint8_t *context, size_t context_len,
                           uint16_t length, cv_bytes *out);

/* The welcome key and nonce that encrypt GroupInfo (§12.4.3.1). */
cv_status cv_mls_welcome_key_nonce (const cv_mls_suite *s,
                                    const uint8_t *welcome_secret, size_t welcome_secret_len,
                                    cv_bytes *key, cv_bytes *nonce);

/* ---- External joins (§8.3) ---- */

/* external_priv/external_pub = KEM.DeriveKeyPair(external_secret). */
cv_status cv_mls_external_key_pair (const cv_mls_suite *s,
                                    const uint8_t *external_secret, size_t external_secret_len,
                                    cv_bytes *external_priv, cv_bytes *external_pub);
/* The joiner's side: a fresh kem_output for external_pub and the init_secret
 * it yields. */
cv_status cv_mls_external_init_send (const cv_mls_suite *s,
                                     const uint8_t *external_pub, size_t external_pub_len,
                                     cv_bytes *kem_output, cv_bytes *init_secret);
/* The group's side: the init_secret from an ExternalInit's kem_output. */
cv_status cv_mls_external_init_receive (const cv_mls_suite *s,
                                        const uint8_t *external_priv, size_t external_priv_len,
                                        const uint8_t *kem_output, size_t kem_output_len,
                                        cv_bytes *init_secret);

/* ---- Confirmation and transcript hashes (§6.1, §8.2) ---- */

/* confirmation_tag = MAC(confirmation_key, confirmed_transcript_hash), and
 * its constant-time check (CV_ERR_AUTH on mismatch). */
cv_status cv_mls_confirmation_tag (const cv_mls_suite *s,
                                   const uint8_t *confirmation_key, size_t confirmation_key_len,
                                   const uint8_t *confirmed_transcript_hash, size_t cth_len,
                                   cv_bytes *tag);
cv_status cv_mls_confirmation_tag_verify (const cv_mls_suite *s,
                                          const uint8_t *confirmation_key, size_t confirmation_key_len,
                                          const uint8_t *confirmed_transcript_hash, size_t cth_len,
                                          const uint8_t *tag, size_t tag_len);

/* confirmed_transcript_hash = Hash(interim_transcript_hash_before ||
 *   ConfirmedTranscriptHashInput), where the input is the serialized
 * wire_format || FramedContent (a commit) || signature<V>. */
cv_status cv_mls_confirmed_transcript_hash (const cv_mls_suite *s,
                                            const uint8_t *interim_before, size_t interim_before_len,
                                            const uint8_t *confirmed_input, size_t confirmed_input_len,
                                            cv_bytes *out);
/* interim_transcript_hash = Hash(confirmed_transcript_hash ||
 *   InterimTranscriptHashInput), the input being confirmation_tag<V>. */
cv_status cv_mls_interim_transcript_hash (const cv_mls_suite *s,
                                          const uint8_t *confirmed, size_t confirmed_len,
                                          const uint8_t *confirmation_tag, size_t tag_len,
                                          cv_bytes *out);

/* A serialized AuthenticatedContent of a commit ends with
 * confirmation_tag<V>: splits it into the ConfirmedTranscriptHashInput (the
 * prefix) and the tag, which must be Nh bytes. The content must already have
 * been parsed as a commit; this only locates the tag. */
cv_status cv_mls_split_commit_content (const cv_mls_suite *s,
                                       const uint8_t *authenticated_content, size_t len,
                                       size_t *confirmed_input_len,
                                       const uint8_t **confirmation_tag);
