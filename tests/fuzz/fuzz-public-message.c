/* Fuzzes PublicMessage parsing and unprotection (RFC 9420 §6.2) under fixed
 * epoch keys: whatever arrives, parse and open return an error or an
 * AuthenticatedContent, never crash, leak or read out of bounds.
 *
 * Input: byte 0 picks the suite (1-7); byte 1 the mode:
 *   even: the rest is an MLSMessage, parsed and opened as it is;
 *   odd:  the rest is a FramedContent after its group_id and epoch (sender,
 *         authenticated_data, content) followed by FramedContentAuthData;
 *         the group's id and epoch are put in front and, for a member
 *         sender, the genuine membership_tag is appended, so that fuzzed
 *         content reaches the rules behind the tag.
 * Whatever opens must re-parse from its AuthenticatedContent bytes, and
 * sealing it again must give back the very message (PublicMessage encodings
 * are canonical).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cv-mls-codec.h"
#include "cv-mls-framing.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

enum { N_SUITES = 7 };

static const uint8_t group_id[] = "fuzz group";
static const uint8_t group_context[] = "a GroupContext, opaque to framing";
static const uint64_t epoch = 7;

static struct {
  bool ready;
  const cv_mls_suite *suite;
  uint8_t membership_key[64];
  cv_bytes sig_priv, sig_pub;
} fx[N_SUITES];

static bool
setup (unsigned i)
{
  if (fx[i].ready)
    return true;
  if (cv_mls_suite_get ((uint16_t) (i + 1), &fx[i].suite) != CV_OK)
    return false;
  for (size_t k = 0; k < 64; k++)
    fx[i].membership_key[k] = (uint8_t) (k * 7 + i);
  if (cv_mls_signature_key_pair (fx[i].suite, &fx[i].sig_priv, &fx[i].sig_pub) != CV_OK)
    return false;
  fx[i].ready = true;
  return true;
}

/* version || wire_format || group_id || epoch || the fuzzed rest, with the
 * membership_tag a member's message needs. */
static bool
build_message (unsigned i, const uint8_t *rest, size_t rest_len, cv_bytes *out)
{
  const cv_mls_suite *s = fx[i].suite;
  cv_mls_authenticated_content ac;
  cv_bytes ac_bytes = CV_BYTES_INIT, tbm = CV_BYTES_INIT, tag = CV_BYTES_INIT;
  cv_mls_writer w;
  bool ok = false;

  cv_mls_writer_init (&w);
  cv_mls_write_u16 (&w, CV_MLS_WIRE_FORMAT_PUBLIC_MESSAGE);
  cv_mls_write_opaque (&w, group_id, sizeof group_id - 1);
  cv_mls_write_u64 (&w, epoch);
  cv_mls_write_fixed (&w, rest, rest_len);
  if (cv_mls_writer_finish (&w, &ac_bytes) != CV_OK)
    return false;
  /* Only well-formed content gets a tag; the rest was the parser's test. */
  if (cv_mls_authenticated_content_parse (ac_bytes.data, ac_bytes.len, &ac) != CV_OK)
    {
      cv_bytes_clear (&ac_bytes);
      return false;
    }
  if (ac.sender.type == CV_MLS_SENDER_TYPE_MEMBER)
    {
      /* AuthenticatedContentTBM: FramedContentTBS || FramedContentAuthData. */
      const uint8_t *auth = ac.framed_content + ac.framed_content_len;

      cv_mls_writer_init (&w);
      cv_mls_write_u16 (&w, 1);
      cv_mls_write_u16 (&w, CV_MLS_WIRE_FORMAT_PUBLIC_MESSAGE);
      cv_mls_write_fixed (&w, ac.framed_content, ac.framed_content_len);
      cv_mls_write_fixed (&w, group_context, sizeof group_context - 1);
      cv_mls_write_fixed (&w, auth, ac.bytes.len - (size_t) (auth - ac.bytes.data));
      if (cv_mls_writer_finish (&w, &tbm) != CV_OK
          || cv_mls_mac (s, fx[i].membership_key, s->hash_len, tbm.data, tbm.len, &tag) != CV_OK)
        goto out;
    }
  cv_mls_writer_init (&w);
  cv_mls_write_u16 (&w, 1);
  cv_mls_write_fixed (&w, ac_bytes.data, ac_bytes.len);
  if (ac.sender.type == CV_MLS_SENDER_TYPE_MEMBER)
    cv_mls_write_opaque (&w, tag.data, tag.len);
  ok = cv_mls_writer_finish (&w, out) == CV_OK;
out:
  cv_mls_authenticated_content_clear (&ac);
  cv_bytes_clear (&ac_bytes);
  cv_bytes_clear (&tbm);
  cv_bytes_clear (&tag);
  return ok;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  unsigned i;
  cv_mls_framing_keys keys;
  cv_mls_message msg;
  cv_mls_authenticated_content ac, again;
  cv_bytes built = CV_BYTES_INIT, sealed = CV_BYTES_INIT;
  const uint8_t *m = data + 2;
  size_t m_len = size - 2;

  if (size < 2)
    return 0;
  i = data[0] % N_SUITES;
  if (!setup (i))
    abort ();
  if (data[1] & 1)
    {
      if (!build_message (i, data + 2, size - 2, &built))
        return 0;
      m = built.data;
      m_len = built.len;
    }
  keys = (cv_mls_framing_keys) {
    .suite = fx[i].suite,
    .group_id = group_id, .group_id_len = sizeof group_id - 1,
    .epoch = epoch,
    .group_context = group_context, .group_context_len = sizeof group_context - 1,
    .membership_key = fx[i].membership_key, .membership_key_len = fx[i].suite->hash_len,
  };
  if (cv_mls_message_parse (m, m_len, &msg) == CV_OK
      && cv_mls_framing_open (&keys, &msg, &ac) == CV_OK)
    {
      if (cv_mls_authenticated_content_parse (ac.bytes.data, ac.bytes.len, &again) != CV_OK
          || again.bytes.len != ac.bytes.len)
        abort ();
      cv_mls_authenticated_content_clear (&again);
      /* The signature is random: it must not verify. */
      if (cv_mls_framing_verify (&keys, &ac, fx[i].sig_pub.data, fx[i].sig_pub.len) == CV_OK)
        abort ();
      if (cv_mls_framing_seal (&keys, &ac, &sealed) != CV_OK || sealed.len != m_len
          || memcmp (sealed.data, m, m_len) != 0)
        abort ();
      cv_bytes_clear (&sealed);
      cv_mls_authenticated_content_clear (&ac);
    }
  cv_bytes_clear (&built);
  return 0;
}
