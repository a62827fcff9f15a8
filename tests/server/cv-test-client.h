/* cv-test-client.h: signaling clients for the server tests.
 *
 * Real libsoup WebSocket clients over real TLS on loopback, pinned to the
 * service's certificate fingerprint. Everything runs on the thread-default
 * main context; the wait functions iterate it until what they wait for
 * arrives or a timeout passes, so a test reads as a sequence.
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "cv-meeting.h"
#include "cv-server.h"
#include "cv-server-error.h"

G_BEGIN_DECLS

typedef struct {
  SoupWebsocketConnection *ws;
  GQueue messages;            /* JsonNode* (objects), oldest first */
  guint received;             /* every message, kept or not */
  gboolean light;             /* keep only joined/error/left/welcome/key-package */
  gboolean closed;
  gushort close_code;
  JsonNode *last;             /* what the last expect returned */
} CvTestClient;

/* A server on 127.0.0.1, port 0, a fresh state dir; config may be tuned by
 * the caller before cv_test_server_start(). */
CvSiteConfig *cv_test_config_new        (void);
CvServer     *cv_test_server_start      (CvSiteConfig *config);
char         *cv_test_state_dir         (void);

/* The same server on its own thread and main context, as conclave-server
 * would be in its own process: with a thousand connections, one context
 * for both ends would make every iteration walk two thousand sources.
 * Only the read-only getters and cv_test_client_connect* may be used on
 * it from the test's thread; cv_test_server_thread_stop() stops and frees. */
typedef struct _CvTestServerThread CvTestServerThread;
CvTestServerThread *cv_test_server_thread_start (CvSiteConfig       *config);
CvServer           *cv_test_server_thread_get   (CvTestServerThread *thread);
void                cv_test_server_thread_stop  (CvTestServerThread *thread);

CvTestClient *cv_test_client_connect    (CvServer   *server,
                                         gboolean    light);
/* Starts a connection without waiting; cv_test_clients_wait_connected()
 * then waits for all of them. */
CvTestClient *cv_test_client_connect_async (CvServer *server,
                                            gboolean  light);
/* Trusts only the certificate in cert_path from now on (connect_async does
 * it for the server it is given). */
void          cv_test_client_trust      (const char *cert_path);
/* Connects without waiting to a service in another process. */
CvTestClient *cv_test_client_connect_port (guint16     port,
                                           const char *fingerprint,
                                           gboolean    light);
void          cv_test_clients_wait_connected (CvTestClient **clients,
                                              guint          n);
void          cv_test_client_send       (CvTestClient *client,
                                         const char   *fmt,
                                         ...) G_GNUC_PRINTF (2, 3);
void          cv_test_client_send_text  (CvTestClient *client,
                                         const char   *text);
/* The next kept message of that type (removed from the queue; messages of
 * other types stay), or NULL after timeout_ms. Free with json_node_unref. */
JsonNode     *cv_test_client_wait       (CvTestClient *client,
                                         const char   *type,
                                         guint         timeout_ms);
/* Same, and fails the test when it does not come; the object stays valid
 * until the next expect on this client. */
JsonObject   *cv_test_client_expect     (CvTestClient *client,
                                         const char   *type);
/* Expects an error message with that code. */
void          cv_test_client_expect_error (CvTestClient *client,
                                           const char   *code);
/* TRUE when nothing of that type arrives within timeout_ms. */
gboolean      cv_test_client_none       (CvTestClient *client,
                                         const char   *type,
                                         guint         timeout_ms);
gboolean      cv_test_client_wait_closed (CvTestClient *client,
                                          guint         timeout_ms);
void          cv_test_client_free       (CvTestClient *client);
/* Iterates the main context for about ms milliseconds. */
void          cv_test_spin              (guint ms);


/* ---- Fabricated MLS wire bytes (base64) ----
 * Only their public headers are meaningful: the service reads nothing else. */
char *cv_test_mls_key_package (guint16 suite);
char *cv_test_mls_welcome     (guint16 suite);
char *cv_test_mls_commit      (const char *group_id, guint64 epoch, guint32 leaf);
char *cv_test_mls_proposal    (const char *group_id, guint64 epoch, guint32 leaf);
/* A PrivateMessage of content type application whose "ciphertext" is the
 * given bytes. */
char *cv_test_mls_application (const char *group_id, guint64 epoch,
                               const guint8 *ciphertext, gsize len);

G_END_DECLS
