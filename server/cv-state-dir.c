#include "cv-state-dir.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <string.h>
#include <sys/stat.h>

#define TLS_LIFETIME_DAYS 825
#define TLS_RENEW_MARGIN_DAYS 7

static void
set_openssl_error (GError **error, const char *what)
{
  char buf[256] = "";
  unsigned long e = ERR_get_error ();

  if (e != 0)
    ERR_error_string_n (e, buf, sizeof buf);
  ERR_clear_error ();
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s failed%s%s", what,
               buf[0] ? ": " : "", buf);
}

gboolean
cv_state_dir_ensure (const char *dir,
                     GError    **error)
{
  GStatBuf st;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot create state folder %s: %s", dir, g_strerror (saved));
      return FALSE;
    }
  if (g_stat (dir, &st) == 0 && (st.st_mode & 077) != 0)
    {
      g_warning ("State folder %s was accessible to others; restricting it to its owner", dir);
      g_chmod (dir, 0700);
    }
  return TRUE;
}

gboolean
cv_state_write_private (const char *path,
                        const char *data,
                        gsize       len,
                        GError    **error)
{
  return g_file_set_contents_full (path, data, len,
                                   G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_ONLY_EXISTING,
                                   0600, error);
}

void
cv_state_free_secret (char *pem)
{
  if (pem == NULL)
    return;
  OPENSSL_cleanse (pem, strlen (pem));
  g_free (pem);
}

static char *
bio_to_string (BIO *bio)
{
  char *data = NULL;
  long len = BIO_get_mem_data (bio, &data);
  char *out = g_malloc (len + 1);

  memcpy (out, data, len);
  out[len] = '\0';
  return out;
}

char *
cv_state_key_to_pem (EVP_PKEY *key)
{
  BIO *bio = BIO_new (BIO_s_secmem ());
  char *pem = NULL;

  if (bio == NULL)
    bio = BIO_new (BIO_s_mem ());
  if (PEM_write_bio_PrivateKey (bio, key, NULL, NULL, 0, NULL, NULL) == 1)
    pem = bio_to_string (bio);
  /* BIO_free of a memory BIO does not wipe: clear what it held first. */
  {
    char *data = NULL;
    long len = BIO_get_mem_data (bio, &data);
    if (data != NULL && len > 0)
      OPENSSL_cleanse (data, len);
  }
  BIO_free (bio);
  return pem;
}

char *
cv_state_cert_to_pem (X509 *cert)
{
  BIO *bio = BIO_new (BIO_s_mem ());
  char *pem = NULL;

  if (PEM_write_bio_X509 (bio, cert) == 1)
    pem = bio_to_string (bio);
  BIO_free (bio);
  return pem;
}

X509 *
cv_state_cert_from_pem (const char *pem,
                        gsize       len)
{
  BIO *bio = BIO_new_mem_buf (pem, (int) len);
  X509 *cert = PEM_read_bio_X509 (bio, NULL, NULL, NULL);

  BIO_free (bio);
  ERR_clear_error ();
  return cert;
}

static EVP_PKEY *
generate_key (int key_type)
{
  if (key_type == EVP_PKEY_EC)
    return EVP_PKEY_Q_keygen (NULL, NULL, "EC", "P-256");
  if (key_type == EVP_PKEY_ED25519)
    return EVP_PKEY_Q_keygen (NULL, NULL, "ED25519");
  return NULL;
}

EVP_PKEY *
cv_state_load_or_create_key (const char *path,
                             int         key_type,
                             gboolean   *created,
                             GError    **error)
{
  g_autofree char *contents = NULL;
  gsize len = 0;
  GStatBuf st;
  EVP_PKEY *key;

  if (created != NULL)
    *created = FALSE;
  if (g_file_get_contents (path, &contents, &len, NULL))
    {
      BIO *bio;

      if (g_stat (path, &st) == 0 && (st.st_mode & 077) != 0)
        {
          g_warning ("Private key %s was readable by others; restricting it to its owner", path);
          g_chmod (path, 0600);
        }
      bio = BIO_new_mem_buf (contents, (int) len);
      key = PEM_read_bio_PrivateKey (bio, NULL, NULL, NULL);
      BIO_free (bio);
      OPENSSL_cleanse (contents, len);
      if (key == NULL)
        {
          set_openssl_error (error, path);
          return NULL;
        }
      if (EVP_PKEY_get_base_id (key) != key_type)
        {
          EVP_PKEY_free (key);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "%s holds a key of another type than expected", path);
          return NULL;
        }
      return key;
    }

  key = generate_key (key_type);
  if (key == NULL)
    {
      set_openssl_error (error, "Key generation");
      return NULL;
    }
  {
    char *pem = cv_state_key_to_pem (key);
    gboolean ok = pem != NULL && cv_state_write_private (path, pem, strlen (pem), error);

    if (pem == NULL)
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot encode the key for %s", path);
    cv_state_free_secret (pem);
    if (!ok)
      {
        EVP_PKEY_free (key);
        return NULL;
      }
  }
  if (created != NULL)
    *created = TRUE;
  return key;
}

char *
cv_state_fingerprint_der (const guint8 *der,
                          gsize         len)
{
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, der, len);
}

gboolean
cv_state_x509_prepare (X509      *cert,
                       X509_NAME *subject,
                       X509_NAME *issuer,
                       EVP_PKEY  *subject_key,
                       gint64     not_before_offset_s,
                       gint64     lifetime_s)
{
  unsigned char serial_bytes[16];
  BIGNUM *bn;
  gboolean ok;

  /* RFC 5280 §4.1.2.2: positive, at most 20 octets; 127 random bits. */
  if (RAND_bytes (serial_bytes, sizeof serial_bytes) != 1)
    return FALSE;
  serial_bytes[0] &= 0x7f;
  bn = BN_bin2bn (serial_bytes, sizeof serial_bytes, NULL);
  ok = bn != NULL
       && X509_set_version (cert, 2) == 1
       && BN_to_ASN1_INTEGER (bn, X509_get_serialNumber (cert)) != NULL
       && X509_gmtime_adj (X509_getm_notBefore (cert), not_before_offset_s) != NULL
       && X509_gmtime_adj (X509_getm_notAfter (cert), lifetime_s) != NULL
       && X509_set_subject_name (cert, subject) == 1
       && X509_set_issuer_name (cert, issuer) == 1
       && X509_set_pubkey (cert, subject_key) == 1;
  BN_free (bn);
  return ok;
}

gboolean
cv_state_x509_add_ext (X509       *cert,
                       X509       *issuer,
                       int         nid,
                       const char *value)
{
  X509V3_CTX ctx;
  X509_EXTENSION *ext;
  gboolean ok;

  X509V3_set_ctx_nodb (&ctx);
  X509V3_set_ctx (&ctx, issuer, cert, NULL, NULL, 0);
  ext = X509V3_EXT_conf_nid (NULL, &ctx, nid, value);
  if (ext == NULL)
    return FALSE;
  ok = X509_add_ext (cert, ext, -1) == 1;
  X509_EXTENSION_free (ext);
  return ok;
}

static gboolean
tls_cert_still_good (const char *cert_path)
{
  g_autofree char *pem = NULL;
  gsize len;
  X509 *cert;
  gboolean good = FALSE;

  if (!g_file_get_contents (cert_path, &pem, &len, NULL))
    return FALSE;
  cert = cv_state_cert_from_pem (pem, len);
  if (cert != NULL)
    {
      time_t margin = time (NULL) + (time_t) TLS_RENEW_MARGIN_DAYS * 86400;
      good = X509_cmp_time (X509_get0_notAfter (cert), &margin) > 0;
      X509_free (cert);
    }
  return good;
}

gboolean
cv_state_ensure_tls_identity (const char *dir,
                              const char *host,
                              char      **cert_path_out,
                              char      **key_path_out,
                              GError    **error)
{
  g_autofree char *cert_path = g_build_filename (dir, "tls-cert.pem", NULL);
  g_autofree char *key_path = g_build_filename (dir, "tls-key.pem", NULL);
  g_autofree char *san = NULL;
  g_autofree char *pem = NULL;
  EVP_PKEY *key = NULL;
  X509 *cert = NULL;
  X509_NAME *name = NULL;
  gboolean created = FALSE;
  gboolean ok = FALSE;

  if (!cv_state_dir_ensure (dir, error))
    return FALSE;
  key = cv_state_load_or_create_key (key_path, EVP_PKEY_EC, &created, error);
  if (key == NULL)
    return FALSE;
  if (!created && tls_cert_still_good (cert_path))
    {
      EVP_PKEY_free (key);
      *cert_path_out = g_steal_pointer (&cert_path);
      *key_path_out = g_steal_pointer (&key_path);
      return TRUE;
    }

  cert = X509_new ();
  name = X509_NAME_new ();
  X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_UTF8, (const unsigned char *) host, -1, -1, 0);
  X509_NAME_add_entry_by_txt (name, "O", MBSTRING_UTF8, (const unsigned char *) "Conclave meeting service", -1, -1, 0);
  if (g_hostname_is_ip_address (host))
    san = g_strdup_printf ("IP:%s,DNS:localhost,IP:127.0.0.1,IP:::1", host);
  else
    san = g_strdup_printf ("DNS:%s,DNS:localhost,IP:127.0.0.1,IP:::1", host);
  /* Backdated by an hour so that a peer whose clock is slightly behind accepts it. */
  if (!cv_state_x509_prepare (cert, name, name, key, -3600, (gint64) TLS_LIFETIME_DAYS * 86400)
      || !cv_state_x509_add_ext (cert, cert, NID_basic_constraints, "critical,CA:FALSE")
      || !cv_state_x509_add_ext (cert, cert, NID_key_usage, "critical,digitalSignature")
      || !cv_state_x509_add_ext (cert, cert, NID_ext_key_usage, "serverAuth")
      || !cv_state_x509_add_ext (cert, cert, NID_subject_alt_name, san)
      || !cv_state_x509_add_ext (cert, cert, NID_subject_key_identifier, "hash")
      || X509_sign (cert, key, EVP_sha256 ()) == 0)
    {
      set_openssl_error (error, "Self-signed TLS certificate");
      goto out;
    }
  pem = cv_state_cert_to_pem (cert);
  if (!g_file_set_contents_full (cert_path, pem, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error))
    goto out;
  *cert_path_out = g_steal_pointer (&cert_path);
  *key_path_out = g_steal_pointer (&key_path);
  ok = TRUE;

out:
  X509_NAME_free (name);
  X509_free (cert);
  EVP_PKEY_free (key);
  return ok;
}

GTlsCertificate *
cv_state_load_tls_certificate (const char *cert_path,
                               const char *key_path,
                               char      **fingerprint,
                               GError    **error)
{
  g_autoptr (GTlsCertificate) cert = NULL;
  g_autoptr (GByteArray) der = NULL;

  cert = g_tls_certificate_new_from_files (cert_path, key_path, error);
  if (cert == NULL)
    return NULL;
  g_object_get (cert, "certificate", &der, NULL);
  if (der == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: no certificate", cert_path);
      return NULL;
    }
  if (fingerprint != NULL)
    *fingerprint = cv_state_fingerprint_der (der->data, der->len);
  return g_steal_pointer (&cert);
}
