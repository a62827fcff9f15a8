/* The client side of the service CA: sign in, send a CSR, keep the answer.
 *
 * One short-lived signaling connection per request; every answer from the
 * service is checked before anything is written: a certificate that is not
 * for our key, or not signed by the CA the service names, is refused.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cv-certificate-request.h"
#include "cv-host.h"
#include "cv-identity.h"
#include "cv-invite-link.h"
#include "cv-signaling-client.h"

G_DEFINE_QUARK (cv-certificate-request-error-quark, cv_certificate_request_error)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509, X509_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_PKEY, EVP_PKEY_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BIO, BIO_free)

/* A certificate PEM from the service is a few KiB; refuse more. */
#define MAX_PEM (64 * 1024)
/* The whole exchange; a sign-in costs the service ~0.1 s of scrypt. */
#define REQUEST_TIMEOUT_S 30

enum {
  ID_SIGN_IN = 1,
  ID_REQUEST = 2,
};

typedef struct {
  CvSignalingClient *client;
  char *account;
  char *password;
  char *target_dir;
  char *csr_pem;
  GBytes *key_pem;
  guint timeout_id;
  GSource *cancel_source;
  gulong message_handler;
  gulong closed_handler;
  gboolean done;      /* the task has its result (its callback may still be pending) */
} Request;

static void
wipe_string (char *s)
{
  if (s != NULL)
    OPENSSL_cleanse (s, strlen (s));
  g_free (s);
}

static void
request_free (Request *r)
{
  if (r->timeout_id != 0)
    g_source_remove (r->timeout_id);
  if (r->cancel_source != NULL)
    {
      g_source_destroy (r->cancel_source);
      g_source_unref (r->cancel_source);
    }
  if (r->client != NULL)
    {
      g_clear_signal_handler (&r->message_handler, r->client);
      g_clear_signal_handler (&r->closed_handler, r->client);
      cv_signaling_client_close (r->client);
      g_clear_object (&r->client);
    }
  g_free (r->account);
  wipe_string (r->password);
  g_free (r->target_dir);
  g_free (r->csr_pem);
  g_clear_pointer (&r->key_pem, g_bytes_unref);
  g_free (r);
}

void
cv_certificate_request_files_free (CvCertificateRequestFiles *files)
{
  if (files == NULL)
    return;
  g_free (files->certificate_path);
  g_free (files->key_path);
  g_free (files->service_ca_path);
  g_free (files);
}

/* Stops listening and hangs up. The timeout holds the reference that keeps
 * the task alive while the exchange runs; it goes last. */
static void
stop (GTask *task)
{
  Request *r = g_task_get_task_data (task);

  r->done = TRUE;
  g_clear_signal_handler (&r->message_handler, r->client);
  g_clear_signal_handler (&r->closed_handler, r->client);
  cv_signaling_client_close (r->client);
  if (r->cancel_source != NULL)
    {
      g_source_destroy (r->cancel_source);
      g_clear_pointer (&r->cancel_source, g_source_unref);
    }
  g_clear_handle_id (&r->timeout_id, g_source_remove);
}

/* Ends the task once: later messages or a close find it completed. */
static void
finish_error (GTask  *task,
              GError *error)
{
  Request *r = g_task_get_task_data (task);
  g_autoptr (GTask) keep = g_object_ref (task);

  if (r->done)
    {
      g_error_free (error);
      return;
    }
  g_task_return_error (task, error);
  stop (task);
}

/* An `error` answer in words a user can act on. */
static GError *
error_from_service (JsonObject *message)
{
  const char *code = json_object_get_string_member_with_default (message, "code", "");
  const char *text = json_object_get_string_member_with_default (message, "message", "");

  if (g_str_equal (code, "sign-in-failed"))
    return g_error_new (CV_CERTIFICATE_REQUEST_ERROR, CV_CERTIFICATE_REQUEST_ERROR_SIGN_IN_FAILED,
                        _("The meeting service does not know this account, or the password is wrong"));
  if (g_str_equal (code, "sign-in-required"))
    return g_error_new (CV_CERTIFICATE_REQUEST_ERROR, CV_CERTIFICATE_REQUEST_ERROR_SIGN_IN_REQUIRED,
                        _("The meeting service wants you to sign in before it issues a certificate"));
  if (g_str_equal (code, "bad-csr"))
    /* Translators: %s is the service's own explanation, in English */
    return g_error_new (CV_CERTIFICATE_REQUEST_ERROR, CV_CERTIFICATE_REQUEST_ERROR_BAD_CSR,
                        _("The meeting service refused the certificate request: %s"), text);
  /* Translators: the first %s is an error code, the second the service's explanation */
  return g_error_new (CV_CERTIFICATE_REQUEST_ERROR, CV_CERTIFICATE_REQUEST_ERROR_REFUSED,
                      _("The meeting service refused (%s): %s"), code, text);
}

static GError *
bad_answer (const char *why)
{
  /* Translators: %s says what was wrong with the service's answer */
  return g_error_new (CV_CERTIFICATE_REQUEST_ERROR, CV_CERTIFICATE_REQUEST_ERROR_BAD_ANSWER,
                      _("The meeting service's answer cannot be used: %s"), why);
}

/* Exactly one certificate in a bounded PEM string. */
static X509 *
parse_one_certificate (const char *pem)
{
  gsize len = strnlen (pem, MAX_PEM + 1);
  g_autoptr (BIO) bio = NULL;
  X509 *cert;

  if (len > MAX_PEM)
    return NULL;
  bio = BIO_new_mem_buf (pem, (int) len);
  cert = PEM_read_bio_X509 (bio, NULL, NULL, NULL);
  ERR_clear_error ();
  return cert;
}

/* Checks that cert_pem is for our key and signed by ca_pem, then writes
 * the three files. */
static CvCertificateRequestFiles *
keep_certificate (const char  *cert_pem,
                  const char  *ca_pem,
                  GBytes      *key_pem,
                  const char  *target_dir,
                  GError     **error)
{
  g_autoptr (X509) cert = NULL;
  g_autoptr (X509) ca = NULL;
  g_autoptr (EVP_PKEY) key = NULL;
  g_autoptr (BIO) key_bio = NULL;
  g_autoptr (CvCertificateRequestFiles) files = g_new0 (CvCertificateRequestFiles, 1);
  g_autofree char *ca_path = NULL;
  gsize key_len = 0;
  const void *key_data = g_bytes_get_data (key_pem, &key_len);

  if (cert_pem == NULL || ca_pem == NULL)
    {
      *error = bad_answer (_("the certificate or the authority is missing"));
      return NULL;
    }
  cert = parse_one_certificate (cert_pem);
  ca = parse_one_certificate (ca_pem);
  if (cert == NULL || ca == NULL)
    {
      *error = bad_answer (_("the certificate or the authority is not a PEM certificate"));
      return NULL;
    }
  key_bio = BIO_new_mem_buf (key_data, (int) key_len);
  key = PEM_read_bio_PrivateKey (key_bio, NULL, NULL, NULL);
  if (key == NULL || EVP_PKEY_eq (X509_get0_pubkey (cert), key) != 1)
    {
      ERR_clear_error ();
      *error = bad_answer (_("the certificate is not for the key we sent"));
      return NULL;
    }
  if (X509_verify (cert, X509_get0_pubkey (ca)) != 1
      || X509_NAME_cmp (X509_get_issuer_name (cert), X509_get_subject_name (ca)) != 0)
    {
      ERR_clear_error ();
      *error = bad_answer (_("the certificate is not signed by the service’s authority"));
      return NULL;
    }

  if (!cv_identity_save (cert_pem, key_pem, target_dir, &files->certificate_path, &files->key_path, error))
    return NULL;
  {
    g_autofree char *dir = g_path_get_dirname (files->certificate_path);
    ca_path = g_build_filename (dir, "service-ca.pem", NULL);
  }
  if (!g_file_set_contents_full (ca_path, ca_pem, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    return NULL;
  files->service_ca_path = g_steal_pointer (&ca_path);
  return g_steal_pointer (&files);
}

static void
message_cb (CvSignalingClient *client,
            JsonObject        *message,
            GTask             *task)
{
  Request *r = g_task_get_task_data (task);
  const char *type = json_object_get_string_member (message, "type");
  gint64 id = -1;

  if (r->done)
    return;
  if (json_object_has_member (message, "id")
      && JSON_NODE_HOLDS_VALUE (json_object_get_member (message, "id"))
      && json_node_get_value_type (json_object_get_member (message, "id")) == G_TYPE_INT64)
    id = json_object_get_int_member (message, "id");

  if (g_str_equal (type, "error") && (id == ID_SIGN_IN || id == ID_REQUEST))
    {
      finish_error (task, error_from_service (message));
      return;
    }
  if (g_str_equal (type, "signed-in") && id == ID_SIGN_IN)
    {
      g_autoptr (JsonObject) req = json_object_new ();
      g_autoptr (GError) error = NULL;

      json_object_set_string_member (req, "type", "request-certificate");
      json_object_set_string_member (req, "csr", r->csr_pem);
      json_object_set_int_member (req, "id", ID_REQUEST);
      if (!cv_signaling_client_send (r->client, req, &error))
        finish_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_str_equal (type, "certificate") && id == ID_REQUEST)
    {
      GError *error = NULL;
      CvCertificateRequestFiles *files =
        keep_certificate (json_object_get_string_member_with_default (message, "certificate", NULL),
                          json_object_get_string_member_with_default (message, "ca", NULL),
                          r->key_pem, r->target_dir, &error);

      if (files == NULL)
        {
          finish_error (task, error);
          return;
        }
      {
        g_autoptr (GTask) keep = g_object_ref (task);

        g_task_return_pointer (task, files, (GDestroyNotify) cv_certificate_request_files_free);
        stop (task);
      }
    }
  /* Anything else (a ping's pong, events) is not for us. */
}

static void
closed_cb (CvSignalingClient *client,
           GError            *error,
           GTask             *task)
{
  finish_error (task, error != NULL
                      ? g_error_copy (error)
                      : g_error_new (CV_SIGNALING_ERROR, CV_SIGNALING_ERROR_CLOSED,
                                     _("The meeting service closed the connection before answering")));
}

static gboolean
timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  Request *r = g_task_get_task_data (task);
  g_autoptr (GTask) keep = g_object_ref (task);

  finish_error (task, g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                   _("The meeting service did not answer in time")));
  /* finish_error() removed this source (and its reference) already. */
  r->timeout_id = 0;
  return G_SOURCE_REMOVE;
}

/* Cancelled while waiting for the service: hang up at once rather than at
 * the answer or the timeout. (A GSource, not g_cancellable_connect(), whose
 * handler may not disconnect itself.) */
static gboolean
cancelled_cb (GCancellable *cancellable,
              gpointer      user_data)
{
  GTask *task = user_data;

  finish_error (task, g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The certificate request was cancelled")));
  return G_SOURCE_REMOVE;
}

static void
connected_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  Request *r = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) sign_in = NULL;
  JsonNode *password_node;

  if (!cv_signaling_client_connect_finish (CV_SIGNALING_CLIENT (source), result, &error))
    {
      finish_error (task, g_steal_pointer (&error));
      return;
    }
  if (r->done)
    return;
  r->message_handler = g_signal_connect_object (r->client, "message", G_CALLBACK (message_cb), task, 0);
  r->closed_handler = g_signal_connect_object (r->client, "closed", G_CALLBACK (closed_cb), task, 0);

  sign_in = json_object_new ();
  json_object_set_string_member (sign_in, "type", "sign-in");
  json_object_set_string_member (sign_in, "account", r->account);
  json_object_set_string_member (sign_in, "password", r->password);
  json_object_set_int_member (sign_in, "id", ID_SIGN_IN);
  if (!cv_signaling_client_send (r->client, sign_in, &error))
    finish_error (task, g_steal_pointer (&error));
  /* The message's copy of the password goes as soon as it is sent. (The
   * serialized text inside the WebSocket layer is beyond our reach.) */
  password_node = json_object_get_member (sign_in, "password");
  OPENSSL_cleanse ((char *) json_node_get_string (password_node), strlen (json_node_get_string (password_node)));
}

void
cv_certificate_request_async (const char          *host,
                              guint16              port,
                              const char          *pinned_fingerprint,
                              const char          *account,
                              const char          *password,
                              const char          *target_dir,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr (GError) error = NULL;
  Request *r;

  g_return_if_fail (host != NULL && account != NULL && password != NULL);

  g_task_set_source_tag (task, cv_certificate_request_async);
  r = g_new0 (Request, 1);
  r->account = g_strdup (account);
  r->password = g_strdup (password);
  r->target_dir = g_strdup (target_dir);
  g_task_set_task_data (task, r, (GDestroyNotify) request_free);

  if (*account == '\0')
    {
      g_task_return_new_error (task, CV_CERTIFICATE_REQUEST_ERROR, CV_CERTIFICATE_REQUEST_ERROR_SIGN_IN_REQUIRED,
                               _("Enter the name of your account at the meeting service"));
      return;
    }
  /* The service names the certificate after the account anyway. */
  if (!cv_identity_new_key_and_csr (account, &r->csr_pem, &r->key_pem, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  r->client = cv_signaling_client_new ();
  r->timeout_id = g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, REQUEST_TIMEOUT_S, timeout_cb,
                                              g_object_ref (task), g_object_unref);
  if (cancellable != NULL)
    {
      r->cancel_source = g_cancellable_source_new (cancellable);
      /* The timeout's reference keeps the task alive; this source's dies with it. */
      g_source_set_callback (r->cancel_source, G_SOURCE_FUNC (cancelled_cb), task, NULL);
      g_source_attach (r->cancel_source, g_main_context_get_thread_default ());
    }
  cv_signaling_client_connect_async (r->client, host, port, pinned_fingerprint, cancellable,
                                     connected_cb, g_object_ref (task));
}

CvCertificateRequestFiles *
cv_certificate_request_finish (GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cv_certificate_request_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
cv_certificate_request_parse_server (const char  *server,
                                     char       **host,
                                     guint16     *port,
                                     char       **fingerprint,
                                     GError     **error)
{
  g_autoptr (CvInviteLink) link = NULL;
  g_autofree char *stripped = g_strstrip (g_strdup (server ? server : ""));

  g_return_val_if_fail (host != NULL && port != NULL && fingerprint != NULL, FALSE);

  if (*stripped == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("No meeting service is set"));
      return FALSE;
    }
  /* One parser for host and port: the invite link's (any meeting number
   * will do for a bare HOST[:PORT]). */
  if (strstr (stripped, "://") != NULL)
    link = cv_invite_link_parse (stripped, error);
  else
    {
      g_autofree char *as_link = g_strdup_printf ("conclave://%s/j/100000000", stripped);
      link = cv_invite_link_parse (as_link, error);
    }
  if (link == NULL)
    return FALSE;
  *host = g_strdup (link->host);
  *port = link->port;
  *fingerprint = g_strdup (link->fingerprint);
  return TRUE;
}

CvCertificateRequestFiles *
cv_certificate_request_from_host (CvHost      *host,
                                  const char  *account,
                                  const char  *target_dir,
                                  GError     **error)
{
  g_autofree char *csr = NULL;
  g_autofree char *cert = NULL;
  g_autoptr (GBytes) key = NULL;
  GError *local_error = NULL;
  CvCertificateRequestFiles *files;

  g_return_val_if_fail (CV_IS_HOST (host), NULL);
  g_return_val_if_fail (account != NULL, NULL);

  if (!cv_identity_new_key_and_csr (account, &csr, &key, error))
    return NULL;
  cert = cv_host_issue_certificate (host, csr, account, error);
  if (cert == NULL)
    return NULL;
  files = keep_certificate (cert, cv_host_get_ca_root (host), key, target_dir, &local_error);
  if (files == NULL)
    g_propagate_error (error, local_error);
  return files;
}
