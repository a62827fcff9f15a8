/* Per-sender media authenticity (e2ee/cv-media-auth.h), for every MLS suite.
 *
 * Three members share one SFrame key ring: Alice sends, Bob receives, and
 * Mallory, holding the same group key, makes frames under Alice's KID. What
 * Alice's signer emits is checked against values computed here
 * independently: the frame hashes with EVP_Digest, the statement bytes laid
 * out by hand, and the signature checked with raw EVP over a SignContent
 * built by hand. Then: an honest stream is authenticated; Mallory's frames
 * at Alice's CTRs and her statements in Alice's name make Alice FORGED;
 * frames Alice never signed become unverified, not authenticated; tampered,
 * truncated and garbage statements are refused; reordered and lost frames,
 * lost statements, epoch changes and the memory bounds behave. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "cv-bytes.h"
#include "cv-media-auth.h"
#include "cv-mls-suite.h"
#include "cv-sframe-keyring.h"
#include "cv-test-vectors.h"

static int failures;

#define CHECK(cond) \
  do { if (!(cond)) { fprintf (stderr, "%s:%d: suite %u: CHECK failed: %s (%s)\n", __FILE__, __LINE__, \
                               current_suite, #cond, cv_status_message ()); failures++; } } while (0)

static unsigned current_suite;

#define ALICE 0
#define BOB 1
#define MALLORY 2
#define VIDEO 1
#define INTERVAL_MS 1000
#define FRAME_MS 33

static const uint8_t group_id[] = "test group for media auth";

/* ---- Independent computations ---- */

static const char *
hash_for (uint16_t suite)
{
  return suite <= 3 ? "SHA256" : suite == 7 ? "SHA384" : "SHA512";
}

static void
expected_hash (uint16_t suite, const uint8_t *frame, size_t len, uint8_t out[CV_MEDIA_AUTH_HASH_LEN])
{
  uint8_t full[EVP_MAX_MD_SIZE];
  unsigned full_len = 0;
  EVP_MD *md = EVP_MD_fetch (NULL, hash_for (suite), NULL);

  EVP_Digest (frame, len, full, &full_len, md, NULL);
  EVP_MD_free (md);
  memcpy (out, full, CV_MEDIA_AUTH_HASH_LEN);
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

static size_t
put_be (uint8_t *p, uint64_t v, int bytes)
{
  for (int i = 0; i < bytes; i++)
    p[i] = (uint8_t) (v >> (8 * (bytes - 1 - i)));
  return (size_t) bytes;
}

/* RFC 9420 §5.1.2 VerifyWithLabel by hand: SignContent { label<V>, content<V> }. */
static bool
raw_verify (uint16_t suite, const cv_bytes *pub, const uint8_t *tbs, size_t tbs_len,
            const uint8_t *sig, size_t sig_len)
{
  static const char label[] = "MLS 1.0 " CV_MEDIA_AUTH_LABEL;
  uint8_t sign_content[4096];
  size_t n = 0;
  EVP_PKEY *pkey = NULL;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
  const char *md = NULL;
  bool ok;

  n += put_varint (sign_content + n, strlen (label));
  memcpy (sign_content + n, label, strlen (label));
  n += strlen (label);
  n += put_varint (sign_content + n, tbs_len);
  memcpy (sign_content + n, tbs, tbs_len);
  n += tbs_len;

  if (suite == 1 || suite == 3)
    pkey = EVP_PKEY_new_raw_public_key (EVP_PKEY_ED25519, NULL, pub->data, pub->len);
  else if (suite == 4 || suite == 6)
    pkey = EVP_PKEY_new_raw_public_key (EVP_PKEY_ED448, NULL, pub->data, pub->len);
  else
    {
      const char *curve = suite == 2 ? "P-256" : suite == 5 ? "P-521" : "P-384";
      EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name (NULL, "EC", NULL);
      OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string (OSSL_PKEY_PARAM_GROUP_NAME, (char *) curve, 0),
        OSSL_PARAM_construct_octet_string (OSSL_PKEY_PARAM_PUB_KEY, pub->data, pub->len),
        OSSL_PARAM_construct_end (),
      };

      md = hash_for (suite);
      if (pctx == NULL || EVP_PKEY_fromdata_init (pctx) <= 0
          || EVP_PKEY_fromdata (pctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
        pkey = NULL;
      EVP_PKEY_CTX_free (pctx);
    }
  ok = pkey != NULL && ctx != NULL
       && EVP_DigestVerifyInit_ex (ctx, NULL, md, NULL, NULL, pkey, NULL) > 0
       && EVP_DigestVerify (ctx, sig, sig_len, sign_content, n) == 1;
  EVP_MD_CTX_free (ctx);
  EVP_PKEY_free (pkey);
  return ok;
}

/* ---- A small meeting ---- */

typedef struct {
  uint16_t suite;
  uint64_t epoch;
  cv_sframe_keyring *alice, *bob, *mallory;
  cv_bytes alice_priv, alice_pub, mallory_priv, mallory_pub;
  cv_media_auth_signer *signer;
  cv_media_auth_verifier *verifier;
} meeting;

typedef struct {
  uint8_t data[256];
  size_t len;
} frame;

static bool
meeting_init (meeting *m, uint16_t suite, const cv_media_auth_config *config)
{
  const cv_mls_suite *s;
  uint8_t base_key[16];
  uint32_t members[] = { ALICE, BOB, MALLORY };

  memset (m, 0, sizeof *m);
  m->suite = suite;
  m->epoch = 3;
  RAND_bytes (base_key, sizeof base_key);
  if (cv_mls_suite_get (suite, &s) != CV_OK
      || cv_mls_signature_key_pair (s, &m->alice_priv, &m->alice_pub) != CV_OK
      || cv_mls_signature_key_pair (s, &m->mallory_priv, &m->mallory_pub) != CV_OK
      || cv_sframe_keyring_new (&m->alice, CV_SFRAME_DEFAULT_SUITE, 1000) != CV_OK
      || cv_sframe_keyring_new (&m->bob, CV_SFRAME_DEFAULT_SUITE, 1000) != CV_OK
      || cv_sframe_keyring_new (&m->mallory, CV_SFRAME_DEFAULT_SUITE, 1000) != CV_OK
      || cv_sframe_keyring_install_epoch (m->alice, m->epoch, base_key, 16, members, 3, ALICE, 0) != CV_OK
      || cv_sframe_keyring_install_epoch (m->bob, m->epoch, base_key, 16, members, 3, BOB, 0) != CV_OK
      /* Mallory is a member; her ring claims Alice's leaf to make Alice's KIDs. */
      || cv_sframe_keyring_install_epoch (m->mallory, m->epoch, base_key, 16, members, 3, ALICE, 0) != CV_OK
      || cv_media_auth_signer_new (&m->signer, suite, group_id, sizeof group_id, VIDEO, INTERVAL_MS) != CV_OK
      || cv_media_auth_signer_set_epoch (m->signer, m->epoch, ALICE, m->alice_priv.data,
                                         m->alice_priv.len) != CV_OK
      || cv_media_auth_verifier_new (&m->verifier, suite, group_id, sizeof group_id, config) != CV_OK)
    return false;
  OPENSSL_cleanse (base_key, sizeof base_key);
  return true;
}

static void
meeting_clear (meeting *m)
{
  cv_sframe_keyring_free (m->alice);
  cv_sframe_keyring_free (m->bob);
  cv_sframe_keyring_free (m->mallory);
  cv_bytes_clear (&m->alice_priv);
  cv_bytes_clear (&m->alice_pub);
  cv_bytes_clear (&m->mallory_priv);
  cv_bytes_clear (&m->mallory_pub);
  cv_media_auth_signer_free (m->signer);
  cv_media_auth_verifier_free (m->verifier);
}

static bool
encrypt_frame (cv_sframe_keyring *ring, unsigned seq, frame *f)
{
  uint8_t pt[160];
  size_t pt_len = 40 + seq % 100;

  for (size_t i = 0; i < pt_len; i++)
    pt[i] = (uint8_t) (seq * 7 + i);
  return cv_sframe_keyring_encrypt (ring, VIDEO, NULL, 0, pt, pt_len, f->data, sizeof f->data,
                                    &f->len) == CV_OK;
}

/* Alice sends a frame: encrypt, then the signer records it. */
static bool
alice_sends (meeting *m, unsigned seq, uint64_t now_ms, frame *f)
{
  return encrypt_frame (m->alice, seq, f)
         && cv_media_auth_signer_add_frame (m->signer, m->epoch, f->data, f->len, now_ms) == CV_OK;
}

/* Bob receives a frame: hash what arrived, decrypt, record. */
static cv_status
bob_receives (meeting *m, const frame *f, uint64_t now_ms)
{
  uint8_t copy[256], hash[CV_MEDIA_AUTH_HASH_LEN];
  size_t offset, len;
  cv_sframe_frame_info info;
  cv_status st;

  memcpy (copy, f->data, f->len);
  if ((st = cv_media_auth_verifier_hash (m->verifier, copy, f->len, hash)) != CV_OK)
    return st;
  if ((st = cv_sframe_keyring_decrypt_in_place (m->bob, now_ms, NULL, 0, copy, f->len, &offset,
                                                &len, &info)) != CV_OK)
    return st;
  return cv_media_auth_verifier_add_frame_hash (m->verifier, &info, hash, now_ms);
}

static cv_status
bob_gets_statement (meeting *m, const cv_bytes *bytes, const cv_bytes *pub, uint64_t now_ms)
{
  cv_media_auth_statement st;
  cv_status s;

  if ((s = cv_media_auth_statement_parse (bytes->data, bytes->len, &st)) != CV_OK)
    return s;
  return cv_media_auth_verifier_add_statement (m->verifier, &st, pub->data, pub->len, now_ms);
}

static cv_media_auth_report
report_of (meeting *m, uint32_t leaf, uint64_t now_ms)
{
  cv_media_auth_report r;

  cv_media_auth_verifier_report (m->verifier, leaf, now_ms, &r);
  return r;
}

/* ---- Cases ---- */

/* The statement Alice makes is exactly the bytes laid out here, and its
 * signature verifies with raw EVP; Bob authenticates every frame. */
static void
test_honest (uint16_t suite)
{
  meeting m;
  frame frames[40];
  cv_bytes statement = CV_BYTES_INIT;
  cv_media_auth_statement parsed;
  int n_statements = 0;
  uint64_t now = 10000;

  CHECK (meeting_init (&m, suite, NULL));
  for (unsigned i = 0; i < 40; i++, now += FRAME_MS)
    {
      CHECK (alice_sends (&m, i, now, &frames[i]));
      CHECK (bob_receives (&m, &frames[i], now + 5) == CV_OK);
      while (cv_media_auth_signer_take (m.signer, &statement))
        {
          uint8_t want[2048], *tbs = want + 1024;
          size_t n = 0, t = 0;

          n_statements++;
          CHECK (cv_media_auth_statement_parse (statement.data, statement.len, &parsed) == CV_OK);
          /* 33 ms a frame: frame 31 is the first 1000 ms after frame 0, and signs 0..31. */
          CHECK (parsed.first_ctr == 0 && parsed.count == 32);
          want[n++] = CV_MEDIA_AUTH_VERSION;
          n += put_be (want + n, m.epoch, 8);
          n += put_be (want + n, ALICE, 4);
          n += put_varint (want + n, VIDEO);
          n += put_be (want + n, 0, 8);
          n += put_varint (want + n, parsed.count * CV_MEDIA_AUTH_HASH_LEN);
          for (size_t k = 0; k < parsed.count; k++, n += CV_MEDIA_AUTH_HASH_LEN)
            expected_hash (suite, frames[k].data, frames[k].len, want + n);
          CHECK (statement.len > n && memcmp (statement.data, want, n) == 0);
          CHECK (parsed.content_len == n);

          t += put_varint (tbs + t, sizeof group_id);
          memcpy (tbs + t, group_id, sizeof group_id);
          t += sizeof group_id;
          t += put_be (tbs + t, suite, 2);
          memcpy (tbs + t, want, n);
          t += n;
          CHECK (raw_verify (suite, &m.alice_pub, tbs, t, parsed.signature, parsed.signature_len));
          /* ... and not with Mallory's key. */
          CHECK (!raw_verify (suite, &m.mallory_pub, tbs, t, parsed.signature, parsed.signature_len));

          CHECK (report_of (&m, ALICE, now).state == CV_MEDIA_AUTH_NOT_YET);
          CHECK (bob_gets_statement (&m, &statement, &m.alice_pub, now + 10) == CV_OK);
          cv_bytes_clear (&statement);
        }
    }
  /* A timer signs the tail. */
  CHECK (cv_media_auth_signer_tick (m.signer, now, false) == CV_OK);
  CHECK (!cv_media_auth_signer_take (m.signer, &statement));
  CHECK (cv_media_auth_signer_tick (m.signer, now + INTERVAL_MS, false) == CV_OK);
  CHECK (cv_media_auth_signer_take (m.signer, &statement));
  CHECK (bob_gets_statement (&m, &statement, &m.alice_pub, now + INTERVAL_MS) == CV_OK);
  cv_bytes_clear (&statement);
  CHECK (n_statements == 1);

  cv_media_auth_report r = report_of (&m, ALICE, now + INTERVAL_MS);
  CHECK (r.state == CV_MEDIA_AUTH_AUTHENTICATED);
  CHECK (r.frames == 40 && r.authenticated == 40 && r.forged == 0 && r.pending == 0);
  CHECK (r.statements == 2 && r.bad_statements == 0 && r.unverified == 0);
  CHECK (report_of (&m, BOB, now).state == CV_MEDIA_AUTH_NONE);
  CHECK (strcmp (cv_media_auth_state_name (r.state), "authenticated") == 0);

  cv_media_auth_signer_stats stats;
  cv_media_auth_signer_get_stats (m.signer, &stats);
  CHECK (stats.frames == 40 && stats.statements == 2 && stats.dropped == 0);
  meeting_clear (&m);
}

/* Mallory replaces some of Alice's frames with her own at the same CTRs
 * (same group key, so Bob decrypts them as Alice's): Alice's statement
 * contradicts them. Her statements in Alice's name do not verify. */
static void
test_forgery (uint16_t suite)
{
  meeting m;
  frame f, forged;
  cv_bytes statement = CV_BYTES_INIT;
  uint64_t now = 5000;
  int forged_frames = 0;

  CHECK (meeting_init (&m, suite, NULL));
  for (unsigned i = 0; i < 20; i++, now += FRAME_MS)
    {
      CHECK (alice_sends (&m, i, now, &f));
      if (i % 5 == 2)
        {
          /* Bob gets Mallory's frame for this CTR instead of Alice's. */
          CHECK (cv_sframe_keyring_advance_ctr (m.mallory, VIDEO, i) == CV_OK);
          CHECK (encrypt_frame (m.mallory, 1000 + i, &forged));
          CHECK (bob_receives (&m, &forged, now) == CV_OK);
          /* Alice's real one then arrives and is a replay to the key ring. */
          CHECK (bob_receives (&m, &f, now) == CV_ERR_STATE);
          forged_frames++;
        }
      else
        {
          CHECK (bob_receives (&m, &f, now) == CV_OK);
        }
    }
  CHECK (report_of (&m, ALICE, now).state == CV_MEDIA_AUTH_NOT_YET);
  CHECK (cv_media_auth_signer_tick (m.signer, now, true) == CV_OK);
  CHECK (cv_media_auth_signer_take (m.signer, &statement));
  CHECK (bob_gets_statement (&m, &statement, &m.alice_pub, now) == CV_OK);
  cv_bytes_clear (&statement);

  cv_media_auth_report r = report_of (&m, ALICE, now);
  CHECK (r.state == CV_MEDIA_AUTH_FORGED);
  CHECK (r.forged == (uint64_t) forged_frames && r.authenticated == 20 - (uint64_t) forged_frames);
  meeting_clear (&m);

  /* Mallory signs her own statement in Alice's name: verified with Alice's
   * key from the tree, it fails. */
  meeting m2;
  cv_media_auth_signer *fake = NULL;

  CHECK (meeting_init (&m2, suite, NULL));
  CHECK (cv_media_auth_signer_new (&fake, suite, group_id, sizeof group_id, VIDEO, INTERVAL_MS) == CV_OK);
  CHECK (cv_media_auth_signer_set_epoch (fake, m2.epoch, ALICE, m2.mallory_priv.data,
                                         m2.mallory_priv.len) == CV_OK);
  for (unsigned i = 0; i < 5; i++)
    {
      CHECK (encrypt_frame (m2.mallory, 500 + i, &forged));
      CHECK (cv_media_auth_signer_add_frame (fake, m2.epoch, forged.data, forged.len, now) == CV_OK);
      CHECK (bob_receives (&m2, &forged, now) == CV_OK);
    }
  CHECK (cv_media_auth_signer_tick (fake, now, true) == CV_OK);
  CHECK (cv_media_auth_signer_take (fake, &statement));
  CHECK (bob_gets_statement (&m2, &statement, &m2.alice_pub, now) == CV_ERR_AUTH);
  cv_bytes_clear (&statement);
  r = report_of (&m2, ALICE, now);
  CHECK (r.state == CV_MEDIA_AUTH_FORGED && r.bad_statements == 1 && r.authenticated == 0);
  cv_media_auth_signer_free (fake);
  meeting_clear (&m2);

  /* Mallory's frames at CTRs Alice never reaches stay uncovered: after the
   * deadline Alice shows unverified, never authenticated. */
  meeting m3;

  CHECK (meeting_init (&m3, suite, NULL));
  now = 1000;
  for (unsigned i = 0; i < 10; i++, now += FRAME_MS)
    {
      CHECK (alice_sends (&m3, i, now, &f));
      CHECK (bob_receives (&m3, &f, now) == CV_OK);
    }
  CHECK (cv_sframe_keyring_advance_ctr (m3.mallory, VIDEO, 100) == CV_OK);
  CHECK (encrypt_frame (m3.mallory, 77, &forged));
  CHECK (bob_receives (&m3, &forged, now) == CV_OK);
  CHECK (cv_media_auth_signer_tick (m3.signer, now, true) == CV_OK);
  CHECK (cv_media_auth_signer_take (m3.signer, &statement));
  CHECK (bob_gets_statement (&m3, &statement, &m3.alice_pub, now) == CV_OK);
  cv_bytes_clear (&statement);
  r = report_of (&m3, ALICE, now + 100);
  CHECK (r.state == CV_MEDIA_AUTH_AUTHENTICATED && r.pending == 1 && r.authenticated == 10);
  r = report_of (&m3, ALICE, now + 3000);
  CHECK (r.state == CV_MEDIA_AUTH_UNVERIFIED && r.overdue == 1);
  /* Past everything Alice signed, it never settles as a lost statement's gap does. */
  r = report_of (&m3, ALICE, now + 7000);
  CHECK (r.state == CV_MEDIA_AUTH_UNVERIFIED && r.overdue == 1);
  meeting_clear (&m3);
}

/* A statement changed anywhere, or checked for another group, fails. */
static void
test_tampered (uint16_t suite)
{
  meeting m;
  frame f;
  cv_bytes statement = CV_BYTES_INIT;
  cv_media_auth_statement parsed;
  uint64_t now = 0;

  CHECK (meeting_init (&m, suite, NULL));
  for (unsigned i = 0; i < 8; i++, now += FRAME_MS)
    {
      CHECK (alice_sends (&m, i, now, &f));
      CHECK (bob_receives (&m, &f, now) == CV_OK);
    }
  CHECK (cv_media_auth_signer_tick (m.signer, now, true) == CV_OK);
  CHECK (cv_media_auth_signer_take (m.signer, &statement));

  /* Flip one bit of each byte in turn: a refusal by the parser or by the signature. */
  int refused = 0;
  for (size_t i = 0; i < statement.len; i++)
    {
      uint8_t saved = statement.data[i];
      cv_status st;

      statement.data[i] ^= (uint8_t) (1u << (i % 8));
      st = cv_media_auth_statement_parse (statement.data, statement.len, &parsed);
      if (st == CV_OK)
        st = cv_media_auth_statement_verify (&parsed, suite, group_id, sizeof group_id,
                                             m.alice_pub.data, m.alice_pub.len);
      if (st != CV_OK)
        refused++;
      statement.data[i] = saved;
    }
  CHECK (refused == (int) statement.len);

  CHECK (cv_media_auth_statement_parse (statement.data, statement.len, &parsed) == CV_OK);
  CHECK (cv_media_auth_statement_verify (&parsed, suite, group_id, sizeof group_id,
                                         m.alice_pub.data, m.alice_pub.len) == CV_OK);
  CHECK (cv_media_auth_statement_verify (&parsed, suite, group_id, sizeof group_id - 1,
                                         m.alice_pub.data, m.alice_pub.len) == CV_ERR_AUTH);
  CHECK (cv_media_auth_statement_verify (&parsed, suite, group_id, sizeof group_id,
                                         m.mallory_pub.data, m.mallory_pub.len) == CV_ERR_AUTH);
  /* A tampered hash reaching the verifier is a bad statement: FORGED, nothing authenticated. */
  statement.data[parsed.content_len - 1] ^= 0x01;
  CHECK (bob_gets_statement (&m, &statement, &m.alice_pub, now) == CV_ERR_AUTH);
  cv_media_auth_report r = report_of (&m, ALICE, now);
  CHECK (r.state == CV_MEDIA_AUTH_FORGED && r.authenticated == 0 && r.bad_statements == 1);
  cv_bytes_clear (&statement);
  meeting_clear (&m);
}

/* Frames shuffled and some lost, statements before their frames, a lost
 * statement: what arrives is authenticated, what a lost statement covered
 * turns unverified and then leaves the window. */
static void
test_reorder_loss (uint16_t suite)
{
  cv_media_auth_config config = CV_MEDIA_AUTH_CONFIG_DEFAULT;
  meeting m;
  enum { N = 120 };
  frame frames[N];
  cv_bytes statements[8] = { CV_BYTES_INIT };
  int n_statements = 0;
  unsigned order[N];
  uint64_t now = 0;

  config.window = 64;
  CHECK (meeting_init (&m, suite, &config));
  for (unsigned i = 0; i < N; i++, now += 20)
    {
      CHECK (alice_sends (&m, i, now, &frames[i]));
      while (n_statements < 8 && cv_media_auth_signer_take (m.signer, &statements[n_statements]))
        n_statements++;
    }
  CHECK (cv_media_auth_signer_tick (m.signer, now, true) == CV_OK);
  CHECK (cv_media_auth_signer_take (m.signer, &statements[n_statements]));
  n_statements++;
  /* 20 ms a frame: 51 frames a second (1000 ms after the first), then 51, then the 18 left. */
  CHECK (n_statements == 3);

  /* The first statement comes before any of its frames. */
  CHECK (bob_gets_statement (&m, &statements[0], &m.alice_pub, 0) == CV_OK);

  /* The first 60 frames in a shuffled order, every seventh lost. */
  for (unsigned i = 0; i < 60; i++)
    order[i] = i;
  for (unsigned i = 59; i > 0; i--)
    {
      unsigned j, tmp;

      RAND_bytes ((uint8_t *) &j, sizeof j);
      j %= i + 1;
      tmp = order[i];
      order[i] = order[j];
      order[j] = tmp;
    }
  unsigned lost = 0, delivered = 0;
  for (unsigned i = 0; i < 60; i++)
    {
      if (order[i] % 7 == 3)
        {
          lost++;
          continue;
        }
      CHECK (bob_receives (&m, &frames[order[i]], 1500) == CV_OK);
      delivered++;
    }
  /* Statement 1 (frames 51..101) is lost; 60..101 arrive in order. */
  for (unsigned i = 60; i < 102; i++)
    CHECK (bob_receives (&m, &frames[i], 2000) == CV_OK);
  cv_media_auth_report r = report_of (&m, ALICE, 2000);
  uint64_t first_delivered = 51 - (51 + 3) / 7; /* frames 0..50 minus those ≡ 3 (mod 7) */
  CHECK (r.authenticated == first_delivered);
  CHECK (r.state == CV_MEDIA_AUTH_AUTHENTICATED);
  CHECK (r.pending == delivered - first_delivered + 42);
  /* After the deadline the uncovered frames are overdue. */
  r = report_of (&m, ALICE, 5100);
  CHECK (r.state == CV_MEDIA_AUTH_UNVERIFIED && r.overdue == r.pending);
  /* The rest arrives with its statement; the window of 64 pushes the
   * uncovered ones out as unverified. */
  for (unsigned i = 102; i < N; i++)
    CHECK (bob_receives (&m, &frames[i], 5200) == CV_OK);
  CHECK (bob_gets_statement (&m, &statements[2], &m.alice_pub, 5200) == CV_OK);
  r = report_of (&m, ALICE, 5200);
  CHECK (r.authenticated == first_delivered + (N - 102));
  CHECK (r.unverified + r.pending == delivered - first_delivered + 42);
  CHECK (r.forged == 0 && r.state == CV_MEDIA_AUTH_UNVERIFIED);
  /* The same statement twice changes nothing. */
  CHECK (bob_gets_statement (&m, &statements[2], &m.alice_pub, 5200) == CV_OK);
  CHECK (report_of (&m, ALICE, 5200).authenticated == r.authenticated);
  /* The lost statement arriving very late still covers what is left in the window. */
  CHECK (bob_gets_statement (&m, &statements[1], &m.alice_pub, 5300) == CV_OK);
  r = report_of (&m, ALICE, 5300);
  CHECK (r.pending == 0 && r.forged == 0);
  CHECK (r.authenticated + r.unverified == delivered + 42 + (N - 102));
  /* Once a deadline has passed with everything covered, Alice is authenticated again. */
  CHECK (report_of (&m, ALICE, 5300 + 3000).state == CV_MEDIA_AUTH_AUTHENTICATED);

  for (int i = 0; i < n_statements; i++)
    cv_bytes_clear (&statements[i]);
  meeting_clear (&m);
}

/* Every truncation, trailing bytes and each field out of range is refused
 * with its own status; garbage never parses into something that verifies. */
static void
test_malformed (uint16_t suite)
{
  meeting m;
  frame f;
  cv_bytes statement = CV_BYTES_INIT;
  cv_media_auth_statement parsed;
  uint8_t buf[CV_MEDIA_AUTH_STATEMENT_MAX + 64];
  uint64_t now = 0;

  CHECK (meeting_init (&m, suite, NULL));
  for (unsigned i = 0; i < 3; i++)
    CHECK (alice_sends (&m, i, now, &f));
  CHECK (cv_media_auth_signer_tick (m.signer, now, true) == CV_OK);
  CHECK (cv_media_auth_signer_take (m.signer, &statement));
  CHECK (statement.len <= CV_MEDIA_AUTH_STATEMENT_MAX);

  for (size_t n = 0; n < statement.len; n++)
    {
      cv_status st = cv_media_auth_statement_parse (statement.data, n, &parsed);
      CHECK (st == CV_ERR_TRUNCATED || st == CV_ERR_MALFORMED);
    }
  memcpy (buf, statement.data, statement.len);
  buf[statement.len] = 0;
  CHECK (cv_media_auth_statement_parse (buf, statement.len + 1, &parsed) == CV_ERR_MALFORMED);

  /* Fields built by hand: version, epoch, leaf, context, first_ctr, hashes, signature. */
  struct {
    uint8_t version;
    uint64_t first_ctr;
    size_t hashes_len;
    size_t sig_len;
    bool long_context;
    cv_status want;
  } cases[] = {
    { 1, 0, 16, 64, false, CV_OK },
    { 2, 0, 16, 64, false, CV_ERR_UNSUPPORTED },
    { 0, 0, 16, 64, false, CV_ERR_UNSUPPORTED },
    { 1, 0, 0, 64, false, CV_ERR_INVALID },
    { 1, 0, 15, 64, false, CV_ERR_MALFORMED },
    { 1, 0, 17, 64, false, CV_ERR_MALFORMED },
    { 1, 0, 16 * CV_MEDIA_AUTH_MAX_FRAMES, 64, false, CV_OK },
    { 1, 0, 16 * (CV_MEDIA_AUTH_MAX_FRAMES + 1), 64, false, CV_ERR_TOO_LARGE },
    { 1, UINT64_MAX, 16, 64, false, CV_OK },
    { 1, UINT64_MAX, 32, 64, false, CV_ERR_INVALID },
    { 1, UINT64_MAX - 63, 16 * 64, 64, false, CV_OK },
    { 1, 0, 16, 0, false, CV_ERR_INVALID },
    { 1, 0, 16, CV_MEDIA_AUTH_SIGNATURE_MAX, false, CV_OK },
    { 1, 0, 16, CV_MEDIA_AUTH_SIGNATURE_MAX + 1, false, CV_ERR_TOO_LARGE },
    { 1, 0, 16, 64, true, CV_ERR_MALFORMED }, /* context 1 in a two-byte varint */
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
    {
      size_t n = 0;

      buf[n++] = cases[c].version;
      n += put_be (buf + n, 9, 8);
      n += put_be (buf + n, 2, 4);
      if (cases[c].long_context)
        {
          buf[n++] = 0x40;
          buf[n++] = 0x01;
        }
      else
        {
          n += put_varint (buf + n, 1);
        }
      n += put_be (buf + n, cases[c].first_ctr, 8);
      n += put_varint (buf + n, cases[c].hashes_len);
      memset (buf + n, 0xab, cases[c].hashes_len);
      n += cases[c].hashes_len;
      n += put_varint (buf + n, cases[c].sig_len);
      memset (buf + n, 0xcd, cases[c].sig_len);
      n += cases[c].sig_len;
      cv_status st = cv_media_auth_statement_parse (buf, n, &parsed);
      if (st != cases[c].want)
        fprintf (stderr, "malformed case %zu: got %s, want %s\n", c, cv_status_name (st),
                 cv_status_name (cases[c].want));
      CHECK (st == cases[c].want);
      if (st == CV_OK)
        {
          CHECK (parsed.epoch == 9 && parsed.sender_leaf == 2 && parsed.context == 1);
          CHECK (parsed.count == cases[c].hashes_len / 16 && parsed.first_ctr == cases[c].first_ctr);
          CHECK (parsed.signature_len == cases[c].sig_len);
          CHECK (cv_media_auth_statement_verify (&parsed, suite, group_id, sizeof group_id,
                                                 m.alice_pub.data, m.alice_pub.len) != CV_OK);
        }
      else
        {
          CHECK (strlen (cv_status_message ()) > 0);
        }
    }

  /* Random garbage: refused, or (rarely) parsed and then not verified. */
  for (int i = 0; i < 2000; i++)
    {
      size_t n;

      RAND_bytes ((uint8_t *) &n, sizeof n);
      n %= sizeof buf;
      RAND_bytes (buf, (int) n);
      if (i % 2)
        buf[0] = CV_MEDIA_AUTH_VERSION;
      if (cv_media_auth_statement_parse (buf, n, &parsed) == CV_OK)
        CHECK (cv_media_auth_statement_verify (&parsed, suite, group_id, sizeof group_id,
                                               m.alice_pub.data, m.alice_pub.len) != CV_OK);
    }
  CHECK (cv_media_auth_statement_parse (NULL, 0, &parsed) == CV_ERR_TRUNCATED);
  cv_bytes_clear (&statement);
  meeting_clear (&m);
}

/* A new epoch with a new signature key: the old epoch's pending frames are
 * signed with the old key, the new epoch's with the new one. */
static void
test_epochs (uint16_t suite)
{
  meeting m;
  frame f;
  cv_bytes statement = CV_BYTES_INIT, priv2 = CV_BYTES_INIT, pub2 = CV_BYTES_INIT;
  cv_media_auth_statement parsed;
  const cv_mls_suite *s;
  uint8_t base_key[16] = { 7 };
  uint32_t members[] = { ALICE, BOB, MALLORY };
  uint64_t now = 0;

  CHECK (meeting_init (&m, suite, NULL));
  CHECK (cv_mls_suite_get (suite, &s) == CV_OK);
  CHECK (cv_mls_signature_key_pair (s, &priv2, &pub2) == CV_OK);
  for (unsigned i = 0; i < 5; i++)
    {
      CHECK (alice_sends (&m, i, now, &f));
      CHECK (bob_receives (&m, &f, now) == CV_OK);
    }
  CHECK (cv_sframe_keyring_install_epoch (m.alice, m.epoch + 1, base_key, 16, members, 3, ALICE, now) == CV_OK);
  CHECK (cv_sframe_keyring_install_epoch (m.bob, m.epoch + 1, base_key, 16, members, 3, BOB, now) == CV_OK);
  CHECK (cv_media_auth_signer_set_epoch (m.signer, m.epoch - 1, ALICE, priv2.data, priv2.len) == CV_ERR_STATE);
  CHECK (cv_media_auth_signer_set_epoch (m.signer, m.epoch + 1, ALICE, priv2.data, priv2.len) == CV_OK);
  CHECK (cv_media_auth_signer_set_epoch (m.signer, m.epoch + 2, ALICE, (const uint8_t *) "", 0) != CV_OK);
  /* A frame of the old epoch's KID cannot be claimed for the new one. */
  CHECK (cv_media_auth_signer_add_frame (m.signer, m.epoch + 1, f.data, f.len, now) == CV_ERR_INVALID);
  m.epoch++;
  for (unsigned i = 0; i < 5; i++)
    {
      CHECK (alice_sends (&m, 10 + i, now, &f));
      CHECK (bob_receives (&m, &f, now) == CV_OK);
    }
  /* The old epoch's statement came out when the first new-epoch frame did. */
  CHECK (cv_media_auth_signer_take (m.signer, &statement));
  CHECK (cv_media_auth_statement_parse (statement.data, statement.len, &parsed) == CV_OK);
  CHECK (parsed.epoch == m.epoch - 1 && parsed.count == 5);
  CHECK (bob_gets_statement (&m, &statement, &pub2, now) == CV_ERR_AUTH); /* wrong epoch's key */
  cv_bytes_clear (&statement);
  CHECK (report_of (&m, ALICE, now).state == CV_MEDIA_AUTH_FORGED);

  /* Again with a fresh verifier and the right keys. */
  cv_media_auth_verifier_forget_sender (m.verifier, ALICE);
  CHECK (report_of (&m, ALICE, now).state == CV_MEDIA_AUTH_NONE);
  meeting_clear (&m);

  CHECK (meeting_init (&m, suite, NULL));
  for (unsigned i = 0; i < 5; i++)
    {
      CHECK (alice_sends (&m, i, now, &f));
      CHECK (bob_receives (&m, &f, now) == CV_OK);
    }
  CHECK (cv_sframe_keyring_install_epoch (m.alice, m.epoch + 1, base_key, 16, members, 3, ALICE, now) == CV_OK);
  CHECK (cv_sframe_keyring_install_epoch (m.bob, m.epoch + 1, base_key, 16, members, 3, BOB, now) == CV_OK);
  CHECK (cv_media_auth_signer_set_epoch (m.signer, m.epoch + 1, ALICE, priv2.data, priv2.len) == CV_OK);
  m.epoch++;
  for (unsigned i = 0; i < 5; i++)
    {
      CHECK (alice_sends (&m, 10 + i, now, &f));
      CHECK (bob_receives (&m, &f, now) == CV_OK);
    }
  CHECK (cv_media_auth_signer_tick (m.signer, now, true) == CV_OK);
  CHECK (cv_media_auth_signer_take (m.signer, &statement));
  CHECK (bob_gets_statement (&m, &statement, &m.alice_pub, now) == CV_OK);
  cv_bytes_clear (&statement);
  CHECK (cv_media_auth_signer_take (m.signer, &statement));
  CHECK (bob_gets_statement (&m, &statement, &pub2, now) == CV_OK);
  cv_bytes_clear (&statement);
  cv_media_auth_report r = report_of (&m, ALICE, now);
  CHECK (r.state == CV_MEDIA_AUTH_AUTHENTICATED && r.authenticated == 10);

  /* A third epoch: the first epoch's key is wiped, the second's kept. */
  CHECK (cv_media_auth_signer_set_epoch (m.signer, m.epoch + 1, ALICE, m.alice_priv.data, m.alice_priv.len) == CV_OK);
  CHECK (cv_media_auth_signer_add_frame (m.signer, m.epoch - 1, f.data, f.len, now) != CV_OK);
  cv_bytes_clear (&priv2);
  cv_bytes_clear (&pub2);
  meeting_clear (&m);
}

/* Memory bounds: the least recently used stream goes (its pending frames
 * unverified), senders beyond the bound are refused, Alice signing two
 * hashes for one CTR is caught, ready statements nobody takes are capped. */
static void
test_bounds (uint16_t suite)
{
  cv_media_auth_config config = { 3000, 16, 2, 2 };
  meeting m;
  uint8_t hash[CV_MEDIA_AUTH_HASH_LEN] = { 1 };
  cv_sframe_frame_info info = { 3, ALICE, 0, 0, 0 };
  frame f;
  cv_bytes statement = CV_BYTES_INIT;
  cv_media_auth_statement parsed;

  CHECK (meeting_init (&m, suite, &config));
  CHECK (cv_media_auth_verifier_add_frame_hash (m.verifier, &info, hash, 0) == CV_OK);
  info.context = 2;
  CHECK (cv_media_auth_verifier_add_frame_hash (m.verifier, &info, hash, 0) == CV_OK);
  info.sender_index = MALLORY;
  CHECK (cv_media_auth_verifier_add_frame_hash (m.verifier, &info, hash, 0) == CV_OK);
  cv_media_auth_report r = report_of (&m, ALICE, 0);
  CHECK (r.frames == 2 && r.pending == 1 && r.unverified == 1 && r.state == CV_MEDIA_AUTH_UNVERIFIED);
  info.sender_index = BOB;
  CHECK (cv_media_auth_verifier_add_frame_hash (m.verifier, &info, hash, 0) == CV_ERR_TOO_LARGE);
  cv_media_auth_verifier_forget_sender (m.verifier, MALLORY);
  CHECK (cv_media_auth_verifier_add_frame_hash (m.verifier, &info, hash, 0) == CV_OK);
  /* A window of 16: CTR 0 is pushed out by CTR 16 and counted unverified. */
  info.sender_index = BOB;
  info.ctr = 16;
  CHECK (cv_media_auth_verifier_add_frame_hash (m.verifier, &info, hash, 0) == CV_OK);
  r = report_of (&m, BOB, 0);
  CHECK (r.frames == 2 && r.unverified == 1 && r.pending == 1);
  info.ctr = 0;
  CHECK (cv_media_auth_verifier_add_frame_hash (m.verifier, &info, hash, 0) == CV_OK);
  CHECK (report_of (&m, BOB, 0).unverified == 2);
  /* A second, different frame at one CTR. */
  hash[0] = 2;
  info.ctr = 16;
  CHECK (cv_media_auth_verifier_add_frame_hash (m.verifier, &info, hash, 0) == CV_OK);
  CHECK (report_of (&m, BOB, 0).state == CV_MEDIA_AUTH_FORGED);
  meeting_clear (&m);

  /* Alice equivocates: two valid statements with different hashes for CTR 0. */
  CHECK (meeting_init (&m, suite, NULL));
  CHECK (alice_sends (&m, 0, 0, &f));
  CHECK (bob_receives (&m, &f, 0) == CV_OK);
  CHECK (cv_media_auth_signer_tick (m.signer, 0, true) == CV_OK);
  CHECK (cv_media_auth_signer_take (m.signer, &statement));
  CHECK (bob_gets_statement (&m, &statement, &m.alice_pub, 0) == CV_OK);
  cv_bytes_clear (&statement);
  CHECK (report_of (&m, ALICE, 0).state == CV_MEDIA_AUTH_AUTHENTICATED);
  cv_media_auth_signer *again = NULL;
  CHECK (cv_media_auth_signer_new (&again, suite, group_id, sizeof group_id, VIDEO, INTERVAL_MS) == CV_OK);
  CHECK (cv_media_auth_signer_set_epoch (again, m.epoch, ALICE, m.alice_priv.data, m.alice_priv.len) == CV_OK);
  CHECK (cv_sframe_keyring_advance_ctr (m.mallory, VIDEO, 0) == CV_OK);
  CHECK (encrypt_frame (m.mallory, 99, &f));
  CHECK (cv_media_auth_signer_add_frame (again, m.epoch, f.data, f.len, 0) == CV_OK);
  CHECK (cv_media_auth_signer_tick (again, 0, true) == CV_OK);
  CHECK (cv_media_auth_signer_take (again, &statement));
  CHECK (bob_gets_statement (&m, &statement, &m.alice_pub, 0) == CV_ERR_INVALID);
  cv_bytes_clear (&statement);
  CHECK (report_of (&m, ALICE, 0).state == CV_MEDIA_AUTH_FORGED);

  /* Nobody takes the statements: four wait, the rest are dropped and counted. */
  for (unsigned i = 0; i < 6; i++)
    {
      CHECK (encrypt_frame (m.mallory, i, &f));
      CHECK (cv_media_auth_signer_add_frame (again, m.epoch, f.data, f.len, 0) == CV_OK);
      CHECK (cv_media_auth_signer_tick (again, 0, true) == CV_OK);
    }
  cv_media_auth_signer_stats stats;
  cv_media_auth_signer_get_stats (again, &stats);
  CHECK (stats.statements == 7 && stats.dropped == 2);
  int ready = 0;
  uint64_t last_first = 0;
  while (cv_media_auth_signer_take (again, &statement))
    {
      CHECK (cv_media_auth_statement_parse (statement.data, statement.len, &parsed) == CV_OK);
      last_first = parsed.first_ctr;
      cv_bytes_clear (&statement);
      ready++;
    }
  CHECK (ready == 4 && last_first == 6);
  /* 64 frames make a statement without waiting for the interval. */
  for (unsigned i = 0; i < CV_MEDIA_AUTH_MAX_FRAMES; i++)
    {
      CHECK (encrypt_frame (m.mallory, i, &f));
      CHECK (cv_media_auth_signer_add_frame (again, m.epoch, f.data, f.len, 0) == CV_OK);
    }
  CHECK (cv_media_auth_signer_take (again, &statement));
  CHECK (cv_media_auth_statement_parse (statement.data, statement.len, &parsed) == CV_OK);
  CHECK (parsed.count == CV_MEDIA_AUTH_MAX_FRAMES && statement.len <= CV_MEDIA_AUTH_STATEMENT_MAX);
  cv_bytes_clear (&statement);
  cv_media_auth_signer_free (again);

  /* Refused arguments. */
  cv_media_auth_signer *bad = NULL;
  cv_media_auth_verifier *badv = NULL;
  cv_media_auth_config odd = { 3000, 100, 4, 4 };
  CHECK (cv_media_auth_signer_new (&bad, suite, group_id, sizeof group_id,
                                   CV_MEDIA_AUTH_STATEMENT_CONTEXT, INTERVAL_MS) == CV_ERR_ARGUMENT);
  CHECK (cv_media_auth_signer_new (&bad, suite, group_id, sizeof group_id, 0, 0) == CV_ERR_ARGUMENT);
  CHECK (cv_media_auth_signer_new (&bad, 0x0042, group_id, sizeof group_id, 0, 100) == CV_ERR_UNSUPPORTED);
  CHECK (cv_media_auth_verifier_new (&badv, suite, group_id, sizeof group_id, &odd) == CV_ERR_ARGUMENT);
  CHECK (bad == NULL && badv == NULL);
  meeting_clear (&m);
}

int
main (void)
{
  static const struct {
    const char *name;
    void (*run) (uint16_t suite);
  } cases[] = {
    { "honest sender", test_honest },
    { "forgery", test_forgery },
    { "tampered statements", test_tampered },
    { "reordering and loss", test_reorder_loss },
    { "malformed statements", test_malformed },
    { "epochs", test_epochs },
    { "bounds", test_bounds },
  };
  cv_test_tally *tally = cv_test_tally_new ("media-auth");

  for (uint16_t suite = 1; suite <= 7; suite++)
    {
      const cv_mls_suite *s;

      current_suite = suite;
      if (cv_mls_suite_get (suite, &s) != CV_OK)
        {
          cv_test_tally_skip (tally, suite, "cipher suite not available");
          continue;
        }
      for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        {
          int before = failures;

          cases[c].run (suite);
          if (failures != before)
            fprintf (stderr, "suite %u: %s failed\n", suite, cases[c].name);
          cv_test_tally_add (tally, suite, failures == before);
        }
    }
  return cv_test_tally_finish (tally);
}
