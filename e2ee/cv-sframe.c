#include "cv-sframe.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

/* RFC 9605 §4.5 and §4.5.1. For the CTR+HMAC suites Nk covers both subkeys:
 * the first enc_key_len bytes key AES-CTR, the rest key HMAC. */
typedef struct {
  cv_sframe_suite_info info;
  const char *cipher_name;
  const char *digest_name; /* of HKDF, and of HMAC for the CTR suites */
  size_t enc_key_len;
  bool ctr_hmac;
} suite_def;

static const suite_def suites[] = {
  { { CV_SFRAME_AES_128_CTR_HMAC_SHA256_80, "AES_128_CTR_HMAC_SHA256_80", 32, 48, 12, 10 },
    "AES-128-CTR", "SHA256", 16, true },
  { { CV_SFRAME_AES_128_CTR_HMAC_SHA256_64, "AES_128_CTR_HMAC_SHA256_64", 32, 48, 12, 8 },
    "AES-128-CTR", "SHA256", 16, true },
  { { CV_SFRAME_AES_128_CTR_HMAC_SHA256_32, "AES_128_CTR_HMAC_SHA256_32", 32, 48, 12, 4 },
    "AES-128-CTR", "SHA256", 16, true },
  { { CV_SFRAME_AES_128_GCM_SHA256_128, "AES_128_GCM_SHA256_128", 32, 16, 12, 16 },
    "AES-128-GCM", "SHA256", 16, false },
  { { CV_SFRAME_AES_256_GCM_SHA512_128, "AES_256_GCM_SHA512_128", 64, 32, 12, 16 },
    "AES-256-GCM", "SHA512", 32, false },
};
#define N_SUITES (sizeof suites / sizeof suites[0])

/* Algorithms are fetched once per process: fetching walks the provider
 * store under a lock, which has no place on the per-frame path. */
static CRYPTO_ONCE fetch_once = CRYPTO_ONCE_STATIC_INIT;
static EVP_CIPHER *suite_ciphers[N_SUITES];
static EVP_KDF *hkdf;
static EVP_MAC *hmac;
static int fetch_ok;

static void
release_algorithms (void)
{
  for (size_t i = 0; i < N_SUITES; i++)
    {
      EVP_CIPHER_free (suite_ciphers[i]);
      suite_ciphers[i] = NULL;
    }
  EVP_KDF_free (hkdf);
  EVP_MAC_free (hmac);
  hkdf = NULL;
  hmac = NULL;
  fetch_ok = 0;
}

static void
fetch_algorithms (void)
{
  int ok = 1;

  for (size_t i = 0; i < N_SUITES; i++)
    {
      suite_ciphers[i] = EVP_CIPHER_fetch (NULL, suites[i].cipher_name, NULL);
      ok &= suite_ciphers[i] != NULL;
    }
  hkdf = EVP_KDF_fetch (NULL, "HKDF", NULL);
  hmac = EVP_MAC_fetch (NULL, "HMAC", NULL);
  ok &= hkdf != NULL && hmac != NULL;
  fetch_ok = ok;
  /* Registered after OpenSSL's own exit handler, so it runs before it. */
  atexit (release_algorithms);
}

static cv_status
ensure_fetched (void)
{
  if (!CRYPTO_THREAD_run_once (&fetch_once, fetch_algorithms) || !fetch_ok)
    return cv_fail (CV_ERR_CRYPTO, "SFrame: OpenSSL lacks AES-CTR, AES-GCM, HKDF or HMAC");
  return CV_OK;
}

static const suite_def *
find_suite (uint16_t suite, size_t *index)
{
  for (size_t i = 0; i < N_SUITES; i++)
    if (suites[i].info.id == suite)
      {
        if (index != NULL)
          *index = i;
        return &suites[i];
      }
  return NULL;
}

const cv_sframe_suite_info *
cv_sframe_suite_info_get (uint16_t suite)
{
  const suite_def *s = find_suite (suite, NULL);

  return s != NULL ? &s->info : NULL;
}

static void
put_be64 (uint8_t *out, uint64_t v)
{
  for (int i = 7; i >= 0; i--)
    {
      out[i] = (uint8_t) v;
      v >>= 8;
    }
}

/* Whether [a, a + a_len) and [b, b + b_len) share a byte. */
static bool
ranges_overlap (const void *a, size_t a_len, const void *b, size_t b_len)
{
  uintptr_t pa = (uintptr_t) a, pb = (uintptr_t) b;

  if (a_len == 0 || b_len == 0)
    return false;
  return pa < pb + b_len && pb < pa + a_len;
}

/* ---- Header ---- */

/* Bytes of the long form of v (v >= 8). */
static size_t
long_form_len (uint64_t v)
{
  size_t n = 1;

  while (n < 8 && (v >> (8 * n)) != 0)
    n++;
  return n;
}

size_t
cv_sframe_header_len (uint64_t kid, uint64_t ctr)
{
  return 1 + (kid < 8 ? 0 : long_form_len (kid)) + (ctr < 8 ? 0 : long_form_len (ctr));
}

static size_t
write_be (uint8_t *out, uint64_t v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    out[i] = (uint8_t) (v >> (8 * (n - 1 - i)));
  return n;
}

cv_status
cv_sframe_header_encode (uint64_t kid, uint64_t ctr, uint8_t *out, size_t out_cap, size_t *out_len)
{
  size_t need = cv_sframe_header_len (kid, ctr), pos = 1;
  uint8_t config = 0;

  if (out == NULL || out_cap < need)
    return cv_fail (CV_ERR_ARGUMENT, "SFrame header needs %zu bytes, buffer has %zu", need, out_cap);
  /* |X|K K K|Y|C C C|: a value below 8 sits in K or C, else K or C is its
   * length minus one and the value follows, big-endian, in that many bytes. */
  if (kid < 8)
    config |= (uint8_t) (kid << 4);
  else
    config |= (uint8_t) (0x80 | (long_form_len (kid) - 1) << 4);
  if (ctr < 8)
    config |= (uint8_t) ctr;
  else
    config |= (uint8_t) (0x08 | (long_form_len (ctr) - 1));
  out[0] = config;
  if (kid >= 8)
    pos += write_be (out + pos, kid, long_form_len (kid));
  if (ctr >= 8)
    pos += write_be (out + pos, ctr, long_form_len (ctr));
  if (out_len != NULL)
    *out_len = pos;
  return CV_OK;
}

/* Reads one field in its long form, refusing what is not minimal. */
static cv_status
read_long_form (const char *what, const uint8_t *data, size_t len, size_t *pos,
                size_t field_len, uint64_t *value)
{
  uint64_t v = 0;

  if (len - *pos < field_len)
    return cv_fail (CV_ERR_TRUNCATED, "RFC 9605 §4.3: SFrame header ends inside its %zu-byte %s "
                    "(%zu bytes left)", field_len, what, len - *pos);
  for (size_t i = 0; i < field_len; i++)
    v = v << 8 | data[*pos + i];
  if (field_len > 1 && data[*pos] == 0)
    return cv_fail (CV_ERR_MALFORMED, "RFC 9605 §4.3: SFrame %s is not minimally encoded "
                    "(leading zero byte in %zu bytes)", what, field_len);
  if (v < 8)
    return cv_fail (CV_ERR_MALFORMED, "RFC 9605 §4.3: SFrame %s %llu must sit in the config byte",
                    what, (unsigned long long) v);
  *pos += field_len;
  *value = v;
  return CV_OK;
}

cv_status
cv_sframe_header_parse (const uint8_t *data, size_t len, uint64_t *kid, uint64_t *ctr,
                        size_t *header_len)
{
  size_t pos = 1;
  uint64_t k, c;
  uint8_t config;
  cv_status st;

  if (data == NULL || len == 0)
    return cv_fail (CV_ERR_TRUNCATED, "RFC 9605 §4.3: SFrame frame is empty, no config byte");
  config = data[0];
  if (config & 0x80)
    {
      if ((st = read_long_form ("KID", data, len, &pos, ((config >> 4) & 7) + 1, &k)) != CV_OK)
        return st;
    }
  else
    k = (config >> 4) & 7;
  if (config & 0x08)
    {
      if ((st = read_long_form ("CTR", data, len, &pos, (config & 7) + 1, &c)) != CV_OK)
        return st;
    }
  else
    c = config & 7;
  if (kid != NULL)
    *kid = k;
  if (ctr != NULL)
    *ctr = c;
  if (header_len != NULL)
    *header_len = pos;
  return CV_OK;
}

/* ---- Key derivation ---- */

static cv_status
hkdf_run (EVP_KDF_CTX *kctx, const suite_def *s, int mode,
          const uint8_t *key, size_t key_len, const uint8_t *salt, size_t salt_len,
          const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len)
{
  OSSL_PARAM params[6], *p = params;

  *p++ = OSSL_PARAM_construct_utf8_string (OSSL_KDF_PARAM_DIGEST, (char *) s->digest_name, 0);
  *p++ = OSSL_PARAM_construct_int (OSSL_KDF_PARAM_MODE, &mode);
  *p++ = OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_KEY, (void *) key, key_len);
  if (salt != NULL)
    *p++ = OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_SALT, (void *) salt, salt_len);
  if (info != NULL)
    *p++ = OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_INFO, (void *) info, info_len);
  *p = OSSL_PARAM_construct_end ();
  if (EVP_KDF_derive (kctx, out, out_len, params) <= 0)
    return cv_fail (CV_ERR_CRYPTO, "SFrame: HKDF-%s with %s failed",
                    mode == EVP_KDF_HKDF_MODE_EXTRACT_ONLY ? "Extract" : "Expand", s->digest_name);
  return CV_OK;
}

/* label || KID as 8 bytes || cipher suite as 2 bytes, big-endian. */
static size_t
make_label (uint8_t *out, const char *text, uint64_t kid, uint16_t suite)
{
  size_t n = strlen (text);

  memcpy (out, text, n);
  put_be64 (out + n, kid);
  out[n + 8] = (uint8_t) (suite >> 8);
  out[n + 9] = (uint8_t) suite;
  return n + 10;
}

cv_status
cv_sframe_derive_key_salt (uint16_t suite, uint64_t kid, const uint8_t *base_key, size_t base_key_len,
                           uint8_t *key, size_t key_len, uint8_t *salt, size_t salt_len)
{
  const suite_def *s = find_suite (suite, NULL);
  uint8_t zeros[64] = { 0 }, secret[64], label[48];
  EVP_KDF_CTX *kctx;
  cv_status st;

  if (s == NULL)
    return cv_fail (CV_ERR_UNSUPPORTED, "RFC 9605 §4.5: SFrame cipher suite 0x%04x is not defined", suite);
  if (key == NULL || salt == NULL || key_len != s->info.nk || salt_len != s->info.nn)
    return cv_fail (CV_ERR_ARGUMENT, "SFrame %s: key and salt buffers must be %zu and %zu bytes",
                    s->info.name, s->info.nk, s->info.nn);
  if (base_key == NULL || base_key_len == 0)
    return cv_fail (CV_ERR_ARGUMENT, "SFrame: empty base_key");
  if ((st = ensure_fetched ()) != CV_OK)
    return st;
  kctx = EVP_KDF_CTX_new (hkdf);
  if (kctx == NULL)
    return cv_fail (CV_ERR_NOMEM, "SFrame: cannot allocate an HKDF context");

  /* An absent HKDF salt is Nh zero bytes (RFC 5869 §2.2); said explicitly. */
  st = hkdf_run (kctx, s, EVP_KDF_HKDF_MODE_EXTRACT_ONLY, base_key, base_key_len,
                 zeros, s->info.nh, NULL, 0, secret, s->info.nh);
  if (st == CV_OK)
    st = hkdf_run (kctx, s, EVP_KDF_HKDF_MODE_EXPAND_ONLY, secret, s->info.nh, NULL, 0,
                   label, make_label (label, "SFrame 1.0 Secret key ", kid, suite), key, key_len);
  if (st == CV_OK)
    st = hkdf_run (kctx, s, EVP_KDF_HKDF_MODE_EXPAND_ONLY, secret, s->info.nh, NULL, 0,
                   label, make_label (label, "SFrame 1.0 Secret salt ", kid, suite), salt, salt_len);
  OPENSSL_cleanse (secret, sizeof secret);
  EVP_KDF_CTX_free (kctx);
  if (st != CV_OK)
    {
      OPENSSL_cleanse (key, key_len);
      OPENSSL_cleanse (salt, salt_len);
    }
  return st;
}

/* ---- Keys ---- */

struct cv_sframe_key {
  const suite_def *suite;
  uint64_t kid;
  uint8_t salt[CV_SFRAME_NONCE_LEN];
  /* GCM: seal and open each keyed once. CTR+HMAC: seal is the one AES-CTR
   * context (the same operation both ways) and mac holds the HMAC key. */
  EVP_CIPHER_CTX *seal;
  EVP_CIPHER_CTX *open;
  EVP_MAC_CTX *mac;
};

void
cv_sframe_key_free (cv_sframe_key *key)
{
  if (key == NULL)
    return;
  /* OpenSSL cleanses the key schedules of freed cipher and MAC contexts. */
  EVP_CIPHER_CTX_free (key->seal);
  EVP_CIPHER_CTX_free (key->open);
  EVP_MAC_CTX_free (key->mac);
  OPENSSL_clear_free (key, sizeof *key);
}

cv_status
cv_sframe_key_new_derived (cv_sframe_key **out, uint16_t suite, uint64_t kid,
                           const uint8_t *sframe_key, size_t key_len,
                           const uint8_t *sframe_salt, size_t salt_len)
{
  size_t index;
  const suite_def *s = find_suite (suite, &index);
  cv_sframe_key *key;
  cv_status st;
  int ok;

  if (out == NULL)
    return cv_fail (CV_ERR_ARGUMENT, "SFrame: no place for the key");
  *out = NULL;
  if (s == NULL)
    return cv_fail (CV_ERR_UNSUPPORTED, "RFC 9605 §4.5: SFrame cipher suite 0x%04x is not defined", suite);
  if (sframe_key == NULL || sframe_salt == NULL || key_len != s->info.nk || salt_len != s->info.nn)
    return cv_fail (CV_ERR_ARGUMENT, "SFrame %s: key must be %zu bytes and salt %zu (got %zu and %zu)",
                    s->info.name, s->info.nk, s->info.nn, key_len, salt_len);
  if ((st = ensure_fetched ()) != CV_OK)
    return st;
  key = calloc (1, sizeof *key);
  if (key == NULL)
    return cv_fail (CV_ERR_NOMEM, "SFrame: cannot allocate a key");
  key->suite = s;
  key->kid = kid;
  memcpy (key->salt, sframe_salt, CV_SFRAME_NONCE_LEN);
  key->seal = EVP_CIPHER_CTX_new ();
  ok = key->seal != NULL
       && EVP_EncryptInit_ex2 (key->seal, suite_ciphers[index], sframe_key, NULL, NULL) > 0;
  if (ok && !s->ctr_hmac)
    {
      key->open = EVP_CIPHER_CTX_new ();
      ok = key->open != NULL
           && EVP_DecryptInit_ex2 (key->open, suite_ciphers[index], sframe_key, NULL, NULL) > 0;
    }
  if (ok && s->ctr_hmac)
    {
      OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string (OSSL_MAC_PARAM_DIGEST, (char *) s->digest_name, 0),
        OSSL_PARAM_construct_end (),
      };
      key->mac = EVP_MAC_CTX_new (hmac);
      ok = key->mac != NULL
           && EVP_MAC_init (key->mac, sframe_key + s->enc_key_len, s->info.nk - s->enc_key_len,
                            params) > 0;
    }
  if (!ok)
    {
      cv_sframe_key_free (key);
      return cv_fail (CV_ERR_CRYPTO, "SFrame %s: OpenSSL refused to set up the key", s->info.name);
    }
  *out = key;
  return CV_OK;
}

cv_status
cv_sframe_key_new (cv_sframe_key **out, uint16_t suite, uint64_t kid,
                   const uint8_t *base_key, size_t base_key_len)
{
  uint8_t key[CV_SFRAME_KEY_MAX], salt[CV_SFRAME_NONCE_LEN];
  const suite_def *s = find_suite (suite, NULL);
  cv_status st;

  if (out != NULL)
    *out = NULL;
  if (s == NULL)
    return cv_fail (CV_ERR_UNSUPPORTED, "RFC 9605 §4.5: SFrame cipher suite 0x%04x is not defined", suite);
  st = cv_sframe_derive_key_salt (suite, kid, base_key, base_key_len, key, s->info.nk, salt, s->info.nn);
  if (st == CV_OK)
    st = cv_sframe_key_new_derived (out, suite, kid, key, s->info.nk, salt, s->info.nn);
  OPENSSL_cleanse (key, sizeof key);
  OPENSSL_cleanse (salt, sizeof salt);
  return st;
}

uint64_t
cv_sframe_key_kid (const cv_sframe_key *key)
{
  return key->kid;
}

uint16_t
cv_sframe_key_suite (const cv_sframe_key *key)
{
  return key->suite->info.id;
}

size_t
cv_sframe_key_overhead (const cv_sframe_key *key, uint64_t ctr)
{
  return cv_sframe_header_len (key->kid, ctr) + key->suite->info.nt;
}

/* ---- The AEADs ---- */

/* The AAD comes in two pieces so that header || metadata needs no copy. */
typedef struct {
  const uint8_t *a;
  size_t a_len;
  const uint8_t *b;
  size_t b_len;
} aad_parts;

static int
gcm_aad (EVP_CIPHER_CTX *c, const aad_parts *aad, int encrypting)
{
  int n;

  if (aad->a_len > 0
      && (encrypting ? EVP_EncryptUpdate (c, NULL, &n, aad->a, (int) aad->a_len)
                     : EVP_DecryptUpdate (c, NULL, &n, aad->a, (int) aad->a_len)) <= 0)
    return 0;
  if (aad->b_len > 0
      && (encrypting ? EVP_EncryptUpdate (c, NULL, &n, aad->b, (int) aad->b_len)
                     : EVP_DecryptUpdate (c, NULL, &n, aad->b, (int) aad->b_len)) <= 0)
    return 0;
  return 1;
}

/* RFC 9605 §4.5.1 compute_tag: HMAC(auth_key, len(aad) || len(ct) || Nt
 * (each 8 bytes) || nonce || aad || ct), truncated by the caller. */
static int
ctr_hmac_tag (cv_sframe_key *key, const uint8_t *nonce, const aad_parts *aad,
              const uint8_t *ct, size_t ct_len, uint8_t full_tag[64])
{
  uint8_t lengths[24];
  size_t tag_len;

  put_be64 (lengths, aad->a_len + aad->b_len);
  put_be64 (lengths + 8, ct_len);
  put_be64 (lengths + 16, key->suite->info.nt);
  /* A NULL key re-initialises with the key set at creation. */
  if (EVP_MAC_init (key->mac, NULL, 0, NULL) <= 0
      || EVP_MAC_update (key->mac, lengths, sizeof lengths) <= 0
      || EVP_MAC_update (key->mac, nonce, CV_SFRAME_NONCE_LEN) <= 0
      || (aad->a_len > 0 && EVP_MAC_update (key->mac, aad->a, aad->a_len) <= 0)
      || (aad->b_len > 0 && EVP_MAC_update (key->mac, aad->b, aad->b_len) <= 0)
      || (ct_len > 0 && EVP_MAC_update (key->mac, ct, ct_len) <= 0)
      || EVP_MAC_final (key->mac, full_tag, &tag_len, 64) <= 0)
    return 0;
  return 1;
}

/* AES-CTR with the 16-byte counter block nonce || 0x00000000. */
static int
ctr_xor (cv_sframe_key *key, const uint8_t *nonce, const uint8_t *in, size_t len, uint8_t *out)
{
  uint8_t block[16] = { 0 };
  int n;

  memcpy (block, nonce, CV_SFRAME_NONCE_LEN);
  if (EVP_EncryptInit_ex2 (key->seal, NULL, NULL, block, NULL) <= 0)
    return 0;
  return len == 0 || EVP_EncryptUpdate (key->seal, out, &n, in, (int) len) > 0;
}

/* out (len bytes) may equal in; tag receives Nt bytes. */
static cv_status
aead_seal (cv_sframe_key *key, const uint8_t *nonce, const aad_parts *aad,
           const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag)
{
  const suite_def *s = key->suite;
  int n, ok;

  if (s->ctr_hmac)
    {
      uint8_t full_tag[64];

      ok = ctr_xor (key, nonce, in, len, out) && ctr_hmac_tag (key, nonce, aad, out, len, full_tag);
      if (ok)
        memcpy (tag, full_tag, s->info.nt);
      OPENSSL_cleanse (full_tag, sizeof full_tag);
    }
  else
    {
      uint8_t scratch[16];

      ok = EVP_EncryptInit_ex2 (key->seal, NULL, NULL, nonce, NULL) > 0
           && gcm_aad (key->seal, aad, 1)
           && (len == 0 || EVP_EncryptUpdate (key->seal, out, &n, in, (int) len) > 0)
           && EVP_EncryptFinal_ex (key->seal, scratch, &n) > 0
           && EVP_CIPHER_CTX_ctrl (key->seal, EVP_CTRL_AEAD_GET_TAG, (int) s->info.nt, tag) > 0;
    }
  if (!ok)
    {
      OPENSSL_cleanse (out, len);
      return cv_fail (CV_ERR_CRYPTO, "SFrame %s: encryption failed in OpenSSL", s->info.name);
    }
  return CV_OK;
}

/* out (len bytes) may equal in. Nothing of the plaintext survives a failure. */
static cv_status
aead_open (cv_sframe_key *key, const uint8_t *nonce, const aad_parts *aad,
           const uint8_t *in, size_t len, const uint8_t *tag, uint8_t *out)
{
  const suite_def *s = key->suite;
  int n;

  if (s->ctr_hmac)
    {
      uint8_t full_tag[64];
      int ok = ctr_hmac_tag (key, nonce, aad, in, len, full_tag);
      /* Encrypt-then-MAC: check before decrypting anything. */
      int match = ok && CRYPTO_memcmp (full_tag, tag, s->info.nt) == 0;

      OPENSSL_cleanse (full_tag, sizeof full_tag);
      if (!ok)
        return cv_fail (CV_ERR_CRYPTO, "SFrame %s: HMAC failed in OpenSSL", s->info.name);
      if (!match)
        return cv_fail (CV_ERR_AUTH, "RFC 9605 §4.5.1: SFrame %s tag does not verify", s->info.name);
      if (!ctr_xor (key, nonce, in, len, out))
        {
          OPENSSL_cleanse (out, len);
          return cv_fail (CV_ERR_CRYPTO, "SFrame %s: AES-CTR failed in OpenSSL", s->info.name);
        }
      return CV_OK;
    }

  uint8_t scratch[16];
  if (EVP_DecryptInit_ex2 (key->open, NULL, NULL, nonce, NULL) <= 0
      || !gcm_aad (key->open, aad, 0)
      || (len > 0 && EVP_DecryptUpdate (key->open, out, &n, in, (int) len) <= 0)
      || EVP_CIPHER_CTX_ctrl (key->open, EVP_CTRL_AEAD_SET_TAG, (int) s->info.nt, (void *) tag) <= 0)
    {
      OPENSSL_cleanse (out, len);
      return cv_fail (CV_ERR_CRYPTO, "SFrame %s: decryption failed in OpenSSL", s->info.name);
    }
  /* The final call compares the tag in constant time. */
  if (EVP_DecryptFinal_ex (key->open, scratch, &n) <= 0)
    {
      OPENSSL_cleanse (out, len);
      return cv_fail (CV_ERR_AUTH, "RFC 9605 §4.4.3: SFrame %s tag does not verify", s->info.name);
    }
  return CV_OK;
}

cv_status
cv_sframe_aead_seal (cv_sframe_key *key, const uint8_t nonce[CV_SFRAME_NONCE_LEN],
                     const uint8_t *aad, size_t aad_len,
                     const uint8_t *plaintext, size_t plaintext_len,
                     uint8_t *out, size_t out_cap, size_t *out_len)
{
  aad_parts parts = { aad, aad_len, NULL, 0 };
  cv_status st;

  if (key == NULL || nonce == NULL || out == NULL || (plaintext == NULL && plaintext_len > 0)
      || (aad == NULL && aad_len > 0))
    return cv_fail (CV_ERR_ARGUMENT, "SFrame AEAD: missing key, nonce or buffer");
  if (plaintext_len > CV_SFRAME_PAYLOAD_MAX || aad_len > CV_SFRAME_PAYLOAD_MAX)
    return cv_fail (CV_ERR_TOO_LARGE, "SFrame AEAD: input beyond %zu bytes", CV_SFRAME_PAYLOAD_MAX);
  if (out_cap < plaintext_len + key->suite->info.nt)
    return cv_fail (CV_ERR_ARGUMENT, "SFrame AEAD: output holds %zu bytes, needs %zu",
                    out_cap, plaintext_len + key->suite->info.nt);
  if (plaintext != out && ranges_overlap (plaintext, plaintext_len, out, plaintext_len + key->suite->info.nt))
    return cv_fail (CV_ERR_ARGUMENT, "SFrame AEAD: plaintext and output overlap");
  st = aead_seal (key, nonce, &parts, plaintext, plaintext_len, out, out + plaintext_len);
  if (st == CV_OK && out_len != NULL)
    *out_len = plaintext_len + key->suite->info.nt;
  return st;
}

cv_status
cv_sframe_aead_open (cv_sframe_key *key, const uint8_t nonce[CV_SFRAME_NONCE_LEN],
                     const uint8_t *aad, size_t aad_len,
                     const uint8_t *ciphertext, size_t ciphertext_len,
                     uint8_t *out, size_t out_cap, size_t *out_len)
{
  aad_parts parts = { aad, aad_len, NULL, 0 };
  size_t nt, len;
  cv_status st;

  if (key == NULL || nonce == NULL || out == NULL || ciphertext == NULL || (aad == NULL && aad_len > 0))
    return cv_fail (CV_ERR_ARGUMENT, "SFrame AEAD: missing key, nonce or buffer");
  nt = key->suite->info.nt;
  if (ciphertext_len < nt)
    return cv_fail (CV_ERR_TRUNCATED, "SFrame AEAD: %zu bytes cannot hold a %zu-byte tag",
                    ciphertext_len, nt);
  len = ciphertext_len - nt;
  if (len > CV_SFRAME_PAYLOAD_MAX || aad_len > CV_SFRAME_PAYLOAD_MAX)
    return cv_fail (CV_ERR_TOO_LARGE, "SFrame AEAD: input beyond %zu bytes", CV_SFRAME_PAYLOAD_MAX);
  if (out_cap < len)
    return cv_fail (CV_ERR_ARGUMENT, "SFrame AEAD: output holds %zu bytes, needs %zu", out_cap, len);
  if (out != ciphertext && ranges_overlap (out, len, ciphertext, ciphertext_len))
    return cv_fail (CV_ERR_ARGUMENT, "SFrame AEAD: ciphertext and output overlap");
  st = aead_open (key, nonce, &parts, ciphertext, len, ciphertext + len, out);
  if (st == CV_OK && out_len != NULL)
    *out_len = len;
  return st;
}

/* ---- Frames ---- */

/* nonce = sframe_salt XOR CTR encoded big-endian in Nn bytes. */
static void
make_nonce (const cv_sframe_key *key, uint64_t ctr, uint8_t nonce[CV_SFRAME_NONCE_LEN])
{
  memcpy (nonce, key->salt, CV_SFRAME_NONCE_LEN);
  for (int i = 0; i < 8; i++)
    nonce[CV_SFRAME_NONCE_LEN - 1 - i] ^= (uint8_t) (ctr >> (8 * i));
}

cv_status
cv_sframe_encrypt (cv_sframe_key *key, uint64_t ctr,
                   const uint8_t *metadata, size_t metadata_len,
                   const uint8_t *plaintext, size_t plaintext_len,
                   uint8_t *out, size_t out_cap, size_t *out_len)
{
  uint8_t nonce[CV_SFRAME_NONCE_LEN];
  size_t header_len, total;
  uint8_t *body;
  cv_status st;

  if (key == NULL || out == NULL || (plaintext == NULL && plaintext_len > 0)
      || (metadata == NULL && metadata_len > 0))
    return cv_fail (CV_ERR_ARGUMENT, "SFrame encrypt: missing key or buffer");
  if (plaintext_len > CV_SFRAME_PAYLOAD_MAX || metadata_len > CV_SFRAME_PAYLOAD_MAX)
    return cv_fail (CV_ERR_TOO_LARGE, "SFrame encrypt: frame or metadata beyond %zu bytes",
                    CV_SFRAME_PAYLOAD_MAX);
  header_len = cv_sframe_header_len (key->kid, ctr);
  total = header_len + plaintext_len + key->suite->info.nt;
  if (out_cap < total)
    return cv_fail (CV_ERR_ARGUMENT, "SFrame encrypt: output holds %zu bytes, frame needs %zu",
                    out_cap, total);
  if (ranges_overlap (metadata, metadata_len, out, total))
    return cv_fail (CV_ERR_ARGUMENT, "SFrame encrypt: metadata overlaps the output");
  body = out + header_len;
  if (plaintext != body && ranges_overlap (plaintext, plaintext_len, out, total))
    {
      /* In place but not where the ciphertext goes: make room for the header. */
      memmove (body, plaintext, plaintext_len);
      plaintext = body;
    }
  cv_sframe_header_encode (key->kid, ctr, out, header_len, NULL);
  make_nonce (key, ctr, nonce);

  aad_parts aad = { out, header_len, metadata, metadata_len };
  st = aead_seal (key, nonce, &aad, plaintext, plaintext_len, body, body + plaintext_len);
  if (st == CV_OK && out_len != NULL)
    *out_len = total;
  return st;
}

static cv_status
open_frame (cv_sframe_key *key, const uint8_t *metadata, size_t metadata_len,
            const uint8_t *frame, size_t frame_len, uint8_t *out, size_t out_cap,
            bool in_place, size_t *plaintext_offset, size_t *plaintext_len, uint64_t *ctr_out)
{
  uint8_t nonce[CV_SFRAME_NONCE_LEN];
  size_t header_len, nt, len;
  uint64_t kid, ctr;
  cv_status st;

  if (key == NULL || (metadata == NULL && metadata_len > 0) || (!in_place && out == NULL))
    return cv_fail (CV_ERR_ARGUMENT, "SFrame decrypt: missing key or buffer");
  if ((st = cv_sframe_header_parse (frame, frame_len, &kid, &ctr, &header_len)) != CV_OK)
    return st;
  if (kid != key->kid)
    return cv_fail (CV_ERR_INVALID, "SFrame decrypt: frame has KID %llu, key is for KID %llu",
                    (unsigned long long) kid, (unsigned long long) key->kid);
  nt = key->suite->info.nt;
  if (frame_len - header_len < nt)
    return cv_fail (CV_ERR_TRUNCATED, "RFC 9605 §4.4.3: SFrame %s frame of %zu bytes has no room "
                    "for its %zu-byte tag after a %zu-byte header",
                    key->suite->info.name, frame_len, nt, header_len);
  len = frame_len - header_len - nt;
  if (len > CV_SFRAME_PAYLOAD_MAX || metadata_len > CV_SFRAME_PAYLOAD_MAX)
    return cv_fail (CV_ERR_TOO_LARGE, "SFrame decrypt: frame or metadata beyond %zu bytes",
                    CV_SFRAME_PAYLOAD_MAX);
  if (in_place)
    out = (uint8_t *) frame + header_len;
  else
    {
      if (out_cap < len)
        return cv_fail (CV_ERR_ARGUMENT, "SFrame decrypt: output holds %zu bytes, plaintext needs %zu",
                        out_cap, len);
      if (out != frame + header_len && ranges_overlap (out, len, frame, frame_len))
        return cv_fail (CV_ERR_ARGUMENT, "SFrame decrypt: output overlaps the frame other than "
                        "exactly behind the header");
    }
  if (ranges_overlap (metadata, metadata_len, out, len))
    return cv_fail (CV_ERR_ARGUMENT, "SFrame decrypt: metadata overlaps the output");
  make_nonce (key, ctr, nonce);

  aad_parts aad = { frame, header_len, metadata, metadata_len };
  st = aead_open (key, nonce, &aad, frame + header_len, len, frame + header_len + len, out);
  if (st != CV_OK)
    return st;
  if (plaintext_offset != NULL)
    *plaintext_offset = header_len;
  if (plaintext_len != NULL)
    *plaintext_len = len;
  if (ctr_out != NULL)
    *ctr_out = ctr;
  return CV_OK;
}

cv_status
cv_sframe_decrypt (cv_sframe_key *key, const uint8_t *metadata, size_t metadata_len,
                   const uint8_t *frame, size_t frame_len,
                   uint8_t *out, size_t out_cap, size_t *plaintext_len, uint64_t *ctr)
{
  return open_frame (key, metadata, metadata_len, frame, frame_len, out, out_cap, false,
                     NULL, plaintext_len, ctr);
}

cv_status
cv_sframe_decrypt_in_place (cv_sframe_key *key, const uint8_t *metadata, size_t metadata_len,
                            uint8_t *frame, size_t frame_len,
                            size_t *plaintext_offset, size_t *plaintext_len, uint64_t *ctr)
{
  return open_frame (key, metadata, metadata_len, frame, frame_len, NULL, 0, true,
                     plaintext_offset, plaintext_len, ctr);
}
