/* Real certificates made at test time with OpenSSL, for the identity and
 * certificate dialog tests. */
#pragma once

#include <glib.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

G_BEGIN_DECLS

typedef struct {
  EVP_PKEY *key;
  X509 *cert;
  guint8 *der;
  gsize der_len;
} CvTestCert;

/* key_kind: "ED25519", "P-256" or "RSA". issuer NULL: self-signed. san may be
 * NULL ("email:ann@example.org,DNS:ann.example.org"). */
CvTestCert *cv_test_cert_new         (const char       *cn,
                                      const char       *org,
                                      const char       *san,
                                      guint64           serial,
                                      gboolean          ca,
                                      const CvTestCert *issuer,
                                      const char       *key_kind);
void        cv_test_cert_free        (CvTestCert       *cert);
/* Each returns the path written in dir. */
char       *cv_test_cert_write_pem   (const CvTestCert *cert,
                                      const char       *dir,
                                      const char       *name);
char       *cv_test_cert_write_key   (const CvTestCert *cert,
                                      const char       *dir,
                                      const char       *name,
                                      const char       *passphrase);
char       *cv_test_cert_write_p12   (const CvTestCert *leaf,
                                      const CvTestCert *ca,
                                      const char       *dir,
                                      const char       *name,
                                      const char       *passphrase);
/* The public key as MLS carries it (raw Ed25519); returns its length. */
gsize       cv_test_cert_mls_key     (const CvTestCert *cert,
                                      guint8           *out,
                                      gsize             size);
/* SHA-256 of the DER as "AB:CD:...", computed by OpenSSL directly. */
char       *cv_test_cert_fingerprint (const CvTestCert *cert);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CvTestCert, cv_test_cert_free)

G_END_DECLS
