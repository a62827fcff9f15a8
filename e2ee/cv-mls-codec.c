#include "cv-mls-codec.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

void
cv_mls_reader_init (cv_mls_reader *r, const uint8_t *data, size_t len)
{
  r->data = len > 0 ? data : NULL;
  r->left = len;
}

cv_status
cv_mls_reader_expect_end (const cv_mls_reader *r, const char *what)
{
  if (r->left != 0)
    return cv_fail (CV_ERR_MALFORMED, "RFC 9420 §2.1: %zu unexpected bytes after %s",
                    r->left, what);
  return CV_OK;
}

static cv_status
need (const cv_mls_reader *r, size_t n)
{
  if (r->left < n)
    return cv_fail (CV_ERR_TRUNCATED, "RFC 9420 §2.1: need %zu bytes, %zu left", n, r->left);
  return CV_OK;
}

static uint64_t
take_be (cv_mls_reader *r, size_t n)
{
  uint64_t v = 0;

  for (size_t i = 0; i < n; i++)
    v = v << 8 | r->data[i];
  r->data += n;
  r->left -= n;
  return v;
}

cv_status
cv_mls_read_u8 (cv_mls_reader *r, uint8_t *out)
{
  cv_status st = need (r, 1);

  if (st == CV_OK)
    *out = (uint8_t) take_be (r, 1);
  return st;
}

cv_status
cv_mls_read_u16 (cv_mls_reader *r, uint16_t *out)
{
  cv_status st = need (r, 2);

  if (st == CV_OK)
    *out = (uint16_t) take_be (r, 2);
  return st;
}

cv_status
cv_mls_read_u32 (cv_mls_reader *r, uint32_t *out)
{
  cv_status st = need (r, 4);

  if (st == CV_OK)
    *out = (uint32_t) take_be (r, 4);
  return st;
}

cv_status
cv_mls_read_u64 (cv_mls_reader *r, uint64_t *out)
{
  cv_status st = need (r, 8);

  if (st == CV_OK)
    *out = take_be (r, 8);
  return st;
}

cv_status
cv_mls_read_bool (cv_mls_reader *r, bool *out)
{
  cv_status st = need (r, 1);

  if (st != CV_OK)
    return st;
  if (r->data[0] > 1)
    return cv_fail (CV_ERR_MALFORMED, "RFC 8446 §3.7: boolean byte is %u, not 0 or 1",
                    r->data[0]);
  *out = take_be (r, 1) == 1;
  return CV_OK;
}

cv_status
cv_mls_read_varint (cv_mls_reader *r, uint64_t *out)
{
  cv_status st = need (r, 1);
  size_t n;
  uint64_t v;

  if (st != CV_OK)
    return st;
  switch (r->data[0] >> 6)
    {
    case 0: n = 1; break;
    case 1: n = 2; break;
    case 2: n = 4; break;
    default:
      return cv_fail (CV_ERR_MALFORMED,
                      "RFC 9420 §2.1.2: variable-length integer uses the reserved prefix 0b11");
    }
  st = need (r, n);
  if (st != CV_OK)
    return st;

  /* Decode without consuming, so that a refused encoding leaves r unmoved. */
  v = r->data[0] & 0x3f;
  for (size_t i = 1; i < n; i++)
    v = v << 8 | r->data[i];
  if (cv_mls_varint_size (v) != n)
    return cv_fail (CV_ERR_MALFORMED,
                    "RFC 9420 §2.1.2: variable-length integer %llu is not minimally encoded (%zu bytes)",
                    (unsigned long long) v, n);
  r->data += n;
  r->left -= n;
  *out = v;
  return CV_OK;
}

cv_status
cv_mls_read_fixed (cv_mls_reader *r, size_t n, const uint8_t **out)
{
  cv_status st = need (r, n);

  if (st != CV_OK)
    return st;
  *out = r->data;
  r->data += n;
  r->left -= n;
  return CV_OK;
}

cv_status
cv_mls_read_opaque (cv_mls_reader *r, const uint8_t **data, size_t *len)
{
  cv_mls_reader sub;
  cv_status st = cv_mls_read_vector (r, &sub);

  if (st != CV_OK)
    return st;
  *data = sub.data;
  *len = sub.left;
  return CV_OK;
}

cv_status
cv_mls_read_opaque_copy (cv_mls_reader *r, cv_bytes *out)
{
  cv_mls_reader saved = *r;
  const uint8_t *data;
  size_t len;
  cv_status st = cv_mls_read_opaque (r, &data, &len);

  if (st == CV_OK)
    st = cv_bytes_set (out, data, len);
  if (st != CV_OK)
    *r = saved;
  return st;
}

cv_status
cv_mls_read_vector (cv_mls_reader *r, cv_mls_reader *sub)
{
  cv_mls_reader probe = *r;
  uint64_t len;
  cv_status st = cv_mls_read_varint (&probe, &len);

  if (st != CV_OK)
    return st;
  if (len > probe.left)
    return cv_fail (CV_ERR_TRUNCATED,
                    "RFC 9420 §2.1.2: vector length %llu exceeds the %zu bytes that remain",
                    (unsigned long long) len, probe.left);
  cv_mls_reader_init (sub, probe.data, (size_t) len);
  r->data = probe.data + len;
  r->left = probe.left - (size_t) len;
  return CV_OK;
}

cv_status
cv_mls_read_optional (cv_mls_reader *r, bool *present)
{
  cv_status st = need (r, 1);

  if (st != CV_OK)
    return st;
  if (r->data[0] > 1)
    return cv_fail (CV_ERR_MALFORMED, "RFC 9420 §2.1.1: optional presence byte is %u, not 0 or 1",
                    r->data[0]);
  *present = take_be (r, 1) == 1;
  return CV_OK;
}

size_t
cv_mls_varint_size (uint64_t v)
{
  if (v < 0x40)
    return 1;
  if (v < 0x4000)
    return 2;
  if (v <= CV_MLS_VARINT_MAX)
    return 4;
  return 0;
}

void
cv_mls_writer_init (cv_mls_writer *w)
{
  w->data = NULL;
  w->len = 0;
  w->cap = 0;
  w->status = CV_OK;
}

void
cv_mls_writer_clear (cv_mls_writer *w)
{
  if (w->data != NULL)
    {
      OPENSSL_cleanse (w->data, w->cap);
      free (w->data);
    }
  cv_mls_writer_init (w);
}

cv_status
cv_mls_writer_finish (cv_mls_writer *w, cv_bytes *out)
{
  cv_status st = w->status;

  out->data = NULL;
  out->len = 0;
  if (st != CV_OK || w->data == NULL)
    {
      if (st == CV_OK)
        st = cv_bytes_alloc (out, 0);
      cv_mls_writer_clear (w);
      return st;
    }
  /* The buffer itself changes hands: copying and cleansing it cost more than
   * the encoding for a large structure (a GroupInfo with a 1000-leaf tree is
   * written four times per Welcome). Nothing was ever written past len, and
   * cv_bytes_clear wipes up to len. */
  out->data = w->data;
  out->len = w->len;
  cv_mls_writer_init (w);
  return CV_OK;
}

/* Moves the content into a fresh buffer of cap bytes, so that the old one,
 * which may hold secrets, is cleansed rather than left behind by realloc. */
static bool
grow_to (cv_mls_writer *w, size_t cap)
{
  uint8_t *grown = malloc (cap);

  if (grown == NULL)
    {
      w->status = cv_fail (CV_ERR_NOMEM, "cannot allocate %zu bytes", cap);
      return false;
    }
  if (w->len > 0)
    memcpy (grown, w->data, w->len);
  if (w->data != NULL)
    {
      OPENSSL_cleanse (w->data, w->cap);
      free (w->data);
    }
  w->data = grown;
  w->cap = cap;
  return true;
}

/* Makes room for n more bytes, doubling the capacity. */
static bool
reserve (cv_mls_writer *w, size_t n)
{
  size_t cap;

  if (w->status != CV_OK)
    return false;
  if (n <= w->cap - w->len)
    return true;
  if (n > SIZE_MAX / 4 - w->len)
    {
      w->status = cv_fail (CV_ERR_TOO_LARGE, "serialized structure would exceed the address space");
      return false;
    }
  cap = w->cap ? w->cap : 64;
  while (cap - w->len < n)
    cap *= 2;
  return grow_to (w, cap);
}

void
cv_mls_writer_reserve (cv_mls_writer *w, size_t n)
{
  /* Exactly what was asked: the caller knows the size. */
  if (w->status != CV_OK || n <= w->cap - w->len)
    return;
  if (n > SIZE_MAX / 4 - w->len)
    {
      w->status = cv_fail (CV_ERR_TOO_LARGE, "serialized structure would exceed the address space");
      return;
    }
  (void) grow_to (w, w->len + n);
}

static void
put_be (cv_mls_writer *w, uint64_t v, size_t n)
{
  if (!reserve (w, n))
    return;
  for (size_t i = 0; i < n; i++)
    w->data[w->len + i] = (uint8_t) (v >> (8 * (n - 1 - i)));
  w->len += n;
}

void
cv_mls_write_u8 (cv_mls_writer *w, uint8_t v)
{
  put_be (w, v, 1);
}

void
cv_mls_write_u16 (cv_mls_writer *w, uint16_t v)
{
  put_be (w, v, 2);
}

void
cv_mls_write_u32 (cv_mls_writer *w, uint32_t v)
{
  put_be (w, v, 4);
}

void
cv_mls_write_u64 (cv_mls_writer *w, uint64_t v)
{
  put_be (w, v, 8);
}

void
cv_mls_write_bool (cv_mls_writer *w, bool v)
{
  put_be (w, v ? 1 : 0, 1);
}

static void
encode_varint (uint8_t *p, uint64_t v, size_t n)
{
  static const uint8_t prefix[5] = { 0, 0x00, 0x40, 0, 0x80 };

  for (size_t i = 0; i < n; i++)
    p[i] = (uint8_t) (v >> (8 * (n - 1 - i)));
  p[0] |= prefix[n];
}

void
cv_mls_write_varint (cv_mls_writer *w, uint64_t v)
{
  size_t n = cv_mls_varint_size (v);

  if (w->status != CV_OK)
    return;
  if (n == 0)
    {
      w->status = cv_fail (CV_ERR_TOO_LARGE,
                           "RFC 9420 §2.1.2: %llu does not fit a variable-length integer",
                           (unsigned long long) v);
      return;
    }
  if (!reserve (w, n))
    return;
  encode_varint (w->data + w->len, v, n);
  w->len += n;
}

void
cv_mls_write_fixed (cv_mls_writer *w, const uint8_t *data, size_t len)
{
  if (len == 0 || !reserve (w, len))
    return;
  memcpy (w->data + w->len, data, len);
  w->len += len;
}

void
cv_mls_write_opaque (cv_mls_writer *w, const uint8_t *data, size_t len)
{
  cv_mls_write_varint (w, len);
  cv_mls_write_fixed (w, data, len);
}

void
cv_mls_write_optional (cv_mls_writer *w, bool present)
{
  put_be (w, present ? 1 : 0, 1);
}

size_t
cv_mls_write_vector_begin (cv_mls_writer *w)
{
  return w->len;
}

void
cv_mls_write_vector_end (cv_mls_writer *w, size_t mark)
{
  size_t content, n;

  if (w->status != CV_OK)
    return;
  if (mark > w->len)
    {
      w->status = cv_fail (CV_ERR_ARGUMENT, "vector mark %zu is past the end (%zu)", mark, w->len);
      return;
    }
  content = w->len - mark;
  n = cv_mls_varint_size (content);
  if (n == 0)
    {
      w->status = cv_fail (CV_ERR_TOO_LARGE,
                           "RFC 9420 §2.1.2: vector of %zu bytes is too long for its length prefix",
                           content);
      return;
    }
  if (!reserve (w, n))
    return;
  memmove (w->data + mark + n, w->data + mark, content);
  encode_varint (w->data + mark, content, n);
  w->len += n;
}
