/* The SFrame key ring fed from MLS (RFC 9605 §5.2).
 *
 * What the ring sends is checked against keys computed here independently:
 * the KID from the formula with S worked out by hand, key and salt by HKDF
 * through EVP_KDF in one extract-and-expand call (and once through the
 * `openssl kdf` command line), the nonce by XOR, and the frame opened with
 * raw EVP AES-GCM. Then: replay window, grace period and expiry, unknown
 * epochs, senders outside the group, counter wrap, and bad installs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include "cv-bytes.h"
#include "cv-sframe-keyring.h"

static int failures;

#define CHECK(cond) \
  do { if (!(cond)) { fprintf (stderr, "%s:%d: CHECK failed: %s (%s)\n", __FILE__, __LINE__, #cond, \
                               cv_status_message ()); failures++; } } while (0)

/* ---- Independent computations ---- */

static void
label_for (uint8_t *out, size_t *len, const char *text, uint64_t kid, uint16_t suite)
{
  size_t n = strlen (text);

  memcpy (out, text, n);
  for (int i = 0; i < 8; i++)
    out[n + i] = (uint8_t) (kid >> (56 - 8 * i));
  out[n + 8] = (uint8_t) (suite >> 8);
  out[n + 9] = (uint8_t) suite;
  *len = n + 10;
}

/* HKDF(salt = "", ikm = base_key, info = label) in one call. */
static bool
hkdf_full (const char *digest, const uint8_t *ikm, size_t ikm_len, const uint8_t *info,
           size_t info_len, uint8_t *out, size_t out_len)
{
  EVP_KDF *kdf = EVP_KDF_fetch (NULL, "HKDF", NULL);
  EVP_KDF_CTX *ctx = EVP_KDF_CTX_new (kdf);
  uint8_t salt[1] = { 0 };
  OSSL_PARAM params[] = {
    OSSL_PARAM_construct_utf8_string (OSSL_KDF_PARAM_DIGEST, (char *) digest, 0),
    OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_KEY, (void *) ikm, ikm_len),
    OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_SALT, salt, 0),
    OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_INFO, (void *) info, info_len),
    OSSL_PARAM_construct_end (),
  };
  bool ok = ctx != NULL && EVP_KDF_derive (ctx, out, out_len, params) > 0;

  EVP_KDF_CTX_free (ctx);
  EVP_KDF_free (kdf);
  return ok;
}

/* The same through `openssl kdf`; false when the tool is not there. */
static bool
hkdf_cli (const char *digest, const uint8_t *ikm, size_t ikm_len, const uint8_t *info,
          size_t info_len, size_t out_len, cv_bytes *out)
{
  char *ikm_hex = cv_hex_encode (ikm, ikm_len), *info_hex = cv_hex_encode (info, info_len);
  char cmd[1024], line[512], hex[256];
  size_t h = 0;
  FILE *p;

  snprintf (cmd, sizeof cmd, "openssl kdf -keylen %zu -kdfopt digest:%s -kdfopt hexkey:%s "
            "-kdfopt hexinfo:%s HKDF 2>/dev/null", out_len, digest, ikm_hex, info_hex);
  free (ikm_hex);
  free (info_hex);
  p = popen (cmd, "r");
  if (p == NULL)
    return false;
  if (fgets (line, sizeof line, p) == NULL)
    line[0] = '\0';
  pclose (p);
  /* The tool prints "AB:CD:...". */
  for (const char *c = line; *c != '\0' && h < sizeof hex - 1; c++)
    if ((*c >= '0' && *c <= '9') || (*c >= 'A' && *c <= 'F') || (*c >= 'a' && *c <= 'f'))
      hex[h++] = *c;
  hex[h] = '\0';
  return h == 2 * out_len && cv_hex_decode (out, hex) == CV_OK;
}

/* Reads the header by hand: |X|KKK|Y|CCC| then KID, then CTR. */
static size_t
parse_header_by_hand (const uint8_t *f, uint64_t *kid, uint64_t *ctr)
{
  size_t pos = 1;
  uint64_t v;

  if (f[0] & 0x80)
    {
      v = 0;
      for (int i = 0; i <= ((f[0] >> 4) & 7); i++)
        v = v << 8 | f[pos++];
      *kid = v;
    }
  else
    *kid = (f[0] >> 4) & 7;
  if (f[0] & 0x08)
    {
      v = 0;
      for (int i = 0; i <= (f[0] & 7); i++)
        v = v << 8 | f[pos++];
      *ctr = v;
    }
  else
    *ctr = f[0] & 7;
  return pos;
}

/* Opens a frame with raw EVP AES-GCM under an independently derived key. */
static bool
open_independently (uint16_t suite, const uint8_t *base_key, size_t nk, uint64_t want_kid,
                    uint64_t want_ctr, const uint8_t *metadata, size_t metadata_len,
                    const uint8_t *frame, size_t frame_len, const uint8_t *pt, size_t pt_len)
{
  const char *digest = suite == 5 ? "SHA512" : "SHA256";
  const char *cipher_name = suite == 5 ? "AES-256-GCM" : "AES-128-GCM";
  uint8_t label[64], key[32], salt[12], nonce[12], aad[64], out[2048];
  size_t label_len, hlen;
  uint64_t kid, ctr;
  int n, ok;

  hlen = parse_header_by_hand (frame, &kid, &ctr);
  if (kid != want_kid || ctr != want_ctr)
    {
      fprintf (stderr, "  header says KID %llu CTR %llu, expected KID %llu CTR %llu\n",
               (unsigned long long) kid, (unsigned long long) ctr,
               (unsigned long long) want_kid, (unsigned long long) want_ctr);
      return false;
    }
  label_for (label, &label_len, "SFrame 1.0 Secret key ", kid, suite);
  if (!hkdf_full (digest, base_key, nk, label, label_len, key, nk))
    return false;
  label_for (label, &label_len, "SFrame 1.0 Secret salt ", kid, suite);
  if (!hkdf_full (digest, base_key, nk, label, label_len, salt, 12))
    return false;
  memcpy (nonce, salt, 12);
  for (int i = 0; i < 8; i++)
    nonce[11 - i] ^= (uint8_t) (ctr >> (8 * i));
  memcpy (aad, frame, hlen);
  memcpy (aad + hlen, metadata, metadata_len);

  size_t ct_len = frame_len - hlen - 16;
  EVP_CIPHER *cipher = EVP_CIPHER_fetch (NULL, cipher_name, NULL);
  EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new ();
  ok = EVP_DecryptInit_ex2 (c, cipher, key, nonce, NULL) > 0
       && EVP_DecryptUpdate (c, NULL, &n, aad, (int) (hlen + metadata_len)) > 0
       && EVP_DecryptUpdate (c, out, &n, frame + hlen, (int) ct_len) > 0
       && EVP_CIPHER_CTX_ctrl (c, EVP_CTRL_AEAD_SET_TAG, 16, (void *) (frame + hlen + ct_len)) > 0
       && EVP_DecryptFinal_ex (c, out + n, &n) > 0
       && ct_len == pt_len && memcmp (out, pt, pt_len) == 0;
  EVP_CIPHER_CTX_free (c);
  EVP_CIPHER_free (cipher);
  return ok;
}

/* ---- Helpers ---- */

enum { FRAME_MAX = 1500 };

typedef struct {
  uint8_t data[FRAME_MAX];
  size_t len;
} frame_buf;

static const uint8_t metadata[] = { 0x80, 0x60, 0x12, 0x34 };

static cv_status
send_frame (cv_sframe_keyring *ring, uint64_t context, const uint8_t *pt, size_t pt_len, frame_buf *f)
{
  return cv_sframe_keyring_encrypt (ring, context, metadata, sizeof metadata, pt, pt_len,
                                    f->data, sizeof f->data, &f->len);
}

static cv_status
receive_frame (cv_sframe_keyring *ring, uint64_t now, const frame_buf *f, cv_sframe_frame_info *info)
{
  uint8_t out[FRAME_MAX];
  size_t len;

  return cv_sframe_keyring_decrypt (ring, now, metadata, sizeof metadata, f->data, f->len,
                                    out, sizeof out, &len, info);
}

/* A frame under a KID of our choosing, as a forger holding base_key would make. */
static void
forge (uint16_t suite, const uint8_t *base_key, size_t nk, uint64_t kid, uint64_t ctr, frame_buf *f)
{
  cv_sframe_key *k = NULL;
  uint8_t pt[32] = { 1 };

  CHECK (cv_sframe_key_new (&k, suite, kid, base_key, nk) == CV_OK);
  CHECK (cv_sframe_encrypt (k, ctr, metadata, sizeof metadata, pt, sizeof pt,
                            f->data, sizeof f->data, &f->len) == CV_OK);
  cv_sframe_key_free (k);
}

/* ---- Tests ---- */

/* Members at leaves 0, 1, 2 and 5 (a blank at 3 and 4): 6 leaves, S = 3. */
static const uint32_t members[] = { 5, 0, 2, 1 };
enum { ALICE = 0, BOB = 1, CAROL = 5, S_EXPECTED = 3 };

static void
test_derivation (uint16_t suite)
{
  const cv_sframe_suite_info *info = cv_sframe_suite_info_get (suite);
  uint8_t base_key[32], pt[1000];
  cv_sframe_keyring *alice = NULL, *bob = NULL;
  const uint64_t epoch = 300; /* 300 % 256 = 44 */
  unsigned s = 99;
  frame_buf f;

  RAND_bytes (base_key, sizeof base_key);
  RAND_bytes (pt, sizeof pt);
  CHECK (cv_sframe_keyring_new (&alice, suite, 1000) == CV_OK);
  CHECK (cv_sframe_keyring_new (&bob, suite, 1000) == CV_OK);
  CHECK (cv_sframe_keyring_install_epoch (alice, epoch, base_key, info->nk, members, 4, ALICE, 0) == CV_OK);
  CHECK (cv_sframe_keyring_install_epoch (bob, epoch, base_key, info->nk, members, 4, BOB, 0) == CV_OK);
  CHECK (cv_sframe_keyring_current (alice, NULL, &s) && s == S_EXPECTED);

  /* Alice's video (context 2), twice; Bob's audio (context 0). */
  for (uint64_t ctr = 0; ctr < 2; ctr++)
    {
      uint64_t want_kid = ((uint64_t) 2 << (S_EXPECTED + 8)) + ((uint64_t) ALICE << 8) + 44;
      cv_sframe_frame_info fi;

      CHECK (send_frame (alice, 2, pt, sizeof pt, &f) == CV_OK);
      CHECK (open_independently (suite, base_key, info->nk, want_kid, ctr, metadata, sizeof metadata,
                                 f.data, f.len, pt, sizeof pt));
      CHECK (receive_frame (bob, 0, &f, &fi) == CV_OK);
      CHECK (fi.epoch == epoch && fi.sender_index == ALICE && fi.context == 2 && fi.ctr == ctr
             && fi.kid == want_kid);
    }
  CHECK (send_frame (bob, 0, pt, 100, &f) == CV_OK);
  CHECK (open_independently (suite, base_key, info->nk, ((uint64_t) BOB << 8) + 44, 0,
                             metadata, sizeof metadata, f.data, f.len, pt, 100));
  CHECK (receive_frame (alice, 0, &f, NULL) == CV_OK);

  /* Carol sits at leaf 5, past the blanks. */
  cv_sframe_keyring *carol = NULL;
  CHECK (cv_sframe_keyring_new (&carol, suite, 1000) == CV_OK);
  CHECK (cv_sframe_keyring_install_epoch (carol, epoch, base_key, info->nk, members, 4, CAROL, 0) == CV_OK);
  CHECK (send_frame (carol, 1, pt, 10, &f) == CV_OK);
  CHECK (open_independently (suite, base_key, info->nk,
                             ((uint64_t) 1 << (S_EXPECTED + 8)) + ((uint64_t) CAROL << 8) + 44, 0,
                             metadata, sizeof metadata, f.data, f.len, pt, 10));
  CHECK (receive_frame (bob, 0, &f, NULL) == CV_OK);
  cv_sframe_keyring_free (carol);

  /* The derivation once more through the OpenSSL command line. */
  uint8_t label[64], mine[32], key[32], salt[12];
  size_t label_len;
  cv_bytes cli = CV_BYTES_INIT;
  uint64_t kid = ((uint64_t) 2 << (S_EXPECTED + 8)) + 44;
  label_for (label, &label_len, "SFrame 1.0 Secret key ", kid, suite);
  CHECK (hkdf_full (suite == 5 ? "SHA512" : "SHA256", base_key, info->nk, label, label_len,
                    mine, info->nk));
  CHECK (cv_sframe_derive_key_salt (suite, kid, base_key, info->nk, key, info->nk, salt, 12) == CV_OK);
  CHECK (memcmp (key, mine, info->nk) == 0);
  if (hkdf_cli (suite == 5 ? "SHA512" : "SHA256", base_key, info->nk, label, label_len, info->nk, &cli))
    {
      CHECK (cli.len == info->nk && memcmp (cli.data, key, info->nk) == 0);
      printf ("sframe-keyring: suite %u: sframe_key matches `openssl kdf`\n", suite);
    }
  else
    printf ("sframe-keyring: suite %u: `openssl kdf` not available, EVP_KDF comparison only\n", suite);
  cv_bytes_clear (&cli);

  cv_sframe_keyring_free (alice);
  cv_sframe_keyring_free (bob);
}

/* A 1000-member meeting: S = 10, and the last member's KID fits. */
static void
test_large_group (void)
{
  static uint32_t leaves[1000];
  uint8_t base_key[16] = { 9 };
  cv_sframe_keyring *last = NULL, *first = NULL;
  unsigned s;
  uint64_t kid;
  frame_buf f;

  for (uint32_t i = 0; i < 1000; i++)
    leaves[i] = i;
  CHECK (cv_sframe_keyring_new (&last, CV_SFRAME_DEFAULT_SUITE, 0) == CV_OK);
  CHECK (cv_sframe_keyring_new (&first, CV_SFRAME_DEFAULT_SUITE, 0) == CV_OK);
  CHECK (cv_sframe_keyring_install_epoch (last, 7, base_key, 16, leaves, 1000, 999, 0) == CV_OK);
  CHECK (cv_sframe_keyring_install_epoch (first, 7, base_key, 16, leaves, 1000, 0, 0) == CV_OK);
  CHECK (cv_sframe_keyring_current (last, NULL, &s) && s == 10);
  CHECK (cv_sframe_keyring_own_kid (last, 3, &kid) == CV_OK);
  CHECK (kid == ((uint64_t) 3 << 18) + ((uint64_t) 999 << 8) + 7);
  CHECK (send_frame (last, 3, (const uint8_t *) "hello", 5, &f) == CV_OK);
  CHECK (open_independently (CV_SFRAME_DEFAULT_SUITE, base_key, 16, kid, 0, metadata, sizeof metadata,
                             f.data, f.len, (const uint8_t *) "hello", 5));
  CHECK (receive_frame (first, 0, &f, NULL) == CV_OK);
  /* The context field is what is left of 64 bits: 46 here. */
  CHECK (cv_sframe_keyring_own_kid (last, (uint64_t) 1 << 46, &kid) == CV_ERR_ARGUMENT);
  CHECK (cv_sframe_keyring_own_kid (last, ((uint64_t) 1 << 46) - 1, &kid) == CV_OK);
  CHECK (cv_sframe_sender_bits_for (0) == 0 && cv_sframe_sender_bits_for (1) == 1
         && cv_sframe_sender_bits_for (1023) == 10 && cv_sframe_sender_bits_for (1024) == 11);
  cv_sframe_keyring_free (last);
  cv_sframe_keyring_free (first);
}

static void
test_replay (void)
{
  uint8_t base_key[16], pt[64] = { 3 };
  cv_sframe_keyring *alice = NULL, *bob = NULL;
  static frame_buf frames[300];

  RAND_bytes (base_key, sizeof base_key);
  CHECK (cv_sframe_keyring_new (&alice, 4, 1000) == CV_OK);
  CHECK (cv_sframe_keyring_new (&bob, 4, 1000) == CV_OK);
  CHECK (cv_sframe_keyring_install_epoch (alice, 1, base_key, 16, members, 4, ALICE, 0) == CV_OK);
  CHECK (cv_sframe_keyring_install_epoch (bob, 1, base_key, 16, members, 4, BOB, 0) == CV_OK);
  for (int i = 0; i < 300; i++)
    CHECK (send_frame (alice, 0, pt, sizeof pt, &frames[i]) == CV_OK);

  CHECK (receive_frame (bob, 0, &frames[0], NULL) == CV_OK);
  CHECK (receive_frame (bob, 0, &frames[0], NULL) == CV_ERR_STATE);    /* replay */
  CHECK (receive_frame (bob, 0, &frames[200], NULL) == CV_OK);         /* a jump ahead */
  CHECK (receive_frame (bob, 0, &frames[150], NULL) == CV_OK);         /* late, in the window */
  CHECK (receive_frame (bob, 0, &frames[150], NULL) == CV_ERR_STATE);  /* its replay */
  CHECK (receive_frame (bob, 0, &frames[73], NULL) == CV_OK);          /* 127 behind: last slot */
  CHECK (receive_frame (bob, 0, &frames[72], NULL) == CV_ERR_STATE);   /* 128 behind: too old */
  CHECK (receive_frame (bob, 0, &frames[200], NULL) == CV_ERR_STATE);
  for (int i = 201; i < 264; i++)
    CHECK (receive_frame (bob, 0, &frames[i], NULL) == CV_OK);
  CHECK (receive_frame (bob, 0, &frames[150], NULL) == CV_ERR_STATE);  /* still remembered */
  CHECK (receive_frame (bob, 0, &frames[140], NULL) == CV_OK);         /* 123 behind, never seen */

  /* A forged frame (bad tag) with a far-ahead CTR does not move the window. */
  frame_buf bad = frames[299];
  bad.data[bad.len - 1] ^= 1;
  CHECK (receive_frame (bob, 0, &bad, NULL) == CV_ERR_AUTH);
  CHECK (receive_frame (bob, 0, &frames[141], NULL) == CV_OK);
  CHECK (receive_frame (bob, 0, &frames[299], NULL) == CV_OK);
  CHECK (receive_frame (bob, 0, &frames[299], NULL) == CV_ERR_STATE);

  /* A tampered frame of a new context leaves no key behind: the genuine
   * frame of that context still goes through with a fresh derivation. */
  frame_buf ctx5;
  CHECK (send_frame (alice, 5, pt, sizeof pt, &ctx5) == CV_OK);
  ctx5.data[ctx5.len - 3] ^= 0x10;
  CHECK (receive_frame (bob, 0, &ctx5, NULL) == CV_ERR_AUTH);
  ctx5.data[ctx5.len - 3] ^= 0x10;
  CHECK (receive_frame (bob, 0, &ctx5, NULL) == CV_OK);
  CHECK (receive_frame (bob, 0, &ctx5, NULL) == CV_ERR_STATE);

  /* In place, and the replay window applies there too. */
  frame_buf again;
  size_t off, len;
  CHECK (send_frame (alice, 0, pt, sizeof pt, &again) == CV_OK);
  CHECK (cv_sframe_keyring_decrypt_in_place (bob, 0, metadata, sizeof metadata, again.data, again.len,
                                             &off, &len, NULL) == CV_OK);
  CHECK (len == sizeof pt && memcmp (again.data + off, pt, len) == 0);

  cv_sframe_keyring_free (alice);
  cv_sframe_keyring_free (bob);
}

static void
test_refusals (void)
{
  uint8_t base_key[16];
  cv_sframe_keyring *bob = NULL;
  frame_buf f;

  RAND_bytes (base_key, sizeof base_key);
  CHECK (cv_sframe_keyring_new (&bob, 4, 1000) == CV_OK);
  /* Nothing installed yet. */
  forge (4, base_key, 16, 44, 0, &f);
  CHECK (receive_frame (bob, 0, &f, NULL) == CV_ERR_STATE);
  CHECK (cv_sframe_keyring_encrypt (bob, 0, NULL, 0, (const uint8_t *) "x", 1, f.data, sizeof f.data,
                                    &f.len) == CV_ERR_STATE);
  CHECK (cv_sframe_keyring_install_epoch (bob, 300, base_key, 16, members, 4, BOB, 0) == CV_OK);

  /* Leaf 3 is blank, leaf 6 past the tree, leaf 1 is Bob himself. */
  forge (4, base_key, 16, (3 << 8) + 44, 0, &f);
  CHECK (receive_frame (bob, 0, &f, NULL) == CV_ERR_INVALID);
  forge (4, base_key, 16, (6 << 8) + 44, 0, &f);
  CHECK (receive_frame (bob, 0, &f, NULL) == CV_ERR_INVALID);
  forge (4, base_key, 16, (1 << 8) + 44, 0, &f);
  CHECK (receive_frame (bob, 0, &f, NULL) == CV_ERR_INVALID);
  /* An epoch we do not have (low bits 45), and one long gone (low bits 43). */
  forge (4, base_key, 16, (2 << 8) + 45, 0, &f);
  CHECK (receive_frame (bob, 0, &f, NULL) == CV_ERR_STATE);
  CHECK (strstr (cv_status_message (), "unknown epoch") != NULL);
  forge (4, base_key, 16, (2 << 8) + 43, 0, &f);
  CHECK (receive_frame (bob, 0, &f, NULL) == CV_ERR_STATE);
  /* The right KID under another base key fails authentication. */
  uint8_t other[16] = { 1 };
  forge (4, other, 16, (2 << 8) + 44, 0, &f);
  CHECK (receive_frame (bob, 0, &f, NULL) == CV_ERR_AUTH);
  forge (4, base_key, 16, (2 << 8) + 44, 0, &f);
  CHECK (receive_frame (bob, 0, &f, NULL) == CV_OK);
  /* Garbage and truncation. */
  CHECK (cv_sframe_keyring_decrypt (bob, 0, NULL, 0, f.data, 0, f.data, 0, NULL, NULL) != CV_OK);
  f.data[0] = 0xff;
  CHECK (receive_frame (bob, 0, &f, NULL) != CV_OK);

  /* A sender may not open more than the allowed number of streams. */
  for (uint64_t ctx = 0; ctx < CV_SFRAME_KEYRING_MAX_CONTEXTS + 1; ctx++)
    {
      forge (4, base_key, 16, (ctx << 11) + (5 << 8) + 44, 0, &f);
      CHECK (receive_frame (bob, 0, &f, NULL)
             == (ctx < CV_SFRAME_KEYRING_MAX_CONTEXTS ? CV_OK : CV_ERR_TOO_LARGE));
    }

  /* Bad installs. */
  uint32_t dup[] = { 0, 1, 1 }, huge[] = { 0, CV_SFRAME_KEYRING_MAX_LEAF };
  CHECK (cv_sframe_keyring_install_epoch (bob, 301, base_key, 15, members, 4, BOB, 0) == CV_ERR_INVALID);
  CHECK (cv_sframe_keyring_install_epoch (bob, 301, base_key, 16, dup, 3, BOB, 0) == CV_ERR_INVALID);
  CHECK (cv_sframe_keyring_install_epoch (bob, 301, base_key, 16, huge, 2, 0, 0) == CV_ERR_TOO_LARGE);
  CHECK (cv_sframe_keyring_install_epoch (bob, 301, base_key, 16, members, 4, 3, 0) == CV_ERR_INVALID);
  CHECK (cv_sframe_keyring_install_epoch (bob, 301, base_key, 16, members, 0, BOB, 0) == CV_ERR_INVALID);
  CHECK (cv_sframe_keyring_install_epoch (bob, 300, base_key, 16, members, 4, BOB, 0) == CV_ERR_STATE);
  CHECK (cv_sframe_keyring_install_epoch (bob, 299, base_key, 16, members, 4, BOB, 0) == CV_ERR_STATE);
  CHECK (cv_sframe_keyring_has_epoch (bob, 300) && !cv_sframe_keyring_has_epoch (bob, 301));
  cv_sframe_keyring_free (bob);

  CHECK (cv_sframe_keyring_new (&bob, 6, 0) == CV_ERR_UNSUPPORTED);
  CHECK (cv_sframe_keyring_new (&bob, 0, 0) == CV_ERR_UNSUPPORTED);
}

static void
test_grace_period (void)
{
  uint8_t key1[16], key2[16], pt[40] = { 8 };
  cv_sframe_keyring *alice = NULL, *bob = NULL;
  frame_buf old1, old2, old3, fresh;
  cv_sframe_frame_info fi;

  RAND_bytes (key1, sizeof key1);
  RAND_bytes (key2, sizeof key2);
  CHECK (cv_sframe_keyring_new (&alice, 4, 500) == CV_OK);
  CHECK (cv_sframe_keyring_new (&bob, 4, 500) == CV_OK);
  CHECK (cv_sframe_keyring_install_epoch (alice, 10, key1, 16, members, 4, ALICE, 0) == CV_OK);
  CHECK (cv_sframe_keyring_install_epoch (bob, 10, key1, 16, members, 4, BOB, 0) == CV_OK);
  CHECK (send_frame (alice, 0, pt, sizeof pt, &old1) == CV_OK);
  CHECK (send_frame (alice, 0, pt, sizeof pt, &old2) == CV_OK);
  CHECK (send_frame (alice, 0, pt, sizeof pt, &old3) == CV_OK);
  CHECK (receive_frame (bob, 100, &old1, NULL) == CV_OK);

  /* Epoch 11 at t = 1000; Bob in a group without leaf 2 now. */
  uint32_t fewer[] = { 0, 1, 5 };
  CHECK (cv_sframe_keyring_install_epoch (alice, 11, key2, 16, fewer, 3, ALICE, 1000) == CV_OK);
  CHECK (cv_sframe_keyring_install_epoch (bob, 11, key2, 16, fewer, 3, BOB, 1000) == CV_OK);
  CHECK (send_frame (alice, 0, pt, sizeof pt, &fresh) == CV_OK);
  CHECK (receive_frame (bob, 1001, &fresh, &fi) == CV_OK);
  CHECK (fi.epoch == 11 && fi.ctr == 0); /* a new key starts from CTR 0 */
  /* In flight from epoch 10, within the grace period: still opens. */
  CHECK (receive_frame (bob, 1499, &old2, &fi) == CV_OK);
  CHECK (fi.epoch == 10 && fi.ctr == 1);
  CHECK (cv_sframe_keyring_has_epoch (bob, 10));
  /* At t = 1500 the grace period is over: refused, and the keys are gone. */
  CHECK (receive_frame (bob, 1500, &old3, NULL) == CV_ERR_STATE);
  CHECK (strstr (cv_status_message (), "grace period is over") != NULL);
  CHECK (!cv_sframe_keyring_has_epoch (bob, 10) && cv_sframe_keyring_has_epoch (bob, 11));

  /* A timer can wipe without a frame arriving. */
  CHECK (cv_sframe_keyring_install_epoch (bob, 12, key1, 16, fewer, 3, BOB, 2000) == CV_OK);
  cv_sframe_keyring_expire (bob, 2499);
  CHECK (cv_sframe_keyring_has_epoch (bob, 11));
  cv_sframe_keyring_expire (bob, 2500);
  CHECK (!cv_sframe_keyring_has_epoch (bob, 11));
  /* Two quick epochs: only one stays behind. */
  CHECK (cv_sframe_keyring_install_epoch (bob, 13, key1, 16, fewer, 3, BOB, 2600) == CV_OK);
  CHECK (cv_sframe_keyring_install_epoch (bob, 14, key1, 16, fewer, 3, BOB, 2601) == CV_OK);
  CHECK (!cv_sframe_keyring_has_epoch (bob, 12) && cv_sframe_keyring_has_epoch (bob, 13));
  /* An epoch sharing the low 8 bits replaces the old one at once (RFC 9605 §5.2). */
  CHECK (cv_sframe_keyring_install_epoch (bob, 14 + 256, key1, 16, fewer, 3, BOB, 2602) == CV_OK);
  CHECK (!cv_sframe_keyring_has_epoch (bob, 14) && !cv_sframe_keyring_has_epoch (bob, 13));

  cv_sframe_keyring_free (alice);
  cv_sframe_keyring_free (bob);
}

static void
test_counter (void)
{
  uint8_t base_key[16] = { 4 }, pt[16] = { 0 };
  cv_sframe_keyring *alice = NULL, *bob = NULL;
  uint64_t last = 0, kid, ctr;
  frame_buf f;
  cv_sframe_frame_info fi;

  CHECK (cv_sframe_keyring_new (&alice, 4, 0) == CV_OK);
  CHECK (cv_sframe_keyring_new (&bob, 4, 0) == CV_OK);
  CHECK (cv_sframe_keyring_install_epoch (alice, 1, base_key, 16, members, 4, ALICE, 0) == CV_OK);
  CHECK (cv_sframe_keyring_install_epoch (bob, 1, base_key, 16, members, 4, BOB, 0) == CV_OK);

  /* Counters go up by one per frame, per stream. */
  for (int i = 0; i < 1000; i++)
    {
      CHECK (send_frame (alice, (uint64_t) (i % 2), pt, sizeof pt, &f) == CV_OK);
      parse_header_by_hand (f.data, &kid, &ctr);
      CHECK (ctr == (uint64_t) (i / 2));
      if (i % 2 == 0)
        {
          CHECK (i == 0 || ctr == last + 1);
          last = ctr;
        }
    }
  /* A failed encryption (short buffer) still spends its counter. */
  CHECK (cv_sframe_keyring_encrypt (alice, 0, NULL, 0, pt, sizeof pt, f.data, 3, &f.len) == CV_ERR_ARGUMENT);
  CHECK (send_frame (alice, 0, pt, sizeof pt, &f) == CV_OK);
  parse_header_by_hand (f.data, &kid, &ctr);
  CHECK (ctr == 501);

  /* Near the end of the counter space. */
  CHECK (cv_sframe_keyring_advance_ctr (alice, 0, 100) == CV_ERR_STATE);
  CHECK (cv_sframe_keyring_advance_ctr (alice, 0, UINT64_MAX - 1) == CV_OK);
  CHECK (send_frame (alice, 0, pt, sizeof pt, &f) == CV_OK);
  CHECK (receive_frame (bob, 0, &f, &fi) == CV_OK && fi.ctr == UINT64_MAX - 1);
  CHECK (send_frame (alice, 0, pt, sizeof pt, &f) == CV_OK);
  CHECK (receive_frame (bob, 0, &f, &fi) == CV_OK && fi.ctr == UINT64_MAX);
  CHECK (send_frame (alice, 0, pt, sizeof pt, &f) == CV_ERR_STATE);
  CHECK (send_frame (alice, 0, pt, sizeof pt, &f) == CV_ERR_STATE);
  CHECK (cv_sframe_keyring_advance_ctr (alice, 0, UINT64_MAX) == CV_ERR_STATE);
  /* Other streams are unaffected, and the next epoch starts afresh. */
  CHECK (send_frame (alice, 1, pt, sizeof pt, &f) == CV_OK);
  CHECK (cv_sframe_keyring_install_epoch (alice, 2, base_key, 16, members, 4, ALICE, 0) == CV_OK);
  CHECK (send_frame (alice, 0, pt, sizeof pt, &f) == CV_OK);
  parse_header_by_hand (f.data, &kid, &ctr);
  CHECK (ctr == 0 && (kid & 0xff) == 2);

  /* A receive-only ring cannot send. */
  cv_sframe_keyring *observer = NULL;
  CHECK (cv_sframe_keyring_new (&observer, 4, 0) == CV_OK);
  CHECK (cv_sframe_keyring_install_epoch (observer, 1, base_key, 16, members, 4, CV_SFRAME_NO_LEAF, 0) == CV_OK);
  CHECK (send_frame (observer, 0, pt, sizeof pt, &f) == CV_ERR_STATE);
  cv_sframe_keyring_free (observer);

  cv_sframe_keyring_free (alice);
  cv_sframe_keyring_free (bob);
}

int
main (void)
{
  test_derivation (CV_SFRAME_AES_128_GCM_SHA256_128);
  test_derivation (CV_SFRAME_AES_256_GCM_SHA512_128);
  test_large_group ();
  test_replay ();
  test_refusals ();
  test_grace_period ();
  test_counter ();
  printf ("sframe-keyring: %d checks failed\n", failures);
  return failures ? 1 : 0;
}
