/* cv-server.h: the meeting service, embeddable.
 *
 * conclave-server wraps one CvServer; the app creates one when the user hosts
 * a meeting on their own machine ("Start a meeting"). The server runs in the
 * thread-default GMainContext of the thread that calls cv_server_start() and
 * never blocks it (password hashing runs in a worker thread).
 *
 *   g_autoptr (CvSiteConfig) config = cv_site_config_new ();
 *   g_object_set (config, "port", 0, "state-dir", dir, NULL);
 *   g_autoptr (CvServer) server = cv_server_new (config, &error);
 *   cv_server_start (server, &error);
 *   number = cv_server_create_meeting (server, TRUE, NULL, &error);
 *   link = cv_server_build_invite (server, number);   // conclave://HOST:PORT/j/NUMBER?fp=…
 *   …
 *   cv_server_stop (server);
 *
 * The protocol spoken on wss://HOST:PORT/ws is docs/protocol.md.
 */
#pragma once

#include <gio/gio.h>

#include "cv-site-config.h"

G_BEGIN_DECLS

#define CV_TYPE_SERVER (cv_server_get_type ())
G_DECLARE_FINAL_TYPE (CvServer, cv_server, CV, SERVER, GObject)

/* Counters of what the service dropped or refused, for tests and logs. */
typedef struct {
  guint64 connections;
  guint64 messages;
  guint64 messages_dropped;      /* over the rate limit */
  guint64 flood_disconnects;
  guint64 slow_disconnects;
  guint64 bad_requests;          /* malformed JSON, base64, MLS, sizes */
  guint64 commits_accepted;
  guint64 commits_rejected;
  guint64 joins;
  guint64 joins_refused;
} CvServerStats;

/* Loads the accounts, the service CA and the service keys named by config
 * (creating them in its state-dir when missing); does not listen yet. */
CvServer   *cv_server_new              (CvSiteConfig *config,
                                        GError      **error);
gboolean    cv_server_start            (CvServer *self,
                                        GError  **error);
/* Closes every connection and stops listening; the meetings are forgotten. */
void        cv_server_stop             (CvServer *self);

guint16     cv_server_get_port         (CvServer *self);
/* SHA-256 of the TLS certificate, 64 lower-case hex digits. */
const char *cv_server_get_fingerprint  (CvServer *self);
/* TRUE when the TLS certificate was generated (pin it via the invite link). */
gboolean    cv_server_get_self_signed  (CvServer *self);
/* "wss://HOST:PORT/ws" */
char       *cv_server_get_url          (CvServer *self);
/* UDP port of the media relay, 0 when the service has none. */
guint16     cv_server_get_relay_port   (CvServer *self);
/* PEM of the service CA root. */
const char *cv_server_get_ca_root      (CvServer *self);
/* A service-CA certificate (PEM) for the key of csr_pem naming account, as
 * request-certificate issues to a signed-in account: for the host of an
 * embedded service, who vouches for its own participants (the demo). */
char       *cv_server_issue_certificate (CvServer   *self,
                                         const char *csr_pem,
                                         const char *account,
                                         GError    **error);

/* A new meeting (9-digit number, returned), as the host of an embedded
 * service creates it. password may be NULL. */
char       *cv_server_create_meeting   (CvServer   *self,
                                        gboolean    e2ee,
                                        const char *password,
                                        GError    **error);
char       *cv_server_build_invite     (CvServer   *self,
                                        const char *number);
guint       cv_server_get_n_meetings   (CvServer *self);
void        cv_server_get_stats        (CvServer      *self,
                                        CvServerStats *stats);

G_END_DECLS
