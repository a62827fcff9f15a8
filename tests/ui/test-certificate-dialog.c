/* The certificate dialog over real certificates: made here with OpenSSL,
 * judged by e2ee/'s cv_cred_verify(), shown through CvCertificateInfo. */
#include "config.h"

#include <locale.h>

#include "cv-certificate-dialog.h"
#include "cv-test-certs.h"
#include "cv-test-ui.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (cv_trust_store, cv_trust_store_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (cv_cred_result, cv_cred_result_free)

static CvCertificateInfo *
verify (const CvTestCert  *leaf,
        const CvTestCert **intermediates,
        guint              n_intermediates,
        cv_trust_store    *partners,
        cv_trust_store    *service)
{
  cv_cert_der chain[4];
  guint8 key[64];
  gsize key_len = cv_test_cert_mls_key (leaf, key, sizeof key);
  g_autoptr (cv_cred_result) result = NULL;

  chain[0] = (cv_cert_der) { leaf->der, leaf->der_len };
  for (guint i = 0; i < n_intermediates; i++)
    chain[i + 1] = (cv_cert_der) { intermediates[i]->der, intermediates[i]->der_len };
  g_assert_cmpint (cv_cred_verify (partners, service, chain, 1 + n_intermediates, key, key_len,
                                   time (NULL), &result), ==, CV_OK);
  return cv_certificate_info_new (result);
}

static GtkWidget *
show_dialog (CvCertificateInfo *info)
{
  GtkWidget *dialog = cv_certificate_dialog_new (NULL, info);

  /* Tall enough for the screenshot to show the certification path. */
  gtk_window_set_default_size (GTK_WINDOW (dialog), 520, 790);
  gtk_window_present (GTK_WINDOW (dialog));
  cv_test_ui_wait_mapped (dialog);
  return dialog;
}

static void
assert_field (GtkWidget  *dialog,
              const char *value)
{
  GtkLabel *label = cv_test_ui_find_label (dialog, value);

  if (label == NULL)
    g_error ("the dialog does not show “%s”", value);
  g_assert_true (gtk_widget_is_visible (GTK_WIDGET (label)));
}

static void
test_verified_external (void)
{
  g_autoptr (CvTestCert) root = cv_test_cert_new ("Partner Root CA", "Example Partners", NULL, 1, TRUE, NULL, "ED25519");
  g_autoptr (CvTestCert) intermediate = cv_test_cert_new ("Partner Issuing CA", "Example Partners", NULL, 2, TRUE, root, "ED25519");
  g_autoptr (CvTestCert) leaf = cv_test_cert_new ("Ann Example", "Example Corp", "email:ann@example.org,DNS:ann.example.org",
                                                  0x1234ABCD, FALSE, intermediate, "ED25519");
  g_autoptr (cv_trust_store) partners = cv_trust_store_new ();
  const CvTestCert *intermediates[] = { intermediate };
  g_autoptr (CvCertificateInfo) info = NULL;
  g_autofree char *fingerprint = cv_test_cert_fingerprint (leaf);
  g_autofree char *path = NULL;
  const char * const *chain;
  GtkWidget *dialog;

  g_assert_cmpint (cv_trust_store_add_ca (partners, root->der, root->der_len), ==, CV_OK);
  info = verify (leaf, intermediates, 1, partners, NULL);

  g_assert_cmpint (cv_certificate_info_get_verdict (info), ==, CV_CERTIFICATE_VERIFIED_EXTERNAL);
  g_assert_true (cv_certificate_info_get_has_certificate (info));
  g_assert_true (cv_certificate_info_get_name_verified (info));
  g_assert_cmpstr (cv_certificate_info_get_display_name (info), ==, "Ann Example");
  g_assert_cmpstr (cv_certificate_info_get_fingerprint (info), ==, fingerprint);
  g_assert_cmpstr (cv_certificate_info_get_serial (info), ==, "1234ABCD");
  g_assert_cmpstr (cv_certificate_info_get_key_type (info), ==, "Ed25519");
  chain = cv_certificate_info_get_chain (info);
  g_assert_cmpuint (g_strv_length ((char **) chain), ==, 3);
  g_assert_nonnull (strstr (chain[2], "CN=Partner Root CA"));

  dialog = show_dialog (info);
  assert_field (dialog, "Ann Example");
  assert_field (dialog, "Verified externally");
  g_assert_nonnull (cv_test_ui_find_label_containing (dialog, "partner certificate authority you trust"));
  assert_field (dialog, cv_certificate_info_get_subject (info));
  assert_field (dialog, cv_certificate_info_get_issuer (info));
  g_assert_nonnull (strstr (cv_certificate_info_get_issuer (info), "CN=Partner Issuing CA"));
  assert_field (dialog, "1234ABCD");
  assert_field (dialog, fingerprint);
  assert_field (dialog, "Ed25519");
  assert_field (dialog, "email:ann@example.org\nDNS:ann.example.org");
  /* Validity as OpenSSL has it, formatted independently. */
  {
    struct tm tm;
    char expected[64];
    g_assert_cmpint (ASN1_TIME_to_tm (X509_get0_notAfter (leaf->cert), &tm), ==, 1);
    strftime (expected, sizeof expected, "%Y-%m-%d %H:%M:%S UTC", &tm);
    assert_field (dialog, expected);
  }
  for (guint i = 0; chain[i] != NULL; i++)
    assert_field (dialog, chain[i]);
  assert_field (dialog, "Trusted authority");
  assert_field (dialog, "Intermediate authority");

  path = cv_test_ui_screenshot (dialog, "certificate-verified-external");
  gtk_window_destroy (GTK_WINDOW (dialog));
  cv_test_ui_iterate (50);
}

static void
test_verified_internal (void)
{
  g_autoptr (CvTestCert) service_ca = cv_test_cert_new ("Conclave Service CA", "meet.example.org", NULL, 7, TRUE, NULL, "ED25519");
  g_autoptr (CvTestCert) leaf = cv_test_cert_new ("Bob Builder", NULL, "email:bob@example.org", 99, FALSE, service_ca, "ED25519");
  g_autoptr (cv_trust_store) service = cv_trust_store_new ();
  g_autoptr (CvCertificateInfo) info = NULL;
  g_autofree char *path = NULL;
  GtkWidget *dialog;

  g_assert_cmpint (cv_trust_store_add_ca (service, service_ca->der, service_ca->der_len), ==, CV_OK);
  info = verify (leaf, NULL, 0, NULL, service);
  g_assert_cmpint (cv_certificate_info_get_verdict (info), ==, CV_CERTIFICATE_VERIFIED_INTERNAL);

  dialog = show_dialog (info);
  assert_field (dialog, "Bob Builder");
  assert_field (dialog, "Verified internally");
  g_assert_nonnull (cv_test_ui_find_label_containing (dialog, "meeting service’s certificate authority"));
  path = cv_test_ui_screenshot (dialog, "certificate-verified-internal");
  gtk_window_destroy (GTK_WINDOW (dialog));
  cv_test_ui_iterate (50);
}

static void
test_unverified_self_signed (void)
{
  g_autoptr (CvTestCert) leaf = cv_test_cert_new ("Mallory", NULL, NULL, 5, FALSE, NULL, "ED25519");
  g_autoptr (cv_trust_store) partners = cv_trust_store_new ();
  g_autoptr (CvTestCert) unrelated = cv_test_cert_new ("Partner Root CA", NULL, NULL, 1, TRUE, NULL, "ED25519");
  g_autoptr (CvCertificateInfo) info = NULL;
  g_autofree char *fingerprint = cv_test_cert_fingerprint (leaf);
  g_autofree char *path = NULL;
  GtkWidget *dialog;

  g_assert_cmpint (cv_trust_store_add_ca (partners, unrelated->der, unrelated->der_len), ==, CV_OK);
  info = verify (leaf, NULL, 0, partners, NULL);
  g_assert_cmpint (cv_certificate_info_get_verdict (info), ==, CV_CERTIFICATE_UNVERIFIED);
  g_assert_false (cv_certificate_info_get_name_verified (info));

  dialog = show_dialog (info);
  /* The name is shown as a claim, never as a fact. */
  assert_field (dialog, "“Mallory” (claimed)");
  g_assert_null (cv_test_ui_find_label (dialog, "Mallory"));
  assert_field (dialog, "Unverified");
  g_assert_nonnull (cv_test_ui_find_label_containing (dialog, "self-signed"));
  assert_field (dialog, fingerprint);
  assert_field (dialog, "The certificates as the participant sent them. None of them is trusted.");
  g_assert_null (cv_test_ui_find_label (dialog, "Trusted authority"));
  path = cv_test_ui_screenshot (dialog, "certificate-unverified");
  gtk_window_destroy (GTK_WINDOW (dialog));
  cv_test_ui_iterate (50);
}

static void
test_basic_credential (void)
{
  g_autoptr (cv_cred_result) result = NULL;
  g_autoptr (CvCertificateInfo) info = NULL;
  GtkWidget *dialog;
  GtkLabel *heading;

  g_assert_cmpint (cv_cred_basic ((const uint8_t *) "Carol", 5, &result), ==, CV_OK);
  info = cv_certificate_info_new (result);
  g_assert_false (cv_certificate_info_get_has_certificate (info));

  dialog = show_dialog (info);
  assert_field (dialog, "“Carol” (claimed)");
  assert_field (dialog, "Unverified");
  assert_field (dialog, "There is no certificate: the name is only what this participant claims.");
  heading = cv_test_ui_find_label (dialog, "SHA-256 fingerprint");
  g_assert_nonnull (heading);
  g_assert_false (gtk_widget_is_visible (GTK_WIDGET (heading)));
  gtk_window_destroy (GTK_WINDOW (dialog));
  cv_test_ui_iterate (50);
}

int
main (int argc, char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  cv_test_ui_init (&argc, &argv);

  g_test_add_func ("/certificate-dialog/verified-external", test_verified_external);
  g_test_add_func ("/certificate-dialog/verified-internal", test_verified_internal);
  g_test_add_func ("/certificate-dialog/unverified-self-signed", test_unverified_self_signed);
  g_test_add_func ("/certificate-dialog/basic-credential", test_basic_credential);
  return g_test_run ();
}
