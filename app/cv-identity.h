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
 * (NULL-terminated, may be NULL) now. Without the meeting service's CA,
 * which is only known when connected, a service-issued certificate shows as
 * unverified here. */
CvCertificateInfo *cv_identity_load_certificate (const char          *certificate_path,
                                                 const char * const  *partner_ca_paths,
                                                 GError             **error);

/* Checks that `path` holds CA certificates (PEM or one DER) that a trust
 * store accepts; returns the subject of the first. */
char              *cv_identity_check_ca_file    (const char          *path,
                                                 GError             **error);

G_END_DECLS
