/* transcript-hashes.json: confirmation tag, confirmed and interim transcript
 * hashes of a commit (RFC 9420 §6.1, §8.2). */
#include <stdio.h>

#include "cv-mls-key-schedule.h"
#include "cv-test-vectors.h"

/* Reads FramedContent up to its content type, to check that the content is a
 * commit (content_type 3), as the vectors promise. */
static bool
is_commit (const cv_bytes *ac)
{
  cv_mls_reader r;
  uint16_t wire_format;
  uint64_t epoch;
  uint32_t index;
  uint8_t sender_type, content_type = 0;
  const uint8_t *data;
  size_t len;
  bool ok;

  cv_mls_reader_init (&r, ac->data, ac->len);
  ok = cv_mls_read_u16 (&r, &wire_format) == CV_OK
       && cv_mls_read_opaque (&r, &data, &len) == CV_OK
       && cv_mls_read_u64 (&r, &epoch) == CV_OK
       && cv_mls_read_u8 (&r, &sender_type) == CV_OK;
  if (ok && (sender_type == 1 || sender_type == 2)) /* member, external */
    ok = cv_mls_read_u32 (&r, &index) == CV_OK;
  ok = ok && cv_mls_read_opaque (&r, &data, &len) == CV_OK
       && cv_mls_read_u8 (&r, &content_type) == CV_OK;
  return ok && content_type == 3;
}

static bool
run_case (const cv_mls_suite *s, JsonObject *o)
{
  cv_bytes key = cv_test_hex (o, "confirmation_key"), ac = cv_test_hex (o, "authenticated_content");
  cv_bytes before = cv_test_hex (o, "interim_transcript_hash_before");
  cv_bytes want_confirmed = cv_test_hex (o, "confirmed_transcript_hash_after");
  cv_bytes want_interim = cv_test_hex (o, "interim_transcript_hash_after");
  cv_bytes confirmed = CV_BYTES_INIT, interim = CV_BYTES_INIT;
  const uint8_t *tag = NULL;
  size_t input_len = 0;
  bool ok = is_commit (&ac);

  if (!ok)
    fprintf (stderr, "  authenticated_content is not a commit\n");
  ok = ok && cv_mls_split_commit_content (s, ac.data, ac.len, &input_len, &tag) == CV_OK
       && cv_mls_confirmed_transcript_hash (s, before.data, before.len, ac.data, input_len,
                                            &confirmed) == CV_OK
       && cv_test_bytes_match ("confirmed_transcript_hash_after", confirmed.data, confirmed.len,
                               &want_confirmed)
       && cv_mls_interim_transcript_hash (s, confirmed.data, confirmed.len, tag, s->hash_len,
                                          &interim) == CV_OK
       && cv_test_bytes_match ("interim_transcript_hash_after", interim.data, interim.len,
                               &want_interim);
  if (ok && cv_mls_confirmation_tag_verify (s, key.data, key.len, confirmed.data, confirmed.len,
                                            tag, s->hash_len) != CV_OK)
    {
      fprintf (stderr, "  confirmation_tag: %s\n", cv_status_message ());
      ok = false;
    }
  /* A tag over another hash, or a shortened content, must be refused. */
  confirmed.data[0] ^= 1;
  if (ok && cv_mls_confirmation_tag_verify (s, key.data, key.len, confirmed.data, confirmed.len,
                                            tag, s->hash_len) != CV_ERR_AUTH)
    {
      fprintf (stderr, "  confirmation_tag verified over a different hash\n");
      ok = false;
    }
  if (ok && cv_mls_split_commit_content (s, ac.data, ac.len - 1, &input_len, &tag) == CV_OK)
    {
      fprintf (stderr, "  a content without its full tag was split\n");
      ok = false;
    }

  cv_bytes *all[] = { &key, &ac, &before, &want_confirmed, &want_interim, &confirmed, &interim };
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    cv_bytes_clear (all[i]);
  return ok;
}

int
main (void)
{
  JsonNode *root = cv_test_load_json ("mls/transcript-hashes.json");
  JsonArray *cases = json_node_get_array (root);
  cv_test_tally *tally = cv_test_tally_new ("transcript-hashes");
  const cv_mls_suite *s;

  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *o = json_array_get_object_element (cases, i);
      unsigned id = (unsigned) json_object_get_int_member (o, "cipher_suite");
      bool ok = cv_mls_suite_get ((uint16_t) id, &s) == CV_OK && run_case (s, o);

      if (!ok)
        fprintf (stderr, "suite %u failed\n", id);
      cv_test_tally_add (tally, id, ok);
    }
  json_node_unref (root);
  return cv_test_tally_finish (tally);
}
