/* The user's identity files: import, display, and partner CA checks.
 *
 * Everything read here comes from a file the user picked, which may be
 * anything: sizes are bounded, every parse result is checked, and OpenSSL's
 * terminal passphrase prompt is never reached (a callback always answers).
 */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "cv-identity.h"

G_DEFINE_QUARK (cv-identity-error-quark, cv_identity_error)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509, X509_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_PKEY, EVP_PKEY_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BIO, BIO_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PKCS12, PKCS12_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509_REQ, X509_REQ_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (cv_trust_store, cv_trust_store_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (cv_cert_details, cv_cert_details_free)

/* A file's bytes, wiped on release: it may hold a private key. */
typedef struct {
  char *data;
  gsize len;
} secret_file;

static void
secret_file_clear (secret_file *file)
{
  if (file->data != NULL)
    OPENSSL_cleanse (file->data, file->len);
  g_clear_pointer (&file->data, g_free);
  file->len = 0;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (secret_file, secret_file_clear)

static gboolean
secret_file_read (secret_file  *file,
                  const char   *path,
                  GError      **error)
{
  GStatBuf st;
  g_autofree char *name = g_filename_display_basename (path);

  if (g_stat (path, &st) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot read “%s”: %s"), name, g_strerror (saved));
      return FALSE;
    }
  if (st.st_size > CV_IDENTITY_MAX_FILE_SIZE)
    {
      g_set_error (error, CV_IDENTITY_ERROR, CV_IDENTITY_ERROR_UNREADABLE,
                   _("“%s” is too large to be a certificate or key"), name);
      return FALSE;
    }
  if (!g_file_get_contents (path, &file->data, &file->len, error))
    return FALSE;
  /* The file may have grown between stat and read. */
  if (file->len > CV_IDENTITY_MAX_FILE_SIZE)
    {
      secret_file_clear (file);
      g_set_error (error, CV_IDENTITY_ERROR, CV_IDENTITY_ERROR_UNREADABLE,
                   _("“%s” is too large to be a certificate or key"), name);
      return FALSE;
    }
  return TRUE;
}

static int
passphrase_cb (char *buf,
               int   size,
               int   rwflag,
               void *user_data)
{
  const char *passphrase = user_data;
  size_t len;

  /* No passphrase: fail instead of OpenSSL's prompt on the terminal. */
  if (passphrase == NULL)
    return -1;
  len = strlen (passphrase);
  if (len > (size_t) size)
    return -1;
  memcpy (buf, passphrase, len);
  return (int) len;
}

static gboolean
contains (const secret_file *file,
          const char        *needle)
{
  return memmem (file->data, file->len, needle, strlen (needle)) != NULL;
}

static guint
count_occurrences (const secret_file *file,
                   const char        *needle)
{
  gsize needle_len = strlen (needle);
  const char *p = file->data;
  const char *end = file->data + file->len;
  guint n = 0;

  while (p < end && (p = memmem (p, (gsize) (end - p), needle, needle_len)) != NULL)
    {
      n++;
      p += needle_len;
    }
  return n;
}

/* The subject of a certificate as e2ee/ prints it (safe to display). */
static char *
certificate_subject (X509 *cert)
{
  unsigned char *der = NULL;
  int len = i2d_X509 (cert, &der);
  g_autoptr (cv_cert_details) details = NULL;
  char *subject = NULL;

  if (len > 0 && cv_cert_details_from_der (der, (size_t) len, &details) == CV_OK)
    subject = g_strdup (details->subject);
  OPENSSL_free (der);
  return subject ? subject : g_strdup ("?");
}

typedef struct {
  GPtrArray *certs;   /* X509 *, in the order found */
  EVP_PKEY *key;
} identity_parts;

static void
identity_parts_clear (identity_parts *parts)
{
  g_clear_pointer (&parts->certs, g_ptr_array_unref);
  g_clear_pointer (&parts->key, EVP_PKEY_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (identity_parts, identity_parts_clear)

static gboolean
take_key (identity_parts  *parts,
          EVP_PKEY        *key,
          GError         **error)
{
  if (parts->key != NULL)
    {
      EVP_PKEY_free (key);
      g_set_error (error, CV_IDENTITY_ERROR, CV_IDENTITY_ERROR_UNREADABLE,
                   _("The chosen files hold more than one private key; choose only the key of the certificate"));
      return FALSE;
    }
  parts->key = key;
  return TRUE;
}

static gboolean
parse_pem (identity_parts     *parts,
           const secret_file  *file,
           const char         *name,
           const char         *passphrase,
           GError            **error)
{
  guint expected = count_occurrences (file, "-----BEGIN CERTIFICATE-----");
  guint found = 0;
  X509 *cert;

  {
    g_autoptr (BIO) bio = BIO_new_mem_buf (file->data, (int) file->len);
    while ((cert = PEM_read_bio_X509 (bio, NULL, passphrase_cb, NULL)) != NULL)
      {
        g_ptr_array_add (parts->certs, cert);
        found++;
      }
    ERR_clear_error ();
  }
  /* A certificate block that did not parse would otherwise vanish silently. */
  if (found != expected)
    {
      g_set_error (error, CV_IDENTITY_ERROR, CV_IDENTITY_ERROR_UNREADABLE,
                   _("A certificate in “%s” is damaged"), name);
      return FALSE;
    }

  if (contains (file, "PRIVATE KEY-----"))
    {
      g_autoptr (BIO) bio = BIO_new_mem_buf (file->data, (int) file->len);
      EVP_PKEY *key = PEM_read_bio_PrivateKey (bio, NULL, passphrase_cb, (void *) passphrase);
      gboolean encrypted = contains (file, "ENCRYPTED");

      ERR_clear_error ();
      if (key == NULL && encrypted && passphrase == NULL)
        {
          g_set_error (error, CV_IDENTITY_ERROR, CV_IDENTITY_ERROR_NEEDS_PASSPHRASE,
                       _("The private key in “%s” is protected by a passphrase"), name);
          return FALSE;
        }
      if (key == NULL && encrypted)
        {
          g_set_error (error, CV_IDENTITY_ERROR, CV_IDENTITY_ERROR_BAD_PASSPHRASE,
                       _("The passphrase does not open the private key in “%s”"), name);
          return FALSE;
        }
      if (key == NULL)
        {
          g_set_error (error, CV_IDENTITY_ERROR, CV_IDENTITY_ERROR_UNREADABLE,
                       _("The private key in “%s” is damaged or of an unknown kind"), name);
          return FALSE;
        }
      if (!take_key (parts, key, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
parse_pkcs12 (identity_parts  *parts,
              PKCS12          *p12,
              const char      *name,
              const char      *passphrase,
              GError         **error)
{
  const char *pass = passphrase;
  EVP_PKEY *key = NULL;
  X509 *cert = NULL;
  STACK_OF (X509) *ca = NULL;

  if (PKCS12_mac_present (p12))
    {
      gboolean opened;

      if (pass != NULL)
        opened = PKCS12_verify_mac (p12, pass, -1) == 1;
      else
        {
          /* Without a passphrase, try the two ways an unprotected file is made. */
          pass = "";
          opened = PKCS12_verify_mac (p12, pass, 0) == 1;
          if (!opened)
            {
              pass = NULL;
              opened = PKCS12_verify_mac (p12, NULL, 0) == 1;
            }
        }
      ERR_clear_error ();
      if (!opened)
        {
          if (passphrase == NULL)
            g_set_error (error, CV_IDENTITY_ERROR, CV_IDENTITY_ERROR_NEEDS_PASSPHRASE,
                         _("“%s” is protected by a passphrase"), name);
          else
            g_set_error (error, CV_IDENTITY_ERROR, CV_IDENTITY_ERROR_BAD_PASSPHRASE,
                         _("The passphrase does not open “%s”"), name);
          return FALSE;
        }
    }

  if (PKCS12_parse (p12, pass, &key, &cert, &ca) != 1)
    {
      ERR_clear_error ();
      g_set_error (error, CV_IDENTITY_ERROR, CV_IDENTITY_ERROR_UNREADABLE,
                   _("“%s” cannot be decrypted; it may use an old algorithm such as RC2 or 3DES. "
                     "Export it again with a current version of OpenSSL."), name);
      return FALSE;
    }
  if (cert != NULL)
    g_ptr_array_add (parts->certs, cert);
  for (int i = 0; ca != NULL && i < sk_X509_num (ca); i++)
    g_ptr_array_add (parts->certs, X509_dup (sk_X509_value (ca, i)));
  sk_X509_pop_free (ca, X509_free);
  if (key != NULL)
    return take_key (parts, key, error);
  return TRUE;
}

static gboolean
parse_file (identity_parts  *parts,
            const char      *path,
            const char      *passphrase,
            GError         **error)
{
  g_auto (secret_file) file = { NULL, 0 };
  g_autofree char *name = g_filename_display_basename (path);
  const unsigned char *p, *end;

  if (!secret_file_read (&file, path, error))
    return FALSE;
  if (contains (&file, "-----BEGIN "))
    return parse_pem (parts, &file, name, passphrase, error);

  /* Binary: PKCS#12, else one DER certificate, each to its exact length. */
  end = (const unsigned char *) file.data + file.len;
  p = (const unsigned char *) file.data;
  {
    g_autoptr (PKCS12) p12 = d2i_PKCS12 (NULL, &p, (long) file.len);
    if (p12 != NULL && p == end)
      return parse_pkcs12 (parts, p12, name, passphrase, error);
  }
  ERR_clear_error ();
  p = (const unsigned char *) file.data;
  {
    X509 *cert = d2i_X509 (NULL, &p, (long) file.len);
    if (cert != NULL && p == end)
      {
        g_ptr_array_add (parts->certs, cert);
        return TRUE;
      }
    X509_free (cert);
  }
  ERR_clear_error ();
  g_set_error (error, CV_IDENTITY_ERROR, CV_IDENTITY_ERROR_UNREADABLE,
               _("“%s” is not a PEM, DER or PKCS#12 file"), name);
  return FALSE;
}

/* MLS signs with Ed25519, Ed448 or ECDSA on P-256, P-384, P-521 (RFC 9420 §17.1). */
static gboolean
key_can_sign_mls (EVP_PKEY *key)
{
  char group[64] = "";

  if (EVP_PKEY_is_a (key, "ED25519") || EVP_PKEY_is_a (key, "ED448"))
    return TRUE;
  if (!EVP_PKEY_is_a (key, "EC"))
    return FALSE;
  if (EVP_PKEY_get_utf8_string_param (key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, NULL) != 1)
    return FALSE;
  return g_str_equal (group, "prime256v1") || g_str_equal (group, "secp384r1")
         || g_str_equal (group, "secp521r1");
}

static char *
pem_of_chain (GPtrArray *certs)
{
  g_autoptr (BIO) bio = BIO_new (BIO_s_mem ());
  char *data = NULL;
  long len;

  for (guint i = 0; i < certs->len; i++)
    if (PEM_write_bio_X509 (bio, certs->pdata[i]) != 1)
      return NULL;
  len = BIO_get_mem_data (bio, &data);
  return g_strndup (data, (gsize) len);
}

gboolean
cv_identity_import (const char * const  *paths,
                    const char          *passphrase,
                    const char          *target_dir,
                    char               **certificate_path,
                    char               **key_path,
                    GError             **error)
{
  g_auto (identity_parts) parts = { g_ptr_array_new_with_free_func ((GDestroyNotify) X509_free), NULL };
  g_autofree char *chain_pem = NULL;
  g_autoptr (BIO) key_bio = NULL;
  char *key_pem = NULL;
  long key_pem_len;
  int leaf = -1;

  g_return_val_if_fail (paths != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (guint i = 0; paths[i] != NULL; i++)
    if (!parse_file (&parts, paths[i], passphrase, error))
      return FALSE;

  if (parts.certs->len == 0)
    {
      g_set_error (error, CV_IDENTITY_ERROR, CV_IDENTITY_ERROR_NO_CERTIFICATE,
                   _("No certificate was found in the chosen files"));
      return FALSE;
    }
  if (parts.key == NULL)
    {
      g_set_error (error, CV_IDENTITY_ERROR, CV_IDENTITY_ERROR_NO_KEY,
                   _("No private key was found; choose the key file together with the certificate"));
      return FALSE;
    }

  for (guint i = 0; i < parts.certs->len && leaf < 0; i++)
    if (X509_check_private_key (parts.certs->pdata[i], parts.key) == 1)
      leaf = (int) i;
  ERR_clear_error ();
  if (leaf < 0)
    {
      g_autofree char *subject = certificate_subject (parts.certs->pdata[0]);
      g_set_error (error, CV_IDENTITY_ERROR, CV_IDENTITY_ERROR_KEY_MISMATCH,
                   _("The private key does not belong to the certificate “%s”"), subject);
      return FALSE;
    }
  if (!key_can_sign_mls (parts.key))
    {
      g_set_error (error, CV_IDENTITY_ERROR, CV_IDENTITY_ERROR_UNSUPPORTED_KEY,
                   _("Meetings cannot be signed with a %s key; use an Ed25519, Ed448 or ECDSA P-256, P-384 or P-521 key"),
                   EVP_PKEY_get0_type_name (parts.key));
      return FALSE;
    }
  /* The leaf goes first, the rest keep their order. */
  if (leaf > 0)
    {
      gpointer cert = g_ptr_array_steal_index (parts.certs, (guint) leaf);
      g_ptr_array_insert (parts.certs, 0, cert);
    }
  if (X509_cmp_current_time (X509_get0_notAfter (parts.certs->pdata[0])) < 0)
    {
      g_autofree char *subject = certificate_subject (parts.certs->pdata[0]);
      g_set_error (error, CV_IDENTITY_ERROR, CV_IDENTITY_ERROR_EXPIRED,
                   _("The certificate “%s” has expired"), subject);
      return FALSE;
    }

  chain_pem = pem_of_chain (parts.certs);
  /* Secure-heap memory, cleared when freed: it holds the key in clear. */
  key_bio = BIO_new (BIO_s_secmem ());
  if (chain_pem == NULL || key_bio == NULL
      || PEM_write_bio_PKCS8PrivateKey (key_bio, parts.key, NULL, NULL, 0, NULL, NULL) != 1)
    {
      ERR_clear_error ();
      g_set_error (error, CV_IDENTITY_ERROR, CV_IDENTITY_ERROR_UNREADABLE,
                   _("The certificate or key cannot be written out again"));
      return FALSE;
    }
  key_pem_len = BIO_get_mem_data (key_bio, &key_pem);

  {
    g_autoptr (GBytes) key_bytes = g_bytes_new_static (key_pem, (gsize) key_pem_len);
    return cv_identity_save (chain_pem, key_bytes, target_dir, certificate_path, key_path, error);
  }
}

char *
cv_identity_service_ca_path (const char *certificate_path)
{
  g_autofree char *dir = g_path_get_dirname (certificate_path);
  g_autofree char *path = g_build_filename (dir, "service-ca.pem", NULL);

  return g_file_test (path, G_FILE_TEST_IS_REGULAR) ? g_steal_pointer (&path) : NULL;
}

char *
cv_identity_default_dir (void)
{
  return g_build_filename (g_get_user_config_dir (), "conclave", "identity", NULL);
}

gboolean
cv_identity_save (const char  *chain_pem,
                  GBytes      *key_pem,
                  const char  *target_dir,
                  char       **certificate_path,
                  char       **key_path,
                  GError     **error)
{
  g_autofree char *dir = target_dir ? g_strdup (target_dir) : cv_identity_default_dir ();
  g_autofree char *cert_file = NULL;
  g_autofree char *key_file = NULL;
  gsize key_len = 0;
  const char *key = g_bytes_get_data (key_pem, &key_len);

  g_return_val_if_fail (chain_pem != NULL && key_pem != NULL, FALSE);

  if (g_mkdir_with_parents (dir, 0700) != 0 || g_chmod (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot create the folder “%s”: %s"), dir, g_strerror (saved));
      return FALSE;
    }
  cert_file = g_build_filename (dir, "certificate.pem", NULL);
  key_file = g_build_filename (dir, "key.pem", NULL);
  if (!g_file_set_contents_full (key_file, key, (gssize) key_len,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, error)
      || !g_file_set_contents_full (cert_file, chain_pem, -1,
                                    G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    return FALSE;

  if (certificate_path != NULL)
    *certificate_path = g_steal_pointer (&cert_file);
  if (key_path != NULL)
    *key_path = g_steal_pointer (&key_file);
  return TRUE;
}

static void
secret_free (gpointer data)
{
  secret_file *file = data;

  secret_file_clear (file);
  g_free (file);
}

GBytes *
cv_identity_read_secret_file (const char  *path,
                              GError     **error)
{
  secret_file *file = g_new0 (secret_file, 1);

  g_return_val_if_fail (path != NULL, NULL);

  if (!secret_file_read (file, path, error))
    {
      secret_free (file);
      return NULL;
    }
  return g_bytes_new_with_free_func (file->data, file->len, secret_free, file);
}

static void
secmem_bio_free (gpointer bio)
{
  BIO_free (bio);
}

gboolean
cv_identity_new_key_and_csr (const char  *common_name,
                             char       **csr_pem,
                             GBytes     **key_pem,
                             GError     **error)
{
  g_autoptr (EVP_PKEY) key = EVP_PKEY_Q_keygen (NULL, NULL, "ED25519");
  g_autoptr (X509_REQ) req = X509_REQ_new ();
  g_autoptr (BIO) csr_bio = BIO_new (BIO_s_mem ());
  /* Secure-heap memory, cleared when freed: it holds the key in clear. */
  BIO *key_bio = BIO_new (BIO_s_secmem ());
  X509_NAME *name = X509_REQ_get_subject_name (req);
  char *data = NULL;
  long len;

  g_return_val_if_fail (common_name != NULL && csr_pem != NULL && key_pem != NULL, FALSE);

  if (key == NULL || req == NULL || csr_bio == NULL || key_bio == NULL
      || X509_REQ_set_version (req, X509_REQ_VERSION_1) != 1
      || X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_UTF8, (const unsigned char *) common_name,
                                     -1, -1, 0) != 1
      || X509_REQ_set_pubkey (req, key) != 1
      /* Ed25519 hashes internally: no digest. */
      || X509_REQ_sign (req, key, NULL) <= 0
      || PEM_write_bio_X509_REQ (csr_bio, req) != 1
      || PEM_write_bio_PKCS8PrivateKey (key_bio, key, NULL, NULL, 0, NULL, NULL) != 1)
    {
      ERR_clear_error ();
      BIO_free (key_bio);
      g_set_error (error, CV_IDENTITY_ERROR, CV_IDENTITY_ERROR_UNREADABLE,
                   _("A new key and certificate request cannot be made"));
      return FALSE;
    }
  len = BIO_get_mem_data (csr_bio, &data);
  *csr_pem = g_strndup (data, (gsize) len);
  len = BIO_get_mem_data (key_bio, &data);
  /* The bytes stay in the BIO's secure memory until the GBytes goes. */
  *key_pem = g_bytes_new_with_free_func (data, (gsize) len, secmem_bio_free, key_bio);
  return TRUE;
}

gboolean
cv_identity_configure_session (CvSession   *session,
                               GSettings   *settings,
                               GError     **error)
{
  g_auto (GStrv) partners = g_settings_get_strv (settings, "trusted-partner-cas");
  g_autofree char *certificate_path = g_settings_get_string (settings, "identity-certificate");
  g_autofree char *key_path = g_settings_get_string (settings, "identity-key");
  g_autoptr (GBytes) chain = NULL;
  g_autoptr (GBytes) key = NULL;

  g_return_val_if_fail (CV_IS_SESSION (session), FALSE);
  g_return_val_if_fail (G_IS_SETTINGS (settings), FALSE);

  cv_session_set_partner_cas (session, (const char * const *) partners);

  if (*certificate_path == '\0' || *key_path == '\0')
    return TRUE;
  chain = cv_identity_read_secret_file (certificate_path, error);
  if (chain == NULL)
    return FALSE;
  key = cv_identity_read_secret_file (key_path, error);
  if (key == NULL)
    return FALSE;
  /* Meetings use cipher suite 1, which signs with Ed25519 only: another key
   * would make the join fail, so the meeting goes ahead unverified instead. */
  {
    gsize len = 0;
    const char *data = g_bytes_get_data (key, &len);
    g_autoptr (BIO) bio = BIO_new_mem_buf (data, (int) len);
    g_autoptr (EVP_PKEY) pkey = PEM_read_bio_PrivateKey (bio, NULL, passphrase_cb, NULL);

    ERR_clear_error ();
    if (pkey == NULL)
      {
        g_set_error (error, CV_IDENTITY_ERROR, CV_IDENTITY_ERROR_UNREADABLE,
                     _("Your private key cannot be read; you join unverified"));
        return FALSE;
      }
    if (!EVP_PKEY_is_a (pkey, "ED25519"))
      {
        g_set_error (error, CV_IDENTITY_ERROR, CV_IDENTITY_ERROR_UNSUPPORTED_KEY,
                     _("Meetings are signed with Ed25519 keys and your certificate has a %s key; you join unverified"),
                     EVP_PKEY_get0_type_name (pkey));
        return FALSE;
      }
  }
  cv_session_set_identity (session, chain, key);
  return TRUE;
}

static void
der_free (gpointer der)
{
  OPENSSL_free (der);
}

/* The leaf's public key as MLS serializes a signature key. */
static gboolean
mls_signature_key (X509    *cert,
                   guint8  *out,
                   gsize    out_size,
                   gsize   *out_len)
{
  EVP_PKEY *key = X509_get0_pubkey (cert);
  size_t len = out_size;

  if (key == NULL)
    return FALSE;
  if (EVP_PKEY_is_a (key, "ED25519") || EVP_PKEY_is_a (key, "ED448"))
    {
      if (EVP_PKEY_get_raw_public_key (key, out, &len) != 1)
        return FALSE;
    }
  else if (EVP_PKEY_is_a (key, "EC"))
    {
      if (EVP_PKEY_get_octet_string_param (key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, out, out_size, &len) != 1)
        return FALSE;
    }
  else
    return FALSE;
  *out_len = len;
  return TRUE;
}

/* CA files that went missing or bad do not hide the certificate: they are
 * skipped (and logged). */
static void
add_ca_files (cv_trust_store      *store,
              const char * const  *paths)
{
  for (guint i = 0; paths != NULL && paths[i] != NULL; i++)
    {
      g_auto (secret_file) file = { NULL, 0 };
      g_autoptr (GError) local_error = NULL;

      if (!secret_file_read (&file, paths[i], &local_error))
        g_debug ("CA %s: %s", paths[i], local_error->message);
      else if (cv_trust_store_add_ca (store, (const uint8_t *) file.data, file.len) != CV_OK)
        g_debug ("CA %s: %s", paths[i], cv_status_message ());
    }
}

CvCertificateInfo *
cv_identity_load_certificate (const char          *certificate_path,
                              const char * const  *partner_ca_paths,
                              const char          *service_ca_path,
                              GError             **error)
{
  g_auto (identity_parts) parts = { g_ptr_array_new_with_free_func ((GDestroyNotify) X509_free), NULL };
  g_autoptr (cv_trust_store) partners = cv_trust_store_new ();
  g_autoptr (cv_trust_store) service = cv_trust_store_new ();
  const char *service_paths[] = { service_ca_path, NULL };
  g_autoptr (GPtrArray) ders = g_ptr_array_new_with_free_func (der_free);
  g_autofree cv_cert_der *chain = NULL;
  guint8 key[160];
  gsize key_len = 0;
  cv_cred_result *result = NULL;
  CvCertificateInfo *info;
  cv_status status;

  g_return_val_if_fail (certificate_path != NULL, NULL);

  /* A certificate file needs no passphrase; a key in it is ignored. */
  if (!parse_file (&parts, certificate_path, NULL, error))
    return NULL;
  if (parts.certs->len == 0)
    {
      g_set_error (error, CV_IDENTITY_ERROR, CV_IDENTITY_ERROR_NO_CERTIFICATE,
                   _("No certificate was found in the chosen files"));
      return NULL;
    }

  add_ca_files (partners, partner_ca_paths);
  add_ca_files (service, service_paths);

  chain = g_new0 (cv_cert_der, parts.certs->len);
  for (guint i = 0; i < parts.certs->len; i++)
    {
      unsigned char *der = NULL;
      int len = i2d_X509 (parts.certs->pdata[i], &der);

      if (len <= 0)
        {
          g_set_error (error, CV_IDENTITY_ERROR, CV_IDENTITY_ERROR_UNREADABLE,
                       _("A certificate in “%s” is damaged"), certificate_path);
          return NULL;
        }
      g_ptr_array_add (ders, der);
      chain[i].data = der;
      chain[i].len = (size_t) len;
    }
  /* An unusable key still gets a verdict (key mismatch) rather than an error. */
  if (!mls_signature_key (parts.certs->pdata[0], key, sizeof key, &key_len))
    key_len = 0;

  status = cv_cred_verify (partners, service, chain, parts.certs->len, key, key_len, time (NULL), &result);
  if (status != CV_OK)
    {
      g_set_error (error, CV_IDENTITY_ERROR, CV_IDENTITY_ERROR_UNREADABLE,
                   "%s", cv_status_message ());
      return NULL;
    }
  info = cv_certificate_info_new (result);
  cv_cred_result_free (result);
  return info;
}

char *
cv_identity_check_ca_file (const char  *path,
                           GError     **error)
{
  g_auto (identity_parts) parts = { g_ptr_array_new_with_free_func ((GDestroyNotify) X509_free), NULL };
  g_auto (secret_file) file = { NULL, 0 };
  g_autoptr (cv_trust_store) store = cv_trust_store_new ();
  g_autofree char *name = g_filename_display_basename (path);

  g_return_val_if_fail (path != NULL, NULL);

  if (!secret_file_read (&file, path, error))
    return NULL;
  if (cv_trust_store_add_ca (store, (const uint8_t *) file.data, file.len) != CV_OK)
    {
      g_set_error (error, CV_IDENTITY_ERROR, CV_IDENTITY_ERROR_NOT_A_CA,
                   _("“%s” does not hold a certificate authority: %s"), name, cv_status_message ());
      return NULL;
    }
  if (!parse_file (&parts, path, NULL, error))
    return NULL;
  if (parts.certs->len == 0)
    {
      g_set_error (error, CV_IDENTITY_ERROR, CV_IDENTITY_ERROR_NO_CERTIFICATE,
                   _("No certificate was found in the chosen files"));
      return NULL;
    }
  return certificate_subject (parts.certs->pdata[0]);
}
