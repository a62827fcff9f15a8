/* cv-status.h: how every e2ee/ function reports failure.
 *
 * Functions return a cv_status; on failure they also leave a human-readable
 * reason in a thread-local buffer (cv_status_message()) that names the rule
 * that was broken, e.g. "RFC 9420 §7.9: parent hash of node 5 does not match".
 * Nothing in e2ee/ aborts on bad input.
 */
#pragma once

#include <stddef.h>

typedef enum {
  CV_OK = 0,
  CV_ERR_TRUNCATED,     /* input ended before the structure did */
  CV_ERR_MALFORMED,     /* input is not a valid encoding (bad varint, trailing bytes, bad enum) */
  CV_ERR_TOO_LARGE,     /* a length or count beyond what we accept */
  CV_ERR_UNSUPPORTED,   /* a cipher suite, version or feature we do not implement */
  CV_ERR_INVALID,       /* well-formed but violates a protocol rule */
  CV_ERR_AUTH,          /* a signature, MAC or AEAD tag did not verify */
  CV_ERR_CRYPTO,        /* the crypto library failed (key generation, bad point, ...) */
  CV_ERR_STATE,         /* the call is not allowed in the current state (wrong epoch, replay, ...) */
  CV_ERR_NOMEM,         /* allocation failed */
  CV_ERR_ARGUMENT,      /* the caller passed something impossible */
} cv_status;

/* A short fixed name for the status ("truncated", "authentication failed", ...). */
const char *cv_status_name (cv_status status);

/* The detailed reason for the last failure on this thread ("" when none). */
const char *cv_status_message (void);

/* Records the reason and returns status, so that callers can write
 *   return cv_fail (CV_ERR_TRUNCATED, "KeyPackage: %zu bytes left, need %zu", left, need); */
cv_status cv_fail (cv_status status, const char *fmt, ...)
  __attribute__ ((format (printf, 2, 3)));

/* Clears the thread's reason. */
void cv_status_clear (void);
