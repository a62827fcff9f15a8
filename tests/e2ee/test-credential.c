/* Credentials: X.509 chains validated against the partner and service trust
 * stores, with every certificate made here at run time with OpenSSL.
 *
 * The PKI: a partner root (ECDSA P-256) with an intermediate (Ed25519) and a
 * revoked intermediate, a service root (Ed25519), a rogue root (Ed25519), and
 * leaves of both key types under each. Details are compared with what the
 * `openssl x509` command prints for the same DER.
 *
 * Tallies: "suite 1" counts cases with Ed25519 leaves and "suite 2" cases
 * with ECDSA P-256 leaves (the signature schemes of MLS cipher suites 1 and
 * 2); "suite 0" counts cases that do not depend on the leaf key type.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cv-credential.h"
#include "cv-test-vectors.h"

/* 2025-06-15T15:06:40Z: every check runs at this instant, not the clock's. */
#define NOW ((time_t) 1750000000)
#define DAY ((time_t) 86400)

static cv_test_tally *tally;

#define CHECK(suite, cond) check_case ((suite), (cond), #cond, __FILE__, __LINE__)

static bool
check_case (unsigned suite, bool ok, const char *what, const char *file, int line)
{
  if (!ok)
    fprintf (stderr, "%s:%d: suite %u: CHECK failed: %s\n", file, line, suite, what);
  cv_test_tally_add (tally, suite, ok);
  return ok;
}

/* ---- Making a PKI ---- */

typedef struct {
  EVP_PKEY *key;
  X509 *cert;
  uint8_t *der;
  size_t der_len;
  uint8_t mls_key[160];     /* the key as MLS serializes it, computed here */
  size_t mls_key_len;
} entity;

typedef struct {
  const char *cn;
  const char *org;
  bool ca;
  time_t not_before;
  time_t not_after;
  uint64_t serial;
  const char *san;          /* X509V3 config text or NULL */
  const char *key_usage;    /* overrides the default for CA / leaf; "" for none */
} cert_spec;

static EVP_PKEY *
new_key (bool ec)
{
  EVP_PKEY *key = ec ? EVP_PKEY_Q_keygen (NULL, NULL, "EC", "P-256")
                     : EVP_PKEY_Q_keygen (NULL, NULL, "ED25519");

  g_assert_nonnull (key);
  return key;
}

/* MLS's serialization, through a different OpenSSL path than the library
 * uses (encoded public key rather than the affine coordinates). */
static void
mls_key_of (EVP_PKEY *key, uint8_t *out, size_t *out_len)
{
  size_t len = 160;

  if (EVP_PKEY_get_base_id (key) == EVP_PKEY_ED25519)
    g_assert_true (EVP_PKEY_get_raw_public_key (key, out, &len) == 1 && len == 32);
  else
    g_assert_true (EVP_PKEY_get_octet_string_param (key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
                                                    out, len, &len) == 1
                   && len == 65 && out[0] == 0x04);
  *out_len = len;
}

static void
add_ext (X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
  X509_EXTENSION *ext = X509V3_EXT_conf_nid (NULL, ctx, nid, value);

  g_assert_nonnull (ext);
  g_assert_true (X509_add_ext (x, ext, -1) == 1);
  X509_EXTENSION_free (ext);
}

static void
sign_with (X509 *x, EVP_PKEY *key)
{
  const EVP_MD *md = EVP_PKEY_get_base_id (key) == EVP_PKEY_EC ? EVP_sha256 () : NULL;

  g_assert_true (X509_sign (x, key, md) > 0);
}

static void
entity_set_der (entity *e)
{
  unsigned char *der = NULL;
  int n = i2d_X509 (e->cert, &der);

  g_assert_cmpint (n, >, 0);
  g_free (e->der);
  e->der = g_memdup2 (der, (gsize) n);
  e->der_len = (size_t) n;
  OPENSSL_free (der);
}

/* issuer NULL: self-signed. */
static void
entity_make (entity *e, const cert_spec *spec, bool ec, const entity *issuer)
{
  X509_NAME *name = X509_NAME_new ();
  X509V3_CTX v3;
  X509 *x;

  memset (e, 0, sizeof *e);
  e->key = new_key (ec);
  mls_key_of (e->key, e->mls_key, &e->mls_key_len);
  x = X509_new ();
  g_assert_true (X509_set_version (x, X509_VERSION_3) == 1);
  g_assert_true (ASN1_INTEGER_set_uint64 (X509_get_serialNumber (x), spec->serial) == 1);
  if (spec->org != NULL)
    X509_NAME_add_entry_by_txt (name, "O", MBSTRING_UTF8, (const unsigned char *) spec->org, -1, -1, 0);
  X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_UTF8, (const unsigned char *) spec->cn, -1, -1, 0);
  X509_set_subject_name (x, name);
  X509_set_issuer_name (x, issuer ? X509_get_subject_name (issuer->cert) : name);
  X509_NAME_free (name);
  g_assert_nonnull (ASN1_TIME_set (X509_getm_notBefore (x), spec->not_before));
  g_assert_nonnull (ASN1_TIME_set (X509_getm_notAfter (x), spec->not_after));
  g_assert_true (X509_set_pubkey (x, e->key) == 1);

  X509V3_set_ctx (&v3, issuer ? issuer->cert : x, x, NULL, NULL, 0);
  add_ext (x, &v3, NID_basic_constraints, spec->ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  if (spec->key_usage == NULL)
    add_ext (x, &v3, NID_key_usage, spec->ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  else if (spec->key_usage[0] != '\0')
    add_ext (x, &v3, NID_key_usage, spec->key_usage);
  add_ext (x, &v3, NID_subject_key_identifier, "hash");
  add_ext (x, &v3, NID_authority_key_identifier, "keyid:always");
  if (spec->san != NULL)
    add_ext (x, &v3, NID_subject_alt_name, spec->san);
  sign_with (x, issuer ? issuer->key : e->key);
  e->cert = x;
  entity_set_der (e);
}

static void
entity_clear (entity *e)
{
  EVP_PKEY_free (e->key);
  X509_free (e->cert);
  g_free (e->der);
  memset (e, 0, sizeof *e);
}

static GBytes *
make_crl (const entity *ca, const uint64_t *serials, size_t n, time_t last, time_t next, bool pem)
{
  X509_CRL *crl = X509_CRL_new ();
  ASN1_TIME *t_last = ASN1_TIME_set (NULL, last);
  ASN1_TIME *t_next = ASN1_TIME_set (NULL, next);
  GBytes *out;

  g_assert_true (X509_CRL_set_version (crl, 1) == 1);
  g_assert_true (X509_CRL_set_issuer_name (crl, X509_get_subject_name (ca->cert)) == 1);
  g_assert_true (X509_CRL_set1_lastUpdate (crl, t_last) == 1);
  g_assert_true (X509_CRL_set1_nextUpdate (crl, t_next) == 1);
  for (size_t i = 0; i < n; i++)
    {
      X509_REVOKED *rev = X509_REVOKED_new ();
      ASN1_INTEGER *serial = ASN1_INTEGER_new ();

      ASN1_INTEGER_set_uint64 (serial, serials[i]);
      X509_REVOKED_set_serialNumber (rev, serial);
      X509_REVOKED_set_revocationDate (rev, t_last);
      X509_CRL_add0_revoked (crl, rev);
      ASN1_INTEGER_free (serial);
    }
  X509_CRL_sort (crl);
  g_assert_true (X509_CRL_sign (crl, ca->key, EVP_PKEY_get_base_id (ca->key) == EVP_PKEY_EC ? EVP_sha256 () : NULL) > 0);
  if (pem)
    {
      BIO *bio = BIO_new (BIO_s_mem ());
      char *data;
      long len;

      g_assert_true (PEM_write_bio_X509_CRL (bio, crl) == 1);
      len = BIO_get_mem_data (bio, &data);
      out = g_bytes_new (data, (gsize) len);
      BIO_free (bio);
    }
  else
    {
      unsigned char *der = NULL;
      int len = i2d_X509_CRL (crl, &der);

      g_assert_cmpint (len, >, 0);
      out = g_bytes_new (der, (gsize) len);
      OPENSSL_free (der);
    }
  X509_CRL_free (crl);
  ASN1_TIME_free (t_last);
  ASN1_TIME_free (t_next);
  return out;
}

static GString *
pem_of (GString *acc, const entity *e)
{
  BIO *bio = BIO_new (BIO_s_mem ());
  char *data;
  long len;

  g_assert_true (PEM_write_bio_X509 (bio, e->cert) == 1);
  len = BIO_get_mem_data (bio, &data);
  g_string_append_len (acc, data, len);
  BIO_free (bio);
  return acc;
}

/* ---- Running the library ---- */

static cv_cred_result *
verify_chain (const cv_trust_store *partner, const cv_trust_store *service,
              const entity *const *chain, size_t n, const uint8_t *key, size_t key_len, time_t at)
{
  cv_cert_der ders[16];
  cv_cred_result *r = NULL;

  g_assert_cmpuint (n, <=, G_N_ELEMENTS (ders));
  for (size_t i = 0; i < n; i++)
    ders[i] = (cv_cert_der) { chain[i]->der, chain[i]->der_len };
  g_assert_cmpint (cv_cred_verify (partner, service, ders, n, key, key_len, at, &r), ==, CV_OK);
  g_assert_nonnull (r);
  g_assert_nonnull (r->reason_text);
  return r;
}

static cv_cred_result *
verify_bytes (const cv_trust_store *partner, const cv_trust_store *service,
              const uint8_t *der, size_t len, const entity *owner)
{
  cv_cert_der one = { der, len };
  cv_cred_result *r = NULL;

  g_assert_cmpint (cv_cred_verify (partner, service, &one, 1, owner->mls_key, owner->mls_key_len, NOW, &r),
                   ==, CV_OK);
  g_assert_nonnull (r);
  return r;
}

/* Checks verdict and reason; prints the reason text when they differ. */
static bool
expect (unsigned suite, cv_cred_result *r, cv_cred_verdict verdict, cv_cred_reason reason,
        const char *label)
{
  bool ok = r->verdict == verdict && r->reason == reason;

  if (!ok)
    fprintf (stderr, "suite %u: %s: got %s / %s (%s), want %s / %s\n", suite, label,
             cv_cred_verdict_name (r->verdict), cv_cred_reason_name (r->reason), r->reason_text,
             cv_cred_verdict_name (verdict), cv_cred_reason_name (reason));
  cv_test_tally_add (tally, suite, ok);
  return ok;
}

/* ---- The openssl command line, as an independent reading of a DER ---- */

typedef struct {
  char *fingerprint;
  char *serial;
  char *subject;
  char *issuer;
} cli_view;

static void
cli_view_clear (cli_view *v)
{
  g_free (v->fingerprint);
  g_free (v->serial);
  g_free (v->subject);
  g_free (v->issuer);
}

static bool
openssl_cli_view (const entity *e, cli_view *v)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto (GStrv) lines = NULL;
  int status = -1;
  int fd;

  memset (v, 0, sizeof *v);
  fd = g_file_open_tmp ("cv-cred-XXXXXX.der", &path, &error);
  if (fd < 0 || !g_file_set_contents (path, (const char *) e->der, (gssize) e->der_len, &error))
    {
      fprintf (stderr, "cannot write a temporary file: %s\n", error ? error->message : "?");
      return false;
    }
  close (fd);
  const char *argv[] = { "openssl", "x509", "-inform", "DER", "-in", path, "-noout",
                         "-fingerprint", "-sha256", "-serial", "-subject", "-issuer",
                         "-nameopt", "RFC2253", NULL };
  bool ran = g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                           &out, &err, &status, &error);
  g_unlink (path);
  if (!ran || !g_spawn_check_wait_status (status, NULL))
    {
      fprintf (stderr, "openssl x509 failed: %s %s\n", error ? error->message : "", err ? err : "");
      return false;
    }
  lines = g_strsplit (out, "\n", -1);
  for (char **l = lines; *l != NULL; l++)
    {
      if (g_str_has_prefix (*l, "sha256 Fingerprint=") || g_str_has_prefix (*l, "SHA256 Fingerprint="))
        v->fingerprint = g_strdup (strchr (*l, '=') + 1);
      else if (g_str_has_prefix (*l, "serial="))
        v->serial = g_strdup (*l + strlen ("serial="));
      else if (g_str_has_prefix (*l, "subject="))
        v->subject = g_strstrip (g_strdup (*l + strlen ("subject=")));
      else if (g_str_has_prefix (*l, "issuer="))
        v->issuer = g_strstrip (g_strdup (*l + strlen ("issuer=")));
    }
  return v->fingerprint && v->serial && v->subject && v->issuer;
}

static void
iso_of (time_t t, char *buf, size_t size)
{
  g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc ((gint64) t);
  g_autofree char *s = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ");

  g_strlcpy (buf, s, size);
}

/* ---- The PKI shared by the cases ---- */

static entity partner_root, partner_inter, partner_revoked_inter, service_root, rogue_root;
static cv_trust_store *partner_store, *service_store, *both_store, *inter_only_store;

#define SERIAL_REVOKED_INTER 0x7001
#define SERIAL_REVOKED_LEAF_BASE 0x6000

static void
setup_pki (void)
{
  cert_spec spec;
  GString *pem = g_string_new (NULL);
  uint64_t revoked[3];
  GBytes *crl;

  spec = (cert_spec) { "Partner Root CA", "Partner Org", true, NOW - 400 * DAY, NOW + 3650 * DAY, 1, NULL, NULL };
  entity_make (&partner_root, &spec, true, NULL);
  spec = (cert_spec) { "Partner Issuing CA", "Partner Org", true, NOW - 300 * DAY, NOW + 1000 * DAY, 2, NULL, NULL };
  entity_make (&partner_inter, &spec, false, &partner_root);
  spec = (cert_spec) { "Partner Retired CA", "Partner Org", true, NOW - 300 * DAY, NOW + 1000 * DAY,
                       SERIAL_REVOKED_INTER, NULL, NULL };
  entity_make (&partner_revoked_inter, &spec, false, &partner_root);
  spec = (cert_spec) { "Conclave Service CA", "meet.example", true, NOW - 400 * DAY, NOW + 3650 * DAY, 1, NULL, NULL };
  entity_make (&service_root, &spec, false, NULL);
  spec = (cert_spec) { "Partner Root CA", "Rogue Org", true, NOW - 400 * DAY, NOW + 3650 * DAY, 1, NULL, NULL };
  entity_make (&rogue_root, &spec, false, NULL);

  /* The partner store is given as PEM (with a CRL), the service one as DER. */
  partner_store = cv_trust_store_new ();
  pem_of (pem, &partner_root);
  g_assert_cmpint (cv_trust_store_add_ca (partner_store, (const uint8_t *) pem->str, pem->len), ==, CV_OK);
  revoked[0] = SERIAL_REVOKED_INTER;
  revoked[1] = SERIAL_REVOKED_LEAF_BASE + 1;
  revoked[2] = SERIAL_REVOKED_LEAF_BASE + 2;
  crl = make_crl (&partner_root, revoked, 3, NOW - DAY, NOW + 30 * DAY, true);
  g_assert_cmpint (cv_trust_store_add_crl (partner_store, g_bytes_get_data (crl, NULL), g_bytes_get_size (crl)),
                   ==, CV_OK);
  g_bytes_unref (crl);

  service_store = cv_trust_store_new ();
  g_assert_cmpint (cv_trust_store_add_ca (service_store, service_root.der, service_root.der_len), ==, CV_OK);

  /* A store that trusts both roots, to see that external still wins. */
  both_store = cv_trust_store_new ();
  g_string_truncate (pem, 0);
  pem_of (pem, &service_root);
  pem_of (pem, &partner_root);
  g_assert_cmpint (cv_trust_store_add_ca (both_store, (const uint8_t *) pem->str, pem->len), ==, CV_OK);
  g_assert_cmpuint (cv_trust_store_ca_count (both_store), ==, 2);

  /* An administrator who trusts only the issuing CA, not the root. */
  inter_only_store = cv_trust_store_new ();
  g_assert_cmpint (cv_trust_store_add_ca (inter_only_store, partner_inter.der, partner_inter.der_len), ==, CV_OK);
  g_string_free (pem, TRUE);
}

static void
teardown_pki (void)
{
  cv_trust_store_free (partner_store);
  cv_trust_store_free (service_store);
  cv_trust_store_free (both_store);
  cv_trust_store_free (inter_only_store);
  entity_clear (&partner_root);
  entity_clear (&partner_inter);
  entity_clear (&partner_revoked_inter);
  entity_clear (&service_root);
  entity_clear (&rogue_root);
}

/* ---- Cases per leaf key type ---- */

static void
check_details_against_cli (unsigned suite, const entity *leaf, const cv_cert_details *d,
                           const cert_spec *spec, const char *key_type)
{
  cli_view v;
  char iso[32];

  if (!CHECK (suite, d != NULL))
    return;
  if (CHECK (suite, openssl_cli_view (leaf, &v)))
    {
      CHECK (suite, g_ascii_strcasecmp (d->fingerprint_sha256, v.fingerprint) == 0);
      CHECK (suite, strcmp (d->fingerprint_sha256, v.fingerprint) == 0); /* same case too */
      CHECK (suite, strcmp (d->serial_hex, v.serial) == 0);
      CHECK (suite, strcmp (d->subject, v.subject) == 0);
      CHECK (suite, strcmp (d->issuer, v.issuer) == 0);
      if (strcmp (d->serial_hex, v.serial) != 0 || strcmp (d->subject, v.subject) != 0)
        fprintf (stderr, "  ours: %s / %s; openssl: %s / %s\n", d->serial_hex, d->subject, v.serial, v.subject);
    }
  cli_view_clear (&v);
  CHECK (suite, d->subject_cn && strcmp (d->subject_cn, spec->cn) == 0);
  CHECK (suite, d->not_before == spec->not_before && d->not_after == spec->not_after);
  iso_of (spec->not_before, iso, sizeof iso);
  CHECK (suite, strcmp (d->not_before_iso, iso) == 0);
  iso_of (spec->not_after, iso, sizeof iso);
  CHECK (suite, strcmp (d->not_after_iso, iso) == 0);
  CHECK (suite, strcmp (d->key_type, key_type) == 0);
  CHECK (suite, !d->is_ca);
  CHECK (suite, strlen (d->fingerprint_sha256) == 95);
}

static void
run_leaf_cases (bool ec)
{
  unsigned suite = ec ? 2 : 1;
  const char *key_type = ec ? "ECDSA P-256" : "Ed25519";
  const char *tag = ec ? "P-256" : "Ed25519";
  g_autofree char *cn = g_strdup_printf ("Ann Partner (%s)", tag);
  g_autofree char *san = g_strdup_printf ("DNS:ann-%s.partner.example,email:ann@partner.example,"
                                          "URI:https://partner.example/people/ann", ec ? "ec" : "ed");
  cert_spec leaf_spec = { cn, "Partner Org", false, NOW - 10 * DAY, NOW + 355 * DAY,
                          G_GUINT64_CONSTANT (0x1234abcd5678) + suite, san, NULL };
  cert_spec spec;
  entity leaf, service_leaf, rogue_leaf, self_ca, self_leaf, expired, future, revoked, other,
         inter_leaf, retired_leaf, nosign, noname;
  const entity *chain[CV_CRED_MAX_CHAIN + 2];
  cv_cred_result *r;
  const char *name;

  entity_make (&leaf, &leaf_spec, ec, &partner_root);

  /* External: a partner CA's leaf; details and names. */
  chain[0] = &leaf;
  r = verify_chain (partner_store, service_store, chain, 1, leaf.mls_key, leaf.mls_key_len, NOW);
  expect (suite, r, CV_CRED_VERIFIED_EXTERNAL, CV_CRED_REASON_NONE, "partner leaf");
  CHECK (suite, cv_cred_display_name (r, &name) == CV_CRED_NAME_VERIFIED && strcmp (name, cn) == 0);
  CHECK (suite, r->chain_len == 2 && strstr (r->chain[1], "CN=Partner Root CA") != NULL);
  CHECK (suite, r->trust_anchor && strcmp (r->trust_anchor, "CN=Partner Root CA,O=Partner Org") == 0);
  CHECK (suite, r->claimed_name == NULL);
  check_details_against_cli (suite, &leaf, r->leaf, &leaf_spec, key_type);
  if (CHECK (suite, r->leaf && r->leaf->n_sans == 3))
    {
      g_autofree char *dns = g_strdup_printf ("ann-%s.partner.example", ec ? "ec" : "ed");

      CHECK (suite, r->leaf->sans[0].type == CV_CERT_SAN_DNS && strcmp (r->leaf->sans[0].value, dns) == 0);
      CHECK (suite, r->leaf->sans[1].type == CV_CERT_SAN_EMAIL
             && strcmp (r->leaf->sans[1].value, "ann@partner.example") == 0);
      CHECK (suite, r->leaf->sans[2].type == CV_CERT_SAN_URI
             && strcmp (r->leaf->sans[2].value, "https://partner.example/people/ann") == 0);
    }
  {
    g_autofree char *label = cv_cred_display_label (r);
    g_autofree char *want = g_strdup_printf ("%s (verified externally)", cn);

    CHECK (suite, label && strcmp (label, want) == 0);
  }
  cv_cred_result_free (r);

  /* The time is a parameter: the same leaf before its notBefore and after
   * its notAfter. */
  r = verify_chain (partner_store, service_store, chain, 1, leaf.mls_key, leaf.mls_key_len, NOW - 11 * DAY);
  expect (suite, r, CV_CRED_UNVERIFIED, CV_CRED_REASON_NOT_YET_VALID, "partner leaf, checked too early");
  cv_cred_result_free (r);
  r = verify_chain (partner_store, service_store, chain, 1, leaf.mls_key, leaf.mls_key_len, NOW + 356 * DAY);
  expect (suite, r, CV_CRED_UNVERIFIED, CV_CRED_REASON_EXPIRED, "partner leaf, checked too late");
  cv_cred_result_free (r);

  /* A store given as NULL is empty. */
  r = verify_chain (NULL, NULL, chain, 1, leaf.mls_key, leaf.mls_key_len, NOW);
  expect (suite, r, CV_CRED_UNVERIFIED, CV_CRED_REASON_UNTRUSTED_ISSUER, "no stores");
  CHECK (suite, cv_cred_display_name (r, &name) == CV_CRED_NAME_CLAIMED && strcmp (name, cn) == 0);
  cv_cred_result_free (r);

  /* Trusted by both stores: external wins; a service leaf stays internal. */
  r = verify_chain (partner_store, both_store, chain, 1, leaf.mls_key, leaf.mls_key_len, NOW);
  expect (suite, r, CV_CRED_VERIFIED_EXTERNAL, CV_CRED_REASON_NONE, "partner leaf, both stores");
  cv_cred_result_free (r);
  r = verify_chain (both_store, partner_store, chain, 1, leaf.mls_key, leaf.mls_key_len, NOW);
  expect (suite, r, CV_CRED_VERIFIED_EXTERNAL, CV_CRED_REASON_NONE, "partner leaf, both as partner");
  cv_cred_result_free (r);

  /* Internal: the service CA's leaf. */
  spec = (cert_spec) { "Bob Service", "meet.example", false, NOW - DAY, NOW + 90 * DAY, 0x50 + suite,
                       "email:bob@meet.example", NULL };
  entity_make (&service_leaf, &spec, ec, &service_root);
  chain[0] = &service_leaf;
  r = verify_chain (partner_store, service_store, chain, 1, service_leaf.mls_key, service_leaf.mls_key_len, NOW);
  expect (suite, r, CV_CRED_VERIFIED_INTERNAL, CV_CRED_REASON_NONE, "service leaf");
  CHECK (suite, cv_cred_display_name (r, &name) == CV_CRED_NAME_VERIFIED && strcmp (name, "Bob Service") == 0);
  CHECK (suite, r->trust_anchor && strstr (r->trust_anchor, "CN=Conclave Service CA") != NULL);
  cv_cred_result_free (r);
  r = verify_chain (partner_store, both_store, chain, 1, service_leaf.mls_key, service_leaf.mls_key_len, NOW);
  expect (suite, r, CV_CRED_VERIFIED_INTERNAL, CV_CRED_REASON_NONE, "service leaf, both stores");
  cv_cred_result_free (r);
  /* The service CA in the partner slot makes it external: the slot decides. */
  r = verify_chain (service_store, partner_store, chain, 1, service_leaf.mls_key, service_leaf.mls_key_len, NOW);
  expect (suite, r, CV_CRED_VERIFIED_EXTERNAL, CV_CRED_REASON_NONE, "service leaf, stores swapped");
  cv_cred_result_free (r);

  /* Wrong CA: the rogue root even borrows the partner root's name. */
  spec = (cert_spec) { cn, "Partner Org", false, NOW - DAY, NOW + 90 * DAY, 0x60 + suite, NULL, NULL };
  entity_make (&rogue_leaf, &spec, ec, &rogue_root);
  chain[0] = &rogue_leaf;
  r = verify_chain (partner_store, service_store, chain, 1, rogue_leaf.mls_key, rogue_leaf.mls_key_len, NOW);
  expect (suite, r, CV_CRED_UNVERIFIED, CV_CRED_REASON_UNTRUSTED_ISSUER, "rogue leaf");
  CHECK (suite, cv_cred_display_name (r, &name) == CV_CRED_NAME_CLAIMED && strcmp (name, cn) == 0);
  CHECK (suite, r->verified_name == NULL);
  {
    g_autofree char *label = cv_cred_display_label (r);
    g_autofree char *want = g_strdup_printf ("unverified, claimed: %s", cn);

    CHECK (suite, label && strcmp (label, want) == 0);
  }
  cv_cred_result_free (r);
  chain[1] = &rogue_root;
  r = verify_chain (partner_store, service_store, chain, 2, rogue_leaf.mls_key, rogue_leaf.mls_key_len, NOW);
  expect (suite, r, CV_CRED_UNVERIFIED, CV_CRED_REASON_UNTRUSTED_ISSUER, "rogue leaf with its root");
  CHECK (suite, r->chain_len == 2 && strstr (r->chain[1], "O=Rogue Org") != NULL);
  cv_cred_result_free (r);

  /* Self-signed: like `openssl req -x509` (CA:TRUE, no key usage), and a
   * plain end-entity certificate signed by its own key. */
  spec = (cert_spec) { "Mallory Self", NULL, true, NOW - DAY, NOW + 90 * DAY, 0x70 + suite, NULL, "" };
  entity_make (&self_ca, &spec, ec, NULL);
  chain[0] = &self_ca;
  r = verify_chain (partner_store, service_store, chain, 1, self_ca.mls_key, self_ca.mls_key_len, NOW);
  expect (suite, r, CV_CRED_UNVERIFIED, CV_CRED_REASON_SELF_SIGNED, "self-signed (req -x509 style)");
  cv_cred_result_free (r);
  spec = (cert_spec) { "Mallory Self", NULL, false, NOW - DAY, NOW + 90 * DAY, 0x78 + suite, NULL, NULL };
  entity_make (&self_leaf, &spec, ec, NULL);
  chain[0] = &self_leaf;
  r = verify_chain (partner_store, service_store, chain, 1, self_leaf.mls_key, self_leaf.mls_key_len, NOW);
  expect (suite, r, CV_CRED_UNVERIFIED, CV_CRED_REASON_SELF_SIGNED, "self-signed end entity");
  CHECK (suite, cv_cred_display_name (r, &name) == CV_CRED_NAME_CLAIMED && strcmp (name, "Mallory Self") == 0);
  cv_cred_result_free (r);

  /* Expired and not yet valid, under a trusted CA: the time failure is
   * reported, not "untrusted" from the other store. */
  spec = (cert_spec) { "Old Partner", "Partner Org", false, NOW - 400 * DAY, NOW - 35 * DAY, 0x80 + suite, NULL, NULL };
  entity_make (&expired, &spec, ec, &partner_root);
  chain[0] = &expired;
  r = verify_chain (partner_store, service_store, chain, 1, expired.mls_key, expired.mls_key_len, NOW);
  expect (suite, r, CV_CRED_UNVERIFIED, CV_CRED_REASON_EXPIRED, "expired");
  CHECK (suite, cv_cred_display_name (r, &name) == CV_CRED_NAME_CLAIMED);
  cv_cred_result_free (r);
  r = verify_chain (service_store, partner_store, chain, 1, expired.mls_key, expired.mls_key_len, NOW);
  expect (suite, r, CV_CRED_UNVERIFIED, CV_CRED_REASON_EXPIRED, "expired, stores swapped");
  cv_cred_result_free (r);
  /* Before the partner CRL was issued its revocation status is unknown; a
   * store without CRLs takes it as valid then. */
  r = verify_chain (partner_store, service_store, chain, 1, expired.mls_key, expired.mls_key_len, NOW - 100 * DAY);
  expect (suite, r, CV_CRED_UNVERIFIED, CV_CRED_REASON_REVOCATION_UNKNOWN, "expired leaf, checked before the CRL");
  cv_cred_result_free (r);
  r = verify_chain (both_store, NULL, chain, 1, expired.mls_key, expired.mls_key_len, NOW - 100 * DAY);
  expect (suite, r, CV_CRED_VERIFIED_EXTERNAL, CV_CRED_REASON_NONE, "expired leaf, checked while valid");
  cv_cred_result_free (r);

  spec = (cert_spec) { "Future Partner", "Partner Org", false, NOW + DAY, NOW + 100 * DAY, 0x90 + suite, NULL, NULL };
  entity_make (&future, &spec, ec, &partner_root);
  chain[0] = &future;
  r = verify_chain (partner_store, service_store, chain, 1, future.mls_key, future.mls_key_len, NOW);
  expect (suite, r, CV_CRED_UNVERIFIED, CV_CRED_REASON_NOT_YET_VALID, "not yet valid");
  cv_cred_result_free (r);

  /* Revoked by the partner CRL; with the same leaf through a store without
   * the CRL it is only untrusted/verified as that store says. */
  spec = (cert_spec) { "Revoked Partner", "Partner Org", false, NOW - DAY, NOW + 90 * DAY,
                       SERIAL_REVOKED_LEAF_BASE + suite, NULL, NULL };
  entity_make (&revoked, &spec, ec, &partner_root);
  chain[0] = &revoked;
  r = verify_chain (partner_store, service_store, chain, 1, revoked.mls_key, revoked.mls_key_len, NOW);
  expect (suite, r, CV_CRED_UNVERIFIED, CV_CRED_REASON_REVOKED, "revoked");
  cv_cred_result_free (r);
  r = verify_chain (both_store, NULL, chain, 1, revoked.mls_key, revoked.mls_key_len, NOW);
  expect (suite, r, CV_CRED_VERIFIED_EXTERNAL, CV_CRED_REASON_NONE, "revoked serial, store without the CRL");
  cv_cred_result_free (r);

  /* Wrong key: the certificate's key is not the member's signature key. */
  other = (entity) { 0 };
  other.key = new_key (ec);
  mls_key_of (other.key, other.mls_key, &other.mls_key_len);
  chain[0] = &leaf;
  r = verify_chain (partner_store, service_store, chain, 1, other.mls_key, other.mls_key_len, NOW);
  expect (suite, r, CV_CRED_UNVERIFIED, CV_CRED_REASON_KEY_MISMATCH, "wrong key, same type");
  CHECK (suite, cv_cred_display_name (r, &name) == CV_CRED_NAME_CLAIMED);
  cv_cred_result_free (r);
  EVP_PKEY_free (other.key);
  other.key = new_key (!ec);
  mls_key_of (other.key, other.mls_key, &other.mls_key_len);
  r = verify_chain (partner_store, service_store, chain, 1, other.mls_key, other.mls_key_len, NOW);
  expect (suite, r, CV_CRED_UNVERIFIED, CV_CRED_REASON_KEY_MISMATCH, "wrong key, other type");
  cv_cred_result_free (r);
  EVP_PKEY_free (other.key);
  r = verify_chain (partner_store, service_store, chain, 1, NULL, 0, NOW);
  expect (suite, r, CV_CRED_UNVERIFIED, CV_CRED_REASON_KEY_MISMATCH, "no key");
  cv_cred_result_free (r);
  {
    uint8_t flipped[160];

    memcpy (flipped, leaf.mls_key, leaf.mls_key_len);
    flipped[leaf.mls_key_len - 1] ^= 0x01;
    r = verify_chain (partner_store, service_store, chain, 1, flipped, leaf.mls_key_len, NOW);
    expect (suite, r, CV_CRED_UNVERIFIED, CV_CRED_REASON_KEY_MISMATCH, "key with one bit flipped");
    cv_cred_result_free (r);
  }

  /* Truncated DER: every proper prefix is refused as malformed. */
  {
    bool all = true;

    for (size_t len = 0; len < leaf.der_len; len++)
      {
        r = verify_bytes (partner_store, service_store, leaf.der, len, &leaf);
        if (r->verdict != CV_CRED_UNVERIFIED || r->reason != CV_CRED_REASON_MALFORMED)
          {
            fprintf (stderr, "suite %u: prefix of %zu bytes: %s\n", suite, len, r->reason_text);
            all = false;
          }
        cv_cred_result_free (r);
      }
    CHECK (suite, all);
    r = verify_bytes (partner_store, service_store, leaf.der, leaf.der_len / 2, &leaf);
    CHECK (suite, strstr (r->reason_text, "truncated") != NULL);
    CHECK (suite, r->leaf == NULL && r->chain_len == 1 && strcmp (r->chain[0], "(unparseable)") == 0);
    CHECK (suite, cv_cred_display_name (r, &name) == CV_CRED_NAME_NONE && name == NULL);
    cv_cred_result_free (r);
  }

  /* Trailing bytes after a valid certificate. */
  {
    g_autofree uint8_t *longer = g_malloc (leaf.der_len + 1);

    memcpy (longer, leaf.der, leaf.der_len);
    longer[leaf.der_len] = 0;
    r = verify_bytes (partner_store, service_store, longer, leaf.der_len + 1, &leaf);
    expect (suite, r, CV_CRED_UNVERIFIED, CV_CRED_REASON_MALFORMED, "trailing byte");
    CHECK (suite, strstr (r->reason_text, "trailing") != NULL);
    cv_cred_result_free (r);
  }

  /* A bad signature: the last byte of the signature flipped (the leaf is
   * signed with ECDSA by the partner root). */
  {
    g_autofree uint8_t *bad = g_memdup2 (leaf.der, leaf.der_len);

    bad[leaf.der_len - 1] ^= 0x01;
    r = verify_bytes (partner_store, service_store, bad, leaf.der_len, &leaf);
    expect (suite, r, CV_CRED_UNVERIFIED, CV_CRED_REASON_BAD_SIGNATURE, "flipped signature byte (ECDSA issuer)");
    cv_cred_result_free (r);
  }

  /* An intermediate CA: leaf, issuing CA, partner root. */
  spec = (cert_spec) { "Carol Partner", "Partner Org", false, NOW - DAY, NOW + 90 * DAY, 0xa0 + suite,
                       "email:carol@partner.example", NULL };
  entity_make (&inter_leaf, &spec, ec, &partner_inter);
  chain[0] = &inter_leaf;
  chain[1] = &partner_inter;
  r = verify_chain (partner_store, service_store, chain, 2, inter_leaf.mls_key, inter_leaf.mls_key_len, NOW);
  expect (suite, r, CV_CRED_VERIFIED_EXTERNAL, CV_CRED_REASON_NONE, "intermediate chain");
  CHECK (suite, r->chain_len == 3 && strstr (r->chain[0], "CN=Carol Partner") != NULL
         && strstr (r->chain[1], "CN=Partner Issuing CA") != NULL
         && strstr (r->chain[2], "CN=Partner Root CA") != NULL);
  cv_cred_result_free (r);
  r = verify_chain (partner_store, service_store, chain, 1, inter_leaf.mls_key, inter_leaf.mls_key_len, NOW);
  expect (suite, r, CV_CRED_UNVERIFIED, CV_CRED_REASON_UNTRUSTED_ISSUER, "intermediate missing");
  cv_cred_result_free (r);
  r = verify_chain (inter_only_store, NULL, chain, 1, inter_leaf.mls_key, inter_leaf.mls_key_len, NOW);
  expect (suite, r, CV_CRED_VERIFIED_EXTERNAL, CV_CRED_REASON_NONE, "issuing CA as the configured anchor");
  CHECK (suite, r->chain_len == 2);
  cv_cred_result_free (r);
  {
    /* The same intermediate's signature flipped: Ed25519 issuer this time. */
    g_autofree uint8_t *bad = g_memdup2 (inter_leaf.der, inter_leaf.der_len);
    cv_cert_der ders[2] = { { bad, inter_leaf.der_len }, { partner_inter.der, partner_inter.der_len } };

    bad[inter_leaf.der_len - 1] ^= 0x80;
    g_assert_cmpint (cv_cred_verify (partner_store, service_store, ders, 2, inter_leaf.mls_key,
                                     inter_leaf.mls_key_len, NOW, &r), ==, CV_OK);
    expect (suite, r, CV_CRED_UNVERIFIED, CV_CRED_REASON_BAD_SIGNATURE, "flipped signature byte (Ed25519 issuer)");
    cv_cred_result_free (r);
  }

  /* A leaf under a revoked intermediate. */
  spec = (cert_spec) { "Dave Partner", "Partner Org", false, NOW - DAY, NOW + 90 * DAY, 0xb0 + suite, NULL, NULL };
  entity_make (&retired_leaf, &spec, ec, &partner_revoked_inter);
  chain[0] = &retired_leaf;
  chain[1] = &partner_revoked_inter;
  r = verify_chain (partner_store, service_store, chain, 2, retired_leaf.mls_key, retired_leaf.mls_key_len, NOW);
  expect (suite, r, CV_CRED_UNVERIFIED, CV_CRED_REASON_REVOKED, "revoked intermediate");
  CHECK (suite, strstr (r->reason_text, "depth 1") != NULL);
  cv_cred_result_free (r);

  /* Key usage that forbids signing. */
  spec = (cert_spec) { "Erin Encrypt", "Partner Org", false, NOW - DAY, NOW + 90 * DAY, 0xc0 + suite, NULL,
                       "critical,keyEncipherment" };
  entity_make (&nosign, &spec, ec, &partner_root);
  chain[0] = &nosign;
  r = verify_chain (partner_store, service_store, chain, 1, nosign.mls_key, nosign.mls_key_len, NOW);
  expect (suite, r, CV_CRED_UNVERIFIED, CV_CRED_REASON_NOT_FOR_SIGNING, "key usage without digitalSignature");
  cv_cred_result_free (r);

  /* No CN: the display name is the first SAN email; verified_name is set. */
  {
    EVP_PKEY *key = new_key (ec);
    X509 *x = X509_new ();
    X509_NAME *subject = X509_NAME_new ();
    X509V3_CTX v3;

    memset (&noname, 0, sizeof noname);
    X509_set_version (x, X509_VERSION_3);
    ASN1_INTEGER_set (X509_get_serialNumber (x), 0xd0 + (long) suite);
    X509_NAME_add_entry_by_txt (subject, "O", MBSTRING_UTF8, (const unsigned char *) "Partner Org", -1, -1, 0);
    X509_set_subject_name (x, subject);
    X509_set_issuer_name (x, X509_get_subject_name (partner_root.cert));
    X509_NAME_free (subject);
    ASN1_TIME_set (X509_getm_notBefore (x), NOW - DAY);
    ASN1_TIME_set (X509_getm_notAfter (x), NOW + DAY);
    X509_set_pubkey (x, key);
    X509V3_set_ctx (&v3, partner_root.cert, x, NULL, NULL, 0);
    add_ext (x, &v3, NID_basic_constraints, "critical,CA:FALSE");
    add_ext (x, &v3, NID_key_usage, "critical,digitalSignature");
    add_ext (x, &v3, NID_subject_key_identifier, "hash");
    add_ext (x, &v3, NID_authority_key_identifier, "keyid:always");
    add_ext (x, &v3, NID_subject_alt_name, "URI:urn:example:frank,email:frank@partner.example");
    sign_with (x, partner_root.key);
    noname.key = key;
    noname.cert = x;
    mls_key_of (key, noname.mls_key, &noname.mls_key_len);
    entity_set_der (&noname);
    chain[0] = &noname;
    r = verify_chain (partner_store, service_store, chain, 1, noname.mls_key, noname.mls_key_len, NOW);
    expect (suite, r, CV_CRED_VERIFIED_EXTERNAL, CV_CRED_REASON_NONE, "leaf without CN");
    CHECK (suite, cv_cred_display_name (r, &name) == CV_CRED_NAME_VERIFIED
           && strcmp (name, "frank@partner.example") == 0);
    CHECK (suite, r->leaf && r->leaf->subject_cn == NULL);
    cv_cred_result_free (r);
  }

  /* Limits: a chain one longer than allowed. */
  for (size_t i = 0; i < CV_CRED_MAX_CHAIN + 1; i++)
    chain[i] = i == 0 ? &leaf : &partner_root;
  r = verify_chain (partner_store, service_store, chain, CV_CRED_MAX_CHAIN + 1, leaf.mls_key, leaf.mls_key_len, NOW);
  expect (suite, r, CV_CRED_UNVERIFIED, CV_CRED_REASON_TOO_LARGE, "chain too long");
  cv_cred_result_free (r);
  r = verify_chain (partner_store, service_store, chain, CV_CRED_MAX_CHAIN, leaf.mls_key, leaf.mls_key_len, NOW);
  expect (suite, r, CV_CRED_VERIFIED_EXTERNAL, CV_CRED_REASON_NONE, "chain at the limit (root repeated)");
  cv_cred_result_free (r);

  entity_clear (&leaf);
  entity_clear (&service_leaf);
  entity_clear (&rogue_leaf);
  entity_clear (&self_ca);
  entity_clear (&self_leaf);
  entity_clear (&expired);
  entity_clear (&future);
  entity_clear (&revoked);
  entity_clear (&inter_leaf);
  entity_clear (&retired_leaf);
  entity_clear (&nosign);
  entity_clear (&noname);
}

/* ---- Cases that do not depend on the leaf key ---- */

static void
run_common_cases (void)
{
  const unsigned suite = 0;
  cv_cred_result *r = NULL;
  cv_cert_details *d = NULL;
  const char *name;
  GRand *rand = g_rand_new_with_seed (9420);
  uint8_t buf[4096];

  /* Basic credentials: a claimed name at most, and hazards defused. */
  CHECK (suite, cv_cred_basic ((const uint8_t *) "alice", 5, &r) == CV_OK);
  expect (suite, r, CV_CRED_UNVERIFIED, CV_CRED_REASON_BASIC, "basic credential");
  CHECK (suite, cv_cred_display_name (r, &name) == CV_CRED_NAME_CLAIMED && strcmp (name, "alice") == 0);
  CHECK (suite, r->leaf == NULL && r->verified_name == NULL);
  cv_cred_result_free (r);
  {
    const char sneaky[] = "al\xe2\x80\xaeice\n\xff";   /* RLO, newline, invalid byte */

    CHECK (suite, cv_cred_basic ((const uint8_t *) sneaky, sizeof sneaky - 1, &r) == CV_OK);
    CHECK (suite, cv_cred_display_name (r, &name) == CV_CRED_NAME_CLAIMED
           && strcmp (name, "al\xef\xbf\xbdice\xef\xbf\xbd\xef\xbf\xbd") == 0);
    cv_cred_result_free (r);
  }
  CHECK (suite, cv_cred_verify (partner_store, service_store, NULL, 0, NULL, 0, NOW, &r) == CV_OK);
  expect (suite, r, CV_CRED_UNVERIFIED, CV_CRED_REASON_BASIC, "empty certificate list");
  CHECK (suite, cv_cred_display_name (r, &name) == CV_CRED_NAME_NONE);
  {
    g_autofree char *label = cv_cred_display_label (r);

    CHECK (suite, label && strcmp (label, "unverified") == 0);
  }
  cv_cred_result_free (r);

  /* Garbage of many lengths, with and without a plausible SEQUENCE header. */
  {
    bool all = true;

    for (int i = 0; i < 300; i++)
      {
        size_t len = 1 + g_rand_int_range (rand, 0, sizeof buf);
        cv_cert_der one = { buf, len };

        for (size_t j = 0; j < len; j++)
          buf[j] = (uint8_t) g_rand_int (rand);
        if (i % 2 == 0 && len >= 4)
          {
            buf[0] = 0x30;
            buf[1] = 0x82;
            buf[2] = (uint8_t) ((len - 4) >> 8);
            buf[3] = (uint8_t) (len - 4);
          }
        r = NULL;
        if (cv_cred_verify (partner_store, service_store, &one, 1, buf, 32, NOW, &r) != CV_OK
            || r->verdict != CV_CRED_UNVERIFIED || r->reason != CV_CRED_REASON_MALFORMED)
          all = false;
        cv_cred_result_free (r);
        if (cv_cert_details_from_der (buf, len, &d) == CV_OK)
          all = false;
        cv_cert_details_free (d);
        d = NULL;
      }
    CHECK (suite, all);
  }

  /* An oversized certificate is refused before parsing. */
  {
    g_autofree uint8_t *big = g_malloc0 (CV_CRED_MAX_CERT_SIZE + 1);
    cv_cert_der one = { big, CV_CRED_MAX_CERT_SIZE + 1 };

    big[0] = 0x30;
    CHECK (suite, cv_cred_verify (partner_store, service_store, &one, 1, NULL, 0, NOW, &r) == CV_OK);
    expect (suite, r, CV_CRED_UNVERIFIED, CV_CRED_REASON_TOO_LARGE, "oversized certificate");
    cv_cred_result_free (r);
    CHECK (suite, cv_cert_details_from_der (big, CV_CRED_MAX_CERT_SIZE + 1, &d) == CV_ERR_TOO_LARGE);
  }

  /* Details of a CA, straight from DER. */
  CHECK (suite, cv_cert_details_from_der (partner_root.der, partner_root.der_len, &d) == CV_OK);
  if (CHECK (suite, d != NULL))
    {
      cli_view v;

      CHECK (suite, d->is_ca && strcmp (d->key_type, "ECDSA P-256") == 0);
      CHECK (suite, strcmp (d->subject, d->issuer) == 0 && strcmp (d->issuer_cn, "Partner Root CA") == 0);
      CHECK (suite, strcmp (d->serial_hex, "01") == 0 && d->n_sans == 0);
      if (CHECK (suite, openssl_cli_view (&partner_root, &v)))
        CHECK (suite, strcmp (d->fingerprint_sha256, v.fingerprint) == 0 && strcmp (d->serial_hex, v.serial) == 0);
      cli_view_clear (&v);
      cv_cert_details_free (d);
      d = NULL;
    }
  CHECK (suite, cv_cert_details_from_der (service_root.der, service_root.der_len, &d) == CV_OK
         && strcmp (d->key_type, "Ed25519") == 0);
  cv_cert_details_free (d);
  d = NULL;

  /* Trust store input. */
  {
    cv_trust_store *ts = cv_trust_store_new ();
    GString *pem = g_string_new (NULL);
    g_autofree uint8_t *longer = g_malloc (partner_root.der_len + 2);
    entity leaf;
    cert_spec spec = { "Not A CA", NULL, false, NOW - DAY, NOW + DAY, 5, NULL, NULL };
    uint64_t none = 0;
    GBytes *crl;

    entity_make (&leaf, &spec, false, &partner_root);
    CHECK (suite, cv_trust_store_add_ca (ts, leaf.der, leaf.der_len) == CV_ERR_INVALID);
    CHECK (suite, strstr (cv_status_message (), "not a CA") != NULL);
    pem_of (pem, &service_root);
    pem_of (pem, &leaf);
    CHECK (suite, cv_trust_store_add_ca (ts, (const uint8_t *) pem->str, pem->len) == CV_ERR_INVALID);
    CHECK (suite, cv_trust_store_ca_count (ts) == 0);   /* all or nothing */
    CHECK (suite, cv_trust_store_add_ca (ts, NULL, 0) == CV_ERR_TRUNCATED);
    CHECK (suite, cv_trust_store_add_ca (ts, (const uint8_t *) "hello", 5) != CV_OK);
    CHECK (suite, cv_trust_store_add_ca (ts, (const uint8_t *) "-----BEGIN CERTIFICATE-----\nAAAA\n", 33) != CV_OK);
    memcpy (longer, partner_root.der, partner_root.der_len);
    longer[partner_root.der_len] = longer[partner_root.der_len + 1] = 0;
    CHECK (suite, cv_trust_store_add_ca (ts, longer, partner_root.der_len + 2) == CV_ERR_MALFORMED);
    CHECK (suite, cv_trust_store_add_ca (ts, partner_root.der, partner_root.der_len - 1) != CV_OK);
    CHECK (suite, cv_trust_store_ca_count (ts) == 0);
    CHECK (suite, cv_trust_store_add_ca (ts, partner_root.der, partner_root.der_len) == CV_OK);
    CHECK (suite, cv_trust_store_ca_count (ts) == 1);
    crl = make_crl (&partner_root, &none, 0, NOW - DAY, NOW + DAY, false);
    CHECK (suite, cv_trust_store_add_crl (ts, g_bytes_get_data (crl, NULL), g_bytes_get_size (crl)) == CV_OK);
    CHECK (suite, cv_trust_store_add_crl (ts, g_bytes_get_data (crl, NULL), g_bytes_get_size (crl) - 1) != CV_OK);
    CHECK (suite, cv_trust_store_add_crl (ts, (const uint8_t *) "garbage", 7) != CV_OK);
    g_bytes_unref (crl);

    entity_clear (&leaf);
    spec = (cert_spec) { "Grace Partner", NULL, false, NOW - DAY, NOW + 10 * DAY, 6, NULL, NULL };
    entity_make (&leaf, &spec, false, &partner_root);
    /* With an empty CRL a leaf verifies; once the CRL is out of date at the
     * check time, its revocation status is unknown. */
    {
      const entity *chain[1] = { &leaf };

      r = verify_chain (ts, NULL, chain, 1, leaf.mls_key, leaf.mls_key_len, NOW);
      expect (suite, r, CV_CRED_VERIFIED_EXTERNAL, CV_CRED_REASON_NONE, "empty CRL");
      cv_cred_result_free (r);
      r = verify_chain (ts, NULL, chain, 1, leaf.mls_key, leaf.mls_key_len, NOW + 5 * DAY);
      expect (suite, r, CV_CRED_UNVERIFIED, CV_CRED_REASON_REVOCATION_UNKNOWN, "CRL past its nextUpdate");
      cv_cred_result_free (r);
    }
    entity_clear (&leaf);
    g_string_free (pem, TRUE);
    cv_trust_store_free (ts);
  }

  /* Impossible arguments are errors, not verdicts. */
  CHECK (suite, cv_cred_verify (NULL, NULL, NULL, 1, NULL, 0, NOW, &r) == CV_ERR_ARGUMENT && r == NULL);
  CHECK (suite, cv_cred_basic (NULL, 3, &r) == CV_ERR_ARGUMENT);
  g_rand_free (rand);
}

int
main (void)
{
  tally = cv_test_tally_new ("credential (certificates generated at run time)");
  setup_pki ();
  run_common_cases ();
  run_leaf_cases (false);
  run_leaf_cases (true);
  teardown_pki ();
  return cv_test_tally_finish (tally);
}
