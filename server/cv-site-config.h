/* cv-site-config.h: the service's configuration file (a GKeyFile).
 *
 *   [server]  bind, port, public-host, state-dir, tls-cert, tls-key, accounts, relay-port
 *   [site]    e2ee-allowed, video-devices-enabled, open-meeting-creation
 *   [limits]  participants, devices, frame-size, unjoined-frame-size, payload-size,
 *             messages-per-second, burst, flood-drops, send-backlog,
 *             handshake-log-bytes, certificate-lifetime, max-meetings
 *
 * Every key is also a property of the same name; unknown keys are refused so
 * that a typo does not silently leave a limit at its default. The limits of
 * an E2EE meeting (1000 participants, a device only among the first 205) are
 * upper bounds: the file may lower them, never raise them.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define CV_SERVER_DEFAULT_PORT 7443
#define CV_E2EE_MAX_PARTICIPANTS 1000
#define CV_E2EE_MAX_DEVICE_POSITION 205

#define CV_TYPE_SITE_CONFIG (cv_site_config_get_type ())
G_DECLARE_FINAL_TYPE (CvSiteConfig, cv_site_config, CV, SITE_CONFIG, GObject)

/* A read-only view of every setting, for the hot paths. */
typedef struct {
  char *bind;
  guint port;
  char *public_host;
  char *state_dir;
  char *tls_cert;
  char *tls_key;
  char *accounts;
  guint relay_port;

  gboolean e2ee_allowed;
  gboolean video_devices_enabled;
  gboolean open_meeting_creation;

  guint participants;
  guint devices;
  guint frame_size;
  guint unjoined_frame_size;
  guint payload_size;
  guint messages_per_second;
  guint burst;
  guint flood_drops;
  guint send_backlog;
  guint handshake_log_bytes;
  guint certificate_lifetime;
  guint max_meetings;
} CvSiteSettings;

CvSiteConfig         *cv_site_config_new          (void);
CvSiteConfig         *cv_site_config_new_from_file (const char *path,
                                                     GError    **error);
gboolean              cv_site_config_load_key_file (CvSiteConfig *self,
                                                     GKeyFile     *key_file,
                                                     GError      **error);
const CvSiteSettings *cv_site_config_peek         (CvSiteConfig *self);

G_END_DECLS
