#include "cv-test-certs.h"

#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509v3.h>

static EVP_PKEY *
new_key (const char *kind)
{
  EVP_PKEY *key;

  if (g_str_equal (kind, "P-256"))
    key = EVP_PKEY_Q_keygen (NULL, NULL, "EC", "P-256");
  else if (g_str_equal (kind, "RSA"))
    key = EVP_PKEY_Q_keygen (NULL, NULL, "RSA", (size_t) 2048);
  else
    key = EVP_PKEY_Q_keygen (NULL, NULL, "ED25519");
  g_assert_nonnull (key);
  return key;
}

static void
add_extension (X509       *cert,
               X509V3_CTX *ctx,
               int         nid,
               const char *value)
{
  X509_EXTENSION *ext = X509V3_EXT_conf_nid (NULL, ctx, nid, value);

  g_assert_nonnull (ext);
  g_assert_cmpint (X509_add_ext (cert, ext, -1), ==, 1);
  X509_EXTENSION_free (ext);
}

CvTestCert *
cv_test_cert_new (const char       *cn,
                  const char       *org,
                  const char       *san,
                  guint64           serial,
                  gboolean          ca,
                  const CvTestCert *issuer,
                  const char       *key_kind)
{
  CvTestCert *self = g_new0 (CvTestCert, 1);
  X509_NAME *name = X509_NAME_new ();
  EVP_PKEY *signing_key;
  X509V3_CTX ctx;
  unsigned char *der = NULL;
  int len;

  self->key = new_key (key_kind);
  self->cert = X509_new ();
  g_assert_cmpint (X509_set_version (self->cert, X509_VERSION_3), ==, 1);
  g_assert_cmpint (ASN1_INTEGER_set_uint64 (X509_get_serialNumber (self->cert), serial), ==, 1);
  if (org != NULL)
    X509_NAME_add_entry_by_txt (name, "O", MBSTRING_UTF8, (const unsigned char *) org, -1, -1, 0);
  X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_UTF8, (const unsigned char *) cn, -1, -1, 0);
  X509_set_subject_name (self->cert, name);
  X509_set_issuer_name (self->cert, issuer ? X509_get_subject_name (issuer->cert) : name);
  X509_NAME_free (name);
  /* Valid from an hour ago for a year. */
  X509_gmtime_adj (X509_getm_notBefore (self->cert), -3600);
  X509_gmtime_adj (X509_getm_notAfter (self->cert), 365L * 24 * 3600);
  g_assert_cmpint (X509_set_pubkey (self->cert, self->key), ==, 1);

  X509V3_set_ctx (&ctx, issuer ? issuer->cert : self->cert, self->cert, NULL, NULL, 0);
  add_extension (self->cert, &ctx, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  add_extension (self->cert, &ctx, NID_key_usage, ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  add_extension (self->cert, &ctx, NID_subject_key_identifier, "hash");
  if (issuer != NULL)
    add_extension (self->cert, &ctx, NID_authority_key_identifier, "keyid:always");
  if (san != NULL)
    add_extension (self->cert, &ctx, NID_subject_alt_name, san);

  signing_key = issuer ? issuer->key : self->key;
  g_assert_cmpint (X509_sign (self->cert, signing_key,
                              EVP_PKEY_is_a (signing_key, "ED25519") ? NULL : EVP_sha256 ()), >, 0);
  len = i2d_X509 (self->cert, &der);
  g_assert_cmpint (len, >, 0);
  self->der = g_memdup2 (der, (gsize) len);
  self->der_len = (gsize) len;
  OPENSSL_free (der);
  return self;
}

void
cv_test_cert_free (CvTestCert *self)
{
  if (self == NULL)
    return;
  EVP_PKEY_free (self->key);
  X509_free (self->cert);
  g_free (self->der);
  g_free (self);
}

static char *
write_bio (BIO        *bio,
           const char *dir,
           const char *name)
{
  char *path = g_build_filename (dir, name, NULL);
  char *data = NULL;
  long len = BIO_get_mem_data (bio, &data);
  GError *error = NULL;

  g_file_set_contents (path, data, len, &error);
  g_assert_no_error (error);
  return path;
}

char *
cv_test_cert_write_pem (const CvTestCert *cert,
                        const char       *dir,
                        const char       *name)
{
  BIO *bio = BIO_new (BIO_s_mem ());
  char *path;

  g_assert_cmpint (PEM_write_bio_X509 (bio, cert->cert), ==, 1);
  path = write_bio (bio, dir, name);
  BIO_free (bio);
  return path;
}

char *
cv_test_cert_write_key (const CvTestCert *cert,
                        const char       *dir,
                        const char       *name,
                        const char       *passphrase)
{
  BIO *bio = BIO_new (BIO_s_mem ());
  char *path;

  g_assert_cmpint (PEM_write_bio_PKCS8PrivateKey (bio, cert->key,
                                                  passphrase ? EVP_aes_256_cbc () : NULL,
                                                  (const char *) passphrase,
                                                  passphrase ? (int) strlen (passphrase) : 0,
                                                  NULL, NULL), ==, 1);
  path = write_bio (bio, dir, name);
  BIO_free (bio);
  return path;
}

char *
cv_test_cert_write_p12 (const CvTestCert *leaf,
                        const CvTestCert *ca,
                        const char       *dir,
                        const char       *name,
                        const char       *passphrase)
{
  STACK_OF (X509) *chain = sk_X509_new_null ();
  PKCS12 *p12;
  BIO *bio = BIO_new (BIO_s_mem ());
  char *path;

  if (ca != NULL)
    sk_X509_push (chain, ca->cert);
  /* OpenSSL 3 defaults: AES-256-CBC with PBKDF2, and a SHA-256 MAC. */
  p12 = PKCS12_create (passphrase, "conclave test", leaf->key, leaf->cert, chain, 0, 0, 0, 0, 0);
  g_assert_nonnull (p12);
  g_assert_cmpint (i2d_PKCS12_bio (bio, p12), ==, 1);
  path = write_bio (bio, dir, name);
  BIO_free (bio);
  PKCS12_free (p12);
  sk_X509_free (chain);
  return path;
}

gsize
cv_test_cert_mls_key (const CvTestCert *cert,
                      guint8           *out,
                      gsize             size)
{
  size_t len = size;

  g_assert_cmpint (EVP_PKEY_get_raw_public_key (cert->key, out, &len), ==, 1);
  return len;
}

char *
cv_test_cert_fingerprint (const CvTestCert *cert)
{
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  GString *out = g_string_new (NULL);

  g_assert_cmpint (X509_digest (cert->cert, EVP_sha256 (), digest, &len), ==, 1);
  g_assert_cmpuint (len, ==, 32);
  for (unsigned int i = 0; i < len; i++)
    g_string_append_printf (out, i ? ":%02X" : "%02X", digest[i]);
  return g_string_free (out, FALSE);
}
