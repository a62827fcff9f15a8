/* The client side of the service CA against the real service on loopback:
 * a signed-in account gets a certificate for a fresh Ed25519 key, kept 0600
 * beside its key and the CA root, and that certificate verifies as "verified
 * internally" against the service's CA; a wrong password, an unknown
 * account, a missing account name and a wrong certificate pin each fail
 * with their own error and write nothing. */
#include <glib/gstdio.h>
#include <sys/stat.h>

#include "cv-accounts.h"
#include "cv-certificate-request.h"
#include "cv-identity.h"
#include "cv-server.h"
#include "cv-signaling-client.h"

typedef struct {
  CvServer *server;
  char *state_dir;
  char *target_dir;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CvSiteConfig) config = cv_site_config_new ();
  g_autoptr (GKeyFile) accounts = g_key_file_new ();
  g_autofree char *hash = cv_accounts_hash_password ("correct horse", &error);
  g_autofree char *accounts_path = NULL;

  g_assert_no_error (error);
  f->state_dir = g_dir_make_tmp ("conclave-certreq-XXXXXX", &error);
  g_assert_no_error (error);
  f->target_dir = g_build_filename (f->state_dir, "identity", NULL);
  g_key_file_set_string (accounts, "ann", "password", hash);
  g_key_file_set_string (accounts, "ann", "display-name", "Ann Example");
  accounts_path = g_build_filename (f->state_dir, "accounts", NULL);
  g_assert_true (g_key_file_save_to_file (accounts, accounts_path, &error));

  g_object_set (config, "port", 0, "relay-port", 0, "state-dir", f->state_dir, "bind", "127.0.0.1",
                "public-host", "127.0.0.1", "accounts", accounts_path, NULL);
  f->server = cv_server_new (config, &error);
  g_assert_no_error (error);
  g_assert_true (cv_server_start (f->server, &error));
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->state_dir);

  cv_server_stop (f->server);
  g_clear_object (&f->server);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->state_dir);
  g_free (f->target_dir);
}

static void
done_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

static CvCertificateRequestFiles *
request (Fixture *f, const char *account, const char *password, const char *fingerprint, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  cv_certificate_request_async ("127.0.0.1", cv_server_get_port (f->server),
                                fingerprint ? fingerprint : cv_server_get_fingerprint (f->server),
                                account, password, f->target_dir, NULL, done_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return cv_certificate_request_finish (result, error);
}

static void
assert_private_file (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
}

static void
test_issued (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CvCertificateRequestFiles) files = request (f, "ann", "correct horse", NULL, &error);
  g_autoptr (CvCertificateInfo) info = NULL;
  g_autoptr (CvCertificateInfo) without_ca = NULL;
  g_autofree char *root = NULL;
  g_autofree char *found_ca = NULL;
  g_autofree char *key_pem = NULL;
  const char * const *sans;

  g_assert_no_error (error);
  g_assert_nonnull (files);
  assert_private_file (files->certificate_path);
  assert_private_file (files->key_path);
  assert_private_file (files->service_ca_path);

  /* The CA root kept is the one this service serves. */
  g_assert_true (g_file_get_contents (files->service_ca_path, &root, NULL, NULL));
  g_assert_cmpstr (root, ==, cv_server_get_ca_root (f->server));
  found_ca = cv_identity_service_ca_path (files->certificate_path);
  g_assert_cmpstr (found_ca, ==, files->service_ca_path);

  /* An Ed25519 key in PKCS#8, which MLS suite 1 signs with. */
  g_assert_true (g_file_get_contents (files->key_path, &key_pem, NULL, NULL));
  g_assert_true (g_str_has_prefix (key_pem, "-----BEGIN PRIVATE KEY-----"));

  info = cv_identity_load_certificate (files->certificate_path, NULL, files->service_ca_path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cv_certificate_info_get_verdict (info), ==, CV_CERTIFICATE_VERIFIED_INTERNAL);
  g_assert_cmpstr (cv_certificate_info_get_key_type (info), ==, "Ed25519");
  g_assert_nonnull (strstr (cv_certificate_info_get_issuer (info), "Conclave service CA"));
  g_assert_nonnull (strstr (cv_certificate_info_get_subject (info), "ann"));
  sans = cv_certificate_info_get_sans (info);
  g_assert_nonnull (sans);
  g_assert_true (g_strv_contains (sans, "URI:conclave:account:ann"));

  /* Without the service's CA the same certificate is only a claim. */
  without_ca = cv_identity_load_certificate (files->certificate_path, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cv_certificate_info_get_verdict (without_ca), ==, CV_CERTIFICATE_UNVERIFIED);
}

static void
assert_nothing_written (Fixture *f)
{
  g_assert_false (g_file_test (f->target_dir, G_FILE_TEST_EXISTS));
}

static void
test_wrong_password (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CvCertificateRequestFiles) files = request (f, "ann", "wrong horse", NULL, &error);

  g_assert_null (files);
  g_assert_error (error, CV_CERTIFICATE_REQUEST_ERROR, CV_CERTIFICATE_REQUEST_ERROR_SIGN_IN_FAILED);
  assert_nothing_written (f);
}

static void
test_unknown_account (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CvCertificateRequestFiles) files = request (f, "bob", "correct horse", NULL, &error);

  g_assert_null (files);
  /* The same answer as a wrong password: the service does not say which. */
  g_assert_error (error, CV_CERTIFICATE_REQUEST_ERROR, CV_CERTIFICATE_REQUEST_ERROR_SIGN_IN_FAILED);
  assert_nothing_written (f);
}

static void
test_no_account (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CvCertificateRequestFiles) files = request (f, "", "correct horse", NULL, &error);

  g_assert_null (files);
  g_assert_error (error, CV_CERTIFICATE_REQUEST_ERROR, CV_CERTIFICATE_REQUEST_ERROR_SIGN_IN_REQUIRED);
  assert_nothing_written (f);
}

static void
test_wrong_pin (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CvCertificateRequestFiles) files =
    request (f, "ann", "correct horse", "00000000000000000000000000000000000000000000000000000000000000aa", &error);

  g_assert_null (files);
  g_assert_error (error, CV_SIGNALING_ERROR, CV_SIGNALING_ERROR_CERTIFICATE);
  assert_nothing_written (f);
}

/* Cancelled while waiting for the service: the request ends at once. */
static void
test_cancelled (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (CvCertificateRequestFiles) files = NULL;
  gint64 start = g_get_monotonic_time ();

  cv_certificate_request_async ("127.0.0.1", cv_server_get_port (f->server), cv_server_get_fingerprint (f->server),
                                "ann", "correct horse", f->target_dir, cancellable, done_cb, &result);
  /* Once the service has our sign-in (its hash keeps the service busy
   * ~0.1 s): a certificate would follow. */
  while (result == NULL)
    {
      CvServerStats stats;

      cv_server_get_stats (f->server, &stats);
      if (stats.messages > 0 && !g_cancellable_is_cancelled (cancellable))
        g_cancellable_cancel (cancellable);
      g_main_context_iteration (NULL, TRUE);
    }
  files = cv_certificate_request_finish (result, &error);
  g_assert_null (files);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  assert_nothing_written (f);
}

static void
test_parse_server (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *host = NULL;
  g_autofree char *fp = NULL;
  guint16 port = 0;

  g_assert_true (cv_certificate_request_parse_server (" meet.example.org ", &host, &port, &fp, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (host, ==, "meet.example.org");
  g_assert_cmpuint (port, ==, CV_SERVER_DEFAULT_PORT);
  g_assert_null (fp);
  g_clear_pointer (&host, g_free);

  g_assert_true (cv_certificate_request_parse_server ("[::1]:8443", &host, &port, &fp, &error));
  g_assert_cmpstr (host, ==, "::1");
  g_assert_cmpuint (port, ==, 8443);
  g_clear_pointer (&host, g_free);

  g_assert_true (cv_certificate_request_parse_server (
    "conclave://127.0.0.1:7000/j/123456789?fp=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
    &host, &port, &fp, &error));
  g_assert_cmpuint (port, ==, 7000);
  g_assert_cmpstr (fp, ==, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
  g_clear_pointer (&host, g_free);
  g_clear_pointer (&fp, g_free);

  g_assert_false (cv_certificate_request_parse_server ("", &host, &port, &fp, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_false (cv_certificate_request_parse_server ("host:99999", &host, &port, &fp, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_false (cv_certificate_request_parse_server ("a b", &host, &port, &fp, &error));
  g_assert_nonnull (error);
  g_assert_null (host);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/certificate-request/issued", Fixture, NULL, fixture_setup, test_issued, fixture_teardown);
  g_test_add ("/certificate-request/wrong-password", Fixture, NULL, fixture_setup, test_wrong_password, fixture_teardown);
  g_test_add ("/certificate-request/unknown-account", Fixture, NULL, fixture_setup, test_unknown_account, fixture_teardown);
  g_test_add ("/certificate-request/no-account", Fixture, NULL, fixture_setup, test_no_account, fixture_teardown);
  g_test_add ("/certificate-request/wrong-pin", Fixture, NULL, fixture_setup, test_wrong_pin, fixture_teardown);
  g_test_add ("/certificate-request/cancelled", Fixture, NULL, fixture_setup, test_cancelled, fixture_teardown);
  g_test_add_func ("/certificate-request/parse-server", test_parse_server);
  return g_test_run ();
}
