/* cv-mls-suite.h: the cipher-suite provider of RFC 9420 §5.1 for suites 1..7.
 *
 * cv_mls_suite_get() returns a shared, immutable description of a suite whose
 * OpenSSL algorithms were fetched once for the whole process; every function
 * below takes it first. It is safe to use from several threads at once.
 *
 * Conventions: inputs are (pointer, length) pairs; outputs are cv_bytes that
 * must be empty on entry and are left empty on failure. Labels are the short
 * names of the RFC ("joiner", "sender data", ...): the "MLS 1.0 " prefix is
 * added here. Keys are in the encodings the MLS vectors use:
 *   - HPKE keys: RFC 9180 SerializePrivateKey / SerializePublicKey;
 *   - Ed25519/Ed448: the raw RFC 8032 strings;
 *   - ECDSA: the private key as a big-endian scalar of the curve's size, the
 *     public key as an uncompressed point, signatures DER (RFC 9420 §5.1.1).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cv-bytes.h"
#include "cv-hpke.h"
#include "cv-status.h"

/* RFC 9420 §17.1 cipher suite identifiers. */
enum {
  CV_MLS_SUITE_X25519_AES128GCM_SHA256_ED25519 = 0x0001,
  CV_MLS_SUITE_P256_AES128GCM_SHA256_P256 = 0x0002,
  CV_MLS_SUITE_X25519_CHACHA20POLY1305_SHA256_ED25519 = 0x0003,
  CV_MLS_SUITE_X448_AES256GCM_SHA512_ED448 = 0x0004,
  CV_MLS_SUITE_P521_AES256GCM_SHA512_P521 = 0x0005,
  CV_MLS_SUITE_X448_CHACHA20POLY1305_SHA512_ED448 = 0x0006,
  CV_MLS_SUITE_P384_AES256GCM_SHA384_P384 = 0x0007,
};

typedef enum {
  CV_MLS_SIG_ED25519,
  CV_MLS_SIG_ED448,
  CV_MLS_SIG_ECDSA_P256_SHA256,
  CV_MLS_SIG_ECDSA_P384_SHA384,
  CV_MLS_SIG_ECDSA_P521_SHA512,
} cv_mls_signature_scheme;

typedef struct cv_mls_suite_algs cv_mls_suite_algs;

typedef struct {
  uint16_t id;
  const char *name;                  /* "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519" */
  cv_hpke_suite hpke;                /* the KEM, KDF and AEAD of the suite */
  size_t hash_len;                   /* KDF.Nh = Hash output = MAC output */
  size_t key_len;                    /* AEAD.Nk */
  size_t nonce_len;                  /* AEAD.Nn */
  size_t tag_len;                    /* AEAD tag */
  cv_mls_signature_scheme signature;
  const cv_mls_suite_algs *algs;     /* fetched OpenSSL algorithms, private */
} cv_mls_suite;

/* The suite with that id; CV_ERR_UNSUPPORTED for any other. */
cv_status cv_mls_suite_get (uint16_t id, const cv_mls_suite **out);

/* ---- Hash, MAC, KDF (§5.1, §8) ---- */

cv_status cv_mls_hash (const cv_mls_suite *s, const uint8_t *data, size_t len, cv_bytes *out);
/* HMAC with the suite's hash. */
cv_status cv_mls_mac (const cv_mls_suite *s, const uint8_t *key, size_t key_len,
                      const uint8_t *data, size_t len, cv_bytes *out);
/* Recomputes the MAC and compares in constant time: CV_OK or CV_ERR_AUTH. */
cv_status cv_mls_mac_verify (const cv_mls_suite *s, const uint8_t *key, size_t key_len,
                             const uint8_t *data, size_t len,
                             const uint8_t *tag, size_t tag_len);

/* HKDF-Extract; a NULL/empty salt means Nh zero bytes, as in RFC 5869. */
cv_status cv_mls_kdf_extract (const cv_mls_suite *s, const uint8_t *salt, size_t salt_len,
                              const uint8_t *ikm, size_t ikm_len, cv_bytes *out);
cv_status cv_mls_kdf_expand (const cv_mls_suite *s, const uint8_t *prk, size_t prk_len,
                             const uint8_t *info, size_t info_len, size_t length, cv_bytes *out);

/* ExpandWithLabel(Secret, Label, Context, Length). */
cv_status cv_mls_expand_with_label (const cv_mls_suite *s, const uint8_t *secret, size_t secret_len,
                                    const char *label, const uint8_t *context, size_t context_len,
                                    uint16_t length, cv_bytes *out);
/* The same with a label of arbitrary bytes (MLS-Exporter labels). */
cv_status cv_mls_expand_with_label_bytes (const cv_mls_suite *s,
                                          const uint8_t *secret, size_t secret_len,
                                          const uint8_t *label, size_t label_len,
                                          const uint8_t *context, size_t context_len,
                                          uint16_t length, cv_bytes *out);
/* DeriveSecret(Secret, Label) = ExpandWithLabel(Secret, Label, "", Nh). */
cv_status cv_mls_derive_secret (const cv_mls_suite *s, const uint8_t *secret, size_t secret_len,
                                const char *label, cv_bytes *out);
/* DeriveTreeSecret(Secret, Label, Generation, Length) (§9). */
cv_status cv_mls_derive_tree_secret (const cv_mls_suite *s, const uint8_t *secret, size_t secret_len,
                                     const char *label, uint32_t generation, uint16_t length,
                                     cv_bytes *out);

/* RefHash(label, value) (§5.2); the label is used as given. */
cv_status cv_mls_ref_hash (const cv_mls_suite *s, const char *label,
                           const uint8_t *value, size_t value_len, cv_bytes *out);
/* KeyPackageRef of a serialized KeyPackage; ProposalRef of a serialized
 * AuthenticatedContent carrying the proposal. */
cv_status cv_mls_make_key_package_ref (const cv_mls_suite *s, const uint8_t *key_package,
                                       size_t len, cv_bytes *out);
cv_status cv_mls_make_proposal_ref (const cv_mls_suite *s, const uint8_t *authenticated_content,
                                    size_t len, cv_bytes *out);

/* ---- AEAD ---- */

/* out = ciphertext || tag. key is Nk bytes, nonce Nn bytes. */
cv_status cv_mls_aead_seal (const cv_mls_suite *s, const uint8_t *key, const uint8_t *nonce,
                            const uint8_t *aad, size_t aad_len,
                            const uint8_t *pt, size_t pt_len, cv_bytes *out);
/* CV_ERR_AUTH when the tag does not verify; nothing is released then. */
cv_status cv_mls_aead_open (const cv_mls_suite *s, const uint8_t *key, const uint8_t *nonce,
                            const uint8_t *aad, size_t aad_len,
                            const uint8_t *ct, size_t ct_len, cv_bytes *out);

/* ---- Signatures (§5.1.2) ---- */

cv_status cv_mls_signature_key_pair (const cv_mls_suite *s, cv_bytes *priv, cv_bytes *pub);
/* The public key that belongs to a private key. */
cv_status cv_mls_signature_public_key (const cv_mls_suite *s, const uint8_t *priv, size_t priv_len,
                                       cv_bytes *pub);
cv_status cv_mls_sign_with_label (const cv_mls_suite *s, const uint8_t *priv, size_t priv_len,
                                  const char *label, const uint8_t *content, size_t content_len,
                                  cv_bytes *signature);
/* CV_OK when valid, CV_ERR_AUTH when not, another error for a bad key. */
cv_status cv_mls_verify_with_label (const cv_mls_suite *s, const uint8_t *pub, size_t pub_len,
                                    const char *label, const uint8_t *content, size_t content_len,
                                    const uint8_t *signature, size_t signature_len);

/* ---- Public-key encryption (§5.1.3) ---- */

cv_status cv_mls_encrypt_with_label (const cv_mls_suite *s, const uint8_t *pub, size_t pub_len,
                                     const char *label, const uint8_t *context, size_t context_len,
                                     const uint8_t *pt, size_t pt_len,
                                     cv_bytes *kem_output, cv_bytes *ciphertext);
cv_status cv_mls_decrypt_with_label (const cv_mls_suite *s, const uint8_t *priv, size_t priv_len,
                                     const char *label, const uint8_t *context, size_t context_len,
                                     const uint8_t *kem_output, size_t kem_output_len,
                                     const uint8_t *ct, size_t ct_len, cv_bytes *pt);

/* EncryptWithLabel to many keys under one label and context (a Welcome's
 * GroupSecrets, whose context is the encrypted GroupInfo, perhaps with the
 * whole tree in it): _context_hash hashes the EncryptContext once (HPKE's
 * info_hash), and each _with_context_hash costs the same for any context. */
cv_status cv_mls_encrypt_context_hash (const cv_mls_suite *s, const char *label,
                                       const uint8_t *context, size_t context_len,
                                       cv_bytes *info_hash);
cv_status cv_mls_encrypt_with_context_hash (const cv_mls_suite *s,
                                            const uint8_t *pub, size_t pub_len,
                                            const cv_bytes *info_hash,
                                            const uint8_t *pt, size_t pt_len,
                                            cv_bytes *kem_output, cv_bytes *ciphertext);

/* HPKE key pairs of the suite's KEM: fresh, or DeriveKeyPair(ikm) (§7.1.3 of RFC 9180). */
cv_status cv_mls_hpke_key_pair (const cv_mls_suite *s, cv_bytes *priv, cv_bytes *pub);
cv_status cv_mls_derive_key_pair (const cv_mls_suite *s, const uint8_t *ikm, size_t ikm_len,
                                  cv_bytes *priv, cv_bytes *pub);
