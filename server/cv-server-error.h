/* cv-server-error.h: the error codes the meeting service sends to clients.
 *
 * Each code has a stable wire name ("meeting-full", ...) that travels in the
 * `code` field of an `error` message (docs/protocol.md, "Error codes"), so
 * that the app can show a translated reason without parsing English text.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CV_SERVER_ERROR (cv_server_error_quark ())

typedef enum {
  CV_SERVER_ERROR_BAD_REQUEST,          /* malformed JSON, missing or mistyped field */
  CV_SERVER_ERROR_BAD_BASE64,           /* a payload field is not valid base64 */
  CV_SERVER_ERROR_BAD_MLS_MESSAGE,      /* MLS bytes that do not parse or have the wrong type */
  CV_SERVER_ERROR_TOO_LARGE,            /* a field over its size limit */
  CV_SERVER_ERROR_UNKNOWN_TYPE,         /* a message type the service does not know */
  CV_SERVER_ERROR_RATE_LIMITED,         /* too many messages; this one was dropped */
  CV_SERVER_ERROR_NOT_JOINED,           /* the request needs a joined meeting */
  CV_SERVER_ERROR_ALREADY_JOINED,       /* one participant per connection */
  CV_SERVER_ERROR_NO_SUCH_MEETING,
  CV_SERVER_ERROR_PASSWORD_REQUIRED,
  CV_SERVER_ERROR_WRONG_PASSWORD,
  CV_SERVER_ERROR_MEETING_FULL,         /* 1000 participants present */
  CV_SERVER_ERROR_DEVICE_LIMIT,         /* a device may only be one of the first 205 */
  CV_SERVER_ERROR_E2EE_UNSUPPORTED,     /* the client cannot do E2EE */
  CV_SERVER_ERROR_KIND_REFUSED,         /* sip / pstn endpoints in an E2EE meeting */
  CV_SERVER_ERROR_FEATURE_REFUSED,      /* cloud recording, transcoding, ... in an E2EE meeting */
  CV_SERVER_ERROR_FEATURE_UNAVAILABLE,  /* a server-side feature this service does not offer */
  CV_SERVER_ERROR_VIDEO_DISABLED_BY_SITE,
  CV_SERVER_ERROR_E2EE_DISABLED_BY_SITE,
  CV_SERVER_ERROR_KEY_PACKAGE_REQUIRED, /* joining an E2EE meeting needs a KeyPackage */
  CV_SERVER_ERROR_NOT_E2EE,             /* MLS traffic in a standard meeting */
  CV_SERVER_ERROR_E2EE_REQUIRED,        /* clear-text chat in an E2EE meeting */
  CV_SERVER_ERROR_NOT_A_MEMBER,         /* handshake traffic from a participant not yet welcomed */
  CV_SERVER_ERROR_STALE_EPOCH,          /* a commit or proposal for an epoch that is over */
  CV_SERVER_ERROR_FUTURE_EPOCH,         /* an epoch the group has not reached */
  CV_SERVER_ERROR_WRONG_GROUP,          /* group_id differs from the meeting's group */
  CV_SERVER_ERROR_BACKLOG_TRUNCATED,    /* the messages since that epoch are no longer kept */
  CV_SERVER_ERROR_SIGN_IN_REQUIRED,
  CV_SERVER_ERROR_SIGN_IN_FAILED,
  CV_SERVER_ERROR_BAD_CSR,
  CV_SERVER_ERROR_MEDIA_UNAVAILABLE,    /* no media relay in this service */
  CV_SERVER_ERROR_INTERNAL,
} CvServerError;

GQuark cv_server_error_quark (void);

/* The wire name of a code, e.g. "device-limit". */
const char *cv_server_error_code_name (CvServerError code);

G_END_DECLS
