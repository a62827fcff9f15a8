/* cv-state-dir.h: the keys the service keeps in its state folder.
 *
 * The state folder holds only the service's own keys and certificates, never
 * anything of a meeting:
 *
 *   tls-key.pem, tls-cert.pem        self-signed TLS identity (when none is configured)
 *   ca-key.pem, ca-cert.pem          the service CA (cv-service-ca.h)
 *   external-sender-key.pem          Ed25519 key of the service as MLS external sender
 *
 * The folder is created 0700 and every private key is written 0600. A key
 * found with looser permissions is tightened and a warning is logged.
 */
#pragma once

#include <gio/gio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

G_BEGIN_DECLS

gboolean   cv_state_dir_ensure            (const char *dir,
                                           GError    **error);

/* Reads a PEM private key, or generates one (EVP_PKEY_EC for P-256,
 * EVP_PKEY_ED25519) and writes it 0600 when the file does not exist. */
EVP_PKEY  *cv_state_load_or_create_key    (const char *path,
                                           int         key_type,
                                           gboolean   *created,
                                           GError    **error);

/* Writes data with mode 0600 atomically; the buffer is not wiped here. */
gboolean   cv_state_write_private         (const char *path,
                                           const char *data,
                                           gsize       len,
                                           GError    **error);

/* PEM of a key / certificate as a NUL-terminated g_malloc'ed string. The key
 * PEM is a secret: free it with cv_state_free_secret(). */
char      *cv_state_key_to_pem            (EVP_PKEY *key);
char      *cv_state_cert_to_pem           (X509     *cert);
void       cv_state_free_secret           (char     *pem);
X509      *cv_state_cert_from_pem         (const char *pem,
                                           gsize       len);

/* The self-signed TLS identity: reuses tls-cert.pem / tls-key.pem from dir
 * while the certificate is valid for another 7 days, else makes a new one
 * (P-256, SAN: host, localhost, 127.0.0.1, ::1). */
gboolean   cv_state_ensure_tls_identity   (const char *dir,
                                           const char *host,
                                           char      **cert_path,
                                           char      **key_path,
                                           GError    **error);

/* Loads a TLS identity for GIO and returns the SHA-256 fingerprint of the
 * leaf certificate's DER as 64 lower-case hex digits. */
GTlsCertificate *cv_state_load_tls_certificate (const char *cert_path,
                                                const char *key_path,
                                                char      **fingerprint,
                                                GError    **error);

/* SHA-256 of DER bytes as 64 lower-case hex digits. */
char      *cv_state_fingerprint_der      (const guint8 *der,
                                          gsize         len);

/* Random serial, validity from now for `hours`, signed by issuer_key. */
gboolean   cv_state_x509_prepare         (X509       *cert,
                                          X509_NAME  *subject,
                                          X509_NAME  *issuer,
                                          EVP_PKEY   *subject_key,
                                          gint64      not_before_offset_s,
                                          gint64      lifetime_s);

/* Adds an X.509v3 extension given in OpenSSL's config syntax. */
gboolean   cv_state_x509_add_ext         (X509       *cert,
                                          X509       *issuer,
                                          int         nid,
                                          const char *value);

G_END_DECLS
