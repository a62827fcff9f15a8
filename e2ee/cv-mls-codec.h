/* cv-mls-codec.h: the TLS presentation language of RFC 9420 §2.1.
 *
 * Reading: a cv_mls_reader is a cursor over borrowed bytes. Every read either
 * consumes what it returns or fails without moving, with a cv_fail() reason;
 * nothing here trusts a length it has not checked against what remains.
 * Structures are read field by field; a vector<V> is read into a sub-reader
 * bounded by its length, which the caller drains and closes with
 * cv_mls_reader_expect_end() so that trailing garbage is refused.
 *
 * Writing: a cv_mls_writer accumulates into its own growing buffer (old
 * buffers are cleansed) and keeps the first error, so a serializer can write
 * all its fields and check once in cv_mls_writer_finish().
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cv-bytes.h"
#include "cv-status.h"

/* RFC 9420 §2.1.2: the largest value a variable-length integer can carry (30 bits). */
#define CV_MLS_VARINT_MAX ((uint64_t) 0x3fffffff)

typedef struct {
  const uint8_t *data; /* next unread byte */
  size_t left;         /* bytes that remain */
} cv_mls_reader;

void cv_mls_reader_init (cv_mls_reader *r, const uint8_t *data, size_t len);

static inline bool
cv_mls_reader_at_end (const cv_mls_reader *r)
{
  return r->left == 0;
}

/* Fails with CV_ERR_MALFORMED naming `what` when bytes remain. */
cv_status cv_mls_reader_expect_end (const cv_mls_reader *r, const char *what);

cv_status cv_mls_read_u8 (cv_mls_reader *r, uint8_t *out);
cv_status cv_mls_read_u16 (cv_mls_reader *r, uint16_t *out);
cv_status cv_mls_read_u32 (cv_mls_reader *r, uint32_t *out);
cv_status cv_mls_read_u64 (cv_mls_reader *r, uint64_t *out);
/* A TLS bool: one byte, 0 or 1; anything else is malformed. */
cv_status cv_mls_read_bool (cv_mls_reader *r, bool *out);

/* RFC 9420 §2.1.2 variable-length integer. Refuses the reserved 0b11 prefix
 * and encodings longer than the value needs. */
cv_status cv_mls_read_varint (cv_mls_reader *r, uint64_t *out);

/* n raw bytes (a fixed-size array), borrowed from the input. */
cv_status cv_mls_read_fixed (cv_mls_reader *r, size_t n, const uint8_t **out);

/* opaque<V>: a varint length then that many bytes, borrowed from the input.
 * A length beyond what remains is CV_ERR_TRUNCATED. */
cv_status cv_mls_read_opaque (cv_mls_reader *r, const uint8_t **data, size_t *len);
/* The same, copied into out (which must be empty). */
cv_status cv_mls_read_opaque_copy (cv_mls_reader *r, cv_bytes *out);

/* T<V> for a non-opaque T: sets sub to the vector's content. Read elements
 * from sub until cv_mls_reader_at_end (sub); r has moved past the vector. */
cv_status cv_mls_read_vector (cv_mls_reader *r, cv_mls_reader *sub);

/* optional<T>: the presence byte (0 absent, 1 present, else malformed); when
 * *present the caller reads T next. */
cv_status cv_mls_read_optional (cv_mls_reader *r, bool *present);

typedef struct {
  uint8_t *data;
  size_t len;
  size_t cap;
  cv_status status; /* first failure, sticky */
} cv_mls_writer;

void cv_mls_writer_init (cv_mls_writer *w);
/* Wipes and frees what was written; the writer may be reused after init. */
void cv_mls_writer_clear (cv_mls_writer *w);
/* Hands the buffer to out (out->len is what was written; out must be empty)
 * and resets w, without a copy.
 * Returns the first error of any write instead, leaving out empty. */
cv_status cv_mls_writer_finish (cv_mls_writer *w, cv_bytes *out);

/* Makes room for n more bytes at once: a size hint for large structures,
 * which otherwise grow through every power of two (a copy and a wipe each). */
void cv_mls_writer_reserve (cv_mls_writer *w, size_t n);

void cv_mls_write_u8 (cv_mls_writer *w, uint8_t v);
void cv_mls_write_u16 (cv_mls_writer *w, uint16_t v);
void cv_mls_write_u32 (cv_mls_writer *w, uint32_t v);
void cv_mls_write_u64 (cv_mls_writer *w, uint64_t v);
void cv_mls_write_bool (cv_mls_writer *w, bool v);
/* The minimal encoding; values above CV_MLS_VARINT_MAX make the writer fail. */
void cv_mls_write_varint (cv_mls_writer *w, uint64_t v);
/* Raw bytes without a length (fixed arrays, or pre-encoded structures). */
void cv_mls_write_fixed (cv_mls_writer *w, const uint8_t *data, size_t len);
/* opaque<V>. */
void cv_mls_write_opaque (cv_mls_writer *w, const uint8_t *data, size_t len);
void cv_mls_write_optional (cv_mls_writer *w, bool present);

/* A vector whose length is known only once its content is written:
 *   size_t mark = cv_mls_write_vector_begin (w);
 *   ... write the elements ...
 *   cv_mls_write_vector_end (w, mark);
 * Vectors nest. */
size_t cv_mls_write_vector_begin (cv_mls_writer *w);
void cv_mls_write_vector_end (cv_mls_writer *w, size_t mark);

/* Bytes the minimal varint encoding of v takes (1, 2 or 4; 0 if v is too large). */
size_t cv_mls_varint_size (uint64_t v);
