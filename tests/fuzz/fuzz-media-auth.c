/* Fuzzes media authenticity statements (e2ee/cv-media-auth.h) as a receiver
 * meets them. The first input byte picks the mode:
 *  - even: the rest is a MediaAuthStatement off the wire. An accepted one
 *    must re-encode to the very bytes it came from (only minimal encodings
 *    are accepted) and must never verify under a fixed key;
 *  - odd: the rest is parsed the same way and, when accepted, its content
 *    is signed with the fixed key, so that a genuinely valid statement with
 *    fuzzed fields reaches the verifier, together with frames at its CTRs
 *    (half of them matching). Every frame must land in exactly one of the
 *    report's buckets, and only matching ones may be authenticated. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cv-media-auth.h"
#include "cv-mls-codec.h"
#include "cv-mls-suite.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const uint8_t group_id[] = "fuzz group";
static const uint8_t ed25519_priv[32] = {
  0x66, 0x75, 0x7a, 0x7a, 0x20, 0x6d, 0x65, 0x64, 0x69, 0x61, 0x20, 0x61, 0x75, 0x74, 0x68, 0x20,
  0x6b, 0x65, 0x79, 0x20, 0x66, 0x6f, 0x72, 0x20, 0x73, 0x69, 0x67, 0x6e, 0x69, 0x6e, 0x67, 0x21,
};

static const cv_mls_suite *suite;
static cv_bytes pub;

static void
setup (void)
{
  if (suite != NULL)
    return;
  if (cv_mls_suite_get (CV_MLS_SUITE_X25519_AES128GCM_SHA256_ED25519, &suite) != CV_OK
      || cv_mls_signature_public_key (suite, ed25519_priv, sizeof ed25519_priv, &pub) != CV_OK)
    abort ();
}

static void
encode_content (cv_mls_writer *w, const cv_media_auth_statement *s)
{
  cv_mls_write_u8 (w, CV_MEDIA_AUTH_VERSION);
  cv_mls_write_u64 (w, s->epoch);
  cv_mls_write_u32 (w, s->sender_leaf);
  cv_mls_write_varint (w, s->context);
  cv_mls_write_u64 (w, s->first_ctr);
  cv_mls_write_opaque (w, s->hashes, s->count * CV_MEDIA_AUTH_HASH_LEN);
}

static void
check_round_trip (const uint8_t *data, size_t size, const cv_media_auth_statement *s)
{
  cv_bytes again = CV_BYTES_INIT;
  cv_mls_writer w;

  if (s->count < 1 || s->count > CV_MEDIA_AUTH_MAX_FRAMES || s->signature_len < 1
      || s->signature_len > CV_MEDIA_AUTH_SIGNATURE_MAX || s->content != data
      || s->content_len >= size || s->first_ctr + (s->count - 1) < s->first_ctr)
    abort ();
  cv_mls_writer_init (&w);
  encode_content (&w, s);
  if (w.status == CV_OK && (w.len != s->content_len || memcmp (w.data, data, w.len) != 0))
    abort ();
  cv_mls_write_opaque (&w, s->signature, s->signature_len);
  if (cv_mls_writer_finish (&w, &again) != CV_OK || again.len != size
      || memcmp (again.data, data, size) != 0)
    abort ();
  cv_bytes_clear (&again);
}

/* Signs the fuzzed content for real and feeds it, with frames, to a verifier. */
static void
feed_signed (const cv_media_auth_statement *s, uint8_t flavour)
{
  cv_media_auth_config config = { 3000, 16, 2, 4 };
  cv_bytes content = CV_BYTES_INIT, tbs = CV_BYTES_INIT, sig = CV_BYTES_INIT, bytes = CV_BYTES_INIT;
  cv_media_auth_verifier *v = NULL;
  cv_media_auth_statement signed_statement;
  cv_media_auth_report r;
  cv_mls_writer w;
  uint64_t matching = 0;

  cv_mls_writer_init (&w);
  encode_content (&w, s);
  if (cv_mls_writer_finish (&w, &content) != CV_OK)
    abort ();
  cv_mls_writer_init (&w);
  cv_mls_write_opaque (&w, group_id, sizeof group_id);
  cv_mls_write_u16 (&w, suite->id);
  cv_mls_write_fixed (&w, content.data, content.len);
  if (cv_mls_writer_finish (&w, &tbs) != CV_OK
      || cv_mls_sign_with_label (suite, ed25519_priv, sizeof ed25519_priv, CV_MEDIA_AUTH_LABEL,
                                 tbs.data, tbs.len, &sig) != CV_OK)
    abort ();
  cv_mls_writer_init (&w);
  cv_mls_write_fixed (&w, content.data, content.len);
  cv_mls_write_opaque (&w, sig.data, sig.len);
  if (cv_mls_writer_finish (&w, &bytes) != CV_OK
      || cv_media_auth_statement_parse (bytes.data, bytes.len, &signed_statement) != CV_OK
      || cv_media_auth_verifier_new (&v, suite->id, group_id, sizeof group_id, &config) != CV_OK)
    abort ();

  /* Frames before the statement (flavour bit 0) or after it. */
  bool frames_first = flavour & 1;
  for (int pass = 0; pass < 2; pass++)
    {
      if ((pass == 0) != frames_first)
        {
          if (cv_media_auth_verifier_add_statement (v, &signed_statement, pub.data, pub.len, 10) != CV_OK)
            abort ();
          continue;
        }
      for (size_t i = 0; i < s->count; i++)
        {
          cv_sframe_frame_info info = { s->epoch, s->sender_leaf, s->context, 0, s->first_ctr + i };
          uint8_t hash[CV_MEDIA_AUTH_HASH_LEN];

          memcpy (hash, s->hashes + i * CV_MEDIA_AUTH_HASH_LEN, sizeof hash);
          if ((i + flavour) % 2)
            hash[i % sizeof hash] ^= 0x80;
          else
            matching++;
          if (cv_media_auth_verifier_add_frame_hash (v, &info, hash, 5) != CV_OK)
            abort ();
        }
    }
  cv_media_auth_verifier_report (v, s->sender_leaf, 20, &r);
  if (r.frames != r.authenticated + r.forged + r.unverified + r.pending
      || r.authenticated > matching || r.statements != 1 || r.bad_statements != 0)
    abort ();
  /* Within the window every frame is resolved against its claim. */
  if (s->count <= 16 && (r.pending != 0 || r.authenticated != matching))
    abort ();

  cv_media_auth_verifier_free (v);
  cv_bytes_clear (&content);
  cv_bytes_clear (&tbs);
  cv_bytes_clear (&sig);
  cv_bytes_clear (&bytes);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  cv_media_auth_statement s;
  uint8_t mode;

  if (size < 1 || size > CV_MEDIA_AUTH_STATEMENT_MAX + 16)
    return 0;
  setup ();
  mode = data[0];
  data++;
  size--;

  if (cv_media_auth_statement_parse (data, size, &s) != CV_OK)
    return 0;
  check_round_trip (data, size, &s);
  if ((mode & 1) == 0)
    {
      if (cv_media_auth_statement_verify (&s, suite->id, group_id, sizeof group_id,
                                          pub.data, pub.len) == CV_OK)
        abort (); /* a forged Ed25519 signature */
      return 0;
    }
  feed_signed (&s, (uint8_t) (mode >> 1));
  return 0;
}
