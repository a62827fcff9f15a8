#include "cv-status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char last_message[512];

const char *
cv_status_name (cv_status status)
{
  switch (status)
    {
    case CV_OK: return "ok";
    case CV_ERR_TRUNCATED: return "truncated input";
    case CV_ERR_MALFORMED: return "malformed input";
    case CV_ERR_TOO_LARGE: return "input too large";
    case CV_ERR_UNSUPPORTED: return "unsupported";
    case CV_ERR_INVALID: return "invalid";
    case CV_ERR_AUTH: return "authentication failed";
    case CV_ERR_CRYPTO: return "cryptographic failure";
    case CV_ERR_STATE: return "not allowed in this state";
    case CV_ERR_NOMEM: return "out of memory";
    case CV_ERR_ARGUMENT: return "invalid argument";
    }
  return "unknown status";
}

const char *
cv_status_message (void)
{
  return last_message;
}

cv_status
cv_fail (cv_status status, const char *fmt, ...)
{
  /* Callers wrap the previous reason, cv_fail (st, "Add: %s",
   * cv_status_message ()): formatting straight into last_message would read
   * and write the same buffer, which vsnprintf does not allow (C17 7.21.6.12)
   * and which garbled the reasons. */
  char message[sizeof last_message];
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (message, sizeof message, fmt, ap);
  va_end (ap);
  memcpy (last_message, message, sizeof last_message);
  return status;
}

void
cv_status_clear (void)
{
  last_message[0] = '\0';
}
