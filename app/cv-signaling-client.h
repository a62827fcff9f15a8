#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define CV_TYPE_SIGNALING_CLIENT (cv_signaling_client_get_type ())
G_DECLARE_FINAL_TYPE (CvSignalingClient, cv_signaling_client, CV, SIGNALING_CLIENT, GObject)

#define CV_SIGNALING_ERROR (cv_signaling_error_quark ())
GQuark cv_signaling_error_quark (void);

typedef enum {
  CV_SIGNALING_ERROR_CERTIFICATE, /* the service's certificate is neither trusted nor the pinned one */
  CV_SIGNALING_ERROR_PROTOCOL,    /* the service sent something that is not a JSON object with a type */
  CV_SIGNALING_ERROR_CLOSED,      /* the connection is gone */
} CvSignalingError;

CvSignalingClient *cv_signaling_client_new            (void);

/* Opens wss://host:port/ws. pinned_fingerprint (64 hex digits, from the
 * invite link) is the SHA-256 of the service's certificate, required when
 * that certificate is not trusted by the system; NULL to accept only
 * certificates the system trusts. */
void               cv_signaling_client_connect_async  (CvSignalingClient   *self,
                                                       const char          *host,
                                                       guint16              port,
                                                       const char          *pinned_fingerprint,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
gboolean           cv_signaling_client_connect_finish (CvSignalingClient   *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);

/* Sends one control message; it must have a string member "type". */
gboolean           cv_signaling_client_send           (CvSignalingClient   *self,
                                                       JsonObject          *message,
                                                       GError             **error);
gboolean           cv_signaling_client_is_connected   (CvSignalingClient   *self);
void               cv_signaling_client_close          (CvSignalingClient   *self);

G_END_DECLS
