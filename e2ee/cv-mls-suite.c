#include "cv-mls-suite.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include "cv-mls-codec.h"

/* RFC 9420 §5.1: every label is prefixed so that MLS outputs cannot collide
 * with those of another protocol using the same keys. */
#define MLS_LABEL_PREFIX "MLS 1.0 "

/* What is fetched once per suite. Implicit fetches by name cost more than the
 * work itself on the small inputs MLS hashes, so nothing below names an
 * algorithm on the per-call path except the signature key types. */
struct cv_mls_suite_algs {
  EVP_MD *md;
  EVP_CIPHER *cipher;
  EVP_MAC *hmac;
  /* An HMAC context with the digest already set (and a placeholder key, since
   * an unkeyed HMAC context cannot be duplicated): each MAC duplicates it and
   * sets its own key, which fetches nothing. */
  EVP_MAC_CTX *hmac_template;
  EC_GROUP *group;            /* ECDSA suites only */
};

typedef struct {
  const char *md_name;
  const char *cipher_name;
  const char *key_type;       /* EVP_PKEY type of the signature key */
  const char *curve_name;     /* ECDSA only */
  int curve_nid;
  size_t sig_priv_len;        /* raw EdDSA key or ECDSA scalar */
  size_t sig_pub_len;
} suite_params;

enum { N_SUITES = 7 };

static const suite_params params[N_SUITES] = {
  { "SHA256", "AES-128-GCM", "ED25519", NULL, 0, 32, 32 },
  { "SHA256", "AES-128-GCM", "EC", "P-256", NID_X9_62_prime256v1, 32, 65 },
  { "SHA256", "ChaCha20-Poly1305", "ED25519", NULL, 0, 32, 32 },
  { "SHA512", "AES-256-GCM", "ED448", NULL, 0, 57, 57 },
  { "SHA512", "AES-256-GCM", "EC", "P-521", NID_secp521r1, 66, 133 },
  { "SHA512", "ChaCha20-Poly1305", "ED448", NULL, 0, 57, 57 },
  { "SHA384", "AES-256-GCM", "EC", "P-384", NID_secp384r1, 48, 97 },
};

static cv_mls_suite_algs algs[N_SUITES];

static cv_mls_suite suites[N_SUITES] = {
  { 1, "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519",
    { CV_HPKE_KEM_X25519_SHA256, CV_HPKE_KDF_HKDF_SHA256, CV_HPKE_AEAD_AES_128_GCM },
    32, 16, 12, 16, CV_MLS_SIG_ED25519, NULL },
  { 2, "MLS_128_DHKEMP256_AES128GCM_SHA256_P256",
    { CV_HPKE_KEM_P256_SHA256, CV_HPKE_KDF_HKDF_SHA256, CV_HPKE_AEAD_AES_128_GCM },
    32, 16, 12, 16, CV_MLS_SIG_ECDSA_P256_SHA256, NULL },
  { 3, "MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519",
    { CV_HPKE_KEM_X25519_SHA256, CV_HPKE_KDF_HKDF_SHA256, CV_HPKE_AEAD_CHACHA20_POLY1305 },
    32, 32, 12, 16, CV_MLS_SIG_ED25519, NULL },
  { 4, "MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448",
    { CV_HPKE_KEM_X448_SHA512, CV_HPKE_KDF_HKDF_SHA512, CV_HPKE_AEAD_AES_256_GCM },
    64, 32, 12, 16, CV_MLS_SIG_ED448, NULL },
  { 5, "MLS_256_DHKEMP521_AES256GCM_SHA512_P521",
    { CV_HPKE_KEM_P521_SHA512, CV_HPKE_KDF_HKDF_SHA512, CV_HPKE_AEAD_AES_256_GCM },
    64, 32, 12, 16, CV_MLS_SIG_ECDSA_P521_SHA512, NULL },
  { 6, "MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448",
    { CV_HPKE_KEM_X448_SHA512, CV_HPKE_KDF_HKDF_SHA512, CV_HPKE_AEAD_CHACHA20_POLY1305 },
    64, 32, 12, 16, CV_MLS_SIG_ED448, NULL },
  { 7, "MLS_256_DHKEMP384_AES256GCM_SHA384_P384",
    { CV_HPKE_KEM_P384_SHA384, CV_HPKE_KDF_HKDF_SHA384, CV_HPKE_AEAD_AES_256_GCM },
    48, 32, 12, 16, CV_MLS_SIG_ECDSA_P384_SHA384, NULL },
};

static CRYPTO_ONCE fetch_once = CRYPTO_ONCE_STATIC_INIT;

static void
fetch_suite (size_t i)
{
  const suite_params *p = &params[i];
  cv_mls_suite_algs *a = &algs[i];
  static const uint8_t placeholder_key[1] = { 0 };
  OSSL_PARAM mac_params[2];

  a->md = EVP_MD_fetch (NULL, p->md_name, NULL);
  a->cipher = EVP_CIPHER_fetch (NULL, p->cipher_name, NULL);
  a->hmac = EVP_MAC_fetch (NULL, "HMAC", NULL);
  if (a->hmac != NULL)
    a->hmac_template = EVP_MAC_CTX_new (a->hmac);
  if (p->curve_nid != 0)
    a->group = EC_GROUP_new_by_curve_name_ex (NULL, NULL, p->curve_nid);

  mac_params[0] = OSSL_PARAM_construct_utf8_string (OSSL_MAC_PARAM_DIGEST,
                                                    (char *) p->md_name, 0);
  mac_params[1] = OSSL_PARAM_construct_end ();
  if (a->md == NULL || a->cipher == NULL || a->hmac_template == NULL
      || (p->curve_nid != 0 && a->group == NULL)
      || !EVP_MAC_init (a->hmac_template, placeholder_key, sizeof placeholder_key, mac_params))
    {
      EVP_MD_free (a->md);
      EVP_CIPHER_free (a->cipher);
      EVP_MAC_CTX_free (a->hmac_template);
      EVP_MAC_free (a->hmac);
      EC_GROUP_free (a->group);
      memset (a, 0, sizeof *a);
      return;
    }
  suites[i].algs = a;
}

static void
fetch_all (void)
{
  for (size_t i = 0; i < N_SUITES; i++)
    fetch_suite (i);
}

cv_status
cv_mls_suite_get (uint16_t id, const cv_mls_suite **out)
{
  *out = NULL;
  if (id < 1 || id > N_SUITES)
    return cv_fail (CV_ERR_UNSUPPORTED, "RFC 9420 §17.1: cipher suite 0x%04x is not supported", id);
  if (!CRYPTO_THREAD_run_once (&fetch_once, fetch_all) || suites[id - 1].algs == NULL)
    return cv_fail (CV_ERR_UNSUPPORTED,
                    "cipher suite 0x%04x: OpenSSL lacks one of its algorithms (%s, %s)",
                    id, params[id - 1].md_name, params[id - 1].cipher_name);
  *out = &suites[id - 1];
  return CV_OK;
}

static const suite_params *
params_of (const cv_mls_suite *s)
{
  return &params[s->id - 1];
}

/* ---- Hash, MAC, KDF ---- */

cv_status
cv_mls_hash (const cv_mls_suite *s, const uint8_t *data, size_t len, cv_bytes *out)
{
  unsigned int n = 0;
  cv_status st = cv_bytes_alloc (out, s->hash_len);

  if (st != CV_OK)
    return st;
  if (!EVP_Digest (data, len, out->data, &n, s->algs->md, NULL) || n != s->hash_len)
    {
      cv_bytes_clear (out);
      return cv_fail (CV_ERR_CRYPTO, "%s: hashing failed", params_of (s)->md_name);
    }
  return CV_OK;
}

/* HMAC over the concatenation of up to three parts, into a buffer of Nh bytes. */
static cv_status
hmac_parts (const cv_mls_suite *s, const uint8_t *key, size_t key_len,
            const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
            const uint8_t *c, size_t c_len, uint8_t *out)
{
  EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup (s->algs->hmac_template);
  size_t n = 0;
  bool ok;

  /* HMAC accepts an empty key; OpenSSL wants a non-NULL pointer for it. */
  static const uint8_t empty[1] = { 0 };
  ok = ctx != NULL
       && EVP_MAC_init (ctx, key_len ? key : empty, key_len, NULL)
       && (a_len == 0 || EVP_MAC_update (ctx, a, a_len))
       && (b_len == 0 || EVP_MAC_update (ctx, b, b_len))
       && (c_len == 0 || EVP_MAC_update (ctx, c, c_len))
       && EVP_MAC_final (ctx, out, &n, s->hash_len)
       && n == s->hash_len;
  EVP_MAC_CTX_free (ctx);
  if (!ok)
    return cv_fail (CV_ERR_CRYPTO, "HMAC-%s failed", params_of (s)->md_name);
  return CV_OK;
}

cv_status
cv_mls_mac (const cv_mls_suite *s, const uint8_t *key, size_t key_len,
            const uint8_t *data, size_t len, cv_bytes *out)
{
  cv_status st = cv_bytes_alloc (out, s->hash_len);

  if (st == CV_OK)
    st = hmac_parts (s, key, key_len, data, len, NULL, 0, NULL, 0, out->data);
  if (st != CV_OK)
    cv_bytes_clear (out);
  return st;
}

cv_status
cv_mls_mac_verify (const cv_mls_suite *s, const uint8_t *key, size_t key_len,
                   const uint8_t *data, size_t len, const uint8_t *tag, size_t tag_len)
{
  uint8_t expected[EVP_MAX_MD_SIZE];
  cv_status st = hmac_parts (s, key, key_len, data, len, NULL, 0, NULL, 0, expected);

  if (st == CV_OK && !cv_bytes_equal_ct (expected, s->hash_len, tag, tag_len))
    st = cv_fail (CV_ERR_AUTH, "MAC does not verify");
  OPENSSL_cleanse (expected, sizeof expected);
  return st;
}

cv_status
cv_mls_kdf_extract (const cv_mls_suite *s, const uint8_t *salt, size_t salt_len,
                    const uint8_t *ikm, size_t ikm_len, cv_bytes *out)
{
  uint8_t zeros[EVP_MAX_MD_SIZE] = { 0 };
  cv_status st = cv_bytes_alloc (out, s->hash_len);

  /* RFC 5869 §2.2: a missing salt is HashLen zeros. */
  if (salt_len == 0)
    {
      salt = zeros;
      salt_len = s->hash_len;
    }
  if (st == CV_OK)
    st = hmac_parts (s, salt, salt_len, ikm, ikm_len, NULL, 0, NULL, 0, out->data);
  if (st != CV_OK)
    cv_bytes_clear (out);
  return st;
}

cv_status
cv_mls_kdf_expand (const cv_mls_suite *s, const uint8_t *prk, size_t prk_len,
                   const uint8_t *info, size_t info_len, size_t length, cv_bytes *out)
{
  uint8_t block[EVP_MAX_MD_SIZE];
  size_t done = 0, prev_len = 0;
  cv_status st;

  if (length > 255 * s->hash_len)
    return cv_fail (CV_ERR_ARGUMENT, "RFC 5869 §2.3: HKDF-Expand of %zu bytes exceeds 255 * %zu",
                    length, s->hash_len);
  st = cv_bytes_alloc (out, length);
  /* T(i) = HMAC(PRK, T(i-1) || info || i) */
  for (uint8_t i = 1; st == CV_OK && done < length; i++)
    {
      st = hmac_parts (s, prk, prk_len, block, prev_len, info, info_len, &i, 1, block);
      size_t take = length - done < s->hash_len ? length - done : s->hash_len;
      if (st == CV_OK)
        memcpy (out->data + done, block, take);
      done += take;
      prev_len = s->hash_len;
    }
  OPENSSL_cleanse (block, sizeof block);
  if (st != CV_OK)
    cv_bytes_clear (out);
  return st;
}

static void
write_label (cv_mls_writer *w, const uint8_t *label, size_t label_len)
{
  cv_mls_write_varint (w, strlen (MLS_LABEL_PREFIX) + label_len);
  cv_mls_write_fixed (w, (const uint8_t *) MLS_LABEL_PREFIX, strlen (MLS_LABEL_PREFIX));
  cv_mls_write_fixed (w, label, label_len);
}

cv_status
cv_mls_expand_with_label_bytes (const cv_mls_suite *s, const uint8_t *secret, size_t secret_len,
                                const uint8_t *label, size_t label_len,
                                const uint8_t *context, size_t context_len,
                                uint16_t length, cv_bytes *out)
{
  cv_mls_writer w;
  cv_bytes info;
  cv_status st;

  /* struct { uint16 length; opaque label<V>; opaque context<V>; } KDFLabel; */
  cv_mls_writer_init (&w);
  cv_mls_write_u16 (&w, length);
  write_label (&w, label, label_len);
  cv_mls_write_opaque (&w, context, context_len);
  st = cv_mls_writer_finish (&w, &info);
  if (st != CV_OK)
    return st;
  st = cv_mls_kdf_expand (s, secret, secret_len, info.data, info.len, length, out);
  cv_bytes_clear (&info);
  return st;
}

cv_status
cv_mls_expand_with_label (const cv_mls_suite *s, const uint8_t *secret, size_t secret_len,
                          const char *label, const uint8_t *context, size_t context_len,
                          uint16_t length, cv_bytes *out)
{
  return cv_mls_expand_with_label_bytes (s, secret, secret_len, (const uint8_t *) label,
                                         strlen (label), context, context_len, length, out);
}

cv_status
cv_mls_derive_secret (const cv_mls_suite *s, const uint8_t *secret, size_t secret_len,
                      const char *label, cv_bytes *out)
{
  return cv_mls_expand_with_label (s, secret, secret_len, label, NULL, 0,
                                   (uint16_t) s->hash_len, out);
}

cv_status
cv_mls_derive_tree_secret (const cv_mls_suite *s, const uint8_t *secret, size_t secret_len,
                           const char *label, uint32_t generation, uint16_t length,
                           cv_bytes *out)
{
  uint8_t gen[4] = {
    (uint8_t) (generation >> 24), (uint8_t) (generation >> 16),
    (uint8_t) (generation >> 8), (uint8_t) generation,
  };

  return cv_mls_expand_with_label (s, secret, secret_len, label, gen, sizeof gen, length, out);
}

cv_status
cv_mls_ref_hash (const cv_mls_suite *s, const char *label,
                 const uint8_t *value, size_t value_len, cv_bytes *out)
{
  cv_mls_writer w;
  cv_bytes input;
  cv_status st;

  /* struct { opaque label<V>; opaque value<V>; } RefHashInput; */
  cv_mls_writer_init (&w);
  cv_mls_write_opaque (&w, (const uint8_t *) label, strlen (label));
  cv_mls_write_opaque (&w, value, value_len);
  st = cv_mls_writer_finish (&w, &input);
  if (st != CV_OK)
    return st;
  st = cv_mls_hash (s, input.data, input.len, out);
  cv_bytes_clear (&input);
  return st;
}

cv_status
cv_mls_make_key_package_ref (const cv_mls_suite *s, const uint8_t *key_package, size_t len,
                             cv_bytes *out)
{
  return cv_mls_ref_hash (s, "MLS 1.0 KeyPackage Reference", key_package, len, out);
}

cv_status
cv_mls_make_proposal_ref (const cv_mls_suite *s, const uint8_t *authenticated_content,
                          size_t len, cv_bytes *out)
{
  return cv_mls_ref_hash (s, "MLS 1.0 Proposal Reference", authenticated_content, len, out);
}

/* ---- AEAD ---- */

static EVP_CIPHER_CTX *
aead_start (const cv_mls_suite *s, bool encrypt, const uint8_t *key, const uint8_t *nonce,
            const uint8_t *aad, size_t aad_len)
{
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new ();
  int n;

  if (ctx == NULL)
    return NULL;
  if (!EVP_CipherInit_ex2 (ctx, s->algs->cipher, key, nonce, encrypt ? 1 : 0, NULL)
      || (aad_len > 0 && !EVP_CipherUpdate (ctx, NULL, &n, aad, (int) aad_len)))
    {
      EVP_CIPHER_CTX_free (ctx);
      return NULL;
    }
  return ctx;
}

cv_status
cv_mls_aead_seal (const cv_mls_suite *s, const uint8_t *key, const uint8_t *nonce,
                  const uint8_t *aad, size_t aad_len,
                  const uint8_t *pt, size_t pt_len, cv_bytes *out)
{
  EVP_CIPHER_CTX *ctx;
  int n = 0, fin = 0;
  cv_status st;

  if (pt_len > INT32_MAX - s->tag_len || aad_len > INT32_MAX)
    return cv_fail (CV_ERR_TOO_LARGE, "AEAD input of %zu bytes is too large", pt_len);
  st = cv_bytes_alloc (out, pt_len + s->tag_len);
  if (st != CV_OK)
    return st;
  ctx = aead_start (s, true, key, nonce, aad, aad_len);
  if (ctx == NULL
      || (pt_len > 0 && !EVP_EncryptUpdate (ctx, out->data, &n, pt, (int) pt_len))
      || !EVP_EncryptFinal_ex (ctx, out->data + n, &fin)
      || (size_t) (n + fin) != pt_len
      || !EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_AEAD_GET_TAG, (int) s->tag_len, out->data + pt_len))
    {
      EVP_CIPHER_CTX_free (ctx);
      cv_bytes_clear (out);
      return cv_fail (CV_ERR_CRYPTO, "%s: AEAD seal failed", params_of (s)->cipher_name);
    }
  EVP_CIPHER_CTX_free (ctx);
  return CV_OK;
}

cv_status
cv_mls_aead_open (const cv_mls_suite *s, const uint8_t *key, const uint8_t *nonce,
                  const uint8_t *aad, size_t aad_len,
                  const uint8_t *ct, size_t ct_len, cv_bytes *out)
{
  EVP_CIPHER_CTX *ctx;
  size_t pt_len;
  int n = 0, fin = 0;
  cv_status st;

  if (ct_len < s->tag_len)
    return cv_fail (CV_ERR_TRUNCATED, "AEAD ciphertext of %zu bytes is shorter than its tag",
                    ct_len);
  if (ct_len > INT32_MAX || aad_len > INT32_MAX)
    return cv_fail (CV_ERR_TOO_LARGE, "AEAD input of %zu bytes is too large", ct_len);
  pt_len = ct_len - s->tag_len;
  st = cv_bytes_alloc (out, pt_len);
  if (st != CV_OK)
    return st;
  ctx = aead_start (s, false, key, nonce, aad, aad_len);
  if (ctx == NULL
      || (pt_len > 0 && !EVP_DecryptUpdate (ctx, out->data, &n, ct, (int) pt_len))
      || !EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_AEAD_SET_TAG, (int) s->tag_len,
                               (void *) (ct + pt_len)))
    {
      EVP_CIPHER_CTX_free (ctx);
      cv_bytes_clear (out);
      return cv_fail (CV_ERR_CRYPTO, "%s: AEAD open failed", params_of (s)->cipher_name);
    }
  if (!EVP_DecryptFinal_ex (ctx, out->data + n, &fin))
    {
      EVP_CIPHER_CTX_free (ctx);
      cv_bytes_clear (out);
      return cv_fail (CV_ERR_AUTH, "%s: AEAD tag does not verify", params_of (s)->cipher_name);
    }
  EVP_CIPHER_CTX_free (ctx);
  return CV_OK;
}

/* ---- Signatures ---- */

static bool
is_eddsa (const cv_mls_suite *s)
{
  return s->signature == CV_MLS_SIG_ED25519 || s->signature == CV_MLS_SIG_ED448;
}

/* The uncompressed public point of an ECDSA scalar; also checks 0 < d < n. */
static cv_status
ec_public_from_scalar (const cv_mls_suite *s, const uint8_t *priv, size_t priv_len,
                       uint8_t *pub)
{
  const suite_params *p = params_of (s);
  const EC_GROUP *group = s->algs->group;
  BIGNUM *d = BN_secure_new ();
  EC_POINT *point = EC_POINT_new (group);
  BN_CTX *bn = BN_CTX_secure_new ();
  cv_status st = CV_OK;

  if (d == NULL || point == NULL || bn == NULL || BN_bin2bn (priv, (int) priv_len, d) == NULL)
    st = cv_fail (CV_ERR_NOMEM, "ECDSA: cannot allocate");
  else if (BN_is_zero (d) || BN_cmp (d, EC_GROUP_get0_order (group)) >= 0)
    st = cv_fail (CV_ERR_INVALID, "ECDSA %s: private scalar is not in [1, n-1]", p->curve_name);
  else if (!EC_POINT_mul (group, point, d, NULL, NULL, bn)
           || EC_POINT_point2oct (group, point, POINT_CONVERSION_UNCOMPRESSED, pub,
                                  p->sig_pub_len, bn) != p->sig_pub_len)
    st = cv_fail (CV_ERR_CRYPTO, "ECDSA %s: cannot compute the public key", p->curve_name);
  BN_clear_free (d);
  EC_POINT_free (point);
  BN_CTX_free (bn);
  return st;
}

/* An ECDSA private key is a scalar: an encoding with its leading zero bytes
 * dropped is the same key (the MLS vectors carry 65-byte P-521 keys). EdDSA
 * keys are fixed-length strings. */
static bool
private_key_length_ok (const cv_mls_suite *s, size_t len)
{
  size_t want = params_of (s)->sig_priv_len;

  return is_eddsa (s) ? len == want : len >= 1 && len <= want;
}

/* An EVP_PKEY for a signature key; priv may be NULL for a public key. */
static cv_status
load_signature_key (const cv_mls_suite *s, const uint8_t *priv, size_t priv_len,
                    const uint8_t *pub, size_t pub_len, EVP_PKEY **out)
{
  const suite_params *p = params_of (s);
  size_t want = priv != NULL ? p->sig_priv_len : p->sig_pub_len;
  bool length_ok = priv != NULL ? private_key_length_ok (s, priv_len) : pub_len == want;
  cv_status st = CV_OK;

  *out = NULL;
  if (!length_ok)
    return cv_fail (CV_ERR_MALFORMED, "%s %s key is %zu bytes, want %zu", p->key_type,
                    priv != NULL ? "private" : "public", priv != NULL ? priv_len : pub_len, want);

  if (is_eddsa (s))
    {
      *out = priv != NULL
             ? EVP_PKEY_new_raw_private_key_ex (NULL, p->key_type, NULL, priv, priv_len)
             : EVP_PKEY_new_raw_public_key_ex (NULL, p->key_type, NULL, pub, pub_len);
      if (*out == NULL)
        return cv_fail (CV_ERR_INVALID, "%s key is not valid", p->key_type);
      return CV_OK;
    }

  uint8_t point[133];
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new ();
  OSSL_PARAM *ossl_params = NULL;
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name (NULL, "EC", NULL);
  BIGNUM *d = NULL;

  if (priv != NULL)
    {
      st = ec_public_from_scalar (s, priv, priv_len, point);
      pub = point;
      pub_len = p->sig_pub_len;
      d = BN_secure_new ();
      if (st == CV_OK && (d == NULL || BN_bin2bn (priv, (int) priv_len, d) == NULL))
        st = cv_fail (CV_ERR_NOMEM, "ECDSA: cannot allocate");
    }
  else if (pub[0] != POINT_CONVERSION_UNCOMPRESSED)
    st = cv_fail (CV_ERR_MALFORMED, "RFC 9420 §5.1.1: ECDSA public key is not an uncompressed point");

  if (st == CV_OK)
    {
      if (bld == NULL || ctx == NULL
          || !OSSL_PARAM_BLD_push_utf8_string (bld, OSSL_PKEY_PARAM_GROUP_NAME, p->curve_name, 0)
          || !OSSL_PARAM_BLD_push_octet_string (bld, OSSL_PKEY_PARAM_PUB_KEY, pub, pub_len)
          || (d != NULL && !OSSL_PARAM_BLD_push_BN (bld, OSSL_PKEY_PARAM_PRIV_KEY, d))
          || (ossl_params = OSSL_PARAM_BLD_to_param (bld)) == NULL
          || EVP_PKEY_fromdata_init (ctx) <= 0
          || EVP_PKEY_fromdata (ctx, out, d != NULL ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                                ossl_params) <= 0)
        st = cv_fail (CV_ERR_INVALID, "ECDSA %s key is not valid", p->curve_name);
    }
  OSSL_PARAM_free (ossl_params);
  OSSL_PARAM_BLD_free (bld);
  EVP_PKEY_CTX_free (ctx);
  BN_clear_free (d);
  return st;
}

cv_status
cv_mls_signature_key_pair (const cv_mls_suite *s, cv_bytes *priv, cv_bytes *pub)
{
  const suite_params *p = params_of (s);
  EVP_PKEY *key = is_eddsa (s) ? EVP_PKEY_Q_keygen (NULL, NULL, p->key_type)
                               : EVP_PKEY_Q_keygen (NULL, NULL, "EC", p->curve_name);
  size_t priv_len = p->sig_priv_len;
  BIGNUM *d = NULL;
  cv_status st;

  if (key == NULL)
    return cv_fail (CV_ERR_CRYPTO, "%s: key generation failed", p->key_type);
  st = cv_bytes_alloc (priv, p->sig_priv_len);
  if (st == CV_OK)
    {
      bool ok = is_eddsa (s)
                ? EVP_PKEY_get_raw_private_key (key, priv->data, &priv_len) && priv_len == p->sig_priv_len
                : EVP_PKEY_get_bn_param (key, OSSL_PKEY_PARAM_PRIV_KEY, &d)
                  && BN_bn2binpad (d, priv->data, (int) p->sig_priv_len) == (int) p->sig_priv_len;
      if (!ok)
        st = cv_fail (CV_ERR_CRYPTO, "%s: cannot export the new private key", p->key_type);
    }
  BN_clear_free (d);
  EVP_PKEY_free (key);
  if (st == CV_OK)
    st = cv_mls_signature_public_key (s, priv->data, priv->len, pub);
  if (st != CV_OK)
    cv_bytes_clear (priv);
  return st;
}

cv_status
cv_mls_signature_public_key (const cv_mls_suite *s, const uint8_t *priv, size_t priv_len,
                             cv_bytes *pub)
{
  const suite_params *p = params_of (s);
  cv_status st;

  if (!private_key_length_ok (s, priv_len))
    return cv_fail (CV_ERR_MALFORMED, "%s private key is %zu bytes, want %zu",
                    p->key_type, priv_len, p->sig_priv_len);
  st = cv_bytes_alloc (pub, p->sig_pub_len);
  if (st != CV_OK)
    return st;
  if (is_eddsa (s))
    {
      EVP_PKEY *key = NULL;
      size_t len = pub->len;
      st = load_signature_key (s, priv, priv_len, NULL, 0, &key);
      if (st == CV_OK && (!EVP_PKEY_get_raw_public_key (key, pub->data, &len) || len != pub->len))
        st = cv_fail (CV_ERR_CRYPTO, "%s: cannot export the public key", p->key_type);
      EVP_PKEY_free (key);
    }
  else
    st = ec_public_from_scalar (s, priv, priv_len, pub->data);
  if (st != CV_OK)
    cv_bytes_clear (pub);
  return st;
}

/* struct { opaque label<V>; opaque content<V>; } SignContent; */
static cv_status
sign_content (const char *label, const uint8_t *content, size_t content_len, cv_bytes *out)
{
  cv_mls_writer w;

  cv_mls_writer_init (&w);
  cv_mls_writer_reserve (&w, strlen (MLS_LABEL_PREFIX) + strlen (label) + content_len + 8);
  write_label (&w, (const uint8_t *) label, strlen (label));
  cv_mls_write_opaque (&w, content, content_len);
  return cv_mls_writer_finish (&w, out);
}

static const char *
signature_digest (const cv_mls_suite *s)
{
  /* EdDSA hashes internally; ECDSA uses the suite's hash. */
  return is_eddsa (s) ? NULL : params_of (s)->md_name;
}

cv_status
cv_mls_sign_with_label (const cv_mls_suite *s, const uint8_t *priv, size_t priv_len,
                        const char *label, const uint8_t *content, size_t content_len,
                        cv_bytes *signature)
{
  EVP_PKEY *key = NULL;
  EVP_MD_CTX *md = NULL;
  cv_bytes tbs = CV_BYTES_INIT;
  size_t sig_len = 0;
  cv_status st;

  st = load_signature_key (s, priv, priv_len, NULL, 0, &key);
  if (st == CV_OK)
    st = sign_content (label, content, content_len, &tbs);
  if (st == CV_OK)
    {
      md = EVP_MD_CTX_new ();
      if (md == NULL
          || EVP_DigestSignInit_ex (md, NULL, signature_digest (s), NULL, NULL, key, NULL) <= 0
          || EVP_DigestSign (md, NULL, &sig_len, tbs.data, tbs.len) <= 0)
        st = cv_fail (CV_ERR_CRYPTO, "%s: cannot start signing", params_of (s)->key_type);
    }
  if (st == CV_OK)
    st = cv_bytes_alloc (signature, sig_len);
  if (st == CV_OK)
    {
      /* The maximum length was allocated; DER ECDSA signatures may be shorter. */
      if (EVP_DigestSign (md, signature->data, &sig_len, tbs.data, tbs.len) <= 0)
        {
          cv_bytes_clear (signature);
          st = cv_fail (CV_ERR_CRYPTO, "%s: signing failed", params_of (s)->key_type);
        }
      else
        signature->len = sig_len;
    }
  EVP_MD_CTX_free (md);
  EVP_PKEY_free (key);
  cv_bytes_clear (&tbs);
  return st;
}

cv_status
cv_mls_verify_with_label (const cv_mls_suite *s, const uint8_t *pub, size_t pub_len,
                          const char *label, const uint8_t *content, size_t content_len,
                          const uint8_t *signature, size_t signature_len)
{
  EVP_PKEY *key = NULL;
  EVP_MD_CTX *md = NULL;
  cv_bytes tbs = CV_BYTES_INIT;
  cv_status st;

  st = load_signature_key (s, NULL, 0, pub, pub_len, &key);
  if (st == CV_OK)
    st = sign_content (label, content, content_len, &tbs);
  if (st == CV_OK)
    {
      md = EVP_MD_CTX_new ();
      if (md == NULL
          || EVP_DigestVerifyInit_ex (md, NULL, signature_digest (s), NULL, NULL, key, NULL) <= 0)
        st = cv_fail (CV_ERR_CRYPTO, "%s: cannot start verifying", params_of (s)->key_type);
      else if (EVP_DigestVerify (md, signature, signature_len, tbs.data, tbs.len) != 1)
        st = cv_fail (CV_ERR_AUTH, "RFC 9420 §5.1.2: %s signature (label \"%s\") does not verify",
                      params_of (s)->key_type, label);
    }
  EVP_MD_CTX_free (md);
  EVP_PKEY_free (key);
  cv_bytes_clear (&tbs);
  return st;
}

/* ---- Public-key encryption ---- */

/* struct { opaque label<V>; opaque context<V>; } EncryptContext; */
static cv_status
encrypt_context (const char *label, const uint8_t *context, size_t context_len, cv_bytes *out)
{
  cv_mls_writer w;

  cv_mls_writer_init (&w);
  cv_mls_writer_reserve (&w, strlen (MLS_LABEL_PREFIX) + strlen (label) + context_len + 8);
  write_label (&w, (const uint8_t *) label, strlen (label));
  cv_mls_write_opaque (&w, context, context_len);
  return cv_mls_writer_finish (&w, out);
}

cv_status
cv_mls_encrypt_context_hash (const cv_mls_suite *s, const char *label,
                             const uint8_t *context, size_t context_len, cv_bytes *info_hash)
{
  cv_bytes info = CV_BYTES_INIT;
  cv_status st = encrypt_context (label, context, context_len, &info);

  if (st == CV_OK)
    st = cv_hpke_info_hash (&s->hpke, info.data, info.len, info_hash);
  cv_bytes_clear (&info);
  return st;
}

cv_status
cv_mls_encrypt_with_context_hash (const cv_mls_suite *s, const uint8_t *pub, size_t pub_len,
                                  const cv_bytes *info_hash, const uint8_t *pt, size_t pt_len,
                                  cv_bytes *kem_output, cv_bytes *ciphertext)
{
  cv_hpke_mode_args args = { .mode = CV_HPKE_MODE_BASE, .info_hash = info_hash->data,
                             .info_hash_len = info_hash->len };

  return cv_hpke_seal (&s->hpke, pub, pub_len, NULL, 0, &args, NULL, 0, pt, pt_len,
                       kem_output, ciphertext);
}

cv_status
cv_mls_encrypt_with_label (const cv_mls_suite *s, const uint8_t *pub, size_t pub_len,
                           const char *label, const uint8_t *context, size_t context_len,
                           const uint8_t *pt, size_t pt_len,
                           cv_bytes *kem_output, cv_bytes *ciphertext)
{
  cv_bytes info = CV_BYTES_INIT;
  cv_status st = encrypt_context (label, context, context_len, &info);

  if (st == CV_OK)
    st = cv_hpke_seal_base (&s->hpke, pub, pub_len, info.data, info.len, NULL, 0,
                            pt, pt_len, kem_output, ciphertext);
  cv_bytes_clear (&info);
  return st;
}

cv_status
cv_mls_decrypt_with_label (const cv_mls_suite *s, const uint8_t *priv, size_t priv_len,
                           const char *label, const uint8_t *context, size_t context_len,
                           const uint8_t *kem_output, size_t kem_output_len,
                           const uint8_t *ct, size_t ct_len, cv_bytes *pt)
{
  cv_bytes info = CV_BYTES_INIT;
  cv_status st = encrypt_context (label, context, context_len, &info);

  if (st == CV_OK)
    st = cv_hpke_open_base (&s->hpke, priv, priv_len, kem_output, kem_output_len,
                            info.data, info.len, NULL, 0, ct, ct_len, pt);
  cv_bytes_clear (&info);
  return st;
}

cv_status
cv_mls_hpke_key_pair (const cv_mls_suite *s, cv_bytes *priv, cv_bytes *pub)
{
  return cv_hpke_generate_key_pair (s->hpke.kem, priv, pub);
}

cv_status
cv_mls_derive_key_pair (const cv_mls_suite *s, const uint8_t *ikm, size_t ikm_len,
                        cv_bytes *priv, cv_bytes *pub)
{
  return cv_hpke_derive_key_pair (s->hpke.kem, ikm, ikm_len, priv, pub);
}
