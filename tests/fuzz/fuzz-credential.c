/* Fuzzes X.509 credential parsing and validation.
 *
 * The input is a chain: a sequence of (2-byte big-endian length, DER bytes)
 * pieces, leaf first; a last piece shorter than its length takes what is
 * left. It is validated against a fixed partner store (a CA generated once)
 * and an empty service store, and every certificate's details are taken.
 * The pieces are also offered to a scratch trust store, the parser that
 * reads what an administrator configures. Nothing may crash or leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cv-credential.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static cv_trust_store *partner;
static cv_trust_store *service;

static void
add_ext (X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
  X509_EXTENSION *ext = X509V3_EXT_conf_nid (NULL, ctx, nid, value);

  if (ext == NULL || X509_add_ext (x, ext, -1) != 1)
    abort ();
  X509_EXTENSION_free (ext);
}

/* A self-signed Ed25519 CA, so that inputs reaching a trust anchor by name
 * exercise signature checking too. */
static void
make_stores (void)
{
  EVP_PKEY *key = EVP_PKEY_Q_keygen (NULL, NULL, "ED25519");
  X509 *x = X509_new ();
  X509_NAME *name = X509_NAME_new ();
  unsigned char *der = NULL;
  X509V3_CTX v3;
  int len;

  if (key == NULL || x == NULL || name == NULL)
    abort ();
  X509_set_version (x, X509_VERSION_3);
  ASN1_INTEGER_set (X509_get_serialNumber (x), 1);
  X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_UTF8, (const unsigned char *) "Fuzz CA", -1, -1, 0);
  X509_set_subject_name (x, name);
  X509_set_issuer_name (x, name);
  ASN1_TIME_set (X509_getm_notBefore (x), 0);
  ASN1_TIME_set (X509_getm_notAfter (x), (time_t) 4102444800); /* 2100 */
  X509_set_pubkey (x, key);
  X509V3_set_ctx (&v3, x, x, NULL, NULL, 0);
  add_ext (x, &v3, NID_basic_constraints, "critical,CA:TRUE");
  add_ext (x, &v3, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_ext (x, &v3, NID_subject_key_identifier, "hash");
  if (X509_sign (x, key, NULL) <= 0 || (len = i2d_X509 (x, &der)) <= 0)
    abort ();
  partner = cv_trust_store_new ();
  service = cv_trust_store_new ();
  if (partner == NULL || service == NULL
      || cv_trust_store_add_ca (partner, der, (size_t) len) != CV_OK)
    abort ();
  OPENSSL_free (der);
  X509_NAME_free (name);
  X509_free (x);
  EVP_PKEY_free (key);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  cv_cert_der chain[CV_CRED_MAX_CHAIN + 2];
  size_t n = 0, off = 0;
  cv_cred_result *result = NULL;
  /* A fixed "signature key"; the first byte picks an Ed25519 or P-256 size. */
  uint8_t key[65] = { 0x04 };
  size_t key_len = (size > 0 && (data[0] & 1)) ? 65 : 32;

  if (partner == NULL)
    make_stores ();

  while (off + 2 <= size && n < CV_CRED_MAX_CHAIN + 2)
    {
      size_t len = ((size_t) data[off] << 8) | data[off + 1];

      off += 2;
      if (len > size - off)
        len = size - off;
      chain[n].data = data + off;
      chain[n].len = len;
      n++;
      off += len;
    }

  if (cv_cred_verify (partner, service, chain, n, key, key_len, (time_t) 1750000000, &result) == CV_OK)
    {
      const char *name;
      char *label = cv_cred_display_label (result);

      (void) cv_cred_display_name (result, &name);
      free (label);
      cv_cred_result_free (result);
    }

  for (size_t i = 0; i < n; i++)
    {
      cv_cert_details *details = NULL;
      cv_trust_store *scratch;

      if (cv_cert_details_from_der (chain[i].data, chain[i].len, &details) == CV_OK)
        cv_cert_details_free (details);
      scratch = cv_trust_store_new ();
      if (scratch != NULL)
        {
          (void) cv_trust_store_add_ca (scratch, chain[i].data, chain[i].len);
          (void) cv_trust_store_add_crl (scratch, chain[i].data, chain[i].len);
          cv_trust_store_free (scratch);
        }
    }

  if (cv_cred_basic (data, size < CV_CRED_MAX_CERT_SIZE ? size : CV_CRED_MAX_CERT_SIZE, &result) == CV_OK)
    cv_cred_result_free (result);
  return 0;
}
