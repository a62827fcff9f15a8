#include "cv-invite-link.h"
#include "cv-site-config.h"

#include <string.h>

G_DEFINE_QUARK (cv-invite-link-error-quark, cv_invite_link_error)

/* Invite links arrive from anywhere (clipboard, command line, browser). */
#define MAX_LINK_LENGTH 2048

gboolean
cv_meeting_number_is_valid (const char *number)
{
  if (number == NULL || strlen (number) != 9 || number[0] == '0')
    return FALSE;
  for (guint i = 0; i < 9; i++)
    if (!g_ascii_isdigit (number[i]))
      return FALSE;
  return TRUE;
}

static gboolean
fingerprint_is_valid (const char *fp)
{
  if (strlen (fp) != 64)
    return FALSE;
  for (guint i = 0; i < 64; i++)
    if (!g_ascii_isxdigit (fp[i]))
      return FALSE;
  return TRUE;
}

char *
cv_invite_link_build (const char *host,
                      guint16     port,
                      const char *number,
                      const char *fingerprint)
{
  g_autofree char *host_part = NULL;
  GString *s;

  g_return_val_if_fail (host != NULL && *host != '\0', NULL);
  g_return_val_if_fail (cv_meeting_number_is_valid (number), NULL);
  g_return_val_if_fail (fingerprint == NULL || fingerprint_is_valid (fingerprint), NULL);

  /* An IPv6 literal needs brackets in the authority. */
  host_part = strchr (host, ':') != NULL ? g_strdup_printf ("[%s]", host) : g_strdup (host);
  s = g_string_new ("conclave://");
  g_string_append (s, host_part);
  if (port != CV_SERVER_DEFAULT_PORT)
    g_string_append_printf (s, ":%u", port);
  g_string_append_printf (s, "/j/%s", number);
  if (fingerprint != NULL)
    {
      g_autofree char *lower = g_ascii_strdown (fingerprint, -1);
      g_string_append_printf (s, "?fp=%s", lower);
    }
  return g_string_free (s, FALSE);
}

void
cv_invite_link_free (CvInviteLink *link)
{
  if (link == NULL)
    return;
  g_free (link->host);
  g_free (link->number);
  g_free (link->fingerprint);
  g_free (link);
}

CvInviteLink *
cv_invite_link_parse (const char *text,
                      GError    **error)
{
  g_autoptr (GUri) uri = NULL;
  g_autoptr (CvInviteLink) link = NULL;
  g_autoptr (GError) local_error = NULL;
  const char *scheme, *host, *path, *query;
  int port;

  if (text == NULL || strlen (text) > MAX_LINK_LENGTH)
    {
      g_set_error (error, CV_INVITE_LINK_ERROR, CV_INVITE_LINK_ERROR_SYNTAX,
                   "Invite link missing or longer than %d characters", MAX_LINK_LENGTH);
      return NULL;
    }
  uri = g_uri_parse (text, G_URI_FLAGS_NONE, &local_error);
  if (uri == NULL)
    {
      g_set_error (error, CV_INVITE_LINK_ERROR, CV_INVITE_LINK_ERROR_SYNTAX,
                   "Not a valid link: %s", local_error->message);
      return NULL;
    }
  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "conclave") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
    {
      g_set_error (error, CV_INVITE_LINK_ERROR, CV_INVITE_LINK_ERROR_SCHEME,
                   "Links of scheme “%s” are not Conclave invites", scheme);
      return NULL;
    }
  host = g_uri_get_host (uri);
  if (host == NULL || *host == '\0' || g_uri_get_userinfo (uri) != NULL)
    {
      g_set_error (error, CV_INVITE_LINK_ERROR, CV_INVITE_LINK_ERROR_HOST,
                   "The invite link names no server");
      return NULL;
    }
  for (const char *c = host; *c != '\0'; c++)
    if (!(g_ascii_isalnum (*c) || *c == '.' || *c == '-' || *c == ':' || *c == '%'))
      {
        g_set_error (error, CV_INVITE_LINK_ERROR, CV_INVITE_LINK_ERROR_HOST,
                     "The server name in the invite link has invalid characters");
        return NULL;
      }
  port = g_uri_get_port (uri);
  if (port == 0 || port > 65535)
    {
      g_set_error (error, CV_INVITE_LINK_ERROR, CV_INVITE_LINK_ERROR_PORT,
                   "Port %d is not usable", port);
      return NULL;
    }
  path = g_uri_get_path (uri);
  if (!g_str_has_prefix (path, "/j/"))
    {
      g_set_error (error, CV_INVITE_LINK_ERROR, CV_INVITE_LINK_ERROR_PATH,
                   "The invite link does not name a meeting (expected /j/NUMBER)");
      return NULL;
    }
  path += 3;
  if (!cv_meeting_number_is_valid (path))
    {
      g_set_error (error, CV_INVITE_LINK_ERROR, CV_INVITE_LINK_ERROR_NUMBER,
                   "A meeting number has 9 digits");
      return NULL;
    }

  link = g_new0 (CvInviteLink, 1);
  link->host = g_strdup (host);
  link->port = port < 0 ? CV_SERVER_DEFAULT_PORT : (guint16) port;
  link->number = g_strdup (path);

  query = g_uri_get_query (uri);
  if (query != NULL)
    {
      g_autoptr (GHashTable) params = g_uri_parse_params (query, -1, "&", G_URI_PARAMS_NONE, &local_error);
      const char *fp;

      if (params == NULL)
        {
          g_set_error (error, CV_INVITE_LINK_ERROR, CV_INVITE_LINK_ERROR_SYNTAX,
                       "Bad query in the invite link: %s", local_error->message);
          return NULL;
        }
      fp = g_hash_table_lookup (params, "fp");
      if (fp != NULL)
        {
          if (!fingerprint_is_valid (fp))
            {
              g_set_error (error, CV_INVITE_LINK_ERROR, CV_INVITE_LINK_ERROR_FINGERPRINT,
                           "The certificate fingerprint in the invite link is not 64 hex digits");
              return NULL;
            }
          link->fingerprint = g_ascii_strdown (fp, -1);
        }
    }
  return g_steal_pointer (&link);
}
