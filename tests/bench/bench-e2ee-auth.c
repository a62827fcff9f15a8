/* bench-e2ee "auth": what per-sender media authenticity costs
 * (e2ee/cv-media-auth.h, docs/media-authenticity.md).
 *
 * For each signature scheme of the MLS suites: signing and verifying a
 * statement of one second of audio (50 frame hashes) through SignWithLabel /
 * VerifyWithLabel, against raw EVP_DigestSign / EVP_DigestVerify of the same
 * bytes with the key already parsed (what our wrappers add: the SignContent
 * encoding and parsing the key from its MLS encoding each time). Then the
 * per-frame work, the truncated hash of a 1200-byte frame and the verifier's
 * bookkeeping, against a bare SHA-256 of the same frame. Last, the sizes of
 * real statements and what a receiver of N streams spends. */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include "bench-e2ee.h"
#include "cv-media-auth.h"
#include "cv-mls-codec.h"
#include "cv-mls-suite.h"

#define AUDIO_FRAMES 50
#define VIDEO_FRAMES 30
#define FRAME_LEN 1200

static const struct {
  uint16_t suite;
  const char *scheme;
  const char *md;     /* NULL for EdDSA */
} schemes[] = {
  { 1, "Ed25519", NULL },
  { 2, "ECDSA P-256", "SHA256" },
  { 7, "ECDSA P-384", "SHA384" },
  { 5, "ECDSA P-521", "SHA512" },
  { 4, "Ed448", NULL },
};

static void
report_pair (const char *name, bench_op ours, void *our_arg,
             const char *baseline_name, bench_op raw, void *raw_arg, double seconds, double *ours_out)
{
  double best_ours = 0, best_raw = 0;

  /* Alternate and keep each side's best: the machine is shared. */
  for (int round = 0; round < 3; round++)
    {
      double r = bench_rate (raw, raw_arg, seconds / 3);
      double o = bench_rate (ours, our_arg, seconds / 3);
      best_raw = r > best_raw ? r : best_raw;
      best_ours = o > best_ours ? o : best_ours;
    }
  bench_report (name, best_ours, baseline_name, best_raw);
  if (ours_out != NULL)
    *ours_out = best_ours;
}

typedef struct {
  const cv_mls_suite *suite;
  const char *md;
  cv_bytes priv, pub, sig;
  uint8_t tbs[1200];
  size_t tbs_len;
  uint8_t sign_content[1300];
  size_t sign_content_len;
  EVP_PKEY *pkey;
  EVP_MD_CTX *ctx;
  uint8_t raw_sig[256];
  size_t raw_sig_len;
} sig_bench;

static int
our_sign (void *arg)
{
  sig_bench *b = arg;
  cv_bytes sig = CV_BYTES_INIT;
  cv_status st = cv_mls_sign_with_label (b->suite, b->priv.data, b->priv.len, CV_MEDIA_AUTH_LABEL,
                                         b->tbs, b->tbs_len, &sig);

  cv_bytes_clear (&sig);
  return st != CV_OK;
}

static int
our_verify (void *arg)
{
  sig_bench *b = arg;

  return cv_mls_verify_with_label (b->suite, b->pub.data, b->pub.len, CV_MEDIA_AUTH_LABEL,
                                   b->tbs, b->tbs_len, b->sig.data, b->sig.len) != CV_OK;
}

static int
raw_sign (void *arg)
{
  sig_bench *b = arg;

  b->raw_sig_len = sizeof b->raw_sig;
  return EVP_DigestSignInit_ex (b->ctx, NULL, b->md, NULL, NULL, b->pkey, NULL) <= 0
         || EVP_DigestSign (b->ctx, b->raw_sig, &b->raw_sig_len, b->sign_content,
                            b->sign_content_len) <= 0;
}

static int
raw_verify (void *arg)
{
  sig_bench *b = arg;

  return EVP_DigestVerifyInit_ex (b->ctx, NULL, b->md, NULL, NULL, b->pkey, NULL) <= 0
         || EVP_DigestVerify (b->ctx, b->raw_sig, b->raw_sig_len, b->sign_content,
                              b->sign_content_len) != 1;
}

/* The private key as an EVP_PKEY, for the raw side. */
static EVP_PKEY *
parse_private (const cv_mls_suite *s, const cv_bytes *priv, const cv_bytes *pub)
{
  EVP_PKEY *pkey = NULL;

  if (s->signature == CV_MLS_SIG_ED25519 || s->signature == CV_MLS_SIG_ED448)
    return EVP_PKEY_new_raw_private_key (s->signature == CV_MLS_SIG_ED25519 ? EVP_PKEY_ED25519
                                         : EVP_PKEY_ED448, NULL, priv->data, priv->len);

  const char *curve = s->signature == CV_MLS_SIG_ECDSA_P256_SHA256 ? "P-256"
                      : s->signature == CV_MLS_SIG_ECDSA_P384_SHA384 ? "P-384" : "P-521";
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name (NULL, "EC", NULL);
  BIGNUM *d = BN_bin2bn (priv->data, (int) priv->len, NULL);
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new ();
  OSSL_PARAM *params = NULL;

  if (ctx != NULL && d != NULL && bld != NULL
      && OSSL_PARAM_BLD_push_utf8_string (bld, OSSL_PKEY_PARAM_GROUP_NAME, curve, 0)
      && OSSL_PARAM_BLD_push_BN (bld, OSSL_PKEY_PARAM_PRIV_KEY, d)
      && OSSL_PARAM_BLD_push_octet_string (bld, OSSL_PKEY_PARAM_PUB_KEY, pub->data, pub->len)
      && (params = OSSL_PARAM_BLD_to_param (bld)) != NULL
      && EVP_PKEY_fromdata_init (ctx) > 0)
    EVP_PKEY_fromdata (ctx, &pkey, EVP_PKEY_KEYPAIR, params);
  OSSL_PARAM_free (params);
  OSSL_PARAM_BLD_free (bld);
  BN_clear_free (d);
  EVP_PKEY_CTX_free (ctx);
  return pkey;
}

static size_t
put_varint (uint8_t *p, size_t v)
{
  if (v < 64)
    {
      p[0] = (uint8_t) v;
      return 1;
    }
  p[0] = (uint8_t) (0x40 | (v >> 8));
  p[1] = (uint8_t) v;
  return 2;
}

/* ---- Per frame ---- */

typedef struct {
  cv_media_auth_verifier *verifier;
  EVP_MD *sha256;
  EVP_MD_CTX *ctx;
  uint8_t frame[FRAME_LEN];
  uint64_t ctr;
} frame_bench;

static int
our_frame (void *arg)
{
  frame_bench *b = arg;
  uint8_t hash[CV_MEDIA_AUTH_HASH_LEN];
  cv_sframe_frame_info info = { 1, 3, 1, 0, b->ctr++ };

  return cv_media_auth_verifier_hash (b->verifier, b->frame, sizeof b->frame, hash) != CV_OK
         || cv_media_auth_verifier_add_frame_hash (b->verifier, &info, hash, 0) != CV_OK;
}

static int
raw_frame (void *arg)
{
  frame_bench *b = arg;
  uint8_t full[EVP_MAX_MD_SIZE];
  unsigned len;

  return EVP_DigestInit_ex2 (b->ctx, b->sha256, NULL) <= 0
         || EVP_DigestUpdate (b->ctx, b->frame, sizeof b->frame) <= 0
         || EVP_DigestFinal_ex (b->ctx, full, &len) <= 0;
}

/* The size of a real statement of n frames under suite. */
static size_t
statement_size (uint16_t suite_id, size_t n)
{
  static const uint8_t group_id[32] = { 1 };
  const cv_mls_suite *suite;
  cv_media_auth_signer *signer = NULL;
  cv_bytes priv = CV_BYTES_INIT, pub = CV_BYTES_INIT, statement = CV_BYTES_INIT;
  uint8_t frame[64];
  size_t size = 0;

  if (cv_mls_suite_get (suite_id, &suite) != CV_OK
      || cv_mls_signature_key_pair (suite, &priv, &pub) != CV_OK
      || cv_media_auth_signer_new (&signer, suite_id, group_id, sizeof group_id, 1, 1000) != CV_OK
      || cv_media_auth_signer_set_epoch (signer, 1, 3, priv.data, priv.len) != CV_OK)
    goto out;
  for (size_t i = 0; i < n; i++)
    {
      size_t len;

      RAND_bytes (frame, sizeof frame);
      /* A KID of epoch 1 and a CTR that grows (every CTR here fits the short form). */
      if (cv_sframe_header_encode (0x1301, 1000 + i, frame, sizeof frame, &len) != CV_OK
          || cv_media_auth_signer_add_frame (signer, 1, frame, sizeof frame, 0) != CV_OK)
        goto out;
    }
  if (cv_media_auth_signer_tick (signer, 0, true) == CV_OK && cv_media_auth_signer_take (signer, &statement))
    size = statement.len;
out:
  cv_bytes_clear (&statement);
  cv_bytes_clear (&priv);
  cv_bytes_clear (&pub);
  cv_media_auth_signer_free (signer);
  return size;
}

void
bench_auth_run (double seconds)
{
  static const char label[] = "MLS 1.0 " CV_MEDIA_AUTH_LABEL;
  double verify_rate[sizeof schemes / sizeof schemes[0]] = { 0 };
  double sign_rate[sizeof schemes / sizeof schemes[0]] = { 0 };

  for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
    {
      sig_bench b = { 0 };
      char name[96];
      size_t n = 0;

      if (cv_mls_suite_get (schemes[i].suite, &b.suite) != CV_OK
          || cv_mls_signature_key_pair (b.suite, &b.priv, &b.pub) != CV_OK)
        {
          printf ("%s: not available\n", schemes[i].scheme);
          continue;
        }
      b.md = schemes[i].md;
      /* A MediaAuthTBS of one second of audio: group id, suite, content of 50 hashes. */
      b.tbs_len = 34 + 2 + 1 + 8 + 4 + 1 + 8 + 2 + AUDIO_FRAMES * CV_MEDIA_AUTH_HASH_LEN;
      RAND_bytes (b.tbs, (int) b.tbs_len);
      n += put_varint (b.sign_content + n, strlen (label));
      memcpy (b.sign_content + n, label, strlen (label));
      n += strlen (label);
      n += put_varint (b.sign_content + n, b.tbs_len);
      memcpy (b.sign_content + n, b.tbs, b.tbs_len);
      b.sign_content_len = n + b.tbs_len;
      b.pkey = parse_private (b.suite, &b.priv, &b.pub);
      b.ctx = EVP_MD_CTX_new ();
      if (b.pkey == NULL || b.ctx == NULL
          || cv_mls_sign_with_label (b.suite, b.priv.data, b.priv.len, CV_MEDIA_AUTH_LABEL,
                                     b.tbs, b.tbs_len, &b.sig) != CV_OK
          || raw_sign (&b) != 0 || raw_verify (&b) != 0 || our_verify (&b) != 0)
        {
          printf ("%s: setup failed\n", schemes[i].scheme);
        }
      else
        {
          snprintf (name, sizeof name, "statement sign %s", schemes[i].scheme);
          report_pair (name, our_sign, &b, "raw EVP_DigestSign", raw_sign, &b, seconds, &sign_rate[i]);
          snprintf (name, sizeof name, "statement verify %s", schemes[i].scheme);
          report_pair (name, our_verify, &b, "raw EVP_DigestVerify", raw_verify, &b, seconds,
                       &verify_rate[i]);
        }
      EVP_MD_CTX_free (b.ctx);
      EVP_PKEY_free (b.pkey);
      cv_bytes_clear (&b.priv);
      cv_bytes_clear (&b.pub);
      cv_bytes_clear (&b.sig);
    }

  frame_bench f = { 0 };
  static const uint8_t group_id[32] = { 1 };
  RAND_bytes (f.frame, sizeof f.frame);
  f.sha256 = EVP_MD_fetch (NULL, "SHA256", NULL);
  f.ctx = EVP_MD_CTX_new ();
  if (cv_media_auth_verifier_new (&f.verifier, 1, group_id, sizeof group_id, NULL) == CV_OK)
    report_pair ("frame hash + record, 1200 B (suite 1)", our_frame, &f, "raw SHA-256 of the frame",
                 raw_frame, &f, seconds, NULL);
  cv_media_auth_verifier_free (f.verifier);
  EVP_MD_CTX_free (f.ctx);
  EVP_MD_free (f.sha256);

  printf ("statement bytes (audio %d frames / video %d frames):", AUDIO_FRAMES, VIDEO_FRAMES);
  for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
    printf ("  %s %zu/%zu", schemes[i].scheme, statement_size (schemes[i].suite, AUDIO_FRAMES),
            statement_size (schemes[i].suite, VIDEO_FRAMES));
  printf ("\n");
  for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
    if (verify_rate[i] > 0)
      printf ("%-12s one core: signs %.0f streams/s; verifies 1 statement/s of %.0f streams; "
              "100 streams take %.2f%% of a core\n", schemes[i].scheme, sign_rate[i], verify_rate[i],
              100.0 * 100.0 / verify_rate[i]);
}
