/* Accounts (scrypt), the service CA, and the sign-in → CSR → certificate
 * path over the wire: the certificate must chain to the CA root that
 * clients fetch (by message and over HTTPS). */
#include "cv-test-client.h"
#include "cv-accounts.h"
#include "cv-service-ca.h"

#include <glib/gstdio.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <string.h>
#include <sys/stat.h>

static char *
make_csr (const char *key_type, gboolean break_signature)
{
  EVP_PKEY *key = g_str_equal (key_type, "RSA") ? EVP_PKEY_Q_keygen (NULL, NULL, "RSA", (size_t) 2048)
                 : g_str_equal (key_type, "EC") ? EVP_PKEY_Q_keygen (NULL, NULL, "EC", "P-256")
                 : EVP_PKEY_Q_keygen (NULL, NULL, key_type);
  X509_REQ *req = X509_REQ_new ();
  X509_NAME *name = X509_NAME_new ();
  BIO *bio = BIO_new (BIO_s_mem ());
  char *data, *pem;
  long len;

  X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_UTF8, (const unsigned char *) "whoever I claim", -1, -1, 0);
  X509_REQ_set_subject_name (req, name);
  X509_REQ_set_pubkey (req, key);
  g_assert_cmpint (X509_REQ_sign (req, key, g_str_equal (key_type, "ED25519") ? NULL : EVP_sha256 ()), >, 0);
  if (break_signature)
    {
      const ASN1_BIT_STRING *sig;
      X509_REQ_get0_signature (req, &sig, NULL);
      ((ASN1_BIT_STRING *) sig)->data[5] ^= 0x40;
    }
  PEM_write_bio_X509_REQ (bio, req);
  len = BIO_get_mem_data (bio, &data);
  pem = g_strndup (data, len);
  BIO_free (bio);
  X509_NAME_free (name);
  X509_REQ_free (req);
  EVP_PKEY_free (key);
  return pem;
}

/* Verifies leaf against root with OpenSSL's path validation. */
static void
assert_chains (const char *leaf_pem, const char *root_pem, const char *account)
{
  BIO *b1 = BIO_new_mem_buf (leaf_pem, -1), *b2 = BIO_new_mem_buf (root_pem, -1);
  X509 *leaf = PEM_read_bio_X509 (b1, NULL, NULL, NULL);
  X509 *root = PEM_read_bio_X509 (b2, NULL, NULL, NULL);
  X509_STORE *store = X509_STORE_new ();
  X509_STORE_CTX *ctx = X509_STORE_CTX_new ();
  char cn[128] = "";
  int ok;

  g_assert_nonnull (leaf);
  g_assert_nonnull (root);
  X509_STORE_add_cert (store, root);
  X509_STORE_CTX_init (ctx, store, leaf, NULL);
  ok = X509_verify_cert (ctx);
  if (ok != 1)
    g_error ("chain does not verify: %s", X509_verify_cert_error_string (X509_STORE_CTX_get_error (ctx)));
  X509_NAME_get_text_by_NID (X509_get_subject_name (leaf), NID_commonName, cn, sizeof cn);
  g_assert_cmpstr (cn, ==, account);
  g_assert_cmpint (X509_check_ca (leaf), ==, 0);
  {
    /* Short-lived: valid for at most the configured lifetime (+5 min backdating). */
    int days, secs;
    ASN1_TIME_diff (&days, &secs, X509_get0_notBefore (leaf), X509_get0_notAfter (leaf));
    g_assert_cmpint (days * 86400 + secs, <=, 24 * 3600 + 300);
  }
  X509_STORE_CTX_free (ctx);
  X509_STORE_free (store);
  X509_free (leaf);
  X509_free (root);
  BIO_free (b1);
  BIO_free (b2);
}

static void
test_accounts (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *line = cv_accounts_hash_password ("correct horse", &error);
  g_autofree char *other = cv_accounts_hash_password ("correct horse", &error);
  g_autofree char *text = NULL;
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (CvAccounts) accounts = cv_accounts_new ();

  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (line, "$scrypt$ln=15,r=8,p=1$"));
  g_assert_cmpstr (line, !=, other);   /* salted */
  text = g_strdup_printf ("[alice]\npassword=%s\ndisplay-name=Alice\n[bob]\npassword=%s\npersonal-room=222333444\n",
                          line, other);
  g_assert_true (g_key_file_load_from_data (kf, text, -1, 0, NULL));
  g_assert_true (cv_accounts_load_key_file (accounts, kf, &error));
  g_assert_no_error (error);
  g_assert_true (cv_accounts_verify (accounts, "alice", "correct horse"));
  g_assert_false (cv_accounts_verify (accounts, "alice", "correct horsf"));
  g_assert_false (cv_accounts_verify (accounts, "alice", ""));
  g_assert_false (cv_accounts_verify (accounts, "mallory", "correct horse"));
  g_assert_cmpstr (cv_accounts_get_personal_room (accounts, "bob"), ==, "222333444");
  g_assert_cmpuint (strlen (cv_accounts_get_personal_room (accounts, "alice")), ==, 9);
  g_assert_cmpstr (cv_accounts_find_personal_room (accounts, "222333444"), ==, "bob");

  /* Bad files are refused with a reason. */
  for (const char **bad = (const char *[]) {
         "[alice]\npassword=plaintext\n",
         "[alice]\npassword=$scrypt$ln=30,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
         "[alice]\npassword=$scrypt$ln=15,r=8,p=1$!!!$AAAA\n",
         "[bad name!]\npassword=x\n",
         "[alice]\ndisplay-name=no password\n",
         NULL }; *bad; bad++)
    {
      g_autoptr (GKeyFile) k = g_key_file_new ();
      g_autoptr (CvAccounts) a = cv_accounts_new ();
      g_autoptr (GError) e = NULL;

      g_assert_true (g_key_file_load_from_data (k, *bad, -1, 0, NULL));
      g_assert_false (cv_accounts_load_key_file (a, k, &e));
      g_assert_nonnull (e);
    }
  {
    g_autofree char *dup = g_strdup_printf ("[a]\npassword=%s\npersonal-room=222333444\n[b]\npassword=%s\npersonal-room=222333444\n", line, line);
    g_autoptr (GKeyFile) k = g_key_file_new ();
    g_autoptr (CvAccounts) a = cv_accounts_new ();
    g_autoptr (GError) e = NULL;

    g_key_file_load_from_data (k, dup, -1, 0, NULL);
    g_assert_false (cv_accounts_load_key_file (a, k, &e));
  }
}

static void
test_ca (void)
{
  g_autofree char *dir = cv_test_state_dir ();
  g_autofree char *key_path = g_build_filename (dir, "ca-key.pem", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (CvServiceCa) ca = cv_service_ca_new (dir, "test-host", &error);
  g_autoptr (CvServiceCa) again = NULL;
  g_autofree char *ed = make_csr ("ED25519", FALSE);
  g_autofree char *p256 = make_csr ("EC", FALSE);
  g_autofree char *rsa = make_csr ("RSA", FALSE);
  g_autofree char *broken = make_csr ("ED25519", TRUE);
  g_autofree char *cert = NULL;
  GStatBuf st;

  g_assert_no_error (error);
  g_assert_cmpint (g_stat (key_path, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 0777, ==, 0600);
  again = cv_service_ca_new (dir, "test-host", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cv_service_ca_get_fingerprint (again), ==, cv_service_ca_get_fingerprint (ca));

  cert = cv_service_ca_issue (ca, ed, "alice", 24, &error);
  g_assert_no_error (error);
  assert_chains (cert, cv_service_ca_get_root_pem (ca), "alice");
  g_clear_pointer (&cert, g_free);
  /* P-256 is an MLS signature scheme too. */
  cert = cv_service_ca_issue (ca, p256, "bob", 24, &error);
  g_assert_no_error (error);
  assert_chains (cert, cv_service_ca_get_root_pem (ca), "bob");
  g_clear_pointer (&cert, g_free);
  cert = cv_service_ca_issue (ca, "x", "alice", 24, &error);
  g_assert_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_BAD_CSR);
  g_clear_error (&error);
  g_assert_null (cv_service_ca_issue (ca, rsa, "alice", 24, &error));
  g_assert_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_BAD_CSR);
  g_clear_error (&error);
  g_assert_null (cv_service_ca_issue (ca, broken, "alice", 24, &error));
  g_assert_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_BAD_CSR);
  g_clear_error (&error);
  g_assert_null (cv_service_ca_issue (ca, ed, "al ice", 24, &error));
  g_assert_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_BAD_CSR);
}

static void
ca_fetched_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  GBytes **out = user_data;

  *out = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  g_assert_no_error (error);
}

static gboolean
accept_cb (SoupMessage *msg, GTlsCertificate *cert, GTlsCertificateFlags errors, gpointer fp)
{
  g_autoptr (GByteArray) der = NULL;
  g_autofree char *got = NULL;

  g_object_get (cert, "certificate", &der, NULL);
  got = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
  return g_str_equal (got, fp);
}

static void
test_over_the_wire (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *line = cv_accounts_hash_password ("pa55word", &error);
  g_autofree char *dir = cv_test_state_dir ();
  g_autofree char *accounts_path = g_build_filename (dir, "accounts.conf", NULL);
  g_autofree char *text = g_strdup_printf ("[carol]\npassword=%s\ndisplay-name=Carol\npersonal-room=555666777\n", line);
  g_autoptr (CvSiteConfig) config = cv_test_config_new ();
  g_autoptr (CvServer) server = NULL;
  g_autofree char *csr = make_csr ("ED25519", FALSE);
  g_autofree char *root = NULL;
  CvTestClient *c;
  JsonObject *o;

  g_assert_true (g_file_set_contents (accounts_path, text, -1, NULL));
  g_object_set (config, "accounts", accounts_path, NULL);
  server = cv_test_server_start (config);
  c = cv_test_client_connect (server, FALSE);

  cv_test_client_send (c, "{\"type\":\"request-certificate\",\"csr\":\"x\"}");
  cv_test_client_expect_error (c, "sign-in-required");
  cv_test_client_send (c, "{\"type\":\"create-meeting\",\"personal_room\":true}");
  cv_test_client_expect_error (c, "sign-in-required");
  cv_test_client_send (c, "{\"type\":\"sign-in\",\"account\":\"carol\",\"password\":\"nope\"}");
  cv_test_client_expect_error (c, "sign-in-failed");
  cv_test_client_send (c, "{\"type\":\"sign-in\",\"account\":\"nobody\",\"password\":\"pa55word\"}");
  cv_test_client_expect_error (c, "sign-in-failed");
  cv_test_client_send (c, "{\"type\":\"sign-in\",\"id\":1,\"account\":\"carol\",\"password\":\"pa55word\"}");
  o = cv_test_client_expect (c, "signed-in");
  g_assert_cmpstr (json_object_get_string_member (o, "personal_room"), ==, "555666777");
  g_assert_cmpstr (json_object_get_string_member (o, "display_name"), ==, "Carol");

  {
    g_autoptr (GString) escaped = g_string_new ("");
    for (const char *p = csr; *p; p++)
      {
        if (*p == '\n')
          g_string_append (escaped, "\\n");
        else
          g_string_append_c (escaped, *p);
      }
    cv_test_client_send (c, "{\"type\":\"request-certificate\",\"csr\":\"%s\"}", escaped->str);
  }
  o = cv_test_client_expect (c, "certificate");
  root = g_strdup (json_object_get_string_member (o, "ca"));
  assert_chains (json_object_get_string_member (o, "certificate"), root, "carol");
  cv_test_client_send (c, "{\"type\":\"request-certificate\",\"csr\":\"-----BEGIN CERTIFICATE REQUEST-----\\ngarbage\\n-----END CERTIFICATE REQUEST-----\\n\"}");
  cv_test_client_expect_error (c, "bad-csr");

  cv_test_client_send (c, "{\"type\":\"get-ca\"}");
  o = cv_test_client_expect (c, "ca");
  g_assert_cmpstr (json_object_get_string_member (o, "certificate"), ==, root);

  /* The root over plain HTTPS as well. */
  {
    g_autoptr (SoupSession) session = soup_session_new ();
    g_autofree char *url = g_strdup_printf ("https://127.0.0.1:%u/ca.pem", cv_server_get_port (server));
    g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
    g_autoptr (GBytes) body = NULL;

    g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_cb), (gpointer) cv_server_get_fingerprint (server));
    soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, ca_fetched_cb, &body);
    while (body == NULL)
      g_main_context_iteration (NULL, TRUE);
    g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
    g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), root, strlen (root));
  }

  /* The Personal Room has the account's fixed number and is reusable. */
  cv_test_client_send (c, "{\"type\":\"create-meeting\",\"personal_room\":true,\"e2ee\":true}");
  o = cv_test_client_expect (c, "meeting-created");
  g_assert_cmpstr (json_object_get_string_member (o, "number"), ==, "555666777");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (o, "invite"), "conclave://127.0.0.1:"));
  g_assert_true (g_str_has_suffix (json_object_get_string_member (o, "invite"), cv_server_get_fingerprint (server)));
  cv_test_client_send (c, "{\"type\":\"create-meeting\",\"personal_room\":true}");
  o = cv_test_client_expect (c, "meeting-created");
  g_assert_cmpstr (json_object_get_string_member (o, "number"), ==, "555666777");
  g_assert_true (json_object_get_boolean_member (o, "e2ee"));

  cv_test_client_free (c);
  cv_server_stop (server);
}

/* The TLS identity and the service keys are made once, kept 0600, reused. */
static void
test_state_reused (void)
{
  g_autoptr (CvSiteConfig) config = cv_test_config_new ();
  g_autoptr (CvServer) first = cv_test_server_start (config);
  g_autofree char *fp = g_strdup (cv_server_get_fingerprint (first));
  g_autoptr (CvServer) second = NULL;
  g_autofree char *state = NULL;

  g_object_get (config, "state-dir", &state, NULL);
  cv_server_stop (first);
  second = cv_test_server_start (config);
  g_assert_cmpstr (cv_server_get_fingerprint (second), ==, fp);
  g_assert_true (cv_server_get_self_signed (second));
  for (const char **f = (const char *[]) { "tls-key.pem", "ca-key.pem", "external-sender-key.pem", NULL }; *f; f++)
    {
      g_autofree char *path = g_build_filename (state, *f, NULL);
      GStatBuf st;

      g_assert_cmpint (g_stat (path, &st), ==, 0);
      g_assert_cmpuint (st.st_mode & 0777, ==, 0600);
    }
  cv_server_stop (second);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* GLib's test mode turns debug output on: libsoup then logs every frame. */
  g_log_set_debug_enabled (FALSE);
  g_test_add_func ("/server/accounts/scrypt", test_accounts);
  g_test_add_func ("/server/ca/issue", test_ca);
  g_test_add_func ("/server/ca/over-the-wire", test_over_the_wire);
  g_test_add_func ("/server/state/reused", test_state_reused);
  return g_test_run ();
}
