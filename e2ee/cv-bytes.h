/* cv-bytes.h: owned byte strings, secrets that wipe themselves, hex.
 *
 * cv_bytes is the currency of e2ee/: a heap buffer and its length. Anything
 * that may hold key material is released with cv_bytes_clear(), which
 * cleanses before freeing; there is no separate "public bytes" type because
 * the cost of wiping is negligible next to the cost of forgetting to.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cv-status.h"

typedef struct {
  uint8_t *data;
  size_t len;
} cv_bytes;

#define CV_BYTES_INIT { NULL, 0 }

/* Allocates len zero bytes (len may be 0: data is then a valid 1-byte allocation). */
cv_status cv_bytes_alloc (cv_bytes *out, size_t len);
/* Copies len bytes of data into a fresh buffer; out must be empty or cleared. */
cv_status cv_bytes_set (cv_bytes *out, const uint8_t *data, size_t len);
cv_status cv_bytes_copy (cv_bytes *out, const cv_bytes *in);
/* Appends; grows geometrically. */
cv_status cv_bytes_append (cv_bytes *b, const uint8_t *data, size_t len);
/* Wipes (OPENSSL_cleanse) and frees; leaves b empty. Safe on an empty b. */
void cv_bytes_clear (cv_bytes *b);

/* Constant-time equality of two byte strings (lengths are not secret). */
bool cv_bytes_equal_ct (const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len);
static inline bool
cv_bytes_eq (const cv_bytes *a, const cv_bytes *b)
{
  return cv_bytes_equal_ct (a->data, a->len, b->data, b->len);
}

/* Lower-case hex. Decoding refuses odd lengths and non-hex characters. */
cv_status cv_hex_decode (cv_bytes *out, const char *hex);
/* Returns a NUL-terminated malloc'ed string, or NULL on allocation failure. */
char *cv_hex_encode (const uint8_t *data, size_t len);
