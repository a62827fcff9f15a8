/* Fuzzes the RFC 9420 §2.1 reader with a made-up nested structure that uses
 * every kind of field, then checks that what was accepted re-encodes to the
 * very bytes it came from (the encodings are canonical, so anything else is a
 * reader or writer bug). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cv-mls-codec.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

enum { MAX_DEPTH = 16 };

/* struct Node {
 *   uint8 kind;
 *   select (kind) {
 *     case 0: uint8; case 1: uint16; case 2: uint32; case 3: uint64;
 *     case 4: varint; case 5: bool; case 6: opaque<V>;
 *     case 7: optional<Node>; case 8: Node nodes<V>;
 *   }
 * } */
static cv_status
copy_node (cv_mls_reader *r, cv_mls_writer *w, int depth)
{
  uint8_t kind, u8;
  uint16_t u16;
  uint32_t u32;
  uint64_t u64;
  bool flag;
  const uint8_t *bytes;
  size_t len;
  cv_mls_reader sub;
  cv_status st;

  if (depth > MAX_DEPTH)
    return cv_fail (CV_ERR_TOO_LARGE, "nested too deep");
  if ((st = cv_mls_read_u8 (r, &kind)) != CV_OK)
    return st;
  cv_mls_write_u8 (w, kind);
  switch (kind)
    {
    case 0:
      if ((st = cv_mls_read_u8 (r, &u8)) == CV_OK)
        cv_mls_write_u8 (w, u8);
      return st;
    case 1:
      if ((st = cv_mls_read_u16 (r, &u16)) == CV_OK)
        cv_mls_write_u16 (w, u16);
      return st;
    case 2:
      if ((st = cv_mls_read_u32 (r, &u32)) == CV_OK)
        cv_mls_write_u32 (w, u32);
      return st;
    case 3:
      if ((st = cv_mls_read_u64 (r, &u64)) == CV_OK)
        cv_mls_write_u64 (w, u64);
      return st;
    case 4:
      if ((st = cv_mls_read_varint (r, &u64)) == CV_OK)
        cv_mls_write_varint (w, u64);
      return st;
    case 5:
      if ((st = cv_mls_read_bool (r, &flag)) == CV_OK)
        cv_mls_write_bool (w, flag);
      return st;
    case 6:
      if ((st = cv_mls_read_opaque (r, &bytes, &len)) == CV_OK)
        cv_mls_write_opaque (w, bytes, len);
      return st;
    case 7:
      if ((st = cv_mls_read_optional (r, &flag)) != CV_OK)
        return st;
      cv_mls_write_optional (w, flag);
      return flag ? copy_node (r, w, depth + 1) : CV_OK;
    case 8:
      {
        size_t mark = cv_mls_write_vector_begin (w);
        if ((st = cv_mls_read_vector (r, &sub)) != CV_OK)
          return st;
        while (!cv_mls_reader_at_end (&sub))
          if ((st = copy_node (&sub, w, depth + 1)) != CV_OK)
            return st;
        cv_mls_write_vector_end (w, mark);
        return CV_OK;
      }
    default:
      return cv_fail (CV_ERR_MALFORMED, "unknown kind %u", kind);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  cv_mls_reader r;
  cv_mls_writer w;
  cv_bytes out = CV_BYTES_INIT;
  cv_status st;

  cv_mls_reader_init (&r, data, size);
  cv_mls_writer_init (&w);
  st = copy_node (&r, &w, 0);
  if (st == CV_OK)
    st = cv_mls_reader_expect_end (&r, "Node");
  if (st != CV_OK)
    {
      /* A refusal must leave a reason. */
      if (cv_status_message ()[0] == '\0')
        abort ();
      cv_mls_writer_clear (&w);
      cv_status_clear ();
      return 0;
    }
  if (cv_mls_writer_finish (&w, &out) != CV_OK)
    abort ();
  if (out.len != size || memcmp (out.data, data, size) != 0)
    abort ();
  cv_bytes_clear (&out);
  return 0;
}
