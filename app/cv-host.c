/* CvHost: the embedded meeting service. */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "cv-host.h"
#include "cv-server.h"

struct _CvHost
{
  GObject parent_instance;

  CvServer *server;
};

G_DEFINE_FINAL_TYPE (CvHost, cv_host, G_TYPE_OBJECT)

static gboolean
ensure_started (CvHost  *self,
                GError **error)
{
  g_autoptr (CvSiteConfig) config = NULL;
  g_autofree char *state_dir = NULL;

  if (self->server != NULL)
    return TRUE;

  state_dir = g_build_filename (g_get_user_state_dir (), "conclave", "service", NULL);
  if (g_mkdir_with_parents (state_dir, 0700) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "Cannot create %s: %s",
                   state_dir, g_strerror (errno));
      return FALSE;
    }
  config = cv_site_config_new ();
  /* Loopback only: hosting for others on the network needs a public host
   * name and an open port, which the user configures as a default server. */
  g_object_set (config, "port", 0, "relay-port", 0, "bind", "127.0.0.1", "public-host", "127.0.0.1",
                "state-dir", state_dir, NULL);
  self->server = cv_server_new (config, error);
  if (self->server == NULL)
    return FALSE;
  if (!cv_server_start (self->server, error))
    {
      g_clear_object (&self->server);
      return FALSE;
    }
  return TRUE;
}

char *
cv_host_start_meeting (CvHost  *self,
                       GError **error)
{
  g_autofree char *number = NULL;

  g_return_val_if_fail (CV_IS_HOST (self), NULL);

  if (!ensure_started (self, error))
    return NULL;
  number = cv_server_create_meeting (self->server, TRUE, NULL, error);
  if (number == NULL)
    return NULL;
  return cv_server_build_invite (self->server, number);
}

char *
cv_host_issue_certificate (CvHost     *self,
                           const char *csr_pem,
                           const char *account,
                           GError    **error)
{
  g_return_val_if_fail (CV_IS_HOST (self), NULL);

  if (!ensure_started (self, error))
    return NULL;
  return cv_server_issue_certificate (self->server, csr_pem, account, error);
}

const char *
cv_host_get_ca_root (CvHost *self)
{
  g_return_val_if_fail (CV_IS_HOST (self), NULL);

  return self->server != NULL ? cv_server_get_ca_root (self->server) : NULL;
}

static void
cv_host_dispose (GObject *object)
{
  CvHost *self = CV_HOST (object);

  if (self->server != NULL)
    cv_server_stop (self->server);
  g_clear_object (&self->server);

  G_OBJECT_CLASS (cv_host_parent_class)->dispose (object);
}

static void
cv_host_class_init (CvHostClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cv_host_dispose;
}

static void
cv_host_init (CvHost *self)
{
}

CvHost *
cv_host_new (void)
{
  return g_object_new (CV_TYPE_HOST, NULL);
}
