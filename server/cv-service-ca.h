/* cv-service-ca.h: the meeting service's certificate authority.
 *
 * A signed-in account sends a CSR (PEM) for its MLS signature key and gets a
 * short-lived certificate naming the account (CN = account name, SAN URI
 * conclave:account:NAME), issued by the service CA. Clients fetch the CA root
 * to classify such credentials as "verified internally" (DESIGN.md, Keys).
 * The CA key (P-256) and root certificate live in the state folder
 * (ca-key.pem 0600, ca-cert.pem).
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define CV_TYPE_SERVICE_CA (cv_service_ca_get_type ())
G_DECLARE_FINAL_TYPE (CvServiceCa, cv_service_ca, CV, SERVICE_CA, GObject)

/* Largest CSR accepted, in bytes of PEM. */
#define CV_SERVICE_CA_MAX_CSR (16 * 1024)

CvServiceCa *cv_service_ca_new            (const char *state_dir,
                                           const char *host,
                                           GError    **error);
const char  *cv_service_ca_get_root_pem   (CvServiceCa *self);
/* SHA-256 of the root's DER, 64 lower-case hex digits. */
const char  *cv_service_ca_get_fingerprint (CvServiceCa *self);

/* Verifies the CSR's self-signature and key type (Ed25519, Ed448, ECDSA
 * P-256/P-384/P-521: the MLS signature schemes) and issues a certificate
 * valid for lifetime_hours (backdated 5 minutes). The CSR's subject is
 * ignored: the certificate names the account the caller signed in as.
 * Returns PEM. */
char        *cv_service_ca_issue          (CvServiceCa *self,
                                           const char  *csr_pem,
                                           const char  *account,
                                           guint        lifetime_hours,
                                           GError     **error);

/* Issues a certificate for a raw public key of the service itself (its MLS
 * external sender key); returns DER. */
GBytes      *cv_service_ca_issue_for_key  (CvServiceCa *self,
                                           gpointer     evp_pkey,
                                           const char  *common_name,
                                           guint        lifetime_hours,
                                           GError     **error);

G_END_DECLS
