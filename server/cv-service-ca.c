#include "cv-service-ca.h"
#include "cv-server-error.h"
#include "cv-state-dir.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <string.h>

#define CA_LIFETIME_DAYS 3650

struct _CvServiceCa
{
  GObject parent_instance;

  EVP_PKEY *key;
  X509 *root;
  char *root_pem;
  char *fingerprint;
};

G_DEFINE_FINAL_TYPE (CvServiceCa, cv_service_ca, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ROOT_PEM,
  PROP_FINGERPRINT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
cv_service_ca_finalize (GObject *object)
{
  CvServiceCa *self = CV_SERVICE_CA (object);

  EVP_PKEY_free (self->key);
  X509_free (self->root);
  g_free (self->root_pem);
  g_free (self->fingerprint);
  G_OBJECT_CLASS (cv_service_ca_parent_class)->finalize (object);
}

static void
cv_service_ca_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  CvServiceCa *self = CV_SERVICE_CA (object);

  switch (prop_id)
    {
    case PROP_ROOT_PEM:
      g_value_set_string (value, self->root_pem);
      break;
    case PROP_FINGERPRINT:
      g_value_set_string (value, self->fingerprint);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cv_service_ca_class_init (CvServiceCaClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cv_service_ca_finalize;
  object_class->get_property = cv_service_ca_get_property;

  properties[PROP_ROOT_PEM] =
    g_param_spec_string ("root-pem", NULL, "The CA root certificate (PEM)",
                         NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_FINGERPRINT] =
    g_param_spec_string ("fingerprint", NULL, "SHA-256 of the CA root (hex)",
                         NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cv_service_ca_init (CvServiceCa *self)
{
}

static void
set_error_from_openssl (GError **error, int code, const char *what)
{
  char buf[256] = "";
  unsigned long e = ERR_get_error ();

  if (e != 0)
    ERR_error_string_n (e, buf, sizeof buf);
  ERR_clear_error ();
  g_set_error (error, CV_SERVER_ERROR, code, "%s%s%s", what, buf[0] ? ": " : "", buf);
}

/* The root must belong to the key: a mismatch means files were mixed up. */
static X509 *
load_root (const char *path, EVP_PKEY *key)
{
  g_autofree char *pem = NULL;
  gsize len;
  X509 *root;

  if (!g_file_get_contents (path, &pem, &len, NULL))
    return NULL;
  root = cv_state_cert_from_pem (pem, len);
  if (root != NULL && X509_check_private_key (root, key) != 1)
    {
      g_warning ("%s does not match the CA key; making a new root", path);
      X509_free (root);
      root = NULL;
    }
  ERR_clear_error ();
  return root;
}

static X509 *
make_root (EVP_PKEY *key, const char *host)
{
  g_autofree char *cn = g_strdup_printf ("Conclave service CA (%s)", host);
  X509 *cert = X509_new ();
  X509_NAME *name = X509_NAME_new ();
  gboolean ok;

  X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_UTF8, (const unsigned char *) cn, -1, -1, 0);
  X509_NAME_add_entry_by_txt (name, "O", MBSTRING_UTF8,
                              (const unsigned char *) "Conclave meeting service", -1, -1, 0);
  ok = cv_state_x509_prepare (cert, name, name, key, -3600, (gint64) CA_LIFETIME_DAYS * 86400)
       && cv_state_x509_add_ext (cert, cert, NID_basic_constraints, "critical,CA:TRUE,pathlen:0")
       && cv_state_x509_add_ext (cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign")
       && cv_state_x509_add_ext (cert, cert, NID_subject_key_identifier, "hash")
       && X509_sign (cert, key, EVP_sha256 ()) != 0;
  X509_NAME_free (name);
  if (!ok)
    {
      X509_free (cert);
      return NULL;
    }
  return cert;
}

CvServiceCa *
cv_service_ca_new (const char *state_dir,
                   const char *host,
                   GError    **error)
{
  g_autoptr (CvServiceCa) self = g_object_new (CV_TYPE_SERVICE_CA, NULL);
  g_autofree char *key_path = g_build_filename (state_dir, "ca-key.pem", NULL);
  g_autofree char *cert_path = g_build_filename (state_dir, "ca-cert.pem", NULL);
  unsigned char *der = NULL;
  int der_len;

  if (!cv_state_dir_ensure (state_dir, error))
    return NULL;
  self->key = cv_state_load_or_create_key (key_path, EVP_PKEY_EC, NULL, error);
  if (self->key == NULL)
    return NULL;
  self->root = load_root (cert_path, self->key);
  if (self->root == NULL)
    {
      self->root = make_root (self->key, host);
      if (self->root == NULL)
        {
          set_error_from_openssl (error, CV_SERVER_ERROR_INTERNAL, "Creating the service CA");
          return NULL;
        }
      self->root_pem = cv_state_cert_to_pem (self->root);
      if (!g_file_set_contents_full (cert_path, self->root_pem, -1,
                                     G_FILE_SET_CONTENTS_CONSISTENT, 0644, error))
        return NULL;
    }
  else
    self->root_pem = cv_state_cert_to_pem (self->root);

  der_len = i2d_X509 (self->root, &der);
  if (der_len <= 0)
    {
      set_error_from_openssl (error, CV_SERVER_ERROR_INTERNAL, "Encoding the CA root");
      return NULL;
    }
  self->fingerprint = cv_state_fingerprint_der (der, der_len);
  OPENSSL_free (der);
  return g_steal_pointer (&self);
}

const char *
cv_service_ca_get_root_pem (CvServiceCa *self)
{
  g_return_val_if_fail (CV_IS_SERVICE_CA (self), NULL);
  return self->root_pem;
}

const char *
cv_service_ca_get_fingerprint (CvServiceCa *self)
{
  g_return_val_if_fail (CV_IS_SERVICE_CA (self), NULL);
  return self->fingerprint;
}

static gboolean
key_is_mls_signature_key (EVP_PKEY *key)
{
  char group[32] = "";

  switch (EVP_PKEY_get_base_id (key))
    {
    case EVP_PKEY_ED25519:
    case EVP_PKEY_ED448:
      return TRUE;
    case EVP_PKEY_EC:
      if (EVP_PKEY_get_utf8_string_param (key, "group", group, sizeof group, NULL) != 1)
        return FALSE;
      return g_str_equal (group, "prime256v1") || g_str_equal (group, "P-256")
             || g_str_equal (group, "secp384r1") || g_str_equal (group, "P-384")
             || g_str_equal (group, "secp521r1") || g_str_equal (group, "P-521");
    default:
      return FALSE;
    }
}

static X509 *
issue_leaf (CvServiceCa *self,
            EVP_PKEY    *subject_key,
            const char  *common_name,
            const char  *san,
            const char  *eku,
            guint        lifetime_hours)
{
  X509 *cert = X509_new ();
  X509_NAME *name = X509_NAME_new ();
  gboolean ok;

  X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_UTF8, (const unsigned char *) common_name, -1, -1, 0);
  ok = cv_state_x509_prepare (cert, name, X509_get_subject_name (self->root), subject_key,
                              -300, (gint64) lifetime_hours * 3600)
       && cv_state_x509_add_ext (cert, self->root, NID_basic_constraints, "critical,CA:FALSE")
       && cv_state_x509_add_ext (cert, self->root, NID_key_usage, "critical,digitalSignature")
       && (eku == NULL || cv_state_x509_add_ext (cert, self->root, NID_ext_key_usage, eku))
       && (san == NULL || cv_state_x509_add_ext (cert, self->root, NID_subject_alt_name, san))
       && cv_state_x509_add_ext (cert, self->root, NID_authority_key_identifier, "keyid:always")
       && X509_sign (cert, self->key, EVP_sha256 ()) != 0;
  X509_NAME_free (name);
  if (!ok)
    {
      X509_free (cert);
      return NULL;
    }
  return cert;
}

static gboolean
account_name_is_safe (const char *account)
{
  gsize len = strlen (account);

  if (len == 0 || len > 64)
    return FALSE;
  for (const char *c = account; *c != '\0'; c++)
    if (!(g_ascii_isalnum (*c) || *c == '.' || *c == '_' || *c == '-'))
      return FALSE;
  return TRUE;
}

char *
cv_service_ca_issue (CvServiceCa *self,
                     const char  *csr_pem,
                     const char  *account,
                     guint        lifetime_hours,
                     GError     **error)
{
  g_autofree char *san = NULL;
  X509_REQ *req = NULL;
  EVP_PKEY *pub = NULL;
  X509 *cert = NULL;
  char *pem = NULL;
  BIO *bio;
  gsize len;

  g_return_val_if_fail (CV_IS_SERVICE_CA (self), NULL);

  len = csr_pem != NULL ? strlen (csr_pem) : 0;
  if (len == 0 || len > CV_SERVICE_CA_MAX_CSR)
    {
      g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_BAD_CSR,
                   "A CSR must be PEM of at most %d bytes", CV_SERVICE_CA_MAX_CSR);
      return NULL;
    }
  if (!account_name_is_safe (account))
    {
      g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_BAD_CSR,
                   "Account name cannot be put into a certificate");
      return NULL;
    }
  bio = BIO_new_mem_buf (csr_pem, (int) len);
  req = PEM_read_bio_X509_REQ (bio, NULL, NULL, NULL);
  BIO_free (bio);
  if (req == NULL)
    {
      set_error_from_openssl (error, CV_SERVER_ERROR_BAD_CSR, "Not a PEM certificate request");
      goto out;
    }
  pub = X509_REQ_get_pubkey (req);
  if (pub == NULL || !key_is_mls_signature_key (pub))
    {
      ERR_clear_error ();
      g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_BAD_CSR,
                   "The CSR's key is not an MLS signature key (Ed25519, Ed448, ECDSA P-256/384/521)");
      goto out;
    }
  /* Proof of possession: the request is signed by the key it names. */
  if (X509_REQ_verify (req, pub) != 1)
    {
      set_error_from_openssl (error, CV_SERVER_ERROR_BAD_CSR, "The CSR's signature does not verify");
      goto out;
    }
  san = g_strdup_printf ("URI:conclave:account:%s", account);
  cert = issue_leaf (self, pub, account, san, "clientAuth", lifetime_hours);
  if (cert == NULL)
    {
      set_error_from_openssl (error, CV_SERVER_ERROR_INTERNAL, "Issuing the certificate");
      goto out;
    }
  pem = cv_state_cert_to_pem (cert);

out:
  X509_free (cert);
  EVP_PKEY_free (pub);
  X509_REQ_free (req);
  return pem;
}

GBytes *
cv_service_ca_issue_for_key (CvServiceCa *self,
                             gpointer     evp_pkey,
                             const char  *common_name,
                             guint        lifetime_hours,
                             GError     **error)
{
  X509 *cert;
  unsigned char *der = NULL;
  int der_len;
  GBytes *bytes;

  g_return_val_if_fail (CV_IS_SERVICE_CA (self), NULL);

  cert = issue_leaf (self, evp_pkey, common_name, NULL, NULL, lifetime_hours);
  if (cert == NULL)
    {
      set_error_from_openssl (error, CV_SERVER_ERROR_INTERNAL, "Issuing the service's certificate");
      return NULL;
    }
  der_len = i2d_X509 (cert, &der);
  X509_free (cert);
  if (der_len <= 0)
    {
      set_error_from_openssl (error, CV_SERVER_ERROR_INTERNAL, "Encoding the service's certificate");
      return NULL;
    }
  bytes = g_bytes_new (der, der_len);
  OPENSSL_free (der);
  return bytes;
}
