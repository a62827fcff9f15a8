/* bench-e2ee "hpke": HPKE single-shot seal/open for the HPKE configuration of
 * each MLS cipher suite, and our AEAD wrapper, each against OpenSSL's raw
 * primitives measured in the same run.
 *
 * The floors: a seal must generate an ephemeral key, do one DH and one AEAD
 * seal, so its floor is raw EVP_PKEY_keygen + EVP_PKEY_derive + AEAD seal of
 * the same size; an open's floor is one EVP_PKEY_derive + one AEAD open. The
 * raw side gets its keys already parsed and its algorithms pre-fetched; what
 * the ratio leaves out is HPKE's own work (key (de)serialization and point
 * checks, the HKDF key schedule, a second DH in auth modes: none here).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "bench-e2ee.h"
#include "cv-hpke.h"

/* Sizes of an MLS EncryptWithLabel of a path secret: short info, aad, plaintext. */
#define INFO_LEN 48
#define AAD_LEN 32
#define PT_LEN 64

static const struct {
  unsigned mls_suite;
  cv_hpke_suite hpke;
  const char *name;
  const char *key_type;   /* EVP name for the raw side */
  const char *group;      /* EC group, NULL for X25519/X448 */
  const char *cipher;
} configs[] = {
  { 1, { 0x0020, 1, 1 }, "X25519/SHA256/AES128GCM", "X25519", NULL, "AES-128-GCM" },
  { 2, { 0x0010, 1, 1 }, "P256/SHA256/AES128GCM", "EC", "P-256", "AES-128-GCM" },
  { 3, { 0x0020, 1, 3 }, "X25519/SHA256/ChaChaPoly", "X25519", NULL, "ChaCha20-Poly1305" },
  { 4, { 0x0021, 3, 2 }, "X448/SHA512/AES256GCM", "X448", NULL, "AES-256-GCM" },
  { 5, { 0x0012, 3, 2 }, "P521/SHA512/AES256GCM", "EC", "P-521", "AES-256-GCM" },
  { 6, { 0x0021, 3, 3 }, "X448/SHA512/ChaChaPoly", "X448", NULL, "ChaCha20-Poly1305" },
  { 7, { 0x0011, 2, 2 }, "P384/SHA384/AES256GCM", "EC", "P-384", "AES-256-GCM" },
};

static uint8_t info[INFO_LEN], aad[AAD_LEN], pt[1024], ct_buf[1024 + 16], pt_buf[1024];

/* The machine is shared: measure ours and the baseline alternately, three
 * times each, and keep each side's best rate, so a burst of load elsewhere
 * does not land on one side only. */
static void
report_pair (const char *name, bench_op ours, void *our_arg,
             const char *baseline_name, bench_op raw, void *raw_arg, double seconds)
{
  double best_ours = 0, best_raw = 0;

  for (int round = 0; round < 3; round++)
    {
      double r = bench_rate (raw, raw_arg, seconds / 3);
      double o = bench_rate (ours, our_arg, seconds / 3);
      best_raw = r > best_raw ? r : best_raw;
      best_ours = o > best_ours ? o : best_ours;
    }
  bench_report (name, best_ours, baseline_name, best_raw);
}

/* ---- Ours ---- */

typedef struct {
  const cv_hpke_suite *suite;
  cv_bytes skR, pkR, enc, ct;
} hpke_bench;

static int
our_seal (void *arg)
{
  hpke_bench *b = arg;
  cv_bytes enc = CV_BYTES_INIT, ct = CV_BYTES_INIT;
  cv_status st = cv_hpke_seal_base (b->suite, b->pkR.data, b->pkR.len, info, INFO_LEN,
                                    aad, AAD_LEN, pt, PT_LEN, &enc, &ct);

  cv_bytes_clear (&enc);
  cv_bytes_clear (&ct);
  return st != CV_OK;
}

static int
our_open (void *arg)
{
  hpke_bench *b = arg;
  cv_bytes out = CV_BYTES_INIT;
  cv_status st = cv_hpke_open_base (b->suite, b->skR.data, b->skR.len, b->enc.data, b->enc.len,
                                    info, INFO_LEN, aad, AAD_LEN, b->ct.data, b->ct.len, &out);

  cv_bytes_clear (&out);
  return st != CV_OK;
}

/* ---- OpenSSL raw ---- */

typedef struct {
  EVP_PKEY_CTX *keygen;     /* initialized once */
  EVP_PKEY *recipient;      /* skR/pkR as an EVP_PKEY */
  EVP_PKEY *ephemeral;      /* pkE for the open side */
  EVP_CIPHER_CTX *enc_ctx, *dec_ctx;
  uint8_t key[32], nonce[12], tag[16];
  size_t pt_len;
} raw_bench;

static int
raw_derive (EVP_PKEY *own, EVP_PKEY *peer)
{
  uint8_t secret[66];
  size_t len = sizeof secret;
  EVP_PKEY_CTX *d = EVP_PKEY_CTX_new_from_pkey (NULL, own, NULL);
  int ok = d != NULL && EVP_PKEY_derive_init (d) == 1 && EVP_PKEY_derive_set_peer_ex (d, peer, 0) == 1
           && EVP_PKEY_derive (d, secret, &len) == 1;

  EVP_PKEY_CTX_free (d);
  return ok ? 0 : 1;
}

static int
raw_aead_seal (raw_bench *r)
{
  int n = 0, fin = 0;

  return !(EVP_EncryptInit_ex2 (r->enc_ctx, NULL, NULL, r->nonce, NULL) == 1
           && EVP_EncryptUpdate (r->enc_ctx, NULL, &n, aad, AAD_LEN) == 1
           && EVP_EncryptUpdate (r->enc_ctx, ct_buf, &n, pt, (int) r->pt_len) == 1
           && EVP_EncryptFinal_ex (r->enc_ctx, ct_buf + n, &fin) == 1
           && EVP_CIPHER_CTX_ctrl (r->enc_ctx, EVP_CTRL_AEAD_GET_TAG, 16, r->tag) == 1);
}

static int
raw_aead_open (raw_bench *r)
{
  int n = 0, fin = 0;

  return !(EVP_DecryptInit_ex2 (r->dec_ctx, NULL, NULL, r->nonce, NULL) == 1
           && EVP_DecryptUpdate (r->dec_ctx, NULL, &n, aad, AAD_LEN) == 1
           && EVP_DecryptUpdate (r->dec_ctx, pt_buf, &n, ct_buf, (int) r->pt_len) == 1
           && EVP_CIPHER_CTX_ctrl (r->dec_ctx, EVP_CTRL_AEAD_SET_TAG, 16, r->tag) == 1
           && EVP_DecryptFinal_ex (r->dec_ctx, pt_buf + n, &fin) == 1);
}

static int
raw_seal (void *arg)
{
  raw_bench *r = arg;
  EVP_PKEY *eph = NULL;
  int fail = EVP_PKEY_keygen (r->keygen, &eph) != 1;

  fail = fail || raw_derive (eph, r->recipient) || raw_aead_seal (r);
  EVP_PKEY_free (eph);
  return fail;
}

static int
raw_open (void *arg)
{
  raw_bench *r = arg;

  return raw_derive (r->recipient, r->ephemeral) || raw_aead_open (r);
}

static bool
raw_setup (raw_bench *r, const char *key_type, const char *group, const char *cipher_name,
           size_t pt_len)
{
  EVP_CIPHER *cipher = EVP_CIPHER_fetch (NULL, cipher_name, NULL);
  bool ok;

  memset (r, 0, sizeof *r);
  r->pt_len = pt_len;
  r->keygen = EVP_PKEY_CTX_new_from_name (NULL, key_type, NULL);
  ok = cipher != NULL && r->keygen != NULL && EVP_PKEY_keygen_init (r->keygen) == 1;
  if (ok && group != NULL)
    ok = EVP_PKEY_CTX_set_group_name (r->keygen, group) == 1;
  ok = ok && EVP_PKEY_keygen (r->keygen, &r->recipient) == 1
       && EVP_PKEY_keygen (r->keygen, &r->ephemeral) == 1;
  r->enc_ctx = EVP_CIPHER_CTX_new ();
  r->dec_ctx = EVP_CIPHER_CTX_new ();
  ok = ok && r->enc_ctx && r->dec_ctx
       && EVP_EncryptInit_ex2 (r->enc_ctx, cipher, r->key, r->nonce, NULL) == 1
       && EVP_DecryptInit_ex2 (r->dec_ctx, cipher, r->key, r->nonce, NULL) == 1
       && raw_aead_seal (r) == 0;   /* leaves a valid ct and tag for raw_aead_open */
  EVP_CIPHER_free (cipher);
  return ok;
}

static void
raw_teardown (raw_bench *r)
{
  EVP_PKEY_CTX_free (r->keygen);
  EVP_PKEY_free (r->recipient);
  EVP_PKEY_free (r->ephemeral);
  EVP_CIPHER_CTX_free (r->enc_ctx);
  EVP_CIPHER_CTX_free (r->dec_ctx);
}

/* ---- AEAD wrapper: a sender context's seal against raw EVP ---- */

typedef struct {
  cv_hpke_context *ctx;
  size_t pt_len;
} aead_bench;

static int
our_aead_seal_into (void *arg)
{
  aead_bench *a = arg;
  size_t len;

  return cv_hpke_context_seal_into (a->ctx, aad, AAD_LEN, pt, a->pt_len, ct_buf, sizeof ct_buf, &len)
         != CV_OK;
}

static int
our_aead_seal_alloc (void *arg)
{
  aead_bench *a = arg;
  cv_bytes ct = CV_BYTES_INIT;
  cv_status st = cv_hpke_context_seal (a->ctx, aad, AAD_LEN, pt, a->pt_len, &ct);

  cv_bytes_clear (&ct);
  return st != CV_OK;
}

static int
raw_aead_seal_op (void *arg)
{
  return raw_aead_seal (arg);
}

static const struct {
  uint16_t aead;
  const char *name;
  const char *cipher;
} aeads[] = {
  { CV_HPKE_AEAD_AES_128_GCM, "AES-128-GCM", "AES-128-GCM" },
  { CV_HPKE_AEAD_AES_256_GCM, "AES-256-GCM", "AES-256-GCM" },
  { CV_HPKE_AEAD_CHACHA20_POLY1305, "ChaCha20-Poly1305", "ChaCha20-Poly1305" },
};

void
bench_hpke_run (double seconds)
{
  char name[96], base[64];

  for (size_t i = 0; i < sizeof info; i++)
    info[i] = (uint8_t) i;
  for (size_t i = 0; i < sizeof pt; i++)
    pt[i] = (uint8_t) (i * 3);

  printf ("-- single-shot base mode, info %d B, aad %d B, pt %d B\n", INFO_LEN, AAD_LEN, PT_LEN);
  for (size_t c = 0; c < sizeof configs / sizeof configs[0]; c++)
    {
      hpke_bench b = { .suite = &configs[c].hpke };
      raw_bench r;

      if (cv_hpke_generate_key_pair (b.suite->kem, &b.skR, &b.pkR) != CV_OK
          || cv_hpke_seal_base (b.suite, b.pkR.data, b.pkR.len, info, INFO_LEN, aad, AAD_LEN,
                                pt, PT_LEN, &b.enc, &b.ct) != CV_OK
          || !raw_setup (&r, configs[c].key_type, configs[c].group, configs[c].cipher, PT_LEN))
        {
          printf ("suite %u (%s): setup failed: %s\n", configs[c].mls_suite, configs[c].name,
                  cv_status_message ());
          continue;
        }
      snprintf (name, sizeof name, "hpke seal suite %u %s", configs[c].mls_suite, configs[c].name);
      report_pair (name, our_seal, &b, "raw keygen+derive+seal", raw_seal, &r, seconds);
      snprintf (name, sizeof name, "hpke open suite %u %s", configs[c].mls_suite, configs[c].name);
      report_pair (name, our_open, &b, "raw derive+open", raw_open, &r, seconds);
      raw_teardown (&r);
      cv_bytes_clear (&b.skR);
      cv_bytes_clear (&b.pkR);
      cv_bytes_clear (&b.enc);
      cv_bytes_clear (&b.ct);
    }

  printf ("-- AEAD seal through an HPKE context (nonce from the sequence number), aad %d B\n", AAD_LEN);
  for (size_t a = 0; a < sizeof aeads / sizeof aeads[0]; a++)
    {
      static const size_t sizes[] = { 64, 1024 };
      cv_hpke_suite suite = { CV_HPKE_KEM_X25519_SHA256, CV_HPKE_KDF_HKDF_SHA256, aeads[a].aead };
      cv_bytes sk = CV_BYTES_INIT, pk = CV_BYTES_INIT, enc = CV_BYTES_INIT;
      aead_bench ab = { 0 };

      if (cv_hpke_generate_key_pair (suite.kem, &sk, &pk) != CV_OK
          || cv_hpke_setup_base_s (&suite, pk.data, pk.len, NULL, 0, &enc, &ab.ctx) != CV_OK)
        {
          printf ("%s: setup failed: %s\n", aeads[a].name, cv_status_message ());
          continue;
        }
      for (size_t s = 0; s < 2; s++)
        {
          raw_bench r;

          ab.pt_len = sizes[s];
          if (!raw_setup (&r, "X25519", NULL, aeads[a].cipher, sizes[s]))
            continue;
          snprintf (base, sizeof base, "raw EVP %s", aeads[a].name);
          snprintf (name, sizeof name, "aead seal_into %s %zu B", aeads[a].name, sizes[s]);
          report_pair (name, our_aead_seal_into, &ab, base, raw_aead_seal_op, &r, seconds);
          snprintf (name, sizeof name, "aead seal (alloc) %s %zu B", aeads[a].name, sizes[s]);
          report_pair (name, our_aead_seal_alloc, &ab, base, raw_aead_seal_op, &r, seconds);
          raw_teardown (&r);
        }
      cv_hpke_context_free (ab.ctx);
      cv_bytes_clear (&sk);
      cv_bytes_clear (&pk);
      cv_bytes_clear (&enc);
    }
}
