/* cv-identity without GTK: what a user might pick by mistake (garbage,
 * truncated, oversized, empty files) is refused with a clear error and
 * nothing is written; a good import round-trips; a new key and CSR are an
 * Ed25519 pair the CSR's self-signature proves; saved identities are 0600;
 * the demo partner CA vouches for its certificate (and only when trusted). */
#include "config.h"

#include <glib/gstdio.h>
#include <locale.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include "cv-demo.h"
#include "cv-identity.h"
#include "cv-test-certs.h"

static char *tmp_dir;

static char *
write_file (const char   *name,
            const guint8 *data,
            gsize         len)
{
  char *path = g_build_filename (tmp_dir, name, NULL);

  g_assert_true (g_file_set_contents (path, (const char *) data, (gssize) len, NULL));
  return path;
}

static void
assert_refused (const char * const *paths,
                int                 code)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *target = g_build_filename (tmp_dir, "target", NULL);
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;

  g_assert_false (cv_identity_import (paths, NULL, target, &cert, &key, &error));
  g_assert_error (error, CV_IDENTITY_ERROR, code);
  g_test_message ("refused: %s", error->message);
  g_assert_null (cert);
  g_assert_null (key);
  /* Nothing was written. */
  g_assert_false (g_file_test (target, G_FILE_TEST_EXISTS));
}

static void
test_bad_files (void)
{
  g_autoptr (CvTestCert) ca = cv_test_cert_new ("Test CA", NULL, NULL, 1, TRUE, NULL, "ED25519");
  g_autoptr (CvTestCert) leaf = cv_test_cert_new ("Leaf", NULL, NULL, 2, FALSE, ca, "P-256");
  g_autofree char *pem = cv_test_cert_write_pem (leaf, tmp_dir, "leaf.pem");
  g_autofree char *key = cv_test_cert_write_key (leaf, tmp_dir, "leaf.key", NULL);
  g_autofree char *pem_text = NULL;
  gsize pem_len = 0;
  guint8 garbage[512];
  g_autofree char *garbage_path = NULL, *empty_path = NULL, *truncated_der = NULL;
  g_autofree char *truncated_pem = NULL, *trailing_der = NULL, *big_path = NULL;
  g_autofree guint8 *big = NULL;
  g_autofree guint8 *trailing = NULL;

  for (guint i = 0; i < sizeof garbage; i++)
    garbage[i] = (guint8) g_random_int ();
  garbage_path = write_file ("garbage.bin", garbage, sizeof garbage);
  empty_path = write_file ("empty.pem", (const guint8 *) "", 0);
  truncated_der = write_file ("truncated.der", leaf->der, leaf->der_len - 10);
  trailing = g_malloc (leaf->der_len + 1);
  memcpy (trailing, leaf->der, leaf->der_len);
  trailing[leaf->der_len] = 0;
  trailing_der = write_file ("trailing.der", trailing, leaf->der_len + 1);
  g_assert_true (g_file_get_contents (pem, &pem_text, &pem_len, NULL));
  /* Cut inside the base64 body: the block no longer parses. */
  truncated_pem = write_file ("truncated.pem", (const guint8 *) pem_text, pem_len / 2);
  big = g_malloc0 (CV_IDENTITY_MAX_FILE_SIZE + 1);
  big_path = write_file ("big.pem", big, CV_IDENTITY_MAX_FILE_SIZE + 1);

  {
    const char *p[] = { garbage_path, key, NULL };
    assert_refused (p, CV_IDENTITY_ERROR_UNREADABLE);
  }
  {
    const char *p[] = { empty_path, key, NULL };
    assert_refused (p, CV_IDENTITY_ERROR_UNREADABLE);
  }
  {
    const char *p[] = { truncated_der, key, NULL };
    assert_refused (p, CV_IDENTITY_ERROR_UNREADABLE);
  }
  {
    const char *p[] = { trailing_der, key, NULL };
    assert_refused (p, CV_IDENTITY_ERROR_UNREADABLE);
  }
  {
    const char *p[] = { truncated_pem, key, NULL };
    assert_refused (p, CV_IDENTITY_ERROR_UNREADABLE);
  }
  {
    const char *p[] = { big_path, key, NULL };
    assert_refused (p, CV_IDENTITY_ERROR_UNREADABLE);
  }
  {
    const char *p[] = { key, NULL };
    assert_refused (p, CV_IDENTITY_ERROR_NO_CERTIFICATE);
  }
  {
    const char *p[] = { pem, key, key, NULL };
    assert_refused (p, CV_IDENTITY_ERROR_UNREADABLE);
  }
  {
    g_autofree char *missing = g_build_filename (tmp_dir, "missing.pem", NULL);
    const char *p[] = { missing, key, NULL };
    g_autoptr (GError) error = NULL;
    g_assert_false (cv_identity_import (p, NULL, tmp_dir, NULL, NULL, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  }

  /* And the CA check refuses the same garbage. */
  {
    g_autoptr (GError) error = NULL;
    g_assert_null (cv_identity_check_ca_file (garbage_path, &error));
    g_assert_error (error, CV_IDENTITY_ERROR, CV_IDENTITY_ERROR_NOT_A_CA);
  }
}

static void
test_round_trip (void)
{
  g_autoptr (CvTestCert) ca = cv_test_cert_new ("Test CA", NULL, NULL, 1, TRUE, NULL, "ED25519");
  g_autoptr (CvTestCert) leaf = cv_test_cert_new ("Leaf Person", NULL, NULL, 2, FALSE, ca, "P-256");
  g_autofree char *pem = cv_test_cert_write_pem (leaf, tmp_dir, "rt-leaf.pem");
  g_autofree char *ca_pem = cv_test_cert_write_pem (ca, tmp_dir, "rt-ca.pem");
  g_autofree char *key = cv_test_cert_write_key (leaf, tmp_dir, "rt-leaf.key", NULL);
  g_autofree char *target = g_build_filename (tmp_dir, "rt-target", NULL);
  g_autofree char *cert_out = NULL, *key_out = NULL, *subject = NULL;
  const char *paths[] = { key, pem, ca_pem, NULL };
  const char *partners[] = { ca_pem, NULL };
  g_autoptr (CvCertificateInfo) unverified = NULL;
  g_autoptr (CvCertificateInfo) verified = NULL;
  g_autoptr (GError) error = NULL;

  /* The key first and the CA among the files: the leaf is found by its key. */
  g_assert_true (cv_identity_import (paths, NULL, target, &cert_out, &key_out, &error));
  g_assert_no_error (error);

  unverified = cv_identity_load_certificate (cert_out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cv_certificate_info_get_subject (unverified), ==, "CN=Leaf Person");
  g_assert_cmpstr (cv_certificate_info_get_key_type (unverified), ==, "ECDSA P-256");
  g_assert_cmpint (cv_certificate_info_get_verdict (unverified), ==, CV_CERTIFICATE_UNVERIFIED);

  /* With its issuer as a partner, the stored chain verifies: the key matches. */
  verified = cv_identity_load_certificate (cert_out, partners, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cv_certificate_info_get_verdict (verified), ==, CV_CERTIFICATE_VERIFIED_EXTERNAL);
  g_assert_cmpstr (cv_certificate_info_get_display_name (verified), ==, "Leaf Person");

  subject = cv_identity_check_ca_file (ca_pem, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (subject, ==, "CN=Test CA");
  g_assert_null (cv_identity_check_ca_file (pem, &error));
  g_assert_error (error, CV_IDENTITY_ERROR, CV_IDENTITY_ERROR_NOT_A_CA);
}

static guint
file_mode (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 0777;
}

static void
test_new_key_and_csr (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *csr_pem = NULL;
  g_autoptr (GBytes) key_pem = NULL;
  g_autofree char *target = g_build_filename (tmp_dir, "requested", NULL);
  g_autofree char *cert_path = NULL, *key_path = NULL;
  g_autoptr (GBytes) read_back = NULL;
  gsize key_len = 0;
  const char *key_data;
  BIO *bio;
  X509_REQ *req;
  EVP_PKEY *key;
  char cn[64] = "";

  g_assert_true (cv_identity_new_key_and_csr ("ann.example", &csr_pem, &key_pem, &error));
  g_assert_no_error (error);

  bio = BIO_new_mem_buf (csr_pem, -1);
  req = PEM_read_bio_X509_REQ (bio, NULL, NULL, NULL);
  BIO_free (bio);
  g_assert_nonnull (req);
  /* Signed by the key it carries, which is Ed25519 and the one we keep. */
  g_assert_cmpint (X509_REQ_verify (req, X509_REQ_get0_pubkey (req)), ==, 1);
  g_assert_true (EVP_PKEY_is_a (X509_REQ_get0_pubkey (req), "ED25519"));
  X509_NAME_get_text_by_NID (X509_REQ_get_subject_name (req), NID_commonName, cn, sizeof cn);
  g_assert_cmpstr (cn, ==, "ann.example");
  key_data = g_bytes_get_data (key_pem, &key_len);
  bio = BIO_new_mem_buf (key_data, (int) key_len);
  key = PEM_read_bio_PrivateKey (bio, NULL, NULL, NULL);
  BIO_free (bio);
  g_assert_nonnull (key);
  g_assert_cmpint (EVP_PKEY_eq (key, X509_REQ_get0_pubkey (req)), ==, 1);
  EVP_PKEY_free (key);
  X509_REQ_free (req);

  /* Saved readable by the user alone, in a folder of the user alone. */
  g_assert_true (cv_identity_save ("-----BEGIN CERTIFICATE-----\n", key_pem, target, &cert_path, &key_path, &error));
  g_assert_no_error (error);
  g_assert_cmphex (file_mode (cert_path), ==, 0600);
  g_assert_cmphex (file_mode (key_path), ==, 0600);
  g_assert_cmphex (file_mode (target), ==, 0700);
  read_back = cv_identity_read_secret_file (key_path, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (read_back, key_pem));
  /* No service CA kept beside an identity that was not requested. */
  g_assert_null (cv_identity_service_ca_path (cert_path));
}

static void
test_secret_file_limit (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *big = g_malloc0 (CV_IDENTITY_MAX_FILE_SIZE + 1);
  g_autofree char *path = write_file ("big.pem", (const guint8 *) big, CV_IDENTITY_MAX_FILE_SIZE + 1);
  g_autoptr (GBytes) bytes = cv_identity_read_secret_file (path, &error);

  g_assert_null (bytes);
  g_assert_error (error, CV_IDENTITY_ERROR, CV_IDENTITY_ERROR_UNREADABLE);
}

static void
test_demo_partner_ca (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_build_filename (tmp_dir, "demo", NULL);
  g_autofree char *identity = g_build_filename (dir, "grace", NULL);
  g_autofree char *cert = NULL, *key = NULL, *ca = NULL, *subject = NULL;
  g_autoptr (CvCertificateInfo) trusted = NULL;
  g_autoptr (CvCertificateInfo) untrusted = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  ca = cv_demo_make_partner_identity (dir, identity, "Grace Hopper", &cert, &key, &error);
  g_assert_no_error (error);
  /* Its own name says it is a demo. */
  subject = cv_identity_check_ca_file (ca, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (subject, "Conclave Demo Partner CA"));
  g_assert_nonnull (strstr (subject, "not a real authority"));
  g_assert_cmphex (file_mode (key), ==, 0600);

  {
    const char *partners[] = { ca, NULL };
    trusted = cv_identity_load_certificate (cert, partners, NULL, &error);
  }
  g_assert_no_error (error);
  g_assert_cmpint (cv_certificate_info_get_verdict (trusted), ==, CV_CERTIFICATE_VERIFIED_EXTERNAL);
  g_assert_cmpstr (cv_certificate_info_get_display_name (trusted), ==, "Grace Hopper");
  untrusted = cv_identity_load_certificate (cert, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cv_certificate_info_get_verdict (untrusted), ==, CV_CERTIFICATE_UNVERIFIED);
}

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  if (dir != NULL)
    g_dir_close (dir);
  g_rmdir (path);
}

int
main (int argc, char *argv[])
{
  int status;

  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);
  tmp_dir = g_dir_make_tmp ("conclave-identity-XXXXXX", NULL);
  g_assert_nonnull (tmp_dir);

  g_test_add_func ("/identity/bad-files", test_bad_files);
  g_test_add_func ("/identity/round-trip", test_round_trip);
  g_test_add_func ("/identity/new-key-and-csr", test_new_key_and_csr);
  g_test_add_func ("/identity/secret-file-limit", test_secret_file_limit);
  g_test_add_func ("/identity/demo-partner-ca", test_demo_partner_ca);
  status = g_test_run ();
  remove_tree (tmp_dir);
  g_free (tmp_dir);
  return status;
}
