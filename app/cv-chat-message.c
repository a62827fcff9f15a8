/* CvChatMessage: an immutable chat message, the item of CvChatLog. */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "cv-chat-message.h"

struct _CvChatMessage
{
  GObject parent_instance;

  char *sender;
  char *text;
  GDateTime *time;
  gboolean outgoing;
};

G_DEFINE_FINAL_TYPE (CvChatMessage, cv_chat_message, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SENDER,
  PROP_TEXT,
  PROP_TIME,
  PROP_OUTGOING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Text from the network may be any bytes: GTK and Markdown need UTF-8, and
 * control characters other than line breaks and tabs have no business in a
 * chat line. Carriage returns become line feeds. */
static char *
clean_text (const char *text,
            gboolean    one_line)
{
  g_autofree char *valid = g_utf8_make_valid (text ? text : "", -1);
  GString *out = g_string_sized_new (strlen (valid));

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '\r' && p[1] == '\n')
        continue;
      if (c == '\r' || c == '\n' || c == 0x2028 || c == 0x2029)
        g_string_append_c (out, one_line ? ' ' : '\n');
      else if (c == '\t')
        g_string_append_c (out, one_line ? ' ' : '\t');
      else if (g_unichar_iscntrl (c))
        continue;
      /* In a name, bidirectional overrides could turn the time shown after
       * it around; a text only affects its own lines. */
      else if (one_line && ((c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069)))
        continue;
      else
        g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}

static void
cv_chat_message_finalize (GObject *object)
{
  CvChatMessage *self = CV_CHAT_MESSAGE (object);

  g_free (self->sender);
  g_free (self->text);
  g_clear_pointer (&self->time, g_date_time_unref);

  G_OBJECT_CLASS (cv_chat_message_parent_class)->finalize (object);
}

static void
cv_chat_message_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  CvChatMessage *self = CV_CHAT_MESSAGE (object);

  switch (prop_id)
    {
    case PROP_SENDER:
      g_value_set_string (value, self->sender);
      break;
    case PROP_TEXT:
      g_value_set_string (value, self->text);
      break;
    case PROP_TIME:
      g_value_set_boxed (value, self->time);
      break;
    case PROP_OUTGOING:
      g_value_set_boolean (value, self->outgoing);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cv_chat_message_class_init (CvChatMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cv_chat_message_finalize;
  object_class->get_property = cv_chat_message_get_property;

  properties[PROP_SENDER] =
    g_param_spec_string ("sender", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_TEXT] =
    g_param_spec_string ("text", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_TIME] =
    g_param_spec_boxed ("time", NULL, NULL, G_TYPE_DATE_TIME, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_OUTGOING] =
    g_param_spec_boolean ("outgoing", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cv_chat_message_init (CvChatMessage *self)
{
}

CvChatMessage *
cv_chat_message_new (const char *sender,
                     const char *text,
                     GDateTime  *time,
                     gboolean    outgoing)
{
  CvChatMessage *self = g_object_new (CV_TYPE_CHAT_MESSAGE, NULL);
  g_autofree char *name = clean_text (sender, TRUE);

  g_strstrip (name);
  /* A standard meeting's service may not name the sender. */
  self->sender = *name != '\0' ? g_steal_pointer (&name) : g_strdup (_("Unknown participant"));
  self->text = clean_text (text, FALSE);
  self->time = time ? g_date_time_ref (time) : g_date_time_new_now_local ();
  self->outgoing = !!outgoing;
  return self;
}

const char *
cv_chat_message_get_sender (CvChatMessage *self)
{
  g_return_val_if_fail (CV_IS_CHAT_MESSAGE (self), NULL);
  return self->sender;
}

const char *
cv_chat_message_get_text (CvChatMessage *self)
{
  g_return_val_if_fail (CV_IS_CHAT_MESSAGE (self), NULL);
  return self->text;
}

GDateTime *
cv_chat_message_get_time (CvChatMessage *self)
{
  g_return_val_if_fail (CV_IS_CHAT_MESSAGE (self), NULL);
  return self->time;
}

gboolean
cv_chat_message_get_outgoing (CvChatMessage *self)
{
  g_return_val_if_fail (CV_IS_CHAT_MESSAGE (self), FALSE);
  return self->outgoing;
}
