/* cv-certificate-request.h: a certificate from the meeting service's CA.
 *
 * Makes a new Ed25519 key and a CSR for it, connects to the service, signs
 * in with an account and password (`sign-in`), sends the CSR
 * (`request-certificate`), checks the answer (the certificate is for our key
 * and signed by the CA the service names) and keeps certificate.pem,
 * key.pem and service-ca.pem in the identity folder, each 0600
 * (docs/protocol.md, "Message catalogue"). A participant with that
 * certificate is "verified internally" in the service's meetings.
 */
#pragma once

#include <gio/gio.h>

#include "cv-host.h"

G_BEGIN_DECLS

#define CV_CERTIFICATE_REQUEST_ERROR (cv_certificate_request_error_quark ())
GQuark cv_certificate_request_error_quark (void);

typedef enum {
  CV_CERTIFICATE_REQUEST_ERROR_SIGN_IN_FAILED,   /* unknown account or wrong password */
  CV_CERTIFICATE_REQUEST_ERROR_SIGN_IN_REQUIRED, /* the service wants a sign-in first */
  CV_CERTIFICATE_REQUEST_ERROR_BAD_CSR,          /* the service refused our request */
  CV_CERTIFICATE_REQUEST_ERROR_REFUSED,          /* any other refusal; the message says why */
  CV_CERTIFICATE_REQUEST_ERROR_BAD_ANSWER,       /* the answer is not a certificate for our key from the CA */
} CvCertificateRequestError;

/* The files the request wrote. */
typedef struct {
  char *certificate_path;  /* the leaf, PEM */
  char *key_path;          /* PKCS#8 PEM */
  char *service_ca_path;   /* the service CA root, PEM: to show the verdict offline */
} CvCertificateRequestFiles;

void cv_certificate_request_files_free (CvCertificateRequestFiles *files);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CvCertificateRequestFiles, cv_certificate_request_files_free)

/* host and port of the service (wss://HOST:PORT/ws); pinned_fingerprint as
 * for cv_signaling_client_connect_async() (NULL: the system must trust the
 * service's certificate). target_dir NULL: cv_identity_default_dir().
 * Nothing is written unless the whole exchange succeeded. The password is
 * copied and wiped when done. */
void                       cv_certificate_request_async  (const char          *host,
                                                          guint16              port,
                                                          const char          *pinned_fingerprint,
                                                          const char          *account,
                                                          const char          *password,
                                                          const char          *target_dir,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
CvCertificateRequestFiles *cv_certificate_request_finish (GAsyncResult        *result,
                                                          GError             **error);

/* The same files from the meeting service this computer hosts (started if
 * needed), whose CA vouches for its own user without a sign-in: for
 * meetings hosted here, and for the demo's participants. account: letters,
 * digits, . _ - (the certificate's name). */
CvCertificateRequestFiles *cv_certificate_request_from_host (CvHost      *host,
                                                             const char  *account,
                                                             const char  *target_dir,
                                                             GError     **error);

/* "HOST", "HOST:PORT" or "[V6]:PORT" (the default server setting), or an
 * invite link (its fingerprint is returned too). */
gboolean                   cv_certificate_request_parse_server (const char  *server,
                                                                char       **host,
                                                                guint16     *port,
                                                                char       **fingerprint,
                                                                GError     **error);

G_END_DECLS
