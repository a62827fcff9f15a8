/* cv-sframe.h: SFrame (RFC 9605) frame protection.
 *
 * Three layers, each usable alone:
 *  - the header (§4.3): KID and CTR in their short (in the config byte) and
 *    long (1 to 8 big-endian bytes) forms; only the minimal encoding is
 *    produced, and anything else is refused when parsing;
 *  - key and salt derivation (§4.4.2) from a base_key and a KID;
 *  - cv_sframe_key: one derived key with its OpenSSL contexts, keyed once,
 *    that encrypts and decrypts whole frames (header || ciphertext || tag,
 *    with header || metadata as the AAD) into the caller's buffers.
 *
 * The per-frame path allocates nothing in this code; with the GCM suites
 * OpenSSL allocates nothing either. With the AES-CTR + HMAC suites, OpenSSL
 * 3.0 re-keys its HMAC context by duplicating a digest context, which costs it
 * one allocation per frame that EVP offers no way around.
 *
 * A cv_sframe_key is not thread-safe; one thread at a time may use it.
 * Unicity of (key, CTR) is the caller's duty at this layer; the key ring
 * (cv-sframe-keyring.h) enforces it for senders.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cv-status.h"

/* The cipher suites of RFC 9605 §4.5 (its IANA registry, Table 2). */
typedef enum {
  CV_SFRAME_AES_128_CTR_HMAC_SHA256_80 = 0x0001,
  CV_SFRAME_AES_128_CTR_HMAC_SHA256_64 = 0x0002,
  CV_SFRAME_AES_128_CTR_HMAC_SHA256_32 = 0x0003,
  CV_SFRAME_AES_128_GCM_SHA256_128 = 0x0004,
  CV_SFRAME_AES_256_GCM_SHA512_128 = 0x0005,
} cv_sframe_suite;

#define CV_SFRAME_DEFAULT_SUITE CV_SFRAME_AES_128_GCM_SHA256_128

/* Sizes that bound every suite, for buffers on the stack. */
#define CV_SFRAME_HEADER_MAX 17 /* config byte, 8-byte KID, 8-byte CTR */
#define CV_SFRAME_TAG_MAX 16
#define CV_SFRAME_KEY_MAX 48    /* AES-128 key + HMAC-SHA256 key */
#define CV_SFRAME_NONCE_LEN 12  /* Nn of every suite */
#define CV_SFRAME_OVERHEAD_MAX (CV_SFRAME_HEADER_MAX + CV_SFRAME_TAG_MAX)
/* The largest frame payload accepted (OpenSSL's update calls take an int). */
#define CV_SFRAME_PAYLOAD_MAX ((size_t) 1 << 30)

typedef struct {
  uint16_t id;
  const char *name; /* "AES_128_GCM_SHA256_128" */
  size_t nh;        /* hash output size of the KDF */
  size_t nk;        /* AEAD key size (for CTR+HMAC: encryption + MAC key) */
  size_t nn;        /* nonce size */
  size_t nt;        /* tag size */
} cv_sframe_suite_info;

/* The parameters of a suite, or NULL when it is not one of RFC 9605's. */
const cv_sframe_suite_info *cv_sframe_suite_info_get (uint16_t suite);

/* ---- Header (RFC 9605 §4.3) ---- */

/* The length of the minimal header for (kid, ctr): 1 to 17. */
size_t cv_sframe_header_len (uint64_t kid, uint64_t ctr);

/* Writes the minimal header; refuses (CV_ERR_ARGUMENT) when out_cap is short. */
cv_status cv_sframe_header_encode (uint64_t kid, uint64_t ctr,
                                   uint8_t *out, size_t out_cap, size_t *out_len);

/* Parses the header at the start of data (the rest is not looked at).
 * Refuses a truncated header (CV_ERR_TRUNCATED) and a value that is not
 * minimally encoded (CV_ERR_MALFORMED): a KID or CTR below 8 in the long form,
 * or a long form with a leading zero byte. */
cv_status cv_sframe_header_parse (const uint8_t *data, size_t len,
                                  uint64_t *kid, uint64_t *ctr, size_t *header_len);

/* ---- Key derivation (RFC 9605 §4.4.2) ---- */

/* sframe_secret = HKDF-Extract("", base_key)
 * sframe_key  = HKDF-Expand(sframe_secret, "SFrame 1.0 Secret key "  || KID(8) || suite(2), Nk)
 * sframe_salt = HKDF-Expand(sframe_secret, "SFrame 1.0 Secret salt " || KID(8) || suite(2), Nn)
 * key_len must be the suite's Nk and salt_len its Nn. */
cv_status cv_sframe_derive_key_salt (uint16_t suite, uint64_t kid,
                                     const uint8_t *base_key, size_t base_key_len,
                                     uint8_t *key, size_t key_len,
                                     uint8_t *salt, size_t salt_len);

/* ---- Keys and frames ---- */

typedef struct cv_sframe_key cv_sframe_key;

/* Derives the key and salt of kid from base_key and keys the OpenSSL
 * contexts once. */
cv_status cv_sframe_key_new (cv_sframe_key **out, uint16_t suite, uint64_t kid,
                             const uint8_t *base_key, size_t base_key_len);
/* The same from an already derived sframe_key (Nk bytes) and sframe_salt (Nn). */
cv_status cv_sframe_key_new_derived (cv_sframe_key **out, uint16_t suite, uint64_t kid,
                                     const uint8_t *sframe_key, size_t key_len,
                                     const uint8_t *sframe_salt, size_t salt_len);
/* Wipes the key material and frees; NULL is accepted. */
void cv_sframe_key_free (cv_sframe_key *key);

uint64_t cv_sframe_key_kid (const cv_sframe_key *key);
uint16_t cv_sframe_key_suite (const cv_sframe_key *key);
/* Header plus tag: how much larger the protected frame is than the plaintext. */
size_t cv_sframe_key_overhead (const cv_sframe_key *key, uint64_t ctr);

/* Protects one frame: out = header || AEAD.Encrypt(key, salt ^ CTR,
 * header || metadata, plaintext). out_cap must be at least
 * plaintext_len + cv_sframe_key_overhead(). plaintext may lie anywhere in
 * out (it is moved behind the header first if needed); placing it at
 * out + cv_sframe_header_len() avoids the move. */
cv_status cv_sframe_encrypt (cv_sframe_key *key, uint64_t ctr,
                             const uint8_t *metadata, size_t metadata_len,
                             const uint8_t *plaintext, size_t plaintext_len,
                             uint8_t *out, size_t out_cap, size_t *out_len);

/* Opens one frame protected under this key (its header must carry this
 * key's KID). out may be frame + header length (in place) or not overlap the
 * frame at all. On any failure nothing of the plaintext is left in out.
 * *ctr (may be NULL) receives the frame's CTR. */
cv_status cv_sframe_decrypt (cv_sframe_key *key,
                             const uint8_t *metadata, size_t metadata_len,
                             const uint8_t *frame, size_t frame_len,
                             uint8_t *out, size_t out_cap, size_t *plaintext_len,
                             uint64_t *ctr);

/* Opens a frame where it lies: the plaintext ends up at
 * frame + *plaintext_offset (the header's length), no copy. */
cv_status cv_sframe_decrypt_in_place (cv_sframe_key *key,
                                      const uint8_t *metadata, size_t metadata_len,
                                      uint8_t *frame, size_t frame_len,
                                      size_t *plaintext_offset, size_t *plaintext_len,
                                      uint64_t *ctr);

/* The bare AEAD of the suite (RFC 9605 §4.5, for AES-CTR+HMAC §4.5.1) under
 * this key with an explicit nonce: out = ciphertext || tag. Exposed for the
 * AEAD test vectors; frames go through cv_sframe_encrypt/decrypt. */
cv_status cv_sframe_aead_seal (cv_sframe_key *key, const uint8_t nonce[CV_SFRAME_NONCE_LEN],
                               const uint8_t *aad, size_t aad_len,
                               const uint8_t *plaintext, size_t plaintext_len,
                               uint8_t *out, size_t out_cap, size_t *out_len);
cv_status cv_sframe_aead_open (cv_sframe_key *key, const uint8_t nonce[CV_SFRAME_NONCE_LEN],
                               const uint8_t *aad, size_t aad_len,
                               const uint8_t *ciphertext, size_t ciphertext_len,
                               uint8_t *out, size_t out_cap, size_t *out_len);
