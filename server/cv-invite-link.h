/* cv-invite-link.h: invite links, built by the service and parsed by the app.
 *
 *   conclave://HOST[:PORT]/j/NUMBER[?fp=HEX]
 *   https://HOST[:PORT]/j/NUMBER[?fp=HEX]      (same shape, for the command line)
 *
 * NUMBER is the 9-digit meeting number; fp is the SHA-256 fingerprint of the
 * service's TLS certificate (64 lower- or upper-case hex digits, stored lower
 * case) that the app pins when the certificate is self-signed. Other query
 * parameters are ignored so that later versions can add some.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CV_INVITE_LINK_ERROR (cv_invite_link_error_quark ())

typedef enum {
  CV_INVITE_LINK_ERROR_SYNTAX,       /* not a URI at all */
  CV_INVITE_LINK_ERROR_SCHEME,       /* neither conclave nor https */
  CV_INVITE_LINK_ERROR_HOST,
  CV_INVITE_LINK_ERROR_PORT,
  CV_INVITE_LINK_ERROR_PATH,         /* not /j/NUMBER */
  CV_INVITE_LINK_ERROR_NUMBER,       /* not 9 digits */
  CV_INVITE_LINK_ERROR_FINGERPRINT,  /* fp present but not 64 hex digits */
} CvInviteLinkError;

typedef struct {
  char *host;          /* without brackets for IPv6 */
  guint16 port;        /* CV_SERVER_DEFAULT_PORT when the link has none */
  char *number;        /* 9 digits */
  char *fingerprint;   /* 64 lower-case hex digits, or NULL */
} CvInviteLink;

GQuark        cv_invite_link_error_quark (void);

/* True when number is exactly 9 ASCII digits, the first not 0. */
gboolean      cv_meeting_number_is_valid (const char *number);

/* fingerprint may be NULL (a certificate from a trusted CA needs no pin). */
char         *cv_invite_link_build       (const char *host,
                                          guint16     port,
                                          const char *number,
                                          const char *fingerprint);
CvInviteLink *cv_invite_link_parse       (const char *link,
                                          GError    **error);
void          cv_invite_link_free        (CvInviteLink *link);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CvInviteLink, cv_invite_link_free)

G_END_DECLS
