/* CvPreferencesWindow: the user's settings, stored in GSettings.
 *
 * Secrets never go into GSettings: the identity key lives in a 0600 file
 * written by cv_identity_import() (app/), and only its path is stored here.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "cv-camera-preview.h"
#include "cv-certificate-dialog.h"
#include "cv-certificate-request.h"
#include "cv-host.h"
#include "cv-identity.h"
#include "cv-media-devices.h"
#include "cv-preferences-window.h"
#include "cv-video-texture.h"

struct _CvPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  GSettings *settings;
  CvMediaDevices *devices;
  CvCertificateInfo *certificate;
  GCancellable *request_cancellable;  /* a certificate request under way */
  CvHost *host;                       /* this computer's service, once asked for a certificate */
  CvCameraPreview *preview;           /* while the window is mapped */

  AdwEntryRow *display_name_row;
  AdwEntryRow *server_row;
  AdwActionRow *recordings_row;
  AdwActionRow *notes_row;
  GtkSwitch *video_switch;
  AdwComboRow *camera_row;
  GtkPicture *camera_preview;
  GtkLabel *camera_preview_label;
  AdwComboRow *microphone_row;
  AdwComboRow *speaker_row;
  AdwActionRow *certificate_row;
  AdwActionRow *request_row;
  GtkWidget *certificate_details_button;
  GtkListBox *partner_list;
};

G_DEFINE_FINAL_TYPE (CvPreferencesWindow, cv_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

enum {
  SIGNAL_CERTIFICATE_REQUESTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- Messages ---- */

static void
show_message (CvPreferencesWindow *self,
              const char          *heading,
              const char          *body)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
show_toast (CvPreferencesWindow *self,
            const char          *text)
{
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (text));
}

/* ---- Folders ---- */

static void
update_folder_row (CvPreferencesWindow *self,
                   AdwActionRow        *row,
                   const char          *key,
                   GUserDirectory       xdg_dir)
{
  g_autofree char *path = g_settings_get_string (self->settings, key);

  if (*path == '\0')
    {
      const char *base = g_get_user_special_dir (xdg_dir);
      g_autofree char *fallback = g_build_filename (base ? base : g_get_home_dir (), "Conclave", NULL);
      /* Translators: %s is a folder path */
      g_autofree char *text = g_strdup_printf (_("%s (default)"), fallback);
      adw_action_row_set_subtitle (row, text);
    }
  else
    adw_action_row_set_subtitle (row, path);
}

static void
update_folders (CvPreferencesWindow *self)
{
  update_folder_row (self, self->recordings_row, "recordings-folder", G_USER_DIRECTORY_VIDEOS);
  update_folder_row (self, self->notes_row, "notes-folder", G_USER_DIRECTORY_DOCUMENTS);
}

static void
folder_response_cb (GtkNativeDialog     *native,
                    int                  response,
                    CvPreferencesWindow *self)
{
  const char *key = g_object_get_data (G_OBJECT (native), "settings-key");

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
      g_autofree char *path = folder ? g_file_get_path (folder) : NULL;

      /* Only local folders: nothing of a meeting may leave the machine. */
      if (path != NULL)
        g_settings_set_string (self->settings, key, path);
      else
        show_message (self, _("Cannot Use This Folder"), _("Choose a folder on this computer."));
    }
  gtk_native_dialog_destroy (native);
  g_object_unref (native);
}

static void
choose_folder (CvPreferencesWindow *self,
               const char          *key,
               const char          *title)
{
  GtkFileChooserNative *native =
    gtk_file_chooser_native_new (title, GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                 _("_Select"), _("_Cancel"));
  g_autofree char *current = g_settings_get_string (self->settings, key);

  if (*current != '\0' && g_file_test (current, G_FILE_TEST_IS_DIR))
    {
      g_autoptr (GFile) folder = g_file_new_for_path (current);
      gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (native), folder, NULL);
    }
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  g_object_set_data_full (G_OBJECT (native), "settings-key", g_strdup (key), g_free);
  /* The chooser holds its own reference until it answers. */
  g_signal_connect_object (native, "response", G_CALLBACK (folder_response_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

static void
choose_recordings_cb (CvPreferencesWindow *self)
{
  choose_folder (self, "recordings-folder", _("Recordings Folder"));
}

static void
choose_notes_cb (CvPreferencesWindow *self)
{
  choose_folder (self, "notes-folder", _("Notes Folder"));
}

/* ---- Devices ---- */

/* Position 0 is "automatic" (an empty setting); the rest are device names. */
static void
fill_device_row (CvPreferencesWindow *self,
                 AdwComboRow         *row,
                 const char          *key,
                 const char          *automatic,
                 GList               *devices)
{
  g_autoptr (GtkStringList) model = gtk_string_list_new (NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *current = g_settings_get_string (self->settings, key);
  guint selected = 0;

  gtk_string_list_append (model, automatic);
  g_ptr_array_add (names, g_strdup (""));
  for (GList *l = devices; l != NULL; l = l->next)
    {
      g_autofree char *name = gst_device_get_display_name (l->data);

      if (g_strcmp0 (name, current) == 0)
        selected = names->len;
      gtk_string_list_append (model, name);
      g_ptr_array_add (names, g_steal_pointer (&name));
    }
  /* A device that is unplugged now stays chosen for when it comes back. */
  if (*current != '\0' && selected == 0)
    {
      /* Translators: %s is a device name */
      g_autofree char *label = g_strdup_printf (_("%s (not connected)"), current);

      selected = names->len;
      gtk_string_list_append (model, label);
      g_ptr_array_add (names, g_strdup (current));
    }

  g_object_set_data_full (G_OBJECT (row), "cv-settings-key", (gpointer) key, NULL);
  g_object_set_data_full (G_OBJECT (row), "cv-device-names", names, (GDestroyNotify) g_ptr_array_unref);
  adw_combo_row_set_model (row, G_LIST_MODEL (model));
  adw_combo_row_set_selected (row, selected);
}

static void
device_selected_cb (AdwComboRow         *row,
                    GParamSpec          *pspec,
                    CvPreferencesWindow *self)
{
  GPtrArray *names = g_object_get_data (G_OBJECT (row), "cv-device-names");
  const char *key = g_object_get_data (G_OBJECT (row), "cv-settings-key");
  guint selected = adw_combo_row_get_selected (row);

  if (names == NULL || key == NULL || selected >= names->len)
    return;
  g_settings_set_string (self->settings, key, g_ptr_array_index (names, selected));
}

static GList *
list_speakers (void)
{
  GstDeviceMonitor *monitor = gst_device_monitor_new ();
  GList *devices;

  /* CvMediaDevices watches sources only; outputs are listed here once. */
  gst_device_monitor_add_filter (monitor, "Audio/Sink", NULL);
  gst_device_monitor_start (monitor);
  devices = gst_device_monitor_get_devices (monitor);
  gst_device_monitor_stop (monitor);
  gst_object_unref (monitor);
  return devices;
}

static void
fill_devices (CvPreferencesWindow *self)
{
  GList *cameras = cv_media_devices_list (self->devices, CV_MEDIA_KIND_VIDEO);
  GList *microphones = cv_media_devices_list (self->devices, CV_MEDIA_KIND_AUDIO);
  GList *speakers = list_speakers ();

  fill_device_row (self, self->camera_row, "camera",
                   _("Automatic"), cameras);
  fill_device_row (self, self->microphone_row, "microphone", _("System default"), microphones);
  fill_device_row (self, self->speaker_row, "speaker", _("System default"), speakers);
  g_list_free_full (cameras, gst_object_unref);
  g_list_free_full (microphones, gst_object_unref);
  g_list_free_full (speakers, gst_object_unref);
}

/* ---- Camera preview ---- */

static void
preview_frame_cb (CvRemoteStream      *stream,
                  CvPreferencesWindow *self)
{
  g_autoptr (GstSample) sample = cv_remote_stream_dup_last_sample (stream);
  g_autoptr (GdkTexture) texture = NULL;

  /* A frame queued before the preview stopped is not shown. */
  if (sample == NULL || self->preview == NULL || cv_camera_preview_get_stream (self->preview) != stream)
    return;
  texture = cv_video_texture_new_for_sample (sample);
  if (texture != NULL)
    gtk_picture_set_paintable (self->camera_preview, GDK_PAINTABLE (texture));
}

static void
stop_preview (CvPreferencesWindow *self)
{
  if (self->preview == NULL)
    return;
  g_signal_handlers_disconnect_by_data (cv_camera_preview_get_stream (self->preview), self);
  cv_camera_preview_stop (self->preview);
  g_clear_object (&self->preview);
}

/* Runs only while the window is shown: the camera light is on only then. */
static void
start_preview (CvPreferencesWindow *self)
{
  g_autofree char *camera = g_settings_get_string (self->settings, "camera");
  g_autoptr (GError) error = NULL;

  stop_preview (self);
  gtk_picture_set_paintable (self->camera_preview, NULL);
  self->preview = cv_camera_preview_new (self->devices, camera);
  g_signal_connect (cv_camera_preview_get_stream (self->preview), "new-frame",
                    G_CALLBACK (preview_frame_cb), self);
  if (!cv_camera_preview_start (self->preview, &error))
    {
      /* Translators: %s says why, from GStreamer */
      g_autofree char *text = g_strdup_printf (_("No preview: %s"), error->message);

      stop_preview (self);
      gtk_label_set_text (self->camera_preview_label, text);
      gtk_widget_set_visible (GTK_WIDGET (self->camera_preview_label), TRUE);
      return;
    }
  if (cv_camera_preview_get_is_test (self->preview))
    {
      gtk_label_set_text (self->camera_preview_label,
                          *camera != '\0' ? _("This camera is not connected: showing a test picture")
                                           : _("No camera found: showing a test picture"));
      gtk_widget_set_visible (GTK_WIDGET (self->camera_preview_label), TRUE);
    }
  else
    gtk_widget_set_visible (GTK_WIDGET (self->camera_preview_label), FALSE);
}

CvCameraPreview *
cv_preferences_window_get_camera_preview (CvPreferencesWindow *self)
{
  g_return_val_if_fail (CV_IS_PREFERENCES_WINDOW (self), NULL);
  return self->preview;
}

/* ---- Identity ---- */

static void
update_certificate (CvPreferencesWindow *self)
{
  g_autofree char *path = g_settings_get_string (self->settings, "identity-certificate");
  g_auto (GStrv) partners = g_settings_get_strv (self->settings, "trusted-partner-cas");
  g_autofree char *service_ca = NULL;
  g_autoptr (GError) error = NULL;
  const char *name;

  g_clear_object (&self->certificate);
  if (*path == '\0')
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->certificate_row), _("No certificate"));
      adw_action_row_set_subtitle (self->certificate_row,
                                   _("Others see you as unverified. Request a certificate from your meeting service or import one to change that."));
      gtk_widget_set_visible (self->certificate_details_button, FALSE);
      return;
    }

  service_ca = cv_identity_service_ca_path (path);
  /* The service's CA root, kept beside a certificate it issued, tells
   * "verified internally" apart offline. */
  self->certificate = cv_identity_load_certificate (path, (const char * const *) partners, service_ca, &error);
  if (self->certificate == NULL)
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->certificate_row),
                                     _("The certificate cannot be read"));
      adw_action_row_set_subtitle (self->certificate_row, error->message);
      gtk_widget_set_visible (self->certificate_details_button, FALSE);
      return;
    }

  name = cv_certificate_info_get_display_name (self->certificate);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->certificate_row),
                                 name ? name : cv_certificate_info_get_subject (self->certificate));
  {
    GDateTime *not_before = cv_certificate_info_get_not_before (self->certificate);
    GDateTime *not_after = cv_certificate_info_get_not_after (self->certificate);
    /* Translators: a date and time, see g_date_time_format() */
    g_autofree char *from = not_before ? g_date_time_format (not_before, _("%Y-%m-%d %H:%M")) : g_strdup ("?");
    /* Translators: a date and time, see g_date_time_format() */
    g_autofree char *until = not_after ? g_date_time_format (not_after, _("%Y-%m-%d %H:%M")) : g_strdup ("?");
    /* Translators: the verdict ("Verified internally"), a certificate authority's name, two dates */
    g_autofree char *subtitle = g_strdup_printf (_("%s · issued by %s, valid from %s until %s"),
                                                 cv_certificate_verdict_to_string (cv_certificate_info_get_verdict (self->certificate)),
                                                 cv_certificate_info_get_issuer (self->certificate), from, until);
    adw_action_row_set_subtitle (self->certificate_row, subtitle);
  }
  gtk_widget_set_visible (self->certificate_details_button, TRUE);
}

static void
certificate_details_cb (CvPreferencesWindow *self)
{
  GtkWidget *dialog;

  if (self->certificate == NULL)
    return;
  dialog = cv_certificate_dialog_new (GTK_WINDOW (self), self->certificate);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
passphrase_response_cb (AdwMessageDialog    *dialog,
                        const char          *response,
                        CvPreferencesWindow *self)
{
  GtkEditable *entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));
  const char * const *paths = g_object_get_data (G_OBJECT (dialog), "cv-paths");
  char *passphrase;

  if (!g_str_equal (response, "import"))
    {
      gtk_editable_set_text (entry, "");
      return;
    }
  passphrase = g_strdup (gtk_editable_get_text (entry));
  gtk_editable_set_text (entry, "");
  cv_preferences_window_import_identity (self, paths, passphrase);
  explicit_bzero (passphrase, strlen (passphrase));
  g_free (passphrase);
}

static void
ask_passphrase (CvPreferencesWindow *self,
                const char * const  *paths,
                const char          *message)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Passphrase Needed"), message);
  /* A hidden GtkEntry: GTK 4.8's GtkPasswordEntry warns when its window is
   * destroyed while it holds the focus. */
  GtkWidget *entry = gtk_entry_new ();

  gtk_entry_set_visibility (GTK_ENTRY (entry), FALSE);
  gtk_entry_set_input_purpose (GTK_ENTRY (entry), GTK_INPUT_PURPOSE_PASSWORD);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Passphrase"), -1);
  g_object_set (entry, "activates-default", TRUE, NULL);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "import", _("_Import"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "import", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "import");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "cv-paths", g_strdupv ((char **) paths), (GDestroyNotify) g_strfreev);
  g_signal_connect_object (dialog, "response", G_CALLBACK (passphrase_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

gboolean
cv_preferences_window_import_identity (CvPreferencesWindow *self,
                                       const char * const  *paths,
                                       const char          *passphrase)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *certificate_path = NULL;
  g_autofree char *key_path = NULL;

  g_return_val_if_fail (CV_IS_PREFERENCES_WINDOW (self), FALSE);
  g_return_val_if_fail (paths != NULL, FALSE);

  if (!cv_identity_import (paths, passphrase, NULL, &certificate_path, &key_path, &error))
    {
      if (g_error_matches (error, CV_IDENTITY_ERROR, CV_IDENTITY_ERROR_NEEDS_PASSPHRASE)
          || g_error_matches (error, CV_IDENTITY_ERROR, CV_IDENTITY_ERROR_BAD_PASSPHRASE))
        ask_passphrase (self, paths, error->message);
      else
        show_message (self, _("Cannot Import the Certificate"), error->message);
      return FALSE;
    }
  /* The key first, so that whoever watches the certificate finds its key. */
  g_settings_set_string (self->settings, "identity-key", key_path);
  g_settings_set_string (self->settings, "identity-certificate", certificate_path);
  show_toast (self, _("Certificate and key imported"));
  return TRUE;
}

static void
import_response_cb (GtkNativeDialog     *native,
                    int                  response,
                    CvPreferencesWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (native));
      g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
      g_auto (GStrv) paths = NULL;

      for (guint i = 0; i < g_list_model_get_n_items (files); i++)
        {
          g_autoptr (GFile) file = g_list_model_get_item (files, i);
          g_autofree char *path = g_file_get_path (file);
          if (path != NULL)
            g_strv_builder_add (builder, path);
        }
      paths = g_strv_builder_end (builder);
      if (paths[0] != NULL)
        cv_preferences_window_import_identity (self, (const char * const *) paths, NULL);
    }
  gtk_native_dialog_destroy (native);
  g_object_unref (native);
}

static void
import_activated_cb (CvPreferencesWindow *self)
{
  GtkFileChooserNative *native =
    gtk_file_chooser_native_new (_("Import Certificate and Key"), GTK_WINDOW (self),
                                 GTK_FILE_CHOOSER_ACTION_OPEN, _("_Import"), _("_Cancel"));
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();
  g_autoptr (GtkFileFilter) all = gtk_file_filter_new ();
  const char *patterns[] = { "*.pem", "*.crt", "*.cer", "*.der", "*.key", "*.p12", "*.pfx" };

  gtk_file_filter_set_name (filter, _("Certificates and keys"));
  for (guint i = 0; i < G_N_ELEMENTS (patterns); i++)
    gtk_file_filter_add_pattern (filter, patterns[i]);
  gtk_file_filter_set_name (all, _("All files"));
  gtk_file_filter_add_pattern (all, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), filter);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), all);
  /* The certificate and its key are often two files. */
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (native), TRUE);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  g_signal_connect_object (native, "response", G_CALLBACK (import_response_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

static void
request_finished (CvPreferencesWindow       *self,
                  CvCertificateRequestFiles *files,
                  GError                    *error)
{
  adw_action_row_set_subtitle (self->request_row, _("Sign in to your meeting service; it vouches for your name."));
  gtk_widget_set_sensitive (GTK_WIDGET (self->request_row), TRUE);
  if (files == NULL)
    {
      show_message (self, _("Cannot Get a Certificate"), error->message);
      g_signal_emit (self, signals[SIGNAL_CERTIFICATE_REQUESTED], 0, FALSE);
      return;
    }
  /* The key first, so that whoever watches the certificate finds its key. */
  g_settings_set_string (self->settings, "identity-key", files->key_path);
  g_settings_set_string (self->settings, "identity-certificate", files->certificate_path);
  show_toast (self, _("Certificate received from the meeting service"));
  g_signal_emit (self, signals[SIGNAL_CERTIFICATE_REQUESTED], 0, TRUE);
}

static void
request_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr (CvPreferencesWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (CvCertificateRequestFiles) files = cv_certificate_request_finish (result, &error);

  /* Cancelled: the window went, or a newer request replaced this one. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->request_cancellable);
  request_finished (self, files, error);
}

void
cv_preferences_window_request_certificate (CvPreferencesWindow *self,
                                           const char          *server,
                                           const char          *account,
                                           const char          *password)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *host = NULL;
  g_autofree char *fingerprint = NULL;
  g_autofree char *server_name = NULL;
  g_autofree char *progress = NULL;
  guint16 port = 0;

  g_return_if_fail (CV_IS_PREFERENCES_WINDOW (self));
  g_return_if_fail (account != NULL && password != NULL);

  g_cancellable_cancel (self->request_cancellable);
  g_clear_object (&self->request_cancellable);
  /* Offered again next time; the password is not kept. */
  g_settings_set_string (self->settings, "identity-account", account);

  server_name = g_strstrip (g_strdup (server ? server : ""));
  if (*server_name == '\0')
    {
      g_autoptr (CvCertificateRequestFiles) files = NULL;
      g_autofree char *name = g_strstrip (g_strdup (account));

      /* This computer's service: its owner needs no account there. */
      if (self->host == NULL)
        self->host = cv_host_new ();
      files = cv_certificate_request_from_host (self->host, name, NULL, &error);
      request_finished (self, files, error);
      return;
    }
  if (!cv_certificate_request_parse_server (server_name, &host, &port, &fingerprint, &error))
    {
      request_finished (self, NULL, error);
      return;
    }
  self->request_cancellable = g_cancellable_new ();
  /* Translators: %s is a meeting service's host name */
  progress = g_strdup_printf (_("Asking %s for a certificate…"), host);
  adw_action_row_set_subtitle (self->request_row, progress);
  gtk_widget_set_sensitive (GTK_WIDGET (self->request_row), FALSE);
  cv_certificate_request_async (host, port, fingerprint, account, password, NULL, self->request_cancellable,
                                request_done_cb, g_object_ref (self));
}

static void
request_response_cb (AdwMessageDialog    *dialog,
                     const char          *response,
                     CvPreferencesWindow *self)
{
  GtkEditable *server = g_object_get_data (G_OBJECT (dialog), "cv-server");
  GtkEditable *account = g_object_get_data (G_OBJECT (dialog), "cv-account");
  GtkEditable *password = g_object_get_data (G_OBJECT (dialog), "cv-password");
  char *secret;

  if (!g_str_equal (response, "request"))
    {
      gtk_editable_set_text (password, "");
      return;
    }
  secret = g_strdup (gtk_editable_get_text (password));
  gtk_editable_set_text (password, "");
  cv_preferences_window_request_certificate (self, gtk_editable_get_text (server), gtk_editable_get_text (account),
                                             secret);
  explicit_bzero (secret, strlen (secret));
  g_free (secret);
}

static void
request_activated_cb (CvPreferencesWindow *self)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Request a Certificate"),
                                              _("Your meeting service can vouch for your name: others in its "
                                                "meetings then see you as verified internally. Sign in with your "
                                                "account there. Leave the service empty for meetings hosted on "
                                                "this computer, which needs no account."));
  g_autofree char *default_server = g_settings_get_string (self->settings, "default-server");
  g_autofree char *last_account = g_settings_get_string (self->settings, "identity-account");
  GtkWidget *list = gtk_list_box_new ();
  GtkWidget *server = adw_entry_row_new ();
  GtkWidget *account = adw_entry_row_new ();
  GtkWidget *password = adw_password_entry_row_new ();

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (server), _("Meeting service (HOST:PORT or an invite link)"));
  gtk_editable_set_text (GTK_EDITABLE (server), default_server);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (account), _("Account"));
  gtk_editable_set_text (GTK_EDITABLE (account), *last_account ? last_account : g_get_user_name ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (password), _("Password"));
  gtk_list_box_append (GTK_LIST_BOX (list), server);
  gtk_list_box_append (GTK_LIST_BOX (list), account);
  gtk_list_box_append (GTK_LIST_BOX (list), password);
  /* Held, since the response may come while the dialog is destroyed. */
  g_object_set_data_full (G_OBJECT (dialog), "cv-server", g_object_ref (server), g_object_unref);
  g_object_set_data_full (G_OBJECT (dialog), "cv-account", g_object_ref (account), g_object_unref);
  g_object_set_data_full (G_OBJECT (dialog), "cv-password", g_object_ref (password), g_object_unref);

  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), list);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "request", _("_Request"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "request", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "request");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (request_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (*default_server ? password : server);
}

/* ---- Partner authorities ---- */

static void
remove_partner_clicked_cb (GtkButton           *button,
                           CvPreferencesWindow *self)
{
  cv_preferences_window_remove_partner_ca (self, g_object_get_data (G_OBJECT (button), "cv-path"));
}

static void
update_partners (CvPreferencesWindow *self)
{
  g_auto (GStrv) paths = g_settings_get_strv (self->settings, "trusted-partner-cas");
  GtkListBoxRow *old_row;

  /* Rows only: the placeholder is a child of the list too. */
  while ((old_row = gtk_list_box_get_row_at_index (self->partner_list, 0)) != NULL)
    gtk_list_box_remove (self->partner_list, GTK_WIDGET (old_row));

  for (guint i = 0; paths[i] != NULL; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *subject = cv_identity_check_ca_file (paths[i], &error);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");
      /* Translators: %s is a certificate authority's name or file */
      g_autofree char *remove_label = NULL;

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      if (subject != NULL)
        {
          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), subject);
          adw_action_row_set_subtitle (ADW_ACTION_ROW (row), paths[i]);
        }
      else
        {
          /* Kept in the list so the user sees what went wrong and can remove it. */
          g_autofree char *name = g_filename_display_basename (paths[i]);
          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
          adw_action_row_set_subtitle (ADW_ACTION_ROW (row), error->message);
          gtk_widget_add_css_class (row, "warning");
        }
      remove_label = g_strdup_printf (_("Remove %s"), subject ? subject : paths[i]);
      gtk_widget_set_tooltip_text (remove, _("Remove"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (remove), GTK_ACCESSIBLE_PROPERTY_LABEL, remove_label, -1);
      gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (remove, "flat");
      g_object_set_data_full (G_OBJECT (remove), "cv-path", g_strdup (paths[i]), g_free);
      g_signal_connect_object (remove, "clicked", G_CALLBACK (remove_partner_clicked_cb), self, 0);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
      gtk_list_box_append (self->partner_list, row);
    }
}

gboolean
cv_preferences_window_add_partner_ca (CvPreferencesWindow *self,
                                      const char          *path)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *subject = NULL;
  g_auto (GStrv) paths = NULL;
  g_autoptr (GStrvBuilder) builder = NULL;
  g_auto (GStrv) updated = NULL;
  g_autofree char *toast = NULL;

  g_return_val_if_fail (CV_IS_PREFERENCES_WINDOW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  subject = cv_identity_check_ca_file (path, &error);
  if (subject == NULL)
    {
      show_message (self, _("Cannot Add the Authority"), error->message);
      return FALSE;
    }
  paths = g_settings_get_strv (self->settings, "trusted-partner-cas");
  if (g_strv_contains ((const char * const *) paths, path))
    {
      show_toast (self, _("This authority is already trusted"));
      return TRUE;
    }
  builder = g_strv_builder_new ();
  g_strv_builder_addv (builder, (const char **) paths);
  g_strv_builder_add (builder, path);
  updated = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "trusted-partner-cas", (const char * const *) updated);
  /* Translators: %s is a certificate authority's name */
  toast = g_strdup_printf (_("%s is now trusted"), subject);
  show_toast (self, toast);
  return TRUE;
}

void
cv_preferences_window_remove_partner_ca (CvPreferencesWindow *self,
                                         const char          *path)
{
  g_auto (GStrv) paths = NULL;
  g_autoptr (GStrvBuilder) builder = NULL;
  g_auto (GStrv) updated = NULL;

  g_return_if_fail (CV_IS_PREFERENCES_WINDOW (self));
  g_return_if_fail (path != NULL);

  paths = g_settings_get_strv (self->settings, "trusted-partner-cas");
  builder = g_strv_builder_new ();
  for (guint i = 0; paths[i] != NULL; i++)
    if (!g_str_equal (paths[i], path))
      g_strv_builder_add (builder, paths[i]);
  updated = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "trusted-partner-cas", (const char * const *) updated);
}

static void
partner_response_cb (GtkNativeDialog     *native,
                     int                  response,
                     CvPreferencesWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;

      if (path != NULL)
        cv_preferences_window_add_partner_ca (self, path);
    }
  gtk_native_dialog_destroy (native);
  g_object_unref (native);
}

static void
add_partner_cb (CvPreferencesWindow *self)
{
  GtkFileChooserNative *native =
    gtk_file_chooser_native_new (_("Add Partner Authority"), GTK_WINDOW (self),
                                 GTK_FILE_CHOOSER_ACTION_OPEN, _("_Add"), _("_Cancel"));
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Certificates"));
  gtk_file_filter_add_pattern (filter, "*.pem");
  gtk_file_filter_add_pattern (filter, "*.crt");
  gtk_file_filter_add_pattern (filter, "*.cer");
  gtk_file_filter_add_pattern (filter, "*.der");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  g_signal_connect_object (native, "response", G_CALLBACK (partner_response_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

/* ---- Settings ---- */

static void
settings_changed_cb (CvPreferencesWindow *self,
                     const char          *key)
{
  if (g_str_equal (key, "recordings-folder") || g_str_equal (key, "notes-folder"))
    update_folders (self);
  else if (g_str_equal (key, "identity-certificate"))
    update_certificate (self);
  else if (g_str_equal (key, "camera") && gtk_widget_get_mapped (GTK_WIDGET (self)))
    start_preview (self);
  else if (g_str_equal (key, "trusted-partner-cas"))
    {
      update_partners (self);
      /* The verdict on the user's own certificate depends on the partners. */
      update_certificate (self);
    }
}

static void
cv_preferences_window_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (cv_preferences_window_parent_class)->map (widget);
  start_preview (CV_PREFERENCES_WINDOW (widget));
}

static void
cv_preferences_window_unmap (GtkWidget *widget)
{
  stop_preview (CV_PREFERENCES_WINDOW (widget));
  GTK_WIDGET_CLASS (cv_preferences_window_parent_class)->unmap (widget);
}

static void
cv_preferences_window_dispose (GObject *object)
{
  CvPreferencesWindow *self = CV_PREFERENCES_WINDOW (object);

  stop_preview (self);
  g_cancellable_cancel (self->request_cancellable);
  g_clear_object (&self->request_cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), CV_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->host);
  g_clear_object (&self->certificate);
  g_clear_object (&self->devices);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (cv_preferences_window_parent_class)->dispose (object);
}

static void
cv_preferences_window_class_init (CvPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cv_preferences_window_dispose;
  widget_class->map = cv_preferences_window_map;
  widget_class->unmap = cv_preferences_window_unmap;

  /* A certificate request ended: TRUE when the new identity is in place. */
  signals[SIGNAL_CERTIFICATE_REQUESTED] =
    g_signal_new ("certificate-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/conclave/Conclave/cv-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CvPreferencesWindow, display_name_row);
  gtk_widget_class_bind_template_child (widget_class, CvPreferencesWindow, server_row);
  gtk_widget_class_bind_template_child (widget_class, CvPreferencesWindow, recordings_row);
  gtk_widget_class_bind_template_child (widget_class, CvPreferencesWindow, notes_row);
  gtk_widget_class_bind_template_child (widget_class, CvPreferencesWindow, video_switch);
  gtk_widget_class_bind_template_child (widget_class, CvPreferencesWindow, camera_row);
  gtk_widget_class_bind_template_child (widget_class, CvPreferencesWindow, camera_preview);
  gtk_widget_class_bind_template_child (widget_class, CvPreferencesWindow, camera_preview_label);
  gtk_widget_class_bind_template_child (widget_class, CvPreferencesWindow, microphone_row);
  gtk_widget_class_bind_template_child (widget_class, CvPreferencesWindow, speaker_row);
  gtk_widget_class_bind_template_child (widget_class, CvPreferencesWindow, certificate_row);
  gtk_widget_class_bind_template_child (widget_class, CvPreferencesWindow, certificate_details_button);
  gtk_widget_class_bind_template_child (widget_class, CvPreferencesWindow, request_row);
  gtk_widget_class_bind_template_child (widget_class, CvPreferencesWindow, partner_list);
  gtk_widget_class_bind_template_callback (widget_class, choose_recordings_cb);
  gtk_widget_class_bind_template_callback (widget_class, choose_notes_cb);
  gtk_widget_class_bind_template_callback (widget_class, certificate_details_cb);
  gtk_widget_class_bind_template_callback (widget_class, import_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, request_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, add_partner_cb);
}

static void
cv_preferences_window_init (CvPreferencesWindow *self)
{
  GtkWidget *placeholder;

  gtk_widget_init_template (GTK_WIDGET (self));

  if (!gst_is_initialized ())
    gst_init (NULL, NULL);
  self->devices = cv_media_devices_new ();
  self->settings = g_settings_new (APP_ID);

  g_settings_bind (self->settings, "display-name", self->display_name_row, "text", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "default-server", self->server_row, "text", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "video-devices-enabled", self->video_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_object (self->settings, "changed", G_CALLBACK (settings_changed_cb), self, G_CONNECT_SWAPPED);

  placeholder = gtk_label_new (_("No partner authorities"));
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_widget_set_margin_top (placeholder, 12);
  gtk_widget_set_margin_bottom (placeholder, 12);
  gtk_list_box_set_placeholder (self->partner_list, placeholder);

  fill_devices (self);
  g_signal_connect_object (self->camera_row, "notify::selected", G_CALLBACK (device_selected_cb), self, 0);
  g_signal_connect_object (self->microphone_row, "notify::selected", G_CALLBACK (device_selected_cb), self, 0);
  g_signal_connect_object (self->speaker_row, "notify::selected", G_CALLBACK (device_selected_cb), self, 0);

  update_folders (self);
  update_certificate (self);
  update_partners (self);
}

GtkWidget *
cv_preferences_window_new (GtkWindow *parent)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);

  return g_object_new (CV_TYPE_PREFERENCES_WINDOW, "transient-for", parent, NULL);
}
