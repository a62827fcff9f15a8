/* cv-hpke.c: RFC 9180 on OpenSSL 3.0 EVP.
 *
 * Layout: algorithm tables and the one-time fetch of every EVP object we
 * use; HKDF (LabeledExtract/LabeledExpand) on a pre-configured HMAC; the
 * DHKEM (key (de)serialization, DH, Encap/Decap); the key schedule; the
 * context; the single-shot wrappers.
 *
 * Fixed-size stack buffers are sized by the largest suite (P-521/X448 with
 * SHA-512), so no secret intermediate ever lands on the heap except inside
 * OpenSSL's own objects.
 */
#include "cv-hpke.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#define MAX_NH 64        /* SHA-512 */
#define MAX_NSK 66       /* P-521 scalar */
#define MAX_NPK 133      /* P-521 uncompressed point */
#define MAX_NDH 66       /* P-521 x coordinate */
#define MAX_NK 32
#define MAX_NN 12
#define MAX_NT 16
#define MIN_IKM 32       /* DeriveKeyPair input: 256 bits, whatever the KEM */

/* ---- Algorithm tables ---- */

enum { KDF_SHA256, KDF_SHA384, KDF_SHA512, N_KDFS };
enum { AEAD_AES128GCM, AEAD_AES256GCM, AEAD_CHACHAPOLY, AEAD_EXPORT, N_AEADS };
enum { CURVE_P256, CURVE_P384, CURVE_P521, N_CURVES };

typedef struct {
  uint16_t id;
  const char *md_name;
  size_t nh;
  int index;
} kdf_info;

typedef struct {
  uint16_t id;
  const char *cipher_name;   /* NULL: export-only */
  size_t nk, nn, nt;
  int index;
} aead_info;

typedef struct {
  uint16_t id;
  const char *name;          /* EVP key type (X25519, X448) or EC group name */
  bool nist;
  int curve;                 /* CURVE_* for NIST curves */
  int curve_nid;
  size_t nsecret, npk, nsk, ndh;
  uint8_t bitmask;           /* DeriveKeyPair candidate mask (NIST) */
  int kdf;                   /* KDF_* bound to the KEM */
} kem_info;

static const kdf_info kdfs[] = {
  { CV_HPKE_KDF_HKDF_SHA256, "SHA256", 32, KDF_SHA256 },
  { CV_HPKE_KDF_HKDF_SHA384, "SHA384", 48, KDF_SHA384 },
  { CV_HPKE_KDF_HKDF_SHA512, "SHA512", 64, KDF_SHA512 },
};

static const aead_info aeads[] = {
  { CV_HPKE_AEAD_AES_128_GCM, "AES-128-GCM", 16, 12, 16, AEAD_AES128GCM },
  { CV_HPKE_AEAD_AES_256_GCM, "AES-256-GCM", 32, 12, 16, AEAD_AES256GCM },
  { CV_HPKE_AEAD_CHACHA20_POLY1305, "ChaCha20-Poly1305", 32, 12, 16, AEAD_CHACHAPOLY },
  { CV_HPKE_AEAD_EXPORT_ONLY, NULL, 0, 0, 0, AEAD_EXPORT },
};

static const kem_info kems[] = {
  { CV_HPKE_KEM_P256_SHA256, "prime256v1", true, CURVE_P256, NID_X9_62_prime256v1,
    32, 65, 32, 32, 0xff, KDF_SHA256 },
  { CV_HPKE_KEM_P384_SHA384, "secp384r1", true, CURVE_P384, NID_secp384r1,
    48, 97, 48, 48, 0xff, KDF_SHA384 },
  { CV_HPKE_KEM_P521_SHA512, "secp521r1", true, CURVE_P521, NID_secp521r1,
    64, 133, 66, 66, 0x01, KDF_SHA512 },
  { CV_HPKE_KEM_X25519_SHA256, "X25519", false, -1, 0, 32, 32, 32, 32, 0, KDF_SHA256 },
  { CV_HPKE_KEM_X448_SHA512, "X448", false, -1, 0, 64, 56, 56, 56, 0, KDF_SHA512 },
};

/* The three tables are searched alike, by IANA id; NULL when not listed. */
#define DEFINE_FIND(NAME, TYPE, TABLE) \
  static const TYPE * \
  NAME (uint16_t id) \
  { \
    for (size_t i = 0; i < sizeof TABLE / sizeof TABLE[0]; i++) \
      if (TABLE[i].id == id) \
        return &TABLE[i]; \
    return NULL; \
  }

DEFINE_FIND (find_kem, kem_info, kems)
DEFINE_FIND (find_kdf, kdf_info, kdfs)
DEFINE_FIND (find_aead, aead_info, aeads)

/* Everything fetched once: implicit fetches by name cost more than the work
 * itself on the small inputs of HPKE. Entries stay NULL when the provider
 * lacks the algorithm, which then reads as "unsupported". */
static struct {
  EVP_MD *md[N_KDFS];
  EVP_MAC *hmac;
  EVP_MAC_CTX *hmac_template[N_KDFS];   /* digest set, no key: duplicated per use */
  EVP_CIPHER *cipher[N_AEADS];
  EC_GROUP *group[N_CURVES];
  EVP_PKEY *ec_params[N_CURVES];   /* domain parameters only: duplicated per key */
  bool ok;
} algs;

static CRYPTO_ONCE algs_once = CRYPTO_ONCE_STATIC_INIT;

static void
fetch_algorithms (void)
{
  algs.hmac = EVP_MAC_fetch (NULL, "HMAC", NULL);
  for (int i = 0; i < N_KDFS; i++)
    {
      algs.md[i] = EVP_MD_fetch (NULL, kdfs[i].md_name, NULL);
      if (algs.hmac == NULL || algs.md[i] == NULL)
        continue;
      EVP_MAC_CTX *t = EVP_MAC_CTX_new (algs.hmac);
      OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string (OSSL_MAC_PARAM_DIGEST, (char *) kdfs[i].md_name, 0),
        OSSL_PARAM_construct_end (),
      };
      if (t != NULL && EVP_MAC_CTX_set_params (t, params) == 1)
        algs.hmac_template[i] = t;
      else
        EVP_MAC_CTX_free (t);
    }
  for (int i = 0; i < N_AEADS; i++)
    if (aeads[i].cipher_name != NULL)
      algs.cipher[i] = EVP_CIPHER_fetch (NULL, aeads[i].cipher_name, NULL);
  for (size_t i = 0; i < sizeof kems / sizeof kems[0]; i++)
    if (kems[i].nist)
      {
        int c = kems[i].curve;
        OSSL_PARAM params[] = {
          OSSL_PARAM_construct_utf8_string (OSSL_PKEY_PARAM_GROUP_NAME, (char *) kems[i].name, 0),
          OSSL_PARAM_construct_end (),
        };
        EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name (NULL, "EC", NULL);

        algs.group[c] = EC_GROUP_new_by_curve_name (kems[i].curve_nid);
        if (pctx == NULL || EVP_PKEY_fromdata_init (pctx) != 1
            || EVP_PKEY_fromdata (pctx, &algs.ec_params[c], EVP_PKEY_KEY_PARAMETERS, params) != 1)
          {
            EC_GROUP_free (algs.group[c]);
            algs.group[c] = NULL;
          }
        EVP_PKEY_CTX_free (pctx);
      }
  algs.ok = true;
}

static bool
algorithms_ready (void)
{
  return CRYPTO_THREAD_run_once (&algs_once, fetch_algorithms) == 1 && algs.ok;
}

static bool
kem_available (const kem_info *kem)
{
  return algs.hmac_template[kem->kdf] != NULL
         && (!kem->nist || (algs.group[kem->curve] != NULL && algs.ec_params[kem->curve] != NULL));
}

static cv_status
resolve_kem (uint16_t id, const kem_info **out)
{
  const kem_info *kem = find_kem (id);

  if (!algorithms_ready ())
    return cv_fail (CV_ERR_CRYPTO, "HPKE: cannot load algorithms from OpenSSL");
  if (kem == NULL)
    return cv_fail (CV_ERR_UNSUPPORTED, "RFC 9180 §7.1: unknown KEM 0x%04x", id);
  if (!kem_available (kem))
    return cv_fail (CV_ERR_UNSUPPORTED, "HPKE: KEM 0x%04x is not available in this OpenSSL", id);
  *out = kem;
  return CV_OK;
}

typedef struct {
  const kem_info *kem;
  const kdf_info *kdf;
  const aead_info *aead;
  uint8_t suite_id[10];  /* "HPKE" || kem || kdf || aead */
} suite_info;

static cv_status
resolve_suite (const cv_hpke_suite *s, suite_info *out)
{
  cv_status st;

  if (s == NULL)
    return cv_fail (CV_ERR_ARGUMENT, "HPKE: no cipher suite given");
  st = resolve_kem (s->kem, &out->kem);
  if (st != CV_OK)
    return st;
  out->kdf = find_kdf (s->kdf);
  if (out->kdf == NULL)
    return cv_fail (CV_ERR_UNSUPPORTED, "RFC 9180 §7.2: unknown KDF 0x%04x", s->kdf);
  if (algs.hmac_template[out->kdf->index] == NULL)
    return cv_fail (CV_ERR_UNSUPPORTED, "HPKE: KDF 0x%04x is not available in this OpenSSL", s->kdf);
  out->aead = find_aead (s->aead);
  if (out->aead == NULL)
    return cv_fail (CV_ERR_UNSUPPORTED, "RFC 9180 §7.3: unknown AEAD 0x%04x", s->aead);
  if (out->aead->cipher_name != NULL && algs.cipher[out->aead->index] == NULL)
    return cv_fail (CV_ERR_UNSUPPORTED, "HPKE: AEAD 0x%04x is not available in this OpenSSL", s->aead);
  memcpy (out->suite_id, "HPKE", 4);
  out->suite_id[4] = (uint8_t) (s->kem >> 8);
  out->suite_id[5] = (uint8_t) s->kem;
  out->suite_id[6] = (uint8_t) (s->kdf >> 8);
  out->suite_id[7] = (uint8_t) s->kdf;
  out->suite_id[8] = (uint8_t) (s->aead >> 8);
  out->suite_id[9] = (uint8_t) s->aead;
  return CV_OK;
}

cv_status
cv_hpke_suite_check (const cv_hpke_suite *s)
{
  suite_info si;

  return resolve_suite (s, &si);
}

size_t
cv_hpke_kem_secret_len (uint16_t kem)
{
  const kem_info *k = find_kem (kem);
  return k ? k->nsecret : 0;
}

size_t
cv_hpke_kem_enc_len (uint16_t kem)
{
  const kem_info *k = find_kem (kem);
  return k ? k->npk : 0;
}

size_t
cv_hpke_kem_public_key_len (uint16_t kem)
{
  return cv_hpke_kem_enc_len (kem);
}

size_t
cv_hpke_kem_private_key_len (uint16_t kem)
{
  const kem_info *k = find_kem (kem);
  return k ? k->nsk : 0;
}

size_t
cv_hpke_aead_key_len (uint16_t aead)
{
  const aead_info *a = find_aead (aead);
  return a ? a->nk : 0;
}

size_t
cv_hpke_aead_nonce_len (uint16_t aead)
{
  const aead_info *a = find_aead (aead);
  return a ? a->nn : 0;
}

size_t
cv_hpke_aead_tag_len (uint16_t aead)
{
  const aead_info *a = find_aead (aead);
  return a ? a->nt : 0;
}

/* ---- HKDF with labels (§4) ---- */

typedef struct {
  const uint8_t *data;
  size_t len;
} span;

#define SPAN(p, n) ((span) { (const uint8_t *) (p), (n) })
#define SPAN_STR(s) SPAN ((s), sizeof (s) - 1)

static const char version_label[] = "HPKE-v1";

/* HMAC(key, parts...) into out (kdf->nh bytes). */
static cv_status
hmac_parts (int kdf, EVP_MAC_CTX *reuse, const uint8_t *key, size_t key_len,
            const span *parts, size_t n_parts, uint8_t *out)
{
  EVP_MAC_CTX *mctx = reuse;
  size_t out_len = 0;
  bool ok;

  if (mctx == NULL)
    {
      mctx = EVP_MAC_CTX_dup (algs.hmac_template[kdf]);
      if (mctx == NULL)
        return cv_fail (CV_ERR_NOMEM, "HPKE: cannot create an HMAC context");
      ok = EVP_MAC_init (mctx, key, key_len, NULL) == 1;
    }
  else
    ok = EVP_MAC_init (mctx, NULL, 0, NULL) == 1;   /* same key, fresh message */

  for (size_t i = 0; ok && i < n_parts; i++)
    if (parts[i].len > 0)
      ok = EVP_MAC_update (mctx, parts[i].data, parts[i].len) == 1;
  ok = ok && EVP_MAC_final (mctx, out, &out_len, MAX_NH) == 1 && out_len == kdfs[kdf].nh;
  if (reuse == NULL)
    EVP_MAC_CTX_free (mctx);
  return ok ? CV_OK : cv_fail (CV_ERR_CRYPTO, "HPKE: HMAC-%s failed", kdfs[kdf].md_name);
}

/* LabeledExtract(salt, label, ikm) = Extract(salt, "HPKE-v1" || suite_id || label || ikm).
 * An empty salt is HashLen zeros (RFC 5869 §2.2), which is the same HMAC key. */
static cv_status
labeled_extract (int kdf, const uint8_t *suite_id, size_t suite_id_len,
                 const uint8_t *salt, size_t salt_len, const char *label,
                 const uint8_t *ikm, size_t ikm_len, uint8_t *prk)
{
  static const uint8_t zeros[MAX_NH];
  span parts[] = {
    SPAN_STR (version_label), SPAN (suite_id, suite_id_len),
    SPAN (label, strlen (label)), SPAN (ikm, ikm_len),
  };

  if (salt_len == 0)
    {
      salt = zeros;
      salt_len = kdfs[kdf].nh;
    }
  return hmac_parts (kdf, NULL, salt, salt_len, parts, 4, prk);
}

/* LabeledExpand(prk, label, info, L) =
 *   Expand(prk, I2OSP(L, 2) || "HPKE-v1" || suite_id || label || info, L). */
static cv_status
labeled_expand (int kdf, const uint8_t *suite_id, size_t suite_id_len,
                const uint8_t *prk, const char *label,
                const uint8_t *info, size_t info_len, size_t L, uint8_t *out)
{
  size_t nh = kdfs[kdf].nh, done = 0;
  uint8_t t[MAX_NH], length[2] = { (uint8_t) (L >> 8), (uint8_t) L }, counter = 0;
  EVP_MAC_CTX *mctx;
  cv_status st = CV_OK;

  if (L > 255 * nh)
    return cv_fail (CV_ERR_TOO_LARGE, "RFC 5869 §2.3: expand length %zu exceeds 255 * %zu", L, nh);
  mctx = EVP_MAC_CTX_dup (algs.hmac_template[kdf]);
  if (mctx == NULL)
    return cv_fail (CV_ERR_NOMEM, "HPKE: cannot create an HMAC context");
  if (EVP_MAC_init (mctx, prk, nh, NULL) != 1)
    st = cv_fail (CV_ERR_CRYPTO, "HPKE: HMAC key setup failed");

  while (st == CV_OK && done < L)
    {
      counter++;
      /* T(i) = HMAC(prk, T(i-1) || info' || i), T(0) empty */
      span parts[] = {
        SPAN (t, counter > 1 ? nh : 0), SPAN (length, 2), SPAN_STR (version_label),
        SPAN (suite_id, suite_id_len), SPAN (label, strlen (label)), SPAN (info, info_len),
        SPAN (&counter, 1),
      };
      st = hmac_parts (kdf, mctx, NULL, 0, parts, 7, t);
      if (st == CV_OK)
        {
          size_t n = L - done < nh ? L - done : nh;
          memcpy (out + done, t, n);
          done += n;
        }
    }
  OPENSSL_cleanse (t, sizeof t);
  EVP_MAC_CTX_free (mctx);
  if (st != CV_OK)
    OPENSSL_cleanse (out, L);
  return st;
}

/* ---- DHKEM (§4.1) ---- */

static void
kem_suite_id (const kem_info *kem, uint8_t id[5])
{
  memcpy (id, "KEM", 3);
  id[3] = (uint8_t) (kem->id >> 8);
  id[4] = (uint8_t) kem->id;
}

/* For the NIST curves: is the big-endian scalar in [1, n-1]? */
static cv_status
nist_scalar (const kem_info *kem, const uint8_t *sk, BIGNUM **out)
{
  const BIGNUM *order = EC_GROUP_get0_order (algs.group[kem->curve]);
  BIGNUM *bn = BN_secure_new ();

  if (bn == NULL || BN_bin2bn (sk, (int) kem->nsk, bn) == NULL)
    {
      BN_clear_free (bn);
      return cv_fail (CV_ERR_NOMEM, "HPKE: cannot allocate a scalar");
    }
  if (BN_is_zero (bn) || BN_cmp (bn, order) >= 0)
    {
      BN_clear_free (bn);
      return cv_fail (CV_ERR_INVALID, "RFC 9180 §7.1.2: %s private key is not in [1, n-1]", kem->name);
    }
  BN_set_flags (bn, BN_FLG_CONSTTIME);
  *out = bn;
  return CV_OK;
}

/* Parses a serialized private key into an EVP_PKEY and writes its serialized
 * public key (kem->npk bytes) to pk. */
static cv_status
kem_private_key (const kem_info *kem, const uint8_t *sk, size_t sk_len,
                 EVP_PKEY **out, uint8_t *pk)
{
  EVP_PKEY *pkey = NULL;
  cv_status st = CV_OK;

  /* §7.1.2 serializes NIST scalars at exactly Nsk bytes, but some MLS
   * implementations (and the MLS interop vectors) drop leading zero bytes of
   * P-521 keys: accept a shorter scalar and pad it on the left. */
  if (sk == NULL || sk_len == 0 || sk_len > kem->nsk || (!kem->nist && sk_len != kem->nsk))
    return cv_fail (CV_ERR_INVALID, "RFC 9180 §7.1.2: %s private key must be %zu bytes, got %zu",
                    kem->name, kem->nsk, sk_len);

  if (!kem->nist)
    {
      size_t pk_len = kem->npk;

      pkey = EVP_PKEY_new_raw_private_key_ex (NULL, kem->name, NULL, sk, sk_len);
      if (pkey == NULL || EVP_PKEY_get_raw_public_key (pkey, pk, &pk_len) != 1
          || pk_len != kem->npk)
        {
          EVP_PKEY_free (pkey);
          return cv_fail (CV_ERR_CRYPTO, "HPKE: cannot load %s private key", kem->name);
        }
      *out = pkey;
      return CV_OK;
    }

  /* NIST: compute the public point, then hand OpenSSL the whole key pair. */
  const EC_GROUP *group = algs.group[kem->curve];
  BIGNUM *scalar = NULL;
  EC_POINT *point = NULL;
  EVP_PKEY_CTX *pctx = NULL;
  uint8_t le[MAX_NSK];

  uint8_t padded[MAX_NSK] = { 0 };
  memcpy (padded + kem->nsk - sk_len, sk, sk_len);
  st = nist_scalar (kem, padded, &scalar);
  OPENSSL_cleanse (padded, sizeof padded);
  if (st != CV_OK)
    return st;
  point = EC_POINT_new (group);
  if (point == NULL || EC_POINT_mul (group, point, scalar, NULL, NULL, NULL) != 1
      || EC_POINT_point2oct (group, point, POINT_CONVERSION_UNCOMPRESSED, pk, kem->npk, NULL)
         != kem->npk)
    st = cv_fail (CV_ERR_CRYPTO, "HPKE: cannot compute the %s public key", kem->name);

  if (st == CV_OK)
    {
      /* OSSL_PARAM BIGNUMs are native-endian unsigned integers. */
      if (BN_bn2nativepad (scalar, le, (int) kem->nsk) != (int) kem->nsk)
        st = cv_fail (CV_ERR_CRYPTO, "HPKE: cannot encode the %s scalar", kem->name);
    }
  if (st == CV_OK)
    {
      OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string (OSSL_PKEY_PARAM_GROUP_NAME, (char *) kem->name, 0),
        OSSL_PARAM_construct_BN (OSSL_PKEY_PARAM_PRIV_KEY, le, kem->nsk),
        OSSL_PARAM_construct_octet_string (OSSL_PKEY_PARAM_PUB_KEY, pk, kem->npk),
        OSSL_PARAM_construct_end (),
      };
      pctx = EVP_PKEY_CTX_new_from_name (NULL, "EC", NULL);
      if (pctx == NULL || EVP_PKEY_fromdata_init (pctx) != 1
          || EVP_PKEY_fromdata (pctx, &pkey, EVP_PKEY_KEYPAIR, params) != 1)
        st = cv_fail (CV_ERR_CRYPTO, "HPKE: cannot load %s private key", kem->name);
    }
  OPENSSL_cleanse (le, sizeof le);
  EVP_PKEY_CTX_free (pctx);
  EC_POINT_free (point);
  BN_clear_free (scalar);
  if (st == CV_OK)
    *out = pkey;
  else
    EVP_PKEY_free (pkey);
  return st;
}

/* DeserializePublicKey with validation: exact length, and for the NIST
 * curves an uncompressed point with coordinates below p that lies on the curve. */
static cv_status
kem_public_key (const kem_info *kem, const uint8_t *pk, size_t pk_len, EVP_PKEY **out)
{
  EVP_PKEY *pkey = NULL;

  if (pk == NULL || pk_len != kem->npk)
    return cv_fail (CV_ERR_INVALID, "RFC 9180 §7.1.1: %s public key must be %zu bytes, got %zu",
                    kem->name, kem->npk, pk_len);

  if (!kem->nist)
    {
      pkey = EVP_PKEY_new_raw_public_key_ex (NULL, kem->name, NULL, pk, pk_len);
      if (pkey == NULL)
        return cv_fail (CV_ERR_CRYPTO, "HPKE: cannot load %s public key", kem->name);
      *out = pkey;
      return CV_OK;
    }

  if (pk[0] != 0x04)
    return cv_fail (CV_ERR_INVALID, "RFC 9180 §7.1.1: %s public key is not an uncompressed point",
                    kem->name);
  const EC_GROUP *group = algs.group[kem->curve];
  EC_POINT *point = EC_POINT_new (group);
  bool on_curve = point != NULL
                  && EC_POINT_oct2point (group, point, pk, pk_len, NULL) == 1
                  && EC_POINT_is_on_curve (group, point, NULL) == 1
                  && !EC_POINT_is_at_infinity (group, point);
  EC_POINT_free (point);
  if (!on_curve)
    return cv_fail (CV_ERR_INVALID, "SEC 1 §3.2.2: %s public key is not a point on the curve",
                    kem->name);

  /* Copying the cached domain parameters is several times cheaper than
   * EVP_PKEY_fromdata, which rebuilds the group from its name. */
  pkey = EVP_PKEY_dup (algs.ec_params[kem->curve]);
  if (pkey == NULL || EVP_PKEY_set1_encoded_public_key (pkey, pk, pk_len) != 1)
    {
      EVP_PKEY_free (pkey);
      return cv_fail (CV_ERR_INVALID, "HPKE: OpenSSL refused the %s public key", kem->name);
    }
  *out = pkey;
  return CV_OK;
}

/* DH(sk, pk) into out (kem->ndh bytes); refuses an all-zero result (§7.1.4). */
static cv_status
kem_dh (const kem_info *kem, EVP_PKEY *sk, EVP_PKEY *pk, uint8_t *out)
{
  EVP_PKEY_CTX *dctx = EVP_PKEY_CTX_new_from_pkey (NULL, sk, NULL);
  size_t len = kem->ndh;
  uint8_t acc = 0;
  bool ok;

  /* The peer was validated when it was deserialized. */
  ok = dctx != NULL && EVP_PKEY_derive_init (dctx) == 1
       && EVP_PKEY_derive_set_peer_ex (dctx, pk, 0) == 1
       && EVP_PKEY_derive (dctx, out, &len) == 1 && len == kem->ndh;
  EVP_PKEY_CTX_free (dctx);
  if (!ok)
    {
      OPENSSL_cleanse (out, kem->ndh);
      return cv_fail (CV_ERR_INVALID, "RFC 9180 §7.1.4: %s key exchange failed (invalid public key?)",
                      kem->name);
    }
  for (size_t i = 0; i < len; i++)
    acc |= out[i];
  if (acc == 0)
    return cv_fail (CV_ERR_INVALID, "RFC 9180 §7.1.4: %s shared secret is all zeros", kem->name);
  return CV_OK;
}

/* Is a DeriveKeyPair/GenerateKeyPair candidate usable as a private key? */
static bool
candidate_ok (const kem_info *kem, uint8_t *sk)
{
  BIGNUM *bn = NULL;

  if (!kem->nist)
    return true;
  sk[0] &= kem->bitmask;
  if (nist_scalar (kem, sk, &bn) != CV_OK)
    return false;
  BN_clear_free (bn);
  return true;
}

/* DeriveKeyPair (§7.1.3) into sk (kem->nsk bytes). */
static cv_status
kem_derive_sk (const kem_info *kem, const uint8_t *ikm, size_t ikm_len, uint8_t *sk)
{
  uint8_t id[5], prk[MAX_NH];
  cv_status st;

  /* §7.1.3 says ikm SHOULD be Nsk bytes or more, but MLS derives P-521 keys
   * (Nsk 66) from 64-byte SHA-512 secrets; 32 bytes is the floor we insist on. */
  if (ikm == NULL || ikm_len < MIN_IKM)
    return cv_fail (CV_ERR_INVALID, "RFC 9180 §7.1.3: DeriveKeyPair needs at least %d bytes of ikm, got %zu",
                    MIN_IKM, ikm_len);
  kem_suite_id (kem, id);
  st = labeled_extract (kem->kdf, id, 5, NULL, 0, "dkp_prk", ikm, ikm_len, prk);
  if (st == CV_OK && !kem->nist)
    st = labeled_expand (kem->kdf, id, 5, prk, "sk", NULL, 0, kem->nsk, sk);
  else if (st == CV_OK)
    {
      bool found = false;

      for (unsigned counter = 0; st == CV_OK && !found && counter < 256; counter++)
        {
          uint8_t c = (uint8_t) counter;
          st = labeled_expand (kem->kdf, id, 5, prk, "candidate", &c, 1, kem->nsk, sk);
          found = st == CV_OK && candidate_ok (kem, sk);
        }
      if (st == CV_OK && !found)
        st = cv_fail (CV_ERR_CRYPTO, "RFC 9180 §7.1.3: DeriveKeyPairError (no candidate in 256 tries)");
    }
  OPENSSL_cleanse (prk, sizeof prk);
  if (st != CV_OK)
    OPENSSL_cleanse (sk, kem->nsk);
  return st;
}

/* GenerateKeyPair: a fresh key as an EVP_PKEY, its serialized public key in
 * pk and, when sk is not NULL, its serialized private key. X25519/X448 keys
 * are uniform bytes (OpenSSL clamps them); the NIST curves use OpenSSL's
 * key generation on the cached domain parameters. */
static cv_status
kem_generate (const kem_info *kem, EVP_PKEY **out, uint8_t *pk, uint8_t *sk)
{
  if (!kem->nist)
    {
      uint8_t raw[MAX_NSK];
      cv_status st = CV_OK;

      if (RAND_priv_bytes (raw, (int) kem->nsk) != 1)
        st = cv_fail (CV_ERR_CRYPTO, "HPKE: the random generator failed");
      if (st == CV_OK)
        st = kem_private_key (kem, raw, kem->nsk, out, pk);
      if (st == CV_OK && sk != NULL)
        memcpy (sk, raw, kem->nsk);
      OPENSSL_cleanse (raw, sizeof raw);
      return st;
    }

  EVP_PKEY_CTX *gctx = EVP_PKEY_CTX_new_from_pkey (NULL, algs.ec_params[kem->curve], NULL);
  EVP_PKEY *pkey = NULL;
  BIGNUM *priv = NULL;
  size_t pk_len = 0;
  bool ok = gctx != NULL && EVP_PKEY_keygen_init (gctx) == 1 && EVP_PKEY_keygen (gctx, &pkey) == 1
            && EVP_PKEY_get_octet_string_param (pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
                                                pk, kem->npk, &pk_len) == 1
            && pk_len == kem->npk && pk[0] == 0x04;

  if (ok && sk != NULL)
    ok = EVP_PKEY_get_bn_param (pkey, OSSL_PKEY_PARAM_PRIV_KEY, &priv) == 1
         && BN_bn2binpad (priv, sk, (int) kem->nsk) == (int) kem->nsk;
  BN_clear_free (priv);
  EVP_PKEY_CTX_free (gctx);
  if (!ok)
    {
      EVP_PKEY_free (pkey);
      if (sk != NULL)
        OPENSSL_cleanse (sk, kem->nsk);
      return cv_fail (CV_ERR_CRYPTO, "HPKE: %s key generation failed", kem->name);
    }
  *out = pkey;
  return CV_OK;
}

/* ExtractAndExpand(dh, kem_context) into shared_secret (kem->nsecret bytes). */
static cv_status
kem_extract_and_expand (const kem_info *kem, const uint8_t *dh, size_t dh_len,
                        const span *context, size_t n_context, uint8_t *shared_secret)
{
  uint8_t id[5], prk[MAX_NH], kem_context[3 * MAX_NPK];
  size_t kc_len = 0;
  cv_status st;

  for (size_t i = 0; i < n_context; i++)
    {
      memcpy (kem_context + kc_len, context[i].data, context[i].len);
      kc_len += context[i].len;
    }
  kem_suite_id (kem, id);
  st = labeled_extract (kem->kdf, id, 5, NULL, 0, "eae_prk", dh, dh_len, prk);
  if (st == CV_OK)
    st = labeled_expand (kem->kdf, id, 5, prk, "shared_secret", kem_context, kc_len,
                         kem->nsecret, shared_secret);
  OPENSSL_cleanse (prk, sizeof prk);
  return st;
}

/* Encap / AuthEncap: sk_s NULL for Encap; ikm_e NULL for a fresh ephemeral key. */
static cv_status
kem_encap (const kem_info *kem, const uint8_t *pkR, size_t pkR_len,
           const uint8_t *sk_s, size_t sk_s_len, const uint8_t *ikm_e, size_t ikm_e_len,
           uint8_t *shared_secret, uint8_t *enc)
{
  EVP_PKEY *pk_r = NULL, *sk_e = NULL, *sk_sender = NULL;
  uint8_t skE[MAX_NSK], pkS[MAX_NPK], dh[2 * MAX_NDH];
  cv_status st;

  st = kem_public_key (kem, pkR, pkR_len, &pk_r);
  if (st == CV_OK && ikm_e != NULL)
    {
      st = kem_derive_sk (kem, ikm_e, ikm_e_len, skE);
      if (st == CV_OK)
        st = kem_private_key (kem, skE, kem->nsk, &sk_e, enc);
    }
  else if (st == CV_OK)
    st = kem_generate (kem, &sk_e, enc, NULL);
  if (st == CV_OK)
    st = kem_dh (kem, sk_e, pk_r, dh);
  if (st == CV_OK && sk_s != NULL)
    {
      st = kem_private_key (kem, sk_s, sk_s_len, &sk_sender, pkS);
      if (st == CV_OK)
        st = kem_dh (kem, sk_sender, pk_r, dh + kem->ndh);
    }
  if (st == CV_OK)
    {
      span context[] = { SPAN (enc, kem->npk), SPAN (pkR, kem->npk), SPAN (pkS, kem->npk) };
      st = kem_extract_and_expand (kem, dh, sk_s ? 2 * kem->ndh : kem->ndh,
                                   context, sk_s ? 3 : 2, shared_secret);
    }
  OPENSSL_cleanse (skE, sizeof skE);
  OPENSSL_cleanse (dh, sizeof dh);
  EVP_PKEY_free (pk_r);
  EVP_PKEY_free (sk_e);
  EVP_PKEY_free (sk_sender);
  return st;
}

/* Decap / AuthDecap: pk_s NULL for Decap. */
static cv_status
kem_decap (const kem_info *kem, const uint8_t *enc, size_t enc_len,
           const uint8_t *skR, size_t skR_len, const uint8_t *pk_s, size_t pk_s_len,
           uint8_t *shared_secret)
{
  EVP_PKEY *pk_e = NULL, *sk_r = NULL, *pk_sender = NULL;
  uint8_t pkR[MAX_NPK], dh[2 * MAX_NDH];
  cv_status st;

  st = kem_public_key (kem, enc, enc_len, &pk_e);
  if (st == CV_OK)
    st = kem_private_key (kem, skR, skR_len, &sk_r, pkR);
  if (st == CV_OK)
    st = kem_dh (kem, sk_r, pk_e, dh);
  if (st == CV_OK && pk_s != NULL)
    {
      st = kem_public_key (kem, pk_s, pk_s_len, &pk_sender);
      if (st == CV_OK)
        st = kem_dh (kem, sk_r, pk_sender, dh + kem->ndh);
    }
  if (st == CV_OK)
    {
      span context[] = { SPAN (enc, kem->npk), SPAN (pkR, kem->npk), SPAN (pk_s, kem->npk) };
      st = kem_extract_and_expand (kem, dh, pk_s ? 2 * kem->ndh : kem->ndh,
                                   context, pk_s ? 3 : 2, shared_secret);
    }
  OPENSSL_cleanse (dh, sizeof dh);
  EVP_PKEY_free (pk_e);
  EVP_PKEY_free (sk_r);
  EVP_PKEY_free (pk_sender);
  return st;
}

/* ---- Public key functions ---- */

cv_status
cv_hpke_derive_key_pair (uint16_t kem_id, const uint8_t *ikm, size_t ikm_len,
                         cv_bytes *sk, cv_bytes *pk)
{
  const kem_info *kem;
  uint8_t skm[MAX_NSK];
  cv_status st = resolve_kem (kem_id, &kem);

  if (st == CV_OK)
    st = kem_derive_sk (kem, ikm, ikm_len, skm);
  if (st == CV_OK)
    st = cv_hpke_public_key_from_private (kem_id, skm, kem->nsk, pk);
  if (st == CV_OK)
    {
      st = cv_bytes_set (sk, skm, kem->nsk);
      if (st != CV_OK)
        cv_bytes_clear (pk);
    }
  OPENSSL_cleanse (skm, sizeof skm);
  return st;
}

cv_status
cv_hpke_generate_key_pair (uint16_t kem_id, cv_bytes *sk, cv_bytes *pk)
{
  const kem_info *kem;
  EVP_PKEY *pkey = NULL;
  uint8_t skm[MAX_NSK], pkm[MAX_NPK];
  cv_status st = resolve_kem (kem_id, &kem);

  if (st == CV_OK)
    st = kem_generate (kem, &pkey, pkm, skm);
  EVP_PKEY_free (pkey);
  if (st == CV_OK)
    st = cv_bytes_set (sk, skm, kem->nsk);
  if (st == CV_OK)
    {
      st = cv_bytes_set (pk, pkm, kem->npk);
      if (st != CV_OK)
        cv_bytes_clear (sk);
    }
  OPENSSL_cleanse (skm, sizeof skm);
  return st;
}

cv_status
cv_hpke_public_key_from_private (uint16_t kem_id, const uint8_t *sk, size_t sk_len, cv_bytes *pk)
{
  const kem_info *kem;
  EVP_PKEY *pkey = NULL;
  uint8_t pkm[MAX_NPK];
  cv_status st = resolve_kem (kem_id, &kem);

  if (st == CV_OK)
    st = kem_private_key (kem, sk, sk_len, &pkey, pkm);
  EVP_PKEY_free (pkey);
  if (st == CV_OK)
    st = cv_bytes_set (pk, pkm, kem->npk);
  return st;
}

cv_status
cv_hpke_check_public_key (uint16_t kem_id, const uint8_t *pk, size_t pk_len)
{
  const kem_info *kem;
  EVP_PKEY *pkey = NULL;
  cv_status st = resolve_kem (kem_id, &kem);

  if (st == CV_OK)
    st = kem_public_key (kem, pk, pk_len, &pkey);
  EVP_PKEY_free (pkey);
  return st;
}

/* ---- Key schedule and context (§5) ---- */

struct cv_hpke_context {
  suite_info suite;
  bool is_sender;
  uint64_t seq;
  uint8_t key[MAX_NK];
  uint8_t base_nonce[MAX_NN];
  uint8_t exporter_secret[MAX_NH];
  EVP_CIPHER_CTX *cctx;      /* keyed once; only the nonce changes per message */
};

void
cv_hpke_trace_clear (cv_hpke_trace *trace)
{
  if (trace == NULL)
    return;
  cv_bytes_clear (&trace->shared_secret);
  cv_bytes_clear (&trace->key_schedule_context);
  cv_bytes_clear (&trace->secret);
  cv_bytes_clear (&trace->key);
  cv_bytes_clear (&trace->base_nonce);
  cv_bytes_clear (&trace->exporter_secret);
}

void
cv_hpke_context_free (cv_hpke_context *ctx)
{
  if (ctx == NULL)
    return;
  EVP_CIPHER_CTX_free (ctx->cctx);
  OPENSSL_cleanse (ctx, sizeof *ctx);
  free (ctx);
}

static const cv_hpke_mode_args base_args = { .mode = CV_HPKE_MODE_BASE };

/* VerifyPSKInputs (§5.1) plus the auth-key presence rule of each side. */
static cv_status
check_mode_args (const cv_hpke_mode_args *a, bool sender)
{
  bool got_psk = a->psk_len > 0, got_psk_id = a->psk_id_len > 0;
  bool psk_mode = a->mode == CV_HPKE_MODE_PSK || a->mode == CV_HPKE_MODE_AUTH_PSK;
  bool auth_mode = a->mode == CV_HPKE_MODE_AUTH || a->mode == CV_HPKE_MODE_AUTH_PSK;
  bool got_auth_key = sender ? a->sk_s != NULL : a->pk_s != NULL;

  if (a->mode > CV_HPKE_MODE_AUTH_PSK)
    return cv_fail (CV_ERR_UNSUPPORTED, "RFC 9180 §5: unknown mode %u", a->mode);
  if ((got_psk && a->psk == NULL) || (got_psk_id && a->psk_id == NULL))
    return cv_fail (CV_ERR_ARGUMENT, "HPKE: psk or psk_id length without data");
  if (got_psk != got_psk_id)
    return cv_fail (CV_ERR_INVALID, "RFC 9180 §5.1: psk and psk_id must be given together");
  if (got_psk && !psk_mode)
    return cv_fail (CV_ERR_INVALID, "RFC 9180 §5.1: a psk was given in mode %u", a->mode);
  if (!got_psk && psk_mode)
    return cv_fail (CV_ERR_INVALID, "RFC 9180 §5.1: mode %u needs a psk", a->mode);
  if (got_psk && a->psk_len < 32)
    return cv_fail (CV_ERR_INVALID, "RFC 9180 §9.5: a psk must have at least 32 bytes, got %zu",
                    a->psk_len);
  if (auth_mode && !got_auth_key)
    return cv_fail (CV_ERR_INVALID, "RFC 9180 §5.1.3: mode %u needs the sender's %s key",
                    a->mode, sender ? "private" : "public");
  if (!auth_mode && (a->sk_s != NULL || a->pk_s != NULL))
    return cv_fail (CV_ERR_INVALID, "RFC 9180 §5.1.3: a sender key was given in mode %u", a->mode);
  return CV_OK;
}

static cv_status
trace_set (cv_hpke_trace *trace, cv_bytes *member, const uint8_t *data, size_t len)
{
  if (trace == NULL)
    return CV_OK;
  cv_bytes_clear (member);
  return cv_bytes_set (member, data, len);
}

static cv_status
key_schedule (const suite_info *si, const cv_hpke_mode_args *a, bool sender,
              const uint8_t *shared_secret, const uint8_t *info, size_t info_len,
              cv_hpke_context **out)
{
  int kdf = si->kdf->index;
  size_t nh = si->kdf->nh;
  uint8_t ks_context[1 + 2 * MAX_NH], secret[MAX_NH];
  size_t ks_len = 1 + 2 * nh;
  cv_hpke_trace *trace = a->trace;
  cv_hpke_context *ctx;
  cv_status st;

  ctx = calloc (1, sizeof *ctx);
  if (ctx == NULL)
    return cv_fail (CV_ERR_NOMEM, "HPKE: cannot allocate a context");
  ctx->suite = *si;
  ctx->is_sender = sender;

  /* key_schedule_context = mode || LabeledExtract("", "psk_id_hash", psk_id)
   *                             || LabeledExtract("", "info_hash", info) */
  ks_context[0] = a->mode;
  st = labeled_extract (kdf, si->suite_id, 10, NULL, 0, "psk_id_hash",
                        a->psk_id, a->psk_id_len, ks_context + 1);
  if (st == CV_OK && a->info_hash != NULL)
    {
      if (a->info_hash_len == nh)
        memcpy (ks_context + 1 + nh, a->info_hash, nh);
      else
        st = cv_fail (CV_ERR_ARGUMENT, "HPKE: info_hash is %zu bytes, the KDF's Nh is %zu",
                      a->info_hash_len, nh);
    }
  else if (st == CV_OK)
    st = labeled_extract (kdf, si->suite_id, 10, NULL, 0, "info_hash",
                          info, info_len, ks_context + 1 + nh);
  if (st == CV_OK)
    st = labeled_extract (kdf, si->suite_id, 10, shared_secret, si->kem->nsecret, "secret",
                          a->psk, a->psk_len, secret);
  if (st == CV_OK && si->aead->nk > 0)
    st = labeled_expand (kdf, si->suite_id, 10, secret, "key", ks_context, ks_len,
                         si->aead->nk, ctx->key);
  if (st == CV_OK && si->aead->nn > 0)
    st = labeled_expand (kdf, si->suite_id, 10, secret, "base_nonce", ks_context, ks_len,
                         si->aead->nn, ctx->base_nonce);
  if (st == CV_OK)
    st = labeled_expand (kdf, si->suite_id, 10, secret, "exp", ks_context, ks_len,
                         nh, ctx->exporter_secret);

  if (st == CV_OK && si->aead->cipher_name != NULL)
    {
      ctx->cctx = EVP_CIPHER_CTX_new ();
      const EVP_CIPHER *cipher = algs.cipher[si->aead->index];
      int ok = ctx->cctx != NULL
               && (sender ? EVP_EncryptInit_ex2 (ctx->cctx, cipher, ctx->key, NULL, NULL)
                          : EVP_DecryptInit_ex2 (ctx->cctx, cipher, ctx->key, NULL, NULL));
      if (!ok)
        st = cv_fail (CV_ERR_CRYPTO, "HPKE: cannot key %s", si->aead->cipher_name);
    }

  if (st == CV_OK && trace != NULL)
    {
      st = trace_set (trace, &trace->shared_secret, shared_secret, si->kem->nsecret);
      if (st == CV_OK)
        st = trace_set (trace, &trace->key_schedule_context, ks_context, ks_len);
      if (st == CV_OK)
        st = trace_set (trace, &trace->secret, secret, nh);
      if (st == CV_OK)
        st = trace_set (trace, &trace->key, ctx->key, si->aead->nk);
      if (st == CV_OK)
        st = trace_set (trace, &trace->base_nonce, ctx->base_nonce, si->aead->nn);
      if (st == CV_OK)
        st = trace_set (trace, &trace->exporter_secret, ctx->exporter_secret, nh);
    }

  OPENSSL_cleanse (secret, sizeof secret);
  if (st != CV_OK)
    {
      cv_hpke_context_free (ctx);
      return st;
    }
  *out = ctx;
  return CV_OK;
}

cv_status
cv_hpke_info_hash (const cv_hpke_suite *s, const uint8_t *info, size_t info_len, cv_bytes *out)
{
  suite_info si;
  cv_status st;

  if (info == NULL && info_len > 0)
    return cv_fail (CV_ERR_ARGUMENT, "HPKE: info length without data");
  st = resolve_suite (s, &si);
  if (st == CV_OK)
    st = cv_bytes_alloc (out, si.kdf->nh);
  if (st == CV_OK)
    st = labeled_extract (si.kdf->index, si.suite_id, 10, NULL, 0, "info_hash", info, info_len,
                          out->data);
  if (st != CV_OK)
    cv_bytes_clear (out);
  return st;
}

cv_status
cv_hpke_setup_s (const cv_hpke_suite *s, const uint8_t *pkR, size_t pkR_len,
                 const uint8_t *info, size_t info_len, const cv_hpke_mode_args *args,
                 cv_bytes *enc, cv_hpke_context **ctx)
{
  suite_info si;
  uint8_t shared_secret[MAX_NH], encm[MAX_NPK];
  const cv_hpke_mode_args *a = args ? args : &base_args;
  cv_status st;

  if (enc == NULL || ctx == NULL || (info == NULL && info_len > 0))
    return cv_fail (CV_ERR_ARGUMENT, "HPKE: SetupS needs enc, ctx and info");
  *ctx = NULL;
  st = resolve_suite (s, &si);
  if (st == CV_OK)
    st = check_mode_args (a, true);
  if (st == CV_OK)
    st = kem_encap (si.kem, pkR, pkR_len, a->sk_s, a->sk_s_len, a->ikm_e, a->ikm_e_len,
                    shared_secret, encm);
  if (st == CV_OK)
    st = key_schedule (&si, a, true, shared_secret, info, info_len, ctx);
  if (st == CV_OK)
    {
      st = cv_bytes_set (enc, encm, si.kem->npk);
      if (st != CV_OK)
        {
          cv_hpke_context_free (*ctx);
          *ctx = NULL;
        }
    }
  OPENSSL_cleanse (shared_secret, sizeof shared_secret);
  return st;
}

cv_status
cv_hpke_setup_r (const cv_hpke_suite *s, const uint8_t *enc, size_t enc_len,
                 const uint8_t *skR, size_t skR_len,
                 const uint8_t *info, size_t info_len, const cv_hpke_mode_args *args,
                 cv_hpke_context **ctx)
{
  suite_info si;
  uint8_t shared_secret[MAX_NH];
  const cv_hpke_mode_args *a = args ? args : &base_args;
  cv_status st;

  if (ctx == NULL || (info == NULL && info_len > 0))
    return cv_fail (CV_ERR_ARGUMENT, "HPKE: SetupR needs ctx and info");
  *ctx = NULL;
  st = resolve_suite (s, &si);
  if (st == CV_OK)
    st = check_mode_args (a, false);
  if (st == CV_OK)
    st = kem_decap (si.kem, enc, enc_len, skR, skR_len, a->pk_s, a->pk_s_len, shared_secret);
  if (st == CV_OK)
    st = key_schedule (&si, a, false, shared_secret, info, info_len, ctx);
  OPENSSL_cleanse (shared_secret, sizeof shared_secret);
  return st;
}

cv_status
cv_hpke_setup_base_s (const cv_hpke_suite *s, const uint8_t *pkR, size_t pkR_len,
                      const uint8_t *info, size_t info_len,
                      cv_bytes *enc, cv_hpke_context **ctx)
{
  return cv_hpke_setup_s (s, pkR, pkR_len, info, info_len, NULL, enc, ctx);
}

cv_status
cv_hpke_setup_base_r (const cv_hpke_suite *s, const uint8_t *enc, size_t enc_len,
                      const uint8_t *skR, size_t skR_len,
                      const uint8_t *info, size_t info_len, cv_hpke_context **ctx)
{
  return cv_hpke_setup_r (s, enc, enc_len, skR, skR_len, info, info_len, NULL, ctx);
}

cv_status
cv_hpke_setup_psk_s (const cv_hpke_suite *s, const uint8_t *pkR, size_t pkR_len,
                     const uint8_t *info, size_t info_len,
                     const uint8_t *psk, size_t psk_len,
                     const uint8_t *psk_id, size_t psk_id_len,
                     cv_bytes *enc, cv_hpke_context **ctx)
{
  cv_hpke_mode_args a = { .mode = CV_HPKE_MODE_PSK, .psk = psk, .psk_len = psk_len,
                          .psk_id = psk_id, .psk_id_len = psk_id_len };
  return cv_hpke_setup_s (s, pkR, pkR_len, info, info_len, &a, enc, ctx);
}

cv_status
cv_hpke_setup_psk_r (const cv_hpke_suite *s, const uint8_t *enc, size_t enc_len,
                     const uint8_t *skR, size_t skR_len,
                     const uint8_t *info, size_t info_len,
                     const uint8_t *psk, size_t psk_len,
                     const uint8_t *psk_id, size_t psk_id_len,
                     cv_hpke_context **ctx)
{
  cv_hpke_mode_args a = { .mode = CV_HPKE_MODE_PSK, .psk = psk, .psk_len = psk_len,
                          .psk_id = psk_id, .psk_id_len = psk_id_len };
  return cv_hpke_setup_r (s, enc, enc_len, skR, skR_len, info, info_len, &a, ctx);
}

cv_status
cv_hpke_setup_auth_s (const cv_hpke_suite *s, const uint8_t *pkR, size_t pkR_len,
                      const uint8_t *info, size_t info_len,
                      const uint8_t *skS, size_t skS_len,
                      cv_bytes *enc, cv_hpke_context **ctx)
{
  cv_hpke_mode_args a = { .mode = CV_HPKE_MODE_AUTH, .sk_s = skS, .sk_s_len = skS_len };
  return cv_hpke_setup_s (s, pkR, pkR_len, info, info_len, &a, enc, ctx);
}

cv_status
cv_hpke_setup_auth_r (const cv_hpke_suite *s, const uint8_t *enc, size_t enc_len,
                      const uint8_t *skR, size_t skR_len,
                      const uint8_t *info, size_t info_len,
                      const uint8_t *pkS, size_t pkS_len,
                      cv_hpke_context **ctx)
{
  cv_hpke_mode_args a = { .mode = CV_HPKE_MODE_AUTH, .pk_s = pkS, .pk_s_len = pkS_len };
  return cv_hpke_setup_r (s, enc, enc_len, skR, skR_len, info, info_len, &a, ctx);
}

cv_status
cv_hpke_setup_auth_psk_s (const cv_hpke_suite *s, const uint8_t *pkR, size_t pkR_len,
                          const uint8_t *info, size_t info_len,
                          const uint8_t *psk, size_t psk_len,
                          const uint8_t *psk_id, size_t psk_id_len,
                          const uint8_t *skS, size_t skS_len,
                          cv_bytes *enc, cv_hpke_context **ctx)
{
  cv_hpke_mode_args a = { .mode = CV_HPKE_MODE_AUTH_PSK, .psk = psk, .psk_len = psk_len,
                          .psk_id = psk_id, .psk_id_len = psk_id_len,
                          .sk_s = skS, .sk_s_len = skS_len };
  return cv_hpke_setup_s (s, pkR, pkR_len, info, info_len, &a, enc, ctx);
}

cv_status
cv_hpke_setup_auth_psk_r (const cv_hpke_suite *s, const uint8_t *enc, size_t enc_len,
                          const uint8_t *skR, size_t skR_len,
                          const uint8_t *info, size_t info_len,
                          const uint8_t *psk, size_t psk_len,
                          const uint8_t *psk_id, size_t psk_id_len,
                          const uint8_t *pkS, size_t pkS_len,
                          cv_hpke_context **ctx)
{
  cv_hpke_mode_args a = { .mode = CV_HPKE_MODE_AUTH_PSK, .psk = psk, .psk_len = psk_len,
                          .psk_id = psk_id, .psk_id_len = psk_id_len,
                          .pk_s = pkS, .pk_s_len = pkS_len };
  return cv_hpke_setup_r (s, enc, enc_len, skR, skR_len, info, info_len, &a, ctx);
}

/* ComputeNonce (§5.2): base_nonce XOR I2OSP(seq, Nn). */
static void
compute_nonce (const cv_hpke_context *ctx, uint8_t *nonce)
{
  size_t nn = ctx->suite.aead->nn;

  memcpy (nonce, ctx->base_nonce, nn);
  for (size_t i = 0; i < 8; i++)
    nonce[nn - 1 - i] ^= (uint8_t) (ctx->seq >> (8 * i));
}

/* The checks shared by seal and open. */
static cv_status
check_aead_use (const cv_hpke_context *ctx, bool sealing, size_t in_len)
{
  if (ctx == NULL)
    return cv_fail (CV_ERR_ARGUMENT, "HPKE: no context");
  if (ctx->cctx == NULL)
    return cv_fail (CV_ERR_UNSUPPORTED, "RFC 9180 §5.2: an export-only context cannot %s",
                    sealing ? "seal" : "open");
  if (ctx->is_sender != sealing)
    return cv_fail (CV_ERR_STATE, "RFC 9180 §5.2: a %s context cannot %s",
                    ctx->is_sender ? "sender" : "recipient", sealing ? "seal" : "open");
  /* The counter is 64 bits, below the 8 * Nn of the RFC: stop one short of wrapping. */
  if (ctx->seq == UINT64_MAX)
    return cv_fail (CV_ERR_STATE, "RFC 9180 §5.2: MessageLimitReachedError (sequence number exhausted)");
  if (in_len > (size_t) INT_MAX - MAX_NT)
    return cv_fail (CV_ERR_TOO_LARGE, "HPKE: message of %zu bytes is too large", in_len);
  return CV_OK;
}

cv_status
cv_hpke_context_seal_into (cv_hpke_context *ctx, const uint8_t *aad, size_t aad_len,
                           const uint8_t *pt, size_t pt_len,
                           uint8_t *ct, size_t ct_cap, size_t *ct_len)
{
  uint8_t nonce[MAX_NN];
  int n = 0, fin = 0;
  cv_status st = check_aead_use (ctx, true, pt_len);

  if (st != CV_OK)
    return st;
  size_t nt = ctx->suite.aead->nt;
  if (aad_len > (size_t) INT_MAX || (aad == NULL && aad_len > 0) || (pt == NULL && pt_len > 0))
    return cv_fail (CV_ERR_ARGUMENT, "HPKE: bad aad or plaintext");
  if (ct == NULL || ct_cap < pt_len + nt)
    return cv_fail (CV_ERR_ARGUMENT, "HPKE: ciphertext buffer of %zu bytes, need %zu",
                    ct_cap, pt_len + nt);

  compute_nonce (ctx, nonce);
  bool ok = EVP_EncryptInit_ex2 (ctx->cctx, NULL, NULL, nonce, NULL) == 1;
  if (ok && aad_len > 0)
    ok = EVP_EncryptUpdate (ctx->cctx, NULL, &n, aad, (int) aad_len) == 1;
  n = 0;
  if (ok && pt_len > 0)
    ok = EVP_EncryptUpdate (ctx->cctx, ct, &n, pt, (int) pt_len) == 1;
  ok = ok && EVP_EncryptFinal_ex (ctx->cctx, ct + n, &fin) == 1
       && (size_t) n + (size_t) fin == pt_len
       && EVP_CIPHER_CTX_ctrl (ctx->cctx, EVP_CTRL_AEAD_GET_TAG, (int) nt, ct + pt_len) == 1;
  if (!ok)
    {
      OPENSSL_cleanse (ct, ct_cap);
      return cv_fail (CV_ERR_CRYPTO, "HPKE: %s seal failed", ctx->suite.aead->cipher_name);
    }
  *ct_len = pt_len + nt;
  ctx->seq++;
  return CV_OK;
}

cv_status
cv_hpke_context_open_into (cv_hpke_context *ctx, const uint8_t *aad, size_t aad_len,
                           const uint8_t *ct, size_t ct_len,
                           uint8_t *pt, size_t pt_cap, size_t *pt_len)
{
  uint8_t nonce[MAX_NN], tag[MAX_NT];
  int n = 0, fin = 0;
  cv_status st = check_aead_use (ctx, false, ct_len);

  if (st != CV_OK)
    return st;
  size_t nt = ctx->suite.aead->nt;
  if (aad_len > (size_t) INT_MAX || (aad == NULL && aad_len > 0) || ct == NULL)
    return cv_fail (CV_ERR_ARGUMENT, "HPKE: bad aad or ciphertext");
  if (ct_len < nt)
    return cv_fail (CV_ERR_TRUNCATED, "RFC 9180 §5.2: ciphertext of %zu bytes is shorter than the %zu-byte tag",
                    ct_len, nt);
  size_t body = ct_len - nt;
  if ((pt == NULL && body > 0) || pt_cap < body)
    return cv_fail (CV_ERR_ARGUMENT, "HPKE: plaintext buffer of %zu bytes, need %zu", pt_cap, body);

  compute_nonce (ctx, nonce);
  memcpy (tag, ct + body, nt);
  bool ok = EVP_DecryptInit_ex2 (ctx->cctx, NULL, NULL, nonce, NULL) == 1;
  if (ok && aad_len > 0)
    ok = EVP_DecryptUpdate (ctx->cctx, NULL, &n, aad, (int) aad_len) == 1;
  n = 0;
  if (ok && body > 0)
    ok = EVP_DecryptUpdate (ctx->cctx, pt, &n, ct, (int) body) == 1;
  ok = ok && EVP_CIPHER_CTX_ctrl (ctx->cctx, EVP_CTRL_AEAD_SET_TAG, (int) nt, tag) == 1
       && EVP_DecryptFinal_ex (ctx->cctx, pt ? pt + n : NULL, &fin) == 1
       && (size_t) n + (size_t) fin == body;
  if (!ok)
    {
      if (pt != NULL)
        OPENSSL_cleanse (pt, pt_cap);
      return cv_fail (CV_ERR_AUTH, "RFC 9180 §5.2: OpenError (%s tag did not verify)",
                      ctx->suite.aead->cipher_name);
    }
  *pt_len = body;
  ctx->seq++;
  return CV_OK;
}

cv_status
cv_hpke_context_seal (cv_hpke_context *ctx, const uint8_t *aad, size_t aad_len,
                      const uint8_t *pt, size_t pt_len, cv_bytes *ct)
{
  cv_bytes out = CV_BYTES_INIT;
  size_t len = 0;
  cv_status st = check_aead_use (ctx, true, pt_len);

  if (st == CV_OK)
    st = cv_bytes_alloc (&out, pt_len + ctx->suite.aead->nt);
  if (st == CV_OK)
    st = cv_hpke_context_seal_into (ctx, aad, aad_len, pt, pt_len, out.data, out.len, &len);
  if (st != CV_OK)
    {
      cv_bytes_clear (&out);
      return st;
    }
  *ct = out;
  return CV_OK;
}

cv_status
cv_hpke_context_open (cv_hpke_context *ctx, const uint8_t *aad, size_t aad_len,
                      const uint8_t *ct, size_t ct_len, cv_bytes *pt)
{
  cv_bytes out = CV_BYTES_INIT;
  size_t len = 0;
  cv_status st = check_aead_use (ctx, false, ct_len);

  if (st == CV_OK && ct_len < ctx->suite.aead->nt)
    st = cv_fail (CV_ERR_TRUNCATED, "RFC 9180 §5.2: ciphertext of %zu bytes is shorter than the %zu-byte tag",
                  ct_len, ctx->suite.aead->nt);
  if (st == CV_OK)
    st = cv_bytes_alloc (&out, ct_len - ctx->suite.aead->nt);
  if (st == CV_OK)
    st = cv_hpke_context_open_into (ctx, aad, aad_len, ct, ct_len, out.data, out.len, &len);
  if (st != CV_OK)
    {
      cv_bytes_clear (&out);
      return st;
    }
  *pt = out;
  return CV_OK;
}

cv_status
cv_hpke_context_export (const cv_hpke_context *ctx,
                        const uint8_t *exporter_context, size_t exporter_context_len,
                        size_t L, cv_bytes *out)
{
  cv_bytes value = CV_BYTES_INIT;
  cv_status st;

  if (ctx == NULL || out == NULL || (exporter_context == NULL && exporter_context_len > 0))
    return cv_fail (CV_ERR_ARGUMENT, "HPKE: Export needs a context and an output");
  if (L > 255 * ctx->suite.kdf->nh)
    return cv_fail (CV_ERR_TOO_LARGE, "RFC 9180 §5.3: export length %zu exceeds 255 * Nh", L);
  st = cv_bytes_alloc (&value, L);
  if (st == CV_OK)
    st = labeled_expand (ctx->suite.kdf->index, ctx->suite.suite_id, 10, ctx->exporter_secret,
                         "sec", exporter_context, exporter_context_len, L, value.data);
  if (st != CV_OK)
    {
      cv_bytes_clear (&value);
      return st;
    }
  *out = value;
  return CV_OK;
}

uint64_t
cv_hpke_context_seq (const cv_hpke_context *ctx)
{
  return ctx ? ctx->seq : 0;
}

void
cv_hpke_context_set_seq (cv_hpke_context *ctx, uint64_t seq)
{
  if (ctx != NULL)
    ctx->seq = seq;
}

/* ---- Single-shot API (§6) ---- */

cv_status
cv_hpke_seal (const cv_hpke_suite *s, const uint8_t *pkR, size_t pkR_len,
              const uint8_t *info, size_t info_len, const cv_hpke_mode_args *args,
              const uint8_t *aad, size_t aad_len,
              const uint8_t *pt, size_t pt_len, cv_bytes *enc, cv_bytes *ct)
{
  cv_hpke_context *ctx = NULL;
  cv_bytes e = CV_BYTES_INIT;
  cv_status st = cv_hpke_setup_s (s, pkR, pkR_len, info, info_len, args, &e, &ctx);

  if (st == CV_OK)
    st = cv_hpke_context_seal (ctx, aad, aad_len, pt, pt_len, ct);
  cv_hpke_context_free (ctx);
  if (st != CV_OK)
    {
      cv_bytes_clear (&e);
      return st;
    }
  *enc = e;
  return CV_OK;
}

cv_status
cv_hpke_open (const cv_hpke_suite *s, const uint8_t *skR, size_t skR_len,
              const uint8_t *enc, size_t enc_len,
              const uint8_t *info, size_t info_len, const cv_hpke_mode_args *args,
              const uint8_t *aad, size_t aad_len,
              const uint8_t *ct, size_t ct_len, cv_bytes *pt)
{
  cv_hpke_context *ctx = NULL;
  cv_status st = cv_hpke_setup_r (s, enc, enc_len, skR, skR_len, info, info_len, args, &ctx);

  if (st == CV_OK)
    st = cv_hpke_context_open (ctx, aad, aad_len, ct, ct_len, pt);
  cv_hpke_context_free (ctx);
  return st;
}

cv_status
cv_hpke_seal_base (const cv_hpke_suite *s, const uint8_t *pkR, size_t pkR_len,
    const uint8_t *info, size_t info_len, const uint8_t *aad, size_t aad_len,
    const uint8_t *pt, size_t pt_len, cv_bytes *enc, cv_bytes *ct)
{
  return cv_hpke_seal (s, pkR, pkR_len, info, info_len, NULL, aad, aad_len, pt, pt_len, enc, ct);
}

cv_status
cv_hpke_open_base (const cv_hpke_suite *s, const uint8_t *skR, size_t skR_len,
    const uint8_t *enc, size_t enc_len, const uint8_t *info, size_t info_len,
    const uint8_t *aad, size_t aad_len, const uint8_t *ct, size_t ct_len, cv_bytes *pt)
{
  return cv_hpke_open (s, skR, skR_len, enc, enc_len, info, info_len, NULL,
                       aad, aad_len, ct, ct_len, pt);
}

cv_status
cv_hpke_send_export (const cv_hpke_suite *s, const uint8_t *pkR, size_t pkR_len,
                     const uint8_t *info, size_t info_len, const cv_hpke_mode_args *args,
                     const uint8_t *exporter_context, size_t exporter_context_len,
                     size_t L, cv_bytes *enc, cv_bytes *out)
{
  cv_hpke_context *ctx = NULL;
  cv_bytes e = CV_BYTES_INIT;
  cv_status st = cv_hpke_setup_s (s, pkR, pkR_len, info, info_len, args, &e, &ctx);

  if (st == CV_OK)
    st = cv_hpke_context_export (ctx, exporter_context, exporter_context_len, L, out);
  cv_hpke_context_free (ctx);
  if (st != CV_OK)
    {
      cv_bytes_clear (&e);
      return st;
    }
  *enc = e;
  return CV_OK;
}

cv_status
cv_hpke_receive_export (const cv_hpke_suite *s, const uint8_t *skR, size_t skR_len,
                        const uint8_t *enc, size_t enc_len,
                        const uint8_t *info, size_t info_len, const cv_hpke_mode_args *args,
                        const uint8_t *exporter_context, size_t exporter_context_len,
                        size_t L, cv_bytes *out)
{
  cv_hpke_context *ctx = NULL;
  cv_status st = cv_hpke_setup_r (s, enc, enc_len, skR, skR_len, info, info_len, args, &ctx);

  if (st == CV_OK)
    st = cv_hpke_context_export (ctx, exporter_context, exporter_context_len, L, out);
  cv_hpke_context_free (ctx);
  return st;
}
