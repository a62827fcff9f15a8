/* The preferences window against GSettings (memory backend): edits reach
 * the settings and back; identity import checks its files and keeps 0600
 * copies; partner authorities are checked before they are trusted; a
 * certificate requested from a real service on loopback (or from this
 * computer's own) becomes the identity, shown verified internally. */
#include "config.h"

#include <glib/gstdio.h>
#include <locale.h>
#include <sys/stat.h>

#include "cv-accounts.h"
#include "cv-identity.h"
#include "cv-preferences-window.h"
#include "cv-server.h"
#include "cv-test-certs.h"
#include "cv-test-ui.h"

static char *tmp_dir;

typedef struct {
  GSettings *settings;
  CvPreferencesWindow *window;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->settings = g_settings_new (APP_ID);
  /* Each test starts from the defaults. */
  g_settings_reset (f->settings, "display-name");
  g_settings_reset (f->settings, "default-server");
  g_settings_reset (f->settings, "video-devices-enabled");
  g_settings_reset (f->settings, "identity-certificate");
  g_settings_reset (f->settings, "identity-key");
  g_settings_reset (f->settings, "trusted-partner-cas");
  g_settings_reset (f->settings, "identity-account");
  f->window = CV_PREFERENCES_WINDOW (cv_preferences_window_new (NULL));
  gtk_window_present (GTK_WINDOW (f->window));
  cv_test_ui_wait_mapped (GTK_WIDGET (f->window));
}

static void
close_message_dialog (void)
{
  AdwMessageDialog *dialog = cv_test_ui_find_message_dialog ();

  if (dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (dialog));
  cv_test_ui_iterate (20);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  close_message_dialog ();
  gtk_window_destroy (GTK_WINDOW (f->window));
  cv_test_ui_iterate (50);
  g_clear_object (&f->settings);
}

static void
test_general (Fixture       *f,
              gconstpointer  data)
{
  GtkWidget *name_row = cv_test_ui_find_row (GTK_WIDGET (f->window), "Display name");
  GtkWidget *server_row = cv_test_ui_find_row (GTK_WIDGET (f->window), "Default server");
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;

  g_assert_true (ADW_IS_ENTRY_ROW (name_row));
  g_assert_true (ADW_IS_ENTRY_ROW (server_row));

  gtk_editable_set_text (GTK_EDITABLE (name_row), "Ann Example");
  name = g_settings_get_string (f->settings, "display-name");
  g_assert_cmpstr (name, ==, "Ann Example");

  /* And back: a change made elsewhere shows in the window. */
  g_settings_set_string (f->settings, "default-server", "meet.example.org:8443");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (server_row)), ==, "meet.example.org:8443");

  g_settings_set_string (f->settings, "notes-folder", "/tmp/conclave-notes");
  g_assert_nonnull (cv_test_ui_find_label (GTK_WIDGET (f->window), "/tmp/conclave-notes"));
  g_settings_reset (f->settings, "notes-folder");
  g_assert_nonnull (cv_test_ui_find_label_containing (GTK_WIDGET (f->window), "Conclave (default)"));

  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (f->window), "general");
  cv_test_ui_iterate (200);
  path = cv_test_ui_screenshot (GTK_WIDGET (f->window), "preferences-general");
}

static void
test_media (Fixture       *f,
            gconstpointer  data)
{
  GtkWidget *video_row = cv_test_ui_find_row (GTK_WIDGET (f->window), "Video devices enabled");
  GtkWidget *video_switch;
  GtkWidget *camera_row = cv_test_ui_find_row (GTK_WIDGET (f->window), "Camera");
  GtkWidget *microphone_row = cv_test_ui_find_row (GTK_WIDGET (f->window), "Microphone");
  GtkWidget *speaker_row = cv_test_ui_find_row (GTK_WIDGET (f->window), "Speaker");
  GListModel *model;
  g_autofree char *path = NULL;

  g_assert_nonnull (video_row);
  /* Shown first: a switch animates its toggle only while it is mapped. */
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (f->window), "media");
  cv_test_ui_wait_mapped (video_row);
  video_switch = cv_test_ui_find_type (video_row, GTK_TYPE_SWITCH);
  g_assert_nonnull (video_switch);
  g_assert_true (g_settings_get_boolean (f->settings, "video-devices-enabled"));
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (video_switch)));
  /* Activating the row is what a keyboard user does. */
  adw_action_row_activate (ADW_ACTION_ROW (video_row));
  /* The switch takes effect at the end of its animation. */
  cv_test_ui_iterate (500);
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (video_switch)));
  g_assert_false (g_settings_get_boolean (f->settings, "video-devices-enabled"));

  g_assert_true (ADW_IS_COMBO_ROW (camera_row));
  g_assert_true (ADW_IS_COMBO_ROW (microphone_row));
  g_assert_true (ADW_IS_COMBO_ROW (speaker_row));
  model = adw_combo_row_get_model (ADW_COMBO_ROW (camera_row));
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (model), 0), ==, "Automatic");
  g_test_message ("cameras found: %u", g_list_model_get_n_items (model) - 1);
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (camera_row)), ==, 0);

  path = cv_test_ui_screenshot (GTK_WIDGET (f->window), "preferences-audio-video");
}

static void
test_chosen_device_kept (void)
{
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);
  CvPreferencesWindow *window;
  GtkWidget *camera_row;
  GListModel *model;
  guint selected;
  g_autofree char *camera = NULL;

  /* A camera that is not plugged in now stays chosen, and says so. */
  g_settings_set_string (settings, "camera", "Absent Test Camera");
  window = CV_PREFERENCES_WINDOW (cv_preferences_window_new (NULL));
  camera_row = cv_test_ui_find_row (GTK_WIDGET (window), "Camera");
  model = adw_combo_row_get_model (ADW_COMBO_ROW (camera_row));
  selected = adw_combo_row_get_selected (ADW_COMBO_ROW (camera_row));
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (model), selected), ==,
                   "Absent Test Camera (not connected)");
  camera = g_settings_get_string (settings, "camera");
  g_assert_cmpstr (camera, ==, "Absent Test Camera");

  /* Choosing "automatic" stores the empty name. */
  adw_combo_row_set_selected (ADW_COMBO_ROW (camera_row), 0);
  g_free (camera);
  camera = g_settings_get_string (settings, "camera");
  g_assert_cmpstr (camera, ==, "");
  gtk_window_destroy (GTK_WINDOW (window));
}

static guint
file_mode (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 0777;
}

/* Waits up to seconds for the picture to show a frame. */
static gboolean
wait_for_paintable (GtkPicture *picture,
                    guint       seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      GdkPaintable *paintable = gtk_picture_get_paintable (picture);

      if (paintable != NULL && gdk_paintable_get_intrinsic_width (paintable) > 0
          && gdk_paintable_get_intrinsic_height (paintable) > 0)
        return TRUE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10000);
    }
  return FALSE;
}

/* A real pipeline (camera or test pattern) runs while the window is shown,
 * stops when it is hidden, and starts again with the camera chosen. */
static void
test_camera_preview (Fixture       *f,
                     gconstpointer  data)
{
  GtkPicture *picture;
  g_autoptr (CvCameraPreview) first = NULL;
  CvCameraPreview *second;
  guint64 frames;
  GdkPaintable *paintable;

  g_settings_reset (f->settings, "camera");
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (f->window), "media");
  picture = GTK_PICTURE (cv_test_ui_find_type (GTK_WIDGET (f->window), GTK_TYPE_PICTURE));
  g_assert_nonnull (picture);
  cv_test_ui_wait_mapped (GTK_WIDGET (picture));

  g_assert_nonnull (cv_preferences_window_get_camera_preview (f->window));
  first = g_object_ref (cv_preferences_window_get_camera_preview (f->window));
  g_assert_true (cv_camera_preview_is_running (first));
  g_assert_true (wait_for_paintable (picture, 5));
  paintable = gtk_picture_get_paintable (picture);
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (paintable), ==, 320);
  g_assert_cmpint (gdk_paintable_get_intrinsic_height (paintable), ==, 180);
  if (cv_camera_preview_get_is_test (first))
    g_assert_nonnull (cv_test_ui_find_label (GTK_WIDGET (f->window), "No camera found: showing a test picture"));
  g_free (cv_test_ui_screenshot (GTK_WIDGET (f->window), "preferences-camera-preview"));

  /* A camera that is not here: a new preview, the test picture, and why. */
  g_settings_set_string (f->settings, "camera", "Camera Not Plugged In");
  second = cv_preferences_window_get_camera_preview (f->window);
  g_assert_nonnull (second);
  g_assert_true (second != first);
  g_assert_false (cv_camera_preview_is_running (first));
  g_assert_true (cv_camera_preview_get_is_test (second));
  g_assert_null (gtk_picture_get_paintable (picture));
  g_assert_true (wait_for_paintable (picture, 5));
  g_assert_nonnull (cv_test_ui_find_label (GTK_WIDGET (f->window),
                                           "This camera is not connected: showing a test picture"));
  g_settings_reset (f->settings, "camera");

  /* Hidden: the pipeline is gone and no frame arrives any more. */
  g_clear_object (&first);
  first = g_object_ref (cv_preferences_window_get_camera_preview (f->window));
  g_assert_true (wait_for_paintable (picture, 5));
  gtk_widget_set_visible (GTK_WIDGET (f->window), FALSE);
  g_assert_null (cv_preferences_window_get_camera_preview (f->window));
  g_assert_false (cv_camera_preview_is_running (first));
  cv_test_ui_iterate (50);
  frames = cv_remote_stream_get_frames (cv_camera_preview_get_stream (first));
  g_assert_cmpuint (frames, >, 0);
  cv_test_ui_iterate (400);
  g_assert_cmpuint (cv_remote_stream_get_frames (cv_camera_preview_get_stream (first)), ==, frames);

  /* Shown again: running again. */
  gtk_window_present (GTK_WINDOW (f->window));
  cv_test_ui_wait_mapped (GTK_WIDGET (f->window));
  g_assert_nonnull (cv_preferences_window_get_camera_preview (f->window));
  g_assert_true (cv_camera_preview_is_running (cv_preferences_window_get_camera_preview (f->window)));
}

static void
test_identity_import (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *dir = g_build_filename (tmp_dir, "picked", NULL);
  g_autoptr (CvTestCert) ca = cv_test_cert_new ("Example Issuing CA", "Example Corp", NULL, 3, TRUE, NULL, "ED25519");
  g_autoptr (CvTestCert) leaf = cv_test_cert_new ("Ann Example", "Example Corp", "email:ann@example.org", 77, FALSE, ca, "ED25519");
  g_autoptr (CvTestCert) other = cv_test_cert_new ("Someone Else", NULL, NULL, 78, FALSE, ca, "ED25519");
  g_autoptr (CvTestCert) rsa = cv_test_cert_new ("Old RSA", NULL, NULL, 79, FALSE, ca, "RSA");
  g_autofree char *leaf_pem = NULL, *leaf_key = NULL, *other_key = NULL, *ca_pem = NULL;
  g_autofree char *encrypted_key = NULL, *p12 = NULL, *rsa_pem = NULL, *rsa_key = NULL;
  g_autofree char *cert_setting = NULL, *key_setting = NULL, *expected_dir = NULL;
  g_autofree char *stored = NULL, *leaf_text = NULL;
  g_autofree char *path = NULL;
  AdwMessageDialog *dialog;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  leaf_pem = cv_test_cert_write_pem (leaf, dir, "ann.crt");
  leaf_key = cv_test_cert_write_key (leaf, dir, "ann.key", NULL);
  other_key = cv_test_cert_write_key (other, dir, "other.key", NULL);
  ca_pem = cv_test_cert_write_pem (ca, dir, "ca.pem");
  encrypted_key = cv_test_cert_write_key (leaf, dir, "ann-encrypted.key", "correct horse");
  p12 = cv_test_cert_write_p12 (leaf, ca, dir, "ann.p12", "p12 secret");
  rsa_pem = cv_test_cert_write_pem (rsa, dir, "rsa.crt");
  rsa_key = cv_test_cert_write_key (rsa, dir, "rsa.key", NULL);

  /* No certificate yet. */
  g_assert_nonnull (cv_test_ui_find_row (GTK_WIDGET (f->window), "No certificate"));

  /* A key that is not the certificate's is refused, in words, and nothing is stored. */
  {
    const char *paths[] = { leaf_pem, other_key, NULL };
    g_assert_false (cv_preferences_window_import_identity (f->window, paths, NULL));
    dialog = cv_test_ui_find_message_dialog ();
    g_assert_nonnull (dialog);
    g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Cannot Import the Certificate");
    g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "The private key does not belong to the certificate"));
    g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "CN=Ann Example"));
    cv_test_ui_wait_mapped (GTK_WIDGET (dialog));
    path = cv_test_ui_screenshot (GTK_WIDGET (dialog), "preferences-import-key-mismatch");
    close_message_dialog ();
    cert_setting = g_settings_get_string (f->settings, "identity-certificate");
    g_assert_cmpstr (cert_setting, ==, "");
    g_clear_pointer (&cert_setting, g_free);
  }

  /* A certificate alone, or an RSA key that MLS cannot sign with, is refused. */
  {
    const char *paths[] = { leaf_pem, NULL };
    const char *rsa_paths[] = { rsa_pem, rsa_key, NULL };
    g_assert_false (cv_preferences_window_import_identity (f->window, paths, NULL));
    g_assert_nonnull (strstr (adw_message_dialog_get_body (cv_test_ui_find_message_dialog ()), "No private key"));
    close_message_dialog ();
    g_assert_false (cv_preferences_window_import_identity (f->window, rsa_paths, NULL));
    g_assert_nonnull (strstr (adw_message_dialog_get_body (cv_test_ui_find_message_dialog ()), "RSA"));
    close_message_dialog ();
  }

  /* An encrypted key asks for the passphrase; a wrong one is refused. */
  {
    const char *paths[] = { leaf_pem, encrypted_key, NULL };
    g_assert_false (cv_preferences_window_import_identity (f->window, paths, NULL));
    dialog = cv_test_ui_find_message_dialog ();
    g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Passphrase Needed");
    g_assert_true (GTK_IS_ENTRY (adw_message_dialog_get_extra_child (dialog)));
    g_assert_false (gtk_entry_get_visibility (GTK_ENTRY (adw_message_dialog_get_extra_child (dialog))));
    close_message_dialog ();
    g_assert_false (cv_preferences_window_import_identity (f->window, paths, "wrong"));
    g_assert_nonnull (strstr (adw_message_dialog_get_body (cv_test_ui_find_message_dialog ()), "does not open"));
    close_message_dialog ();
    g_assert_true (cv_preferences_window_import_identity (f->window, paths, "correct horse"));
  }

  /* Kept in the config folder, readable by the user alone. */
  expected_dir = g_build_filename (tmp_dir, "config", "conclave", "identity", NULL);
  cert_setting = g_settings_get_string (f->settings, "identity-certificate");
  key_setting = g_settings_get_string (f->settings, "identity-key");
  g_assert_true (g_str_has_prefix (cert_setting, expected_dir));
  g_assert_true (g_str_has_prefix (key_setting, expected_dir));
  g_assert_cmphex (file_mode (cert_setting), ==, 0600);
  g_assert_cmphex (file_mode (key_setting), ==, 0600);
  g_assert_cmphex (file_mode (expected_dir), ==, 0700);
  g_assert_true (g_file_get_contents (cert_setting, &stored, NULL, NULL));
  g_assert_true (g_file_get_contents (leaf_pem, &leaf_text, NULL, NULL));
  g_assert_true (g_str_has_prefix (stored, leaf_text));
  g_clear_pointer (&stored, g_free);
  /* The stored key is not encrypted any more (it is protected by its mode). */
  g_assert_true (g_file_get_contents (key_setting, &stored, NULL, NULL));
  g_assert_true (g_str_has_prefix (stored, "-----BEGIN PRIVATE KEY-----"));

  /* The window shows the certificate now. */
  g_assert_nonnull (cv_test_ui_find_row (GTK_WIDGET (f->window), "Ann Example"));
  g_assert_nonnull (cv_test_ui_find_label_containing (GTK_WIDGET (f->window),
                                                     "Unverified · issued by CN=Example Issuing CA"));

  /* PKCS#12 with its passphrase. */
  {
    const char *paths[] = { p12, NULL };
    g_assert_false (cv_preferences_window_import_identity (f->window, paths, NULL));
    g_assert_cmpstr (adw_message_dialog_get_heading (cv_test_ui_find_message_dialog ()), ==, "Passphrase Needed");
    close_message_dialog ();
    g_assert_true (cv_preferences_window_import_identity (f->window, paths, "p12 secret"));
  }

  /* Trusting the issuer as a partner makes the user's own certificate verified. */
  g_assert_true (cv_preferences_window_add_partner_ca (f->window, ca_pem));
  g_assert_nonnull (cv_test_ui_find_row (GTK_WIDGET (f->window), "CN=Example Issuing CA,O=Example Corp"));
  g_assert_nonnull (cv_test_ui_find_label_containing (GTK_WIDGET (f->window),
                                                     "Verified externally · issued by CN=Example Issuing CA"));

  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (f->window), "identity");
  cv_test_ui_iterate (300);
  g_clear_pointer (&path, g_free);
  path = cv_test_ui_screenshot (GTK_WIDGET (f->window), "preferences-identity");
}

static void
test_partner_cas (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *dir = g_build_filename (tmp_dir, "partners", NULL);
  g_autoptr (CvTestCert) ca = cv_test_cert_new ("Partner Root CA", "Example Partners", NULL, 1, TRUE, NULL, "ED25519");
  g_autoptr (CvTestCert) leaf = cv_test_cert_new ("Not A CA", NULL, NULL, 2, FALSE, ca, "ED25519");
  g_autofree char *ca_pem = NULL, *leaf_pem = NULL, *garbage = NULL;
  g_auto (GStrv) trusted = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  ca_pem = cv_test_cert_write_pem (ca, dir, "partner.pem");
  leaf_pem = cv_test_cert_write_pem (leaf, dir, "leaf.pem");
  garbage = g_build_filename (dir, "garbage.pem", NULL);
  g_assert_true (g_file_set_contents (garbage, "-----BEGIN CERTIFICATE-----\nAAAA\n", -1, NULL));

  g_assert_nonnull (cv_test_ui_find_label (GTK_WIDGET (f->window), "No partner authorities"));

  /* Only a CA certificate can be trusted as one. */
  g_assert_false (cv_preferences_window_add_partner_ca (f->window, leaf_pem));
  g_assert_cmpstr (adw_message_dialog_get_heading (cv_test_ui_find_message_dialog ()), ==, "Cannot Add the Authority");
  close_message_dialog ();
  g_assert_false (cv_preferences_window_add_partner_ca (f->window, garbage));
  close_message_dialog ();
  trusted = g_settings_get_strv (f->settings, "trusted-partner-cas");
  g_assert_cmpuint (g_strv_length (trusted), ==, 0);
  g_clear_pointer (&trusted, g_strfreev);

  g_assert_true (cv_preferences_window_add_partner_ca (f->window, ca_pem));
  trusted = g_settings_get_strv (f->settings, "trusted-partner-cas");
  g_assert_cmpuint (g_strv_length (trusted), ==, 1);
  g_assert_cmpstr (trusted[0], ==, ca_pem);
  g_clear_pointer (&trusted, g_strfreev);
  g_assert_nonnull (cv_test_ui_find_row (GTK_WIDGET (f->window), "CN=Partner Root CA,O=Example Partners"));
  g_assert_nonnull (cv_test_ui_find_label (GTK_WIDGET (f->window), ca_pem));

  /* Twice is once. */
  g_assert_true (cv_preferences_window_add_partner_ca (f->window, ca_pem));
  trusted = g_settings_get_strv (f->settings, "trusted-partner-cas");
  g_assert_cmpuint (g_strv_length (trusted), ==, 1);
  g_clear_pointer (&trusted, g_strfreev);

  /* The remove button of the row does the removing. */
  {
    GtkWidget *row = cv_test_ui_find_row (GTK_WIDGET (f->window), "CN=Partner Root CA,O=Example Partners");
    GtkWidget *remove = cv_test_ui_find_type (row, GTK_TYPE_BUTTON);
    g_assert_nonnull (remove);
    g_assert_cmpstr (gtk_widget_get_tooltip_text (remove), ==, "Remove");
    g_signal_emit_by_name (remove, "clicked");
  }
  trusted = g_settings_get_strv (f->settings, "trusted-partner-cas");
  g_assert_cmpuint (g_strv_length (trusted), ==, 0);
  g_assert_null (cv_test_ui_find_row (GTK_WIDGET (f->window), "CN=Partner Root CA,O=Example Partners"));
}

static void
test_request_dialog (Fixture       *f,
                     gconstpointer  data)
{
  GtkWidget *row = cv_test_ui_find_row (GTK_WIDGET (f->window), "_Request a Certificate from the Meeting Service…");
  AdwMessageDialog *dialog;
  GtkWidget *account, *password, *server;

  g_settings_set_string (f->settings, "default-server", "meet.example.org:8443");
  g_assert_nonnull (row);
  adw_action_row_activate (ADW_ACTION_ROW (row));
  dialog = cv_test_ui_find_message_dialog ();
  g_assert_nonnull (dialog);
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Request a Certificate");
  cv_test_ui_wait_mapped (GTK_WIDGET (dialog));
  server = cv_test_ui_find_row (GTK_WIDGET (dialog), "Meeting service (HOST:PORT or an invite link)");
  account = cv_test_ui_find_row (GTK_WIDGET (dialog), "Account");
  password = cv_test_ui_find_row (GTK_WIDGET (dialog), "Password");
  g_assert_true (ADW_IS_ENTRY_ROW (server));
  g_assert_true (ADW_IS_ENTRY_ROW (account));
  g_assert_true (ADW_IS_PASSWORD_ENTRY_ROW (password));
  /* The default server and the user's login name are filled in. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (server)), ==, "meet.example.org:8443");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (account)), ==, g_get_user_name ());
  g_free (cv_test_ui_screenshot (GTK_WIDGET (dialog), "preferences-request-dialog"));
  g_settings_reset (f->settings, "default-server");
}

static void
requested_cb (CvPreferencesWindow *window,
              gboolean             ok,
              int                 *result)
{
  *result = ok ? 1 : 0;
}

/* Runs a request as the dialog does and waits for its end. */
static gboolean
request_and_wait (Fixture    *f,
                  const char *server,
                  const char *account,
                  const char *password)
{
  int result = -1;
  gulong id = g_signal_connect (f->window, "certificate-requested", G_CALLBACK (requested_cb), &result);
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  cv_preferences_window_request_certificate (f->window, server, account, password);
  while (result < 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (f->window, id);
  g_assert_cmpint (result, >=, 0);
  return result == 1;
}

static void
assert_identity_verified_internally (Fixture *f)
{
  g_autofree char *certificate = g_settings_get_string (f->settings, "identity-certificate");
  g_autofree char *key = g_settings_get_string (f->settings, "identity-key");
  GtkLabel *subtitle;
  GStatBuf st;

  g_assert_cmpint (g_stat (key, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (certificate, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  /* The verdict, the issuer and the validity are shown. */
  subtitle = cv_test_ui_find_label_containing (GTK_WIDGET (f->window), "Verified internally · issued by");
  g_assert_nonnull (subtitle);
  g_assert_nonnull (strstr (gtk_label_get_text (subtitle), "Conclave service CA (127.0.0.1)"));
  g_assert_nonnull (strstr (gtk_label_get_text (subtitle), "valid from"));
}

static void
test_request_certificate (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CvSiteConfig) config = cv_site_config_new ();
  g_autoptr (GKeyFile) accounts = g_key_file_new ();
  g_autofree char *state_dir = g_build_filename (tmp_dir, "service", NULL);
  g_autofree char *accounts_path = g_build_filename (tmp_dir, "accounts", NULL);
  g_autofree char *hash = cv_accounts_hash_password ("s3cret", &error);
  g_autofree char *number = NULL;
  g_autofree char *invite = NULL;
  g_autoptr (CvServer) server = NULL;
  AdwMessageDialog *dialog;

  g_key_file_set_string (accounts, "ann", "password", hash);
  g_assert_true (g_key_file_save_to_file (accounts, accounts_path, &error));
  g_object_set (config, "port", 0, "relay-port", 0, "state-dir", state_dir, "bind", "127.0.0.1",
                "public-host", "127.0.0.1", "accounts", accounts_path, NULL);
  server = cv_server_new (config, &error);
  g_assert_no_error (error);
  g_assert_true (cv_server_start (server, &error));
  number = cv_server_create_meeting (server, TRUE, NULL, &error);
  /* An invite link names the service and pins its self-signed certificate. */
  invite = cv_server_build_invite (server, number);

  g_assert_false (request_and_wait (f, invite, "ann", "wrong"));
  dialog = cv_test_ui_find_message_dialog ();
  g_assert_nonnull (dialog);
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Cannot Get a Certificate");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "password is wrong"));
  close_message_dialog ();
  {
    g_autofree char *unchanged = g_settings_get_string (f->settings, "identity-certificate");
    g_assert_cmpstr (unchanged, ==, "");
  }

  g_assert_true (request_and_wait (f, invite, "ann", "s3cret"));
  g_assert_null (cv_test_ui_find_message_dialog ());
  /* The account is offered again next time; the password is kept nowhere. */
  {
    g_autofree char *account = g_settings_get_string (f->settings, "identity-account");
    g_assert_cmpstr (account, ==, "ann");
  }
  assert_identity_verified_internally (f);
  g_assert_nonnull (cv_test_ui_find_row (GTK_WIDGET (f->window), "ann"));
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (f->window), "identity");
  cv_test_ui_iterate (300);
  g_free (cv_test_ui_screenshot (GTK_WIDGET (f->window), "preferences-requested-certificate"));

  cv_server_stop (server);
}

static void
test_request_from_this_computer (Fixture       *f,
                                 gconstpointer  data)
{
  /* No service named: the one this computer hosts meetings with, no sign-in. */
  g_assert_true (request_and_wait (f, "", "ann.example", ""));
  assert_identity_verified_internally (f);
  g_assert_nonnull (cv_test_ui_find_row (GTK_WIDGET (f->window), "ann.example"));

  /* A name its CA refuses is said, not hidden. */
  g_assert_false (request_and_wait (f, "", "Ann Example", ""));
  g_assert_nonnull (cv_test_ui_find_message_dialog ());
}

/* What the window does when a meeting starts: the identity of the settings
 * goes to the session, or the reason it cannot. */
static void
test_identity_for_session (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *dir = g_build_filename (tmp_dir, "session-identity", NULL);
  g_autoptr (CvTestCert) ca = cv_test_cert_new ("Session CA", NULL, NULL, 1, TRUE, NULL, "ED25519");
  g_autoptr (CvTestCert) ed = cv_test_cert_new ("Ed Member", NULL, NULL, 2, FALSE, ca, "ED25519");
  g_autoptr (CvTestCert) p256 = cv_test_cert_new ("Pat Member", NULL, NULL, 3, FALSE, ca, "P-256");
  g_autofree char *ed_cert = NULL, *ed_key = NULL, *p_cert = NULL, *p_key = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  ed_cert = cv_test_cert_write_pem (ed, dir, "ed.pem");
  ed_key = cv_test_cert_write_key (ed, dir, "ed.key", NULL);
  p_cert = cv_test_cert_write_pem (p256, dir, "p.pem");
  p_key = cv_test_cert_write_key (p256, dir, "p.key", NULL);

  /* No identity: a basic credential, nothing to say. */
  {
    g_autoptr (CvSession) session = cv_session_new ("Ann");
    g_assert_true (cv_identity_configure_session (session, f->settings, &error));
    g_assert_no_error (error);
  }
  g_settings_set_string (f->settings, "identity-key", ed_key);
  g_settings_set_string (f->settings, "identity-certificate", ed_cert);
  {
    g_autoptr (CvSession) session = cv_session_new ("Ann");
    g_assert_true (cv_identity_configure_session (session, f->settings, &error));
    g_assert_no_error (error);
  }
  /* A key suite 1 cannot sign with: unverified, and why. */
  g_settings_set_string (f->settings, "identity-key", p_key);
  g_settings_set_string (f->settings, "identity-certificate", p_cert);
  {
    g_autoptr (CvSession) session = cv_session_new ("Ann");
    g_assert_false (cv_identity_configure_session (session, f->settings, &error));
    g_assert_error (error, CV_IDENTITY_ERROR, CV_IDENTITY_ERROR_UNSUPPORTED_KEY);
    g_assert_nonnull (strstr (error->message, "Ed25519"));
    g_clear_error (&error);
  }
  /* A key file that went away. */
  g_assert_cmpint (g_unlink (ed_key), ==, 0);
  g_settings_set_string (f->settings, "identity-key", ed_key);
  g_settings_set_string (f->settings, "identity-certificate", ed_cert);
  {
    g_autoptr (CvSession) session = cv_session_new ("Ann");
    g_assert_false (cv_identity_configure_session (session, f->settings, &error));
    g_assert_nonnull (error);
  }
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
  g_autofree char *config = NULL;
  g_autofree char *state = NULL;
  int status;

  setlocale (LC_ALL, "C.UTF-8");
  /* Before anything caches the user's folders: imports go to a scratch dir. */
  tmp_dir = g_dir_make_tmp ("conclave-prefs-XXXXXX", NULL);
  g_assert_nonnull (tmp_dir);
  config = g_build_filename (tmp_dir, "config", NULL);
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  /* This computer's meeting service keeps its CA in the state folder. */
  state = g_build_filename (tmp_dir, "state", NULL);
  g_setenv ("XDG_STATE_HOME", state, TRUE);
  cv_test_ui_init (&argc, &argv);

  g_test_add ("/preferences/general", Fixture, NULL, fixture_setup, test_general, fixture_teardown);
  g_test_add ("/preferences/media", Fixture, NULL, fixture_setup, test_media, fixture_teardown);
  g_test_add_func ("/preferences/chosen-device-kept", test_chosen_device_kept);
  g_test_add ("/preferences/camera-preview", Fixture, NULL, fixture_setup, test_camera_preview, fixture_teardown);
  g_test_add ("/preferences/identity-import", Fixture, NULL, fixture_setup, test_identity_import, fixture_teardown);
  g_test_add ("/preferences/partner-cas", Fixture, NULL, fixture_setup, test_partner_cas, fixture_teardown);
  g_test_add ("/preferences/identity-for-session", Fixture, NULL, fixture_setup, test_identity_for_session,
              fixture_teardown);
  g_test_add ("/preferences/request-dialog", Fixture, NULL, fixture_setup, test_request_dialog, fixture_teardown);
  g_test_add ("/preferences/request-certificate", Fixture, NULL, fixture_setup, test_request_certificate, fixture_teardown);
  g_test_add ("/preferences/request-from-this-computer", Fixture, NULL, fixture_setup,
              test_request_from_this_computer, fixture_teardown);
  status = g_test_run ();

  remove_tree (tmp_dir);
  g_free (tmp_dir);
  return status;
}
