#include "cv-bytes.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

cv_status
cv_bytes_alloc (cv_bytes *out, size_t len)
{
  out->data = calloc (1, len ? len : 1);
  out->len = 0;
  if (out->data == NULL)
    return cv_fail (CV_ERR_NOMEM, "cannot allocate %zu bytes", len);
  out->len = len;
  return CV_OK;
}

cv_status
cv_bytes_set (cv_bytes *out, const uint8_t *data, size_t len)
{
  cv_status st = cv_bytes_alloc (out, len);

  if (st == CV_OK && len > 0)
    memcpy (out->data, data, len);
  return st;
}

cv_status
cv_bytes_copy (cv_bytes *out, const cv_bytes *in)
{
  return cv_bytes_set (out, in->data, in->len);
}

cv_status
cv_bytes_append (cv_bytes *b, const uint8_t *data, size_t len)
{
  uint8_t *grown;

  if (len == 0)
    return CV_OK;
  if (len > SIZE_MAX / 2 - b->len)
    return cv_fail (CV_ERR_TOO_LARGE, "byte string would exceed the address space");
  /* Grow into a fresh buffer so the old one can be cleansed, never realloc'ed. */
  grown = malloc (b->len + len);
  if (grown == NULL)
    return cv_fail (CV_ERR_NOMEM, "cannot allocate %zu bytes", b->len + len);
  if (b->len > 0)
    memcpy (grown, b->data, b->len);
  memcpy (grown + b->len, data, len);
  size_t new_len = b->len + len;
  cv_bytes_clear (b);
  b->data = grown;
  b->len = new_len;
  return CV_OK;
}

void
cv_bytes_clear (cv_bytes *b)
{
  if (b->data != NULL)
    {
      OPENSSL_cleanse (b->data, b->len);
      free (b->data);
    }
  b->data = NULL;
  b->len = 0;
}

bool
cv_bytes_equal_ct (const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
  if (a_len != b_len)
    return false;
  if (a_len == 0)
    return true;
  return CRYPTO_memcmp (a, b, a_len) == 0;
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

cv_status
cv_hex_decode (cv_bytes *out, const char *hex)
{
  size_t n = strlen (hex);
  cv_status st;

  if (n % 2 != 0)
    return cv_fail (CV_ERR_MALFORMED, "hex string has odd length %zu", n);
  st = cv_bytes_alloc (out, n / 2);
  if (st != CV_OK)
    return st;
  for (size_t i = 0; i < n / 2; i++)
    {
      int hi = hex_value (hex[2 * i]), lo = hex_value (hex[2 * i + 1]);
      if (hi < 0 || lo < 0)
        {
          cv_bytes_clear (out);
          return cv_fail (CV_ERR_MALFORMED, "non-hex character at offset %zu", 2 * i);
        }
      out->data[i] = (uint8_t) (hi << 4 | lo);
    }
  return CV_OK;
}

char *
cv_hex_encode (const uint8_t *data, size_t len)
{
  static const char digits[] = "0123456789abcdef";
  char *s = malloc (2 * len + 1);

  if (s == NULL)
    return NULL;
  for (size_t i = 0; i < len; i++)
    {
      s[2 * i] = digits[data[i] >> 4];
      s[2 * i + 1] = digits[data[i] & 0xf];
    }
  s[2 * len] = '\0';
  return s;
}
