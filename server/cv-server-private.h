/* cv-server-private.h: what cv-server.c (lifecycle, connections, sending)
 * and cv-server-signaling.c (the message handlers) share. */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <openssl/evp.h>

#include "cv-accounts.h"
#include "cv-meeting.h"
#include "cv-participant.h"
#include "cv-server.h"
#include "cv-server-error.h"
#include "cv-service-ca.h"

#ifdef CV_HAVE_RELAY
#include "cv-relay.h"
#endif

G_BEGIN_DECLS

typedef struct _CvClient CvClient;

typedef enum {
  CV_BROADCAST_ALL = 0,
  CV_BROADCAST_MEMBERS = 1 << 0,   /* MLS members only */
  CV_BROADCAST_ROSTER = 1 << 1,    /* a roster event: skip who opted out of them */
} CvBroadcastFlags;

struct _CvServer
{
  GObject parent_instance;

  CvSiteConfig *config;
  const CvSiteSettings *site;    /* view into config */
  CvAccounts *accounts;
  CvServiceCa *ca;

  SoupServer *soup;
  GTlsCertificate *tls_certificate;
  char *fingerprint;
  gboolean self_signed;
  char *public_host;
  guint16 port;
  gboolean running;
  guint sweep_source;

  GHashTable *meetings;          /* number → CvMeeting */
  GHashTable *clients;           /* CvClient* set */
  guint64 next_participant_id;

  /* The service as MLS external sender (RFC 9420 §12.1.8.1). */
  EVP_PKEY *external_sender_key;
  char *external_sender_public_b64;   /* raw Ed25519 public key */
  char *external_sender_cert_b64;     /* DER, issued by the service CA */
  char *external_sender_b64;          /* the ExternalSender struct, TLS-encoded */

#ifdef CV_HAVE_RELAY
  CvRelay *relay;
  gulong active_speaker_handler;
#endif

  CvServerStats stats;
};

struct _CvClient
{
  CvServer *server;               /* borrowed */
  SoupWebsocketConnection *ws;
  GSocket *socket;
  char *remote;                   /* address, for logs */

  char *account;                  /* signed in as, or NULL */
  gboolean signing_in;
  CvMeeting *meeting;             /* joined meeting, or NULL */
  CvParticipant *participant;

  /* Token bucket. */
  double tokens;
  gint64 last_refill;
  guint drops;
  gboolean rate_notice_sent;

  /* Bytes handed to libsoup, and those the peer's TCP acknowledged. */
  guint64 bytes_queued;
  guint64 bytes_acked;
  guint64 acked_base;             /* acked bytes when the count started */

  gboolean closing;
  guint force_close_source;
};

/* cv-server.c */
void      cv_client_send            (CvClient   *client,
                                     const char *text,
                                     gsize       len);
void      cv_client_send_builder    (CvClient    *client,
                                     JsonBuilder *builder);
void      cv_client_send_error      (CvClient   *client,
                                     JsonNode   *request_id,
                                     const char *request_type,
                                     const GError *error);
/* Drops the client now: leaves its meeting with reason, closes the socket. */
void      cv_client_drop            (CvClient   *client,
                                     gushort     close_code,
                                     const char *reason);
void      cv_client_leave_meeting   (CvClient   *client,
                                     const char *reason);
char     *cv_json_to_string         (JsonBuilder *builder,
                                     gsize       *len);
/* Sends text to every connected participant of meeting except `except`,
 * as flags narrow it. */
void      cv_server_broadcast       (CvServer      *self,
                                     CvMeeting     *meeting,
                                     const char    *text,
                                     gsize          len,
                                     CvParticipant *except,
                                     CvBroadcastFlags flags);
CvMeeting *cv_server_open_meeting   (CvServer   *self,
                                     const char *number,
                                     gboolean    e2ee,
                                     const char *password,
                                     const char *owner,
                                     GError    **error);

/* cv-server-signaling.c */
void      cv_server_handle_message  (CvServer   *self,
                                     CvClient   *client,
                                     const char *text,
                                     gsize       len);
void      cv_server_participant_gone (CvServer      *self,
                                      CvMeeting     *meeting,
                                      CvParticipant *participant,
                                      const char    *reason);
void      cv_json_add_participant   (JsonBuilder   *builder,
                                     CvParticipant *participant,
                                     gboolean       e2ee);

G_END_DECLS
