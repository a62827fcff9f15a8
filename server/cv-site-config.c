#include "cv-site-config.h"

#include <gio/gio.h>

struct _CvSiteConfig
{
  GObject parent_instance;
  CvSiteSettings settings;
};

G_DEFINE_FINAL_TYPE (CvSiteConfig, cv_site_config, G_TYPE_OBJECT)

typedef enum { KIND_STRING, KIND_UINT, KIND_BOOL } SettingKind;

/* One row per key: the table drives the properties, the defaults and the
 * key-file loading, so that the three can never disagree. */
typedef struct {
  const char *group;
  const char *key;
  SettingKind kind;
  gsize offset;
  guint min, max, def;
  const char *def_string;
  const char *blurb;
} Setting;

#define OFF(field) G_STRUCT_OFFSET (CvSiteSettings, field)

static const Setting settings_table[] = {
  { "server", "bind", KIND_STRING, OFF (bind), 0, 0, 0, "0.0.0.0", "Address to listen on" },
  { "server", "port", KIND_UINT, OFF (port), 0, 65535, CV_SERVER_DEFAULT_PORT, NULL, "TCP port (0: any free port)" },
  { "server", "public-host", KIND_STRING, OFF (public_host), 0, 0, 0, NULL, "Host name put into invite links" },
  { "server", "state-dir", KIND_STRING, OFF (state_dir), 0, 0, 0, NULL, "Folder for the service's keys" },
  { "server", "tls-cert", KIND_STRING, OFF (tls_cert), 0, 0, 0, NULL, "TLS certificate (PEM)" },
  { "server", "tls-key", KIND_STRING, OFF (tls_key), 0, 0, 0, NULL, "TLS private key (PEM)" },
  { "server", "accounts", KIND_STRING, OFF (accounts), 0, 0, 0, NULL, "Accounts file" },
  { "server", "relay-port", KIND_UINT, OFF (relay_port), 0, 65535, 0, NULL, "UDP media port (0: any free port)" },
  { "site", "e2ee-allowed", KIND_BOOL, OFF (e2ee_allowed), 0, 1, TRUE, NULL, "E2EE meetings may be created" },
  { "site", "video-devices-enabled", KIND_BOOL, OFF (video_devices_enabled), 0, 1, TRUE, NULL, "Video is allowed in E2EE meetings" },
  { "site", "open-meeting-creation", KIND_BOOL, OFF (open_meeting_creation), 0, 1, TRUE, NULL, "Meetings may be created without signing in" },
  { "limits", "participants", KIND_UINT, OFF (participants), 1, CV_E2EE_MAX_PARTICIPANTS, CV_E2EE_MAX_PARTICIPANTS, NULL, "Participants per meeting" },
  { "limits", "devices", KIND_UINT, OFF (devices), 0, CV_E2EE_MAX_DEVICE_POSITION, CV_E2EE_MAX_DEVICE_POSITION, NULL, "A device must be among this many participants" },
  { "limits", "frame-size", KIND_UINT, OFF (frame_size), 4096, 64 * 1024 * 1024, 4 * 1024 * 1024, NULL, "Largest WebSocket frame of a joined client" },
  { "limits", "unjoined-frame-size", KIND_UINT, OFF (unjoined_frame_size), 1024, 16 * 1024 * 1024, 256 * 1024, NULL, "Largest WebSocket frame before joining" },
  { "limits", "payload-size", KIND_UINT, OFF (payload_size), 256, 16 * 1024 * 1024, 64 * 1024, NULL, "Largest KeyPackage, proposal or chat message" },
  { "limits", "messages-per-second", KIND_UINT, OFF (messages_per_second), 1, 1000000, 50, NULL, "Sustained messages per client" },
  { "limits", "burst", KIND_UINT, OFF (burst), 1, 1000000, 200, NULL, "Messages a client may send at once" },
  { "limits", "flood-drops", KIND_UINT, OFF (flood_drops), 1, 1000000, 100, NULL, "Dropped messages before a client is disconnected" },
  { "limits", "send-backlog", KIND_UINT, OFF (send_backlog), 64 * 1024, G_MAXUINT, 8 * 1024 * 1024, NULL, "Unacknowledged bytes before a slow client is dropped" },
  { "limits", "handshake-log-bytes", KIND_UINT, OFF (handshake_log_bytes), 0, G_MAXUINT, 64 * 1024 * 1024, NULL, "Handshake messages kept per meeting for catch-up" },
  { "limits", "certificate-lifetime", KIND_UINT, OFF (certificate_lifetime), 1, 24 * 365, 24, NULL, "Hours a service-CA certificate is valid" },
  { "limits", "max-meetings", KIND_UINT, OFF (max_meetings), 1, G_MAXUINT, 10000, NULL, "Meetings open at once" },
};

#define N_SETTINGS G_N_ELEMENTS (settings_table)
static GParamSpec *properties[N_SETTINGS + 1];

static void
cv_site_config_finalize (GObject *object)
{
  CvSiteConfig *self = CV_SITE_CONFIG (object);

  for (guint i = 0; i < N_SETTINGS; i++)
    if (settings_table[i].kind == KIND_STRING)
      g_clear_pointer ((char **) G_STRUCT_MEMBER_P (&self->settings, settings_table[i].offset), g_free);
  G_OBJECT_CLASS (cv_site_config_parent_class)->finalize (object);
}

static void
cv_site_config_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  CvSiteConfig *self = CV_SITE_CONFIG (object);
  const Setting *s;
  gpointer field;

  if (prop_id == 0 || prop_id > N_SETTINGS)
    {
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
  s = &settings_table[prop_id - 1];
  field = G_STRUCT_MEMBER_P (&self->settings, s->offset);
  switch (s->kind)
    {
    case KIND_STRING: g_value_set_string (value, *(char **) field); break;
    case KIND_UINT: g_value_set_uint (value, *(guint *) field); break;
    case KIND_BOOL: g_value_set_boolean (value, *(gboolean *) field); break;
    }
}

static void
cv_site_config_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  CvSiteConfig *self = CV_SITE_CONFIG (object);
  const Setting *s;
  gpointer field;

  if (prop_id == 0 || prop_id > N_SETTINGS)
    {
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
  s = &settings_table[prop_id - 1];
  field = G_STRUCT_MEMBER_P (&self->settings, s->offset);
  switch (s->kind)
    {
    case KIND_STRING:
      if (g_strcmp0 (*(char **) field, g_value_get_string (value)) == 0)
        return;
      g_free (*(char **) field);
      *(char **) field = g_value_dup_string (value);
      break;
    case KIND_UINT:
      if (*(guint *) field == g_value_get_uint (value))
        return;
      *(guint *) field = g_value_get_uint (value);
      break;
    case KIND_BOOL:
      if (*(gboolean *) field == g_value_get_boolean (value))
        return;
      *(gboolean *) field = g_value_get_boolean (value);
      break;
    }
  g_object_notify_by_pspec (object, pspec);
}

static void
cv_site_config_class_init (CvSiteConfigClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = cv_site_config_finalize;
  object_class->get_property = cv_site_config_get_property;
  object_class->set_property = cv_site_config_set_property;

  for (guint i = 0; i < N_SETTINGS; i++)
    {
      const Setting *s = &settings_table[i];

      switch (s->kind)
        {
        case KIND_STRING:
          properties[i + 1] = g_param_spec_string (s->key, NULL, s->blurb, s->def_string, flags);
          break;
        case KIND_UINT:
          properties[i + 1] = g_param_spec_uint (s->key, NULL, s->blurb, s->min, s->max, s->def, flags);
          break;
        case KIND_BOOL:
          properties[i + 1] = g_param_spec_boolean (s->key, NULL, s->blurb, s->def, flags);
          break;
        }
    }
  g_object_class_install_properties (object_class, N_SETTINGS + 1, properties);
}

static void
cv_site_config_init (CvSiteConfig *self)
{
  for (guint i = 0; i < N_SETTINGS; i++)
    {
      const Setting *s = &settings_table[i];
      gpointer field = G_STRUCT_MEMBER_P (&self->settings, s->offset);

      switch (s->kind)
        {
        case KIND_STRING: *(char **) field = g_strdup (s->def_string); break;
        case KIND_UINT: *(guint *) field = s->def; break;
        case KIND_BOOL: *(gboolean *) field = s->def; break;
        }
    }
}

CvSiteConfig *
cv_site_config_new (void)
{
  return g_object_new (CV_TYPE_SITE_CONFIG, NULL);
}

static const Setting *
find_setting (const char *group, const char *key)
{
  for (guint i = 0; i < N_SETTINGS; i++)
    if (g_str_equal (settings_table[i].group, group) && g_str_equal (settings_table[i].key, key))
      return &settings_table[i];
  return NULL;
}

gboolean
cv_site_config_load_key_file (CvSiteConfig *self,
                              GKeyFile     *key_file,
                              GError      **error)
{
  g_auto (GStrv) groups = NULL;

  g_return_val_if_fail (CV_IS_SITE_CONFIG (self), FALSE);

  groups = g_key_file_get_groups (key_file, NULL);
  for (guint g = 0; groups[g] != NULL; g++)
    {
      g_auto (GStrv) keys = g_key_file_get_keys (key_file, groups[g], NULL, NULL);

      for (guint k = 0; keys != NULL && keys[k] != NULL; k++)
        {
          const Setting *s = find_setting (groups[g], keys[k]);
          GError *local_error = NULL;

          if (s == NULL)
            {
              g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                           "Unknown setting [%s] %s", groups[g], keys[k]);
              return FALSE;
            }
          switch (s->kind)
            {
            case KIND_STRING:
              {
                g_autofree char *v = g_key_file_get_string (key_file, groups[g], keys[k], &local_error);
                if (v != NULL)
                  g_object_set (self, s->key, v, NULL);
              }
              break;
            case KIND_UINT:
              {
                guint64 v = g_key_file_get_uint64 (key_file, groups[g], keys[k], &local_error);
                if (local_error == NULL && (v < s->min || v > s->max))
                  {
                    g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                                 "[%s] %s = %" G_GUINT64_FORMAT " is outside %u..%u",
                                 groups[g], keys[k], v, s->min, s->max);
                    return FALSE;
                  }
                if (local_error == NULL)
                  g_object_set (self, s->key, (guint) v, NULL);
              }
              break;
            case KIND_BOOL:
              {
                gboolean v = g_key_file_get_boolean (key_file, groups[g], keys[k], &local_error);
                if (local_error == NULL)
                  g_object_set (self, s->key, v, NULL);
              }
              break;
            }
          if (local_error != NULL)
            {
              g_propagate_prefixed_error (error, local_error, "[%s] %s: ", groups[g], keys[k]);
              return FALSE;
            }
        }
    }
  return TRUE;
}

CvSiteConfig *
cv_site_config_new_from_file (const char *path,
                              GError    **error)
{
  g_autoptr (GKeyFile) key_file = g_key_file_new ();
  g_autoptr (CvSiteConfig) self = cv_site_config_new ();

  if (!g_key_file_load_from_file (key_file, path, G_KEY_FILE_NONE, error))
    return NULL;
  if (!cv_site_config_load_key_file (self, key_file, error))
    {
      g_prefix_error (error, "%s: ", path);
      return NULL;
    }
  return g_steal_pointer (&self);
}

const CvSiteSettings *
cv_site_config_peek (CvSiteConfig *self)
{
  g_return_val_if_fail (CV_IS_SITE_CONFIG (self), NULL);
  return &self->settings;
}
