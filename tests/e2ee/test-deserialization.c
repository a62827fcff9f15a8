/* deserialization.json: MLS variable-length vector headers (RFC 9420 §2.1.2),
 * plus the codec's refusals of truncated, non-minimal and reserved encodings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cv-mls-codec.h"
#include "cv-test-vectors.h"

static int failures;

#define CHECK(cond) \
  do { if (!(cond)) { fprintf (stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); failures++; } } while (0)

static cv_status
read_varint_hex (const char *hex, uint64_t *v, size_t *left)
{
  cv_bytes b = CV_BYTES_INIT;
  cv_mls_reader r;
  cv_status st;

  if (cv_hex_decode (&b, hex) != CV_OK)
    abort ();
  cv_mls_reader_init (&r, b.data, b.len);
  st = cv_mls_read_varint (&r, v);
  *left = r.left;
  cv_bytes_clear (&b);
  return st;
}

static bool
run_vector (JsonObject *obj)
{
  cv_bytes header = cv_test_hex (obj, "vlbytes_header");
  uint64_t want = (uint64_t) json_object_get_int_member (obj, "length");
  cv_mls_reader r, sub;
  cv_mls_writer w;
  cv_bytes again = CV_BYTES_INIT;
  uint64_t got = 0;
  bool ok = true;

  cv_mls_reader_init (&r, header.data, header.len);
  if (cv_mls_read_varint (&r, &got) != CV_OK || got != want || !cv_mls_reader_at_end (&r))
    {
      fprintf (stderr, "  header %s: decoded %llu, want %llu (%s)\n",
               json_object_get_string_member (obj, "vlbytes_header"),
               (unsigned long long) got, (unsigned long long) want, cv_status_message ());
      ok = false;
    }

  /* The encoder must produce exactly the same (minimal) header. */
  cv_mls_writer_init (&w);
  cv_mls_write_varint (&w, want);
  if (cv_mls_writer_finish (&w, &again) != CV_OK
      || !cv_test_bytes_match ("re-encoded header", again.data, again.len, &header))
    ok = false;

  /* The header alone announces content that is not there. */
  cv_mls_reader_init (&r, header.data, header.len);
  if (want > 0 && cv_mls_read_vector (&r, &sub) != CV_ERR_TRUNCATED)
    {
      fprintf (stderr, "  vector of %llu bytes with no content was not refused\n",
               (unsigned long long) want);
      ok = false;
    }

  cv_bytes_clear (&again);
  cv_bytes_clear (&header);
  return ok;
}

static void
test_refusals (void)
{
  uint64_t v;
  size_t left;

  CHECK (read_varint_hex ("", &v, &left) == CV_ERR_TRUNCATED);
  CHECK (read_varint_hex ("40", &v, &left) == CV_ERR_TRUNCATED && left == 1);
  CHECK (read_varint_hex ("80ffff", &v, &left) == CV_ERR_TRUNCATED);
  /* Reserved prefix, whatever follows. */
  CHECK (read_varint_hex ("c0000000000000ff", &v, &left) == CV_ERR_MALFORMED && left == 8);
  CHECK (strstr (cv_status_message (), "0b11") != NULL);
  /* Non-minimal: 5 in two bytes, 63 in two, 16383 in four. */
  CHECK (read_varint_hex ("4005", &v, &left) == CV_ERR_MALFORMED && left == 2);
  CHECK (read_varint_hex ("403f", &v, &left) == CV_ERR_MALFORMED);
  CHECK (read_varint_hex ("80003fff", &v, &left) == CV_ERR_MALFORMED);
  CHECK (read_varint_hex ("80004000", &v, &left) == CV_OK && v == 0x4000 && left == 0);
  CHECK (read_varint_hex ("bfffffff", &v, &left) == CV_OK && v == CV_MLS_VARINT_MAX);

  /* Fixed-width integers and refusals that leave the reader unmoved. */
  static const uint8_t ints[] = { 1, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 4, 2 };
  cv_mls_reader r;
  uint8_t u8;
  uint16_t u16;
  uint32_t u32;
  uint64_t u64;
  bool b;

  cv_mls_reader_init (&r, ints, sizeof ints);
  CHECK (cv_mls_read_u8 (&r, &u8) == CV_OK && u8 == 1);
  CHECK (cv_mls_read_u16 (&r, &u16) == CV_OK && u16 == 2);
  CHECK (cv_mls_read_u32 (&r, &u32) == CV_OK && u32 == 3);
  CHECK (cv_mls_read_u64 (&r, &u64) == CV_OK && u64 == 4 && r.left == 1);
  CHECK (cv_mls_read_u16 (&r, &u16) == CV_ERR_TRUNCATED && r.left == 1);
  CHECK (cv_mls_read_bool (&r, &b) == CV_ERR_MALFORMED && r.left == 1);
  CHECK (cv_mls_read_optional (&r, &b) == CV_ERR_MALFORMED);
  CHECK (cv_mls_reader_expect_end (&r, "test") == CV_ERR_MALFORMED);

  /* A vector longer than what remains, and one inside a shorter outer vector. */
  static const uint8_t longer[] = { 0x03, 0xaa, 0xbb };
  static const uint8_t nested[] = { 0x02, 0x03, 0xaa, 0xbb, 0xcc };
  const uint8_t *data;
  size_t len;
  cv_mls_reader outer;

  cv_mls_reader_init (&r, longer, sizeof longer);
  CHECK (cv_mls_read_opaque (&r, &data, &len) == CV_ERR_TRUNCATED && r.left == 3);
  cv_mls_reader_init (&r, nested, sizeof nested);
  CHECK (cv_mls_read_vector (&r, &outer) == CV_OK && outer.left == 2 && r.left == 2);
  CHECK (cv_mls_read_opaque (&outer, &data, &len) == CV_ERR_TRUNCATED);

  /* Empty input is a valid empty reader. */
  cv_mls_reader_init (&r, NULL, 0);
  CHECK (cv_mls_reader_expect_end (&r, "nothing") == CV_OK);
}

static void
test_writer (void)
{
  cv_mls_writer w;
  cv_bytes out = CV_BYTES_INIT;
  uint8_t big[300];
  size_t outer, inner;

  memset (big, 0x5a, sizeof big);
  cv_mls_writer_init (&w);
  cv_mls_write_u16 (&w, 0x0102);
  outer = cv_mls_write_vector_begin (&w);
  cv_mls_write_opaque (&w, (const uint8_t *) "ab", 2);
  inner = cv_mls_write_vector_begin (&w);
  cv_mls_write_fixed (&w, big, sizeof big);
  cv_mls_write_vector_end (&w, inner);
  cv_mls_write_optional (&w, false);
  cv_mls_write_vector_end (&w, outer);
  cv_mls_write_u64 (&w, 7);
  CHECK (cv_mls_writer_finish (&w, &out) == CV_OK);
  /* 2 + varint(3 + 2 + 300 + 1 = 306 -> 2 bytes) + 306 + 8 */
  CHECK (out.len == 2 + 2 + 306 + 8);

  cv_mls_reader r, vec, sub;
  uint16_t u16;
  uint64_t u64;
  const uint8_t *data;
  size_t len;
  bool present = true;

  cv_mls_reader_init (&r, out.data, out.len);
  CHECK (cv_mls_read_u16 (&r, &u16) == CV_OK && u16 == 0x0102);
  CHECK (cv_mls_read_vector (&r, &vec) == CV_OK && vec.left == 306);
  CHECK (cv_mls_read_opaque (&vec, &data, &len) == CV_OK && len == 2 && memcmp (data, "ab", 2) == 0);
  CHECK (cv_mls_read_vector (&vec, &sub) == CV_OK && sub.left == sizeof big
         && memcmp (sub.data, big, sizeof big) == 0);
  CHECK (cv_mls_read_optional (&vec, &present) == CV_OK && !present);
  CHECK (cv_mls_reader_expect_end (&vec, "outer vector") == CV_OK);
  CHECK (cv_mls_read_u64 (&r, &u64) == CV_OK && u64 == 7);
  CHECK (cv_mls_reader_expect_end (&r, "test") == CV_OK);
  cv_bytes_clear (&out);

  /* Errors are sticky and reported once. */
  cv_mls_writer_init (&w);
  cv_mls_write_varint (&w, CV_MLS_VARINT_MAX + 1);
  cv_mls_write_u8 (&w, 1);
  CHECK (cv_mls_writer_finish (&w, &out) == CV_ERR_TOO_LARGE && out.data == NULL);
}

int
main (void)
{
  JsonNode *root = cv_test_load_json ("mls/deserialization.json");
  JsonArray *cases = json_node_get_array (root);
  cv_test_tally *tally = cv_test_tally_new ("deserialization");

  for (guint i = 0; i < json_array_get_length (cases); i++)
    cv_test_tally_add (tally, 0, run_vector (json_array_get_object_element (cases, i)));
  json_node_unref (root);

  test_refusals ();
  test_writer ();
  printf ("deserialization: codec checks: %d failed\n", failures);
  int status = cv_test_tally_finish (tally);
  return failures ? 1 : status;
}
