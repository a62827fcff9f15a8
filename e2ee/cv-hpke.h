/* cv-hpke.h: Hybrid Public Key Encryption (RFC 9180) on OpenSSL 3.0.
 *
 * OpenSSL 3.0 has no HPKE, and MLS needs it for path secrets and Welcome
 * messages, so e2ee/ carries its own: DHKEM over P-256, P-384, P-521, X25519
 * and X448; HKDF-SHA256/384/512; AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305
 * and export-only; the four modes; single-shot and context APIs.
 *
 * Keys travel in their RFC 9180 §7.1 serialization: raw 32/56-byte strings
 * for X25519/X448, uncompressed points (0x04 || x || y) and fixed-length
 * big-endian scalars for the NIST curves. Public keys are checked when they
 * are deserialized (on the curve, right length) and a DH result of all zeros
 * is refused, so a hostile enc or pkR gives an error, never a weak secret.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cv-bytes.h"
#include "cv-status.h"

/* Identifiers of RFC 9180 §7. */
enum {
  CV_HPKE_KEM_P256_SHA256 = 0x0010,
  CV_HPKE_KEM_P384_SHA384 = 0x0011,
  CV_HPKE_KEM_P521_SHA512 = 0x0012,
  CV_HPKE_KEM_X25519_SHA256 = 0x0020,
  CV_HPKE_KEM_X448_SHA512 = 0x0021,
};

enum {
  CV_HPKE_KDF_HKDF_SHA256 = 0x0001,
  CV_HPKE_KDF_HKDF_SHA384 = 0x0002,
  CV_HPKE_KDF_HKDF_SHA512 = 0x0003,
};

enum {
  CV_HPKE_AEAD_AES_128_GCM = 0x0001,
  CV_HPKE_AEAD_AES_256_GCM = 0x0002,
  CV_HPKE_AEAD_CHACHA20_POLY1305 = 0x0003,
  CV_HPKE_AEAD_EXPORT_ONLY = 0xFFFF,
};

enum {
  CV_HPKE_MODE_BASE = 0x00,
  CV_HPKE_MODE_PSK = 0x01,
  CV_HPKE_MODE_AUTH = 0x02,
  CV_HPKE_MODE_AUTH_PSK = 0x03,
};

typedef struct { uint16_t kem, kdf, aead; } cv_hpke_suite;   /* RFC 9180 ids */

/* CV_OK when every id of s is one we implement, CV_ERR_UNSUPPORTED otherwise. */
cv_status cv_hpke_suite_check (const cv_hpke_suite *s);

/* Sizes of RFC 9180 §7.1 and §7.3 (0 for an unknown id). */
size_t cv_hpke_kem_secret_len (uint16_t kem);      /* Nsecret */
size_t cv_hpke_kem_enc_len (uint16_t kem);         /* Nenc = Npk */
size_t cv_hpke_kem_public_key_len (uint16_t kem);  /* Npk */
size_t cv_hpke_kem_private_key_len (uint16_t kem); /* Nsk */
size_t cv_hpke_aead_key_len (uint16_t aead);       /* Nk (0 for export-only) */
size_t cv_hpke_aead_nonce_len (uint16_t aead);     /* Nn */
size_t cv_hpke_aead_tag_len (uint16_t aead);       /* Nt */

/* ---- Keys ---- */

/* DeriveKeyPair (§7.1.3): deterministic, including the rejection-sampling
 * loop of the NIST curves. ikm must be at least 32 bytes (the RFC's "SHOULD
 * be Nsk bytes" is not enforced: MLS derives P-521 keys from 64-byte secrets). */
cv_status cv_hpke_derive_key_pair (uint16_t kem, const uint8_t *ikm, size_t ikm_len,
                                   cv_bytes *sk, cv_bytes *pk);
/* GenerateKeyPair: a fresh random key pair. */
cv_status cv_hpke_generate_key_pair (uint16_t kem, cv_bytes *sk, cv_bytes *pk);
/* The serialized public key of a serialized private key (checks the private key).
 * Like every function taking a private key, it also accepts a NIST-curve scalar
 * shorter than Nsk (leading zeros dropped, as some MLS implementations write them). */
cv_status cv_hpke_public_key_from_private (uint16_t kem, const uint8_t *sk, size_t sk_len,
                                           cv_bytes *pk);
/* DeserializePublicKey's checks alone: length, encoding, point on the curve. */
cv_status cv_hpke_check_public_key (uint16_t kem, const uint8_t *pk, size_t pk_len);

/* ---- Context API (§5) ---- */

typedef struct cv_hpke_context cv_hpke_context;

/* Intermediate values of a setup, for known-answer tests only. Each member is
 * owned by the caller; cv_hpke_trace_clear wipes them all. */
typedef struct {
  cv_bytes shared_secret;
  cv_bytes key_schedule_context;
  cv_bytes secret;
  cv_bytes key;
  cv_bytes base_nonce;
  cv_bytes exporter_secret;
} cv_hpke_trace;

void cv_hpke_trace_clear (cv_hpke_trace *trace);

/* The mode and its inputs. A NULL cv_hpke_mode_args means base mode.
 *   psk, psk_id: psk and auth_psk modes (both non-empty, or both empty otherwise)
 *   sk_s:        auth modes, sender side (the sender's private key)
 *   pk_s:        auth modes, recipient side (the sender's public key)
 *   ikm_e:       known-answer tests only: derive the ephemeral key from this
 *                instead of generating a fresh one
 *   trace:       known-answer tests only: receives the intermediate values */
typedef struct {
  uint8_t mode;
  const uint8_t *psk;
  size_t psk_len;
  const uint8_t *psk_id;
  size_t psk_id_len;
  const uint8_t *sk_s;
  size_t sk_s_len;
  const uint8_t *pk_s;
  size_t pk_s_len;
  const uint8_t *ikm_e;
  size_t ikm_e_len;
  cv_hpke_trace *trace;
  /* LabeledExtract("", "info_hash", info) from cv_hpke_info_hash(), when many
   * setups share one long info (an MLS Welcome seals every new member's
   * secrets with the encrypted GroupInfo, tree included, as info): info is
   * then not read, and the setup costs the same for any info length. */
  const uint8_t *info_hash;
  size_t info_hash_len;
} cv_hpke_mode_args;

/* The info_hash of the key schedule (§5.1) for info: Nh bytes of the suite's KDF. */
cv_status cv_hpke_info_hash (const cv_hpke_suite *s, const uint8_t *info, size_t info_len,
                             cv_bytes *out);

/* SetupS / SetupR for any mode. On success *ctx must be freed with
 * cv_hpke_context_free. A sender context only seals, a recipient context
 * only opens; both export. */
cv_status cv_hpke_setup_s (const cv_hpke_suite *s, const uint8_t *pkR, size_t pkR_len,
                           const uint8_t *info, size_t info_len,
                           const cv_hpke_mode_args *args,
                           cv_bytes *enc, cv_hpke_context **ctx);
cv_status cv_hpke_setup_r (const cv_hpke_suite *s, const uint8_t *enc, size_t enc_len,
                           const uint8_t *skR, size_t skR_len,
                           const uint8_t *info, size_t info_len,
                           const cv_hpke_mode_args *args,
                           cv_hpke_context **ctx);

/* The named setups of §5.1.1-§5.1.4. */
cv_status cv_hpke_setup_base_s (const cv_hpke_suite *s, const uint8_t *pkR, size_t pkR_len,
                                const uint8_t *info, size_t info_len,
                                cv_bytes *enc, cv_hpke_context **ctx);
cv_status cv_hpke_setup_base_r (const cv_hpke_suite *s, const uint8_t *enc, size_t enc_len,
                                const uint8_t *skR, size_t skR_len,
                                const uint8_t *info, size_t info_len,
                                cv_hpke_context **ctx);
cv_status cv_hpke_setup_psk_s (const cv_hpke_suite *s, const uint8_t *pkR, size_t pkR_len,
                               const uint8_t *info, size_t info_len,
                               const uint8_t *psk, size_t psk_len,
                               const uint8_t *psk_id, size_t psk_id_len,
                               cv_bytes *enc, cv_hpke_context **ctx);
cv_status cv_hpke_setup_psk_r (const cv_hpke_suite *s, const uint8_t *enc, size_t enc_len,
                               const uint8_t *skR, size_t skR_len,
                               const uint8_t *info, size_t info_len,
                               const uint8_t *psk, size_t psk_len,
                               const uint8_t *psk_id, size_t psk_id_len,
                               cv_hpke_context **ctx);
cv_status cv_hpke_setup_auth_s (const cv_hpke_suite *s, const uint8_t *pkR, size_t pkR_len,
                                const uint8_t *info, size_t info_len,
                                const uint8_t *skS, size_t skS_len,
                                cv_bytes *enc, cv_hpke_context **ctx);
cv_status cv_hpke_setup_auth_r (const cv_hpke_suite *s, const uint8_t *enc, size_t enc_len,
                                const uint8_t *skR, size_t skR_len,
                                const uint8_t *info, size_t info_len,
                                const uint8_t *pkS, size_t pkS_len,
                                cv_hpke_context **ctx);
cv_status cv_hpke_setup_auth_psk_s (const cv_hpke_suite *s, const uint8_t *pkR, size_t pkR_len,
                                    const uint8_t *info, size_t info_len,
                                    const uint8_t *psk, size_t psk_len,
                                    const uint8_t *psk_id, size_t psk_id_len,
                                    const uint8_t *skS, size_t skS_len,
                                    cv_bytes *enc, cv_hpke_context **ctx);
cv_status cv_hpke_setup_auth_psk_r (const cv_hpke_suite *s, const uint8_t *enc, size_t enc_len,
                                    const uint8_t *skR, size_t skR_len,
                                    const uint8_t *info, size_t info_len,
                                    const uint8_t *psk, size_t psk_len,
                                    const uint8_t *psk_id, size_t psk_id_len,
                                    const uint8_t *pkS, size_t pkS_len,
                                    cv_hpke_context **ctx);

/* Seal/Open with the next sequence number (§5.2). The sequence number only
 * advances on success. The counter is 64 bits (the RFC allows 8 * Nn = 96):
 * at seq 2^64 - 1 the context refuses with CV_ERR_STATE (MessageLimitReached)
 * rather than reuse a nonce. Export-only suites refuse with CV_ERR_UNSUPPORTED. */
cv_status cv_hpke_context_seal (cv_hpke_context *ctx, const uint8_t *aad, size_t aad_len,
                                const uint8_t *pt, size_t pt_len, cv_bytes *ct);
cv_status cv_hpke_context_open (cv_hpke_context *ctx, const uint8_t *aad, size_t aad_len,
                                const uint8_t *ct, size_t ct_len, cv_bytes *pt);
/* The same into a caller buffer: ct_cap >= pt_len + Nt, pt_cap >= ct_len - Nt. */
cv_status cv_hpke_context_seal_into (cv_hpke_context *ctx, const uint8_t *aad, size_t aad_len,
                                     const uint8_t *pt, size_t pt_len,
                                     uint8_t *ct, size_t ct_cap, size_t *ct_len);
cv_status cv_hpke_context_open_into (cv_hpke_context *ctx, const uint8_t *aad, size_t aad_len,
                                     const uint8_t *ct, size_t ct_len,
                                     uint8_t *pt, size_t pt_cap, size_t *pt_len);
/* Export (§5.3): L bytes, L <= 255 * Nh. */
cv_status cv_hpke_context_export (const cv_hpke_context *ctx,
                                  const uint8_t *exporter_context, size_t exporter_context_len,
                                  size_t L, cv_bytes *out);
/* The sequence number of the next Seal/Open. */
uint64_t cv_hpke_context_seq (const cv_hpke_context *ctx);
/* Moves the counter, e.g. to resume a context or to test the overflow refusal. */
void cv_hpke_context_set_seq (cv_hpke_context *ctx, uint64_t seq);
/* Wipes every secret and frees; NULL is fine. */
void cv_hpke_context_free (cv_hpke_context *ctx);

/* ---- Single-shot API (§6) ---- */

cv_status cv_hpke_seal_base (const cv_hpke_suite *s, const uint8_t *pkR, size_t pkR_len,
    const uint8_t *info, size_t info_len, const uint8_t *aad, size_t aad_len,
    const uint8_t *pt, size_t pt_len, cv_bytes *enc, cv_bytes *ct);
cv_status cv_hpke_open_base (const cv_hpke_suite *s, const uint8_t *skR, size_t skR_len,
    const uint8_t *enc, size_t enc_len, const uint8_t *info, size_t info_len,
    const uint8_t *aad, size_t aad_len, const uint8_t *ct, size_t ct_len, cv_bytes *pt);

/* Any mode (args NULL = base). */
cv_status cv_hpke_seal (const cv_hpke_suite *s, const uint8_t *pkR, size_t pkR_len,
                        const uint8_t *info, size_t info_len, const cv_hpke_mode_args *args,
                        const uint8_t *aad, size_t aad_len,
                        const uint8_t *pt, size_t pt_len, cv_bytes *enc, cv_bytes *ct);
cv_status cv_hpke_open (const cv_hpke_suite *s, const uint8_t *skR, size_t skR_len,
                        const uint8_t *enc, size_t enc_len,
                        const uint8_t *info, size_t info_len, const cv_hpke_mode_args *args,
                        const uint8_t *aad, size_t aad_len,
                        const uint8_t *ct, size_t ct_len, cv_bytes *pt);
/* SendExport / ReceiveExport (§6.2). */
cv_status cv_hpke_send_export (const cv_hpke_suite *s, const uint8_t *pkR, size_t pkR_len,
                               const uint8_t *info, size_t info_len, const cv_hpke_mode_args *args,
                               const uint8_t *exporter_context, size_t exporter_context_len,
                               size_t L, cv_bytes *enc, cv_bytes *out);
cv_status cv_hpke_receive_export (const cv_hpke_suite *s, const uint8_t *skR, size_t skR_len,
                                  const uint8_t *enc, size_t enc_len,
                                  const uint8_t *info, size_t info_len,
                                  const cv_hpke_mode_args *args,
                                  const uint8_t *exporter_context, size_t exporter_context_len,
                                  size_t L, cv_bytes *out);
