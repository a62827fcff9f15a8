/* cv-identity.h: the user's own certificate and key, and partner CA files.
 *
 * An imported identity is checked before it is kept: the certificate must
 * parse, the key must be one MLS can sign with (Ed25519, Ed448, ECDSA P-256,
 * P-384, P-521) and must belong to the certificate. It is then copied into
 * the user's config folder with 0600 permissions; the original files are
 * not referenced afterwards.
 */
#pragma once

#include <gio/gio.h>

#include "cv-certificate-info.h"
#include "cv-session.h"

G_BEGIN_DECLS

#define CV_IDENTITY_ERROR (cv_identity_error_quark ())
GQuark cv_identity_error_quark (void);

typedef enum {
  CV_IDENTITY_ERROR_NEEDS_PASSPHRASE,  /* encrypted key or PKCS#12: ask and call again */
  CV_IDENTITY_ERROR_BAD_PASSPHRASE,
  CV_IDENTITY_ERROR_UNREADABLE,        /* not PEM, DER or PKCS#12, or damaged */
  CV_IDENTITY_ERROR_NO_CERTIFICATE,
  CV_IDENTITY_ERROR_NO_KEY,
  CV_IDENTITY_ERROR_KEY_MISMATCH,      /* the key does not belong to the certificate */
  CV_IDENTITY_ERROR_UNSUPPORTED_KEY,   /* RSA, DSA, other curves: MLS cannot sign with them */
  CV_IDENTITY_ERROR_EXPIRED,
  CV_IDENTITY_ERROR_NOT_A_CA,
} CvIdentityError;

/* Files larger than this are refused unread. */
#define CV_IDENTITY_MAX_FILE_SIZE (1024 * 1024)

/* Imports a certificate and its private key from `paths`: PEM files holding
 * the certificate (leaf and optional intermediates) and the key, together or
 * apart, or one PKCS#12 file. `passphrase` may be NULL. Writes
 * certificate.pem (leaf first) and key.pem (PKCS#8) into `target_dir`
 * (NULL: $XDG_CONFIG_HOME/conclave/identity), both 0600, and returns their
 * paths. Nothing is written when anything is wrong. */
gboolean           cv_identity_import           (const char * const  *paths,
                                                 const char          *passphrase,
                                                 const char          *target_dir,
                                                 char               **certificate_path,
                                                 char               **key_path,
                                                 GError             **error);

/* Reads a certificate file written by cv_identity_import() (or any PEM
 * chain) and verifies it against the partner CAs in `partner_ca_paths`
 * (NULL-terminated, may be NULL) and the meeting service's CA root in
 * `service_ca_path` (may be NULL: a service-issued certificate then shows
 * as unverified) now. */
CvCertificateInfo *cv_identity_load_certificate (const char          *certificate_path,
                                                 const char * const  *partner_ca_paths,
                                                 const char          *service_ca_path,
                                                 GError             **error);

/* service-ca.pem beside `certificate_path`, kept by a certificate request
 * (cv-certificate-request.h), or NULL when there is none. */
char              *cv_identity_service_ca_path  (const char          *certificate_path);

/* The default identity folder, $XDG_CONFIG_HOME/conclave/identity. */
char              *cv_identity_default_dir      (void);

/* Writes certificate.pem (`chain_pem`, leaf first) and key.pem (PKCS#8 PEM)
 * into `target_dir` (NULL: the default folder, made 0700), both 0600, and
 * returns their paths. */
gboolean           cv_identity_save             (const char          *chain_pem,
                                                 GBytes              *key_pem,
                                                 const char          *target_dir,
                                                 char               **certificate_path,
                                                 char               **key_path,
                                                 GError             **error);

/* A file that may hold a secret, in bytes that are wiped when freed;
 * refused above CV_IDENTITY_MAX_FILE_SIZE. */
GBytes            *cv_identity_read_secret_file (const char          *path,
                                                 GError             **error);

/* A new Ed25519 key (MLS cipher suite 1 signs with Ed25519) and a PKCS#10
 * request for it naming `common_name`, both PEM. The key's bytes are wiped
 * when freed. */
gboolean           cv_identity_new_key_and_csr  (const char          *common_name,
                                                 char               **csr_pem,
                                                 GBytes             **key_pem,
                                                 GError             **error);

/* Gives `session` (before it joins) the identity and partner CAs the user
 * chose in `settings` (identity-certificate, identity-key,
 * trusted-partner-cas). Without a usable identity (unreadable, or a key
 * other than Ed25519, which meetings' cipher suite 1 cannot sign with) the
 * session keeps its basic credential and the error says why the chosen one
 * was not used; the partner CAs are set either way. */
gboolean           cv_identity_configure_session (CvSession          *session,
                                                  GSettings          *settings,
                                                  GError            **error);

/* Checks that `path` holds CA certificates (PEM or one DER) that a trust
 * store accepts; returns the subject of the first. */
char              *cv_identity_check_ca_file    (const char          *path,
                                                 GError             **error);

G_END_DECLS
