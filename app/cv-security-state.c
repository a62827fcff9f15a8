/* CvSecurityState: the meeting's security as the shield shows it.
 *
 * Only the session writes it. Setters return early when nothing changes so
 * that a binding does not redraw (or notify the user) for nothing.
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <string.h>

#include "cv-security-state.h"

struct _CvSecurityState
{
  GObject parent_instance;

  CvE2eeState state;
  char *code;
  char *change_reason;
  char *cipher_suite;
  guint64 epoch;
  guint member_count;
};

G_DEFINE_ENUM_TYPE (CvE2eeState, cv_e2ee_state,
  G_DEFINE_ENUM_VALUE (CV_E2EE_STATE_NOT_CONNECTED, "not-connected"),
  G_DEFINE_ENUM_VALUE (CV_E2EE_STATE_SECURING, "securing"),
  G_DEFINE_ENUM_VALUE (CV_E2EE_STATE_SECURE_E2EE, "secure-e2ee"),
  G_DEFINE_ENUM_VALUE (CV_E2EE_STATE_TRANSPORT_ONLY, "transport-only"),
  G_DEFINE_ENUM_VALUE (CV_E2EE_STATE_DEGRADED, "degraded"))

G_DEFINE_FINAL_TYPE (CvSecurityState, cv_security_state, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  PROP_CODE,
  PROP_CHANGE_REASON,
  PROP_CIPHER_SUITE,
  PROP_EPOCH,
  PROP_MEMBER_COUNT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

gboolean
cv_security_code_is_valid (const char *code)
{
  if (code == NULL || strlen (code) != CV_SECURITY_CODE_LEN)
    return FALSE;
  for (guint i = 0; i < CV_SECURITY_CODE_LEN; i++)
    {
      gboolean separator = i % 6 == 5;
      if (separator ? code[i] != ' ' : !g_ascii_isdigit (code[i]))
        return FALSE;
    }
  return TRUE;
}

static gboolean
set_string (char       **field,
            const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

CvE2eeState
cv_security_state_get_state (CvSecurityState *self)
{
  g_return_val_if_fail (CV_IS_SECURITY_STATE (self), CV_E2EE_STATE_NOT_CONNECTED);

  return self->state;
}

void
cv_security_state_set_state (CvSecurityState *self,
                             CvE2eeState      state)
{
  g_return_if_fail (CV_IS_SECURITY_STATE (self));
  g_return_if_fail (state >= CV_E2EE_STATE_NOT_CONNECTED && state <= CV_E2EE_STATE_DEGRADED);

  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

const char *
cv_security_state_get_code (CvSecurityState *self)
{
  g_return_val_if_fail (CV_IS_SECURITY_STATE (self), NULL);

  return self->code;
}

void
cv_security_state_set_code (CvSecurityState *self,
                            const char      *code)
{
  g_return_if_fail (CV_IS_SECURITY_STATE (self));
  /* A malformed code on the screen would have people compare the wrong thing. */
  g_return_if_fail (code == NULL || cv_security_code_is_valid (code));

  if (set_string (&self->code, code))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CODE]);
}

gboolean
cv_security_state_set_authenticator (CvSecurityState  *self,
                                     const guint8     *epoch_authenticator,
                                     gsize             len,
                                     GError          **error)
{
  char code[CV_SECURITY_CODE_LEN + 1];
  cv_status status;

  g_return_val_if_fail (CV_IS_SECURITY_STATE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  status = cv_security_code_format (epoch_authenticator, len, code);
  if (status != CV_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "security code: %s (%s)", cv_status_name (status), cv_status_message ());
      return FALSE;
    }
  cv_security_state_set_code (self, code);
  return TRUE;
}

const char *
cv_security_state_get_change_reason (CvSecurityState *self)
{
  g_return_val_if_fail (CV_IS_SECURITY_STATE (self), NULL);

  return self->change_reason;
}

void
cv_security_state_set_change_reason (CvSecurityState *self,
                                     const char      *reason)
{
  g_return_if_fail (CV_IS_SECURITY_STATE (self));

  if (set_string (&self->change_reason, reason))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHANGE_REASON]);
}

const char *
cv_security_state_get_cipher_suite (CvSecurityState *self)
{
  g_return_val_if_fail (CV_IS_SECURITY_STATE (self), NULL);

  return self->cipher_suite;
}

void
cv_security_state_set_cipher_suite (CvSecurityState *self,
                                    const char      *cipher_suite)
{
  g_return_if_fail (CV_IS_SECURITY_STATE (self));

  if (set_string (&self->cipher_suite, cipher_suite))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CIPHER_SUITE]);
}

guint64
cv_security_state_get_epoch (CvSecurityState *self)
{
  g_return_val_if_fail (CV_IS_SECURITY_STATE (self), 0);

  return self->epoch;
}

void
cv_security_state_set_epoch (CvSecurityState *self,
                             guint64          epoch)
{
  g_return_if_fail (CV_IS_SECURITY_STATE (self));

  if (self->epoch == epoch)
    return;
  self->epoch = epoch;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EPOCH]);
}

guint
cv_security_state_get_member_count (CvSecurityState *self)
{
  g_return_val_if_fail (CV_IS_SECURITY_STATE (self), 0);

  return self->member_count;
}

void
cv_security_state_set_member_count (CvSecurityState *self,
                                    guint            member_count)
{
  g_return_if_fail (CV_IS_SECURITY_STATE (self));

  if (self->member_count == member_count)
    return;
  self->member_count = member_count;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MEMBER_COUNT]);
}

void
cv_security_state_update_epoch (CvSecurityState *self,
                                const char      *code,
                                guint64          epoch,
                                guint            member_count,
                                const char      *change_reason)
{
  g_return_if_fail (CV_IS_SECURITY_STATE (self));
  g_return_if_fail (code == NULL || cv_security_code_is_valid (code));

  g_object_freeze_notify (G_OBJECT (self));
  cv_security_state_set_code (self, code);
  cv_security_state_set_epoch (self, epoch);
  cv_security_state_set_member_count (self, member_count);
  cv_security_state_set_change_reason (self, change_reason);
  g_object_thaw_notify (G_OBJECT (self));
}

/* At most this many names in one sentence; the rest are counted. */
#define MAX_NAMES 5

static void
append_names (GString                        *out,
              const cv_security_code_changes *changes,
              cv_member_change_kind           kind)
{
  g_autoptr (GString) names = g_string_new (NULL);
  guint n = 0;

  for (gsize i = 0; i < changes->n_changes; i++)
    {
      const cv_member_change *change = &changes->changes[i];
      if (change->kind != kind)
        continue;
      if (n < MAX_NAMES)
        {
          if (n > 0)
            g_string_append (names, ", ");
          g_string_append (names, change->identity ? change->identity : "?");
        }
      n++;
    }
  if (n == 0)
    return;
  if (n > MAX_NAMES)
    {
      guint more = n - MAX_NAMES;
      g_string_append_c (names, ' ');
      g_string_append_printf (names, g_dngettext (GETTEXT_PACKAGE, "and %u more", "and %u more", more),
                              more);
    }

  if (out->len > 0)
    g_string_append (out, "; ");
  switch (kind)
    {
    case CV_MEMBER_ADDED:
      /* Translators: %s is one name or a comma-separated list of names. */
      g_string_append_printf (out, g_dngettext (GETTEXT_PACKAGE, "%s joined", "%s joined", n), names->str);
      break;
    case CV_MEMBER_REMOVED:
      /* Translators: %s is one name or a comma-separated list of names. */
      g_string_append_printf (out, g_dngettext (GETTEXT_PACKAGE, "%s left", "%s left", n), names->str);
      break;
    case CV_MEMBER_UPDATED:
      /* Translators: %s is one name or a comma-separated list of names. */
      g_string_append_printf (out, g_dngettext (GETTEXT_PACKAGE, "%s renewed their key", "%s renewed their keys", n),
                              names->str);
      break;
    default:
      g_assert_not_reached ();
    }
}

char *
cv_security_state_describe_changes (const cv_security_code_changes *changes)
{
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (changes != NULL, NULL);

  append_names (out, changes, CV_MEMBER_REMOVED);
  append_names (out, changes, CV_MEMBER_ADDED);
  append_names (out, changes, CV_MEMBER_UPDATED);
  if (out->len == 0)
    g_string_append (out, _("The meeting key was renewed"));
  return g_string_free (out, FALSE);
}

static void
cv_security_state_finalize (GObject *object)
{
  CvSecurityState *self = CV_SECURITY_STATE (object);

  g_free (self->code);
  g_free (self->change_reason);
  g_free (self->cipher_suite);

  G_OBJECT_CLASS (cv_security_state_parent_class)->finalize (object);
}

static void
cv_security_state_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  CvSecurityState *self = CV_SECURITY_STATE (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_CODE:
      g_value_set_string (value, self->code);
      break;
    case PROP_CHANGE_REASON:
      g_value_set_string (value, self->change_reason);
      break;
    case PROP_CIPHER_SUITE:
      g_value_set_string (value, self->cipher_suite);
      break;
    case PROP_EPOCH:
      g_value_set_uint64 (value, self->epoch);
      break;
    case PROP_MEMBER_COUNT:
      g_value_set_uint (value, self->member_count);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cv_security_state_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  CvSecurityState *self = CV_SECURITY_STATE (object);

  switch (prop_id)
    {
    case PROP_STATE:
      cv_security_state_set_state (self, g_value_get_enum (value));
      break;
    case PROP_CODE:
      cv_security_state_set_code (self, g_value_get_string (value));
      break;
    case PROP_CHANGE_REASON:
      cv_security_state_set_change_reason (self, g_value_get_string (value));
      break;
    case PROP_CIPHER_SUITE:
      cv_security_state_set_cipher_suite (self, g_value_get_string (value));
      break;
    case PROP_EPOCH:
      cv_security_state_set_epoch (self, g_value_get_uint64 (value));
      break;
    case PROP_MEMBER_COUNT:
      cv_security_state_set_member_count (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cv_security_state_class_init (CvSecurityStateClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = cv_security_state_finalize;
  object_class->get_property = cv_security_state_get_property;
  object_class->set_property = cv_security_state_set_property;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, CV_TYPE_E2EE_STATE, CV_E2EE_STATE_NOT_CONNECTED, flags);
  properties[PROP_CODE] =
    g_param_spec_string ("code", NULL, NULL, NULL, flags);
  properties[PROP_CHANGE_REASON] =
    g_param_spec_string ("change-reason", NULL, NULL, NULL, flags);
  properties[PROP_CIPHER_SUITE] =
    g_param_spec_string ("cipher-suite", NULL, NULL, NULL, flags);
  properties[PROP_EPOCH] =
    g_param_spec_uint64 ("epoch", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_MEMBER_COUNT] =
    g_param_spec_uint ("member-count", NULL, NULL, 0, G_MAXUINT, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cv_security_state_init (CvSecurityState *self)
{
  self->state = CV_E2EE_STATE_NOT_CONNECTED;
}

CvSecurityState *
cv_security_state_new (void)
{
  return g_object_new (CV_TYPE_SECURITY_STATE, NULL);
}
