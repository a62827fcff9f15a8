/* CvChatLog: the chat of a meeting as a list model, fed by a CvSession's
 * "chat" signal and by what we send, and written out as Markdown. */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "cv-chat-log.h"
#include "cv-local-file.h"
#include "cv-meeting-member.h"

struct _CvChatLog
{
  GObject parent_instance;

  GPtrArray *messages;     /* CvChatMessage */
  CvSession *session;
  gulong chat_handler;
  gulong state_handler;
  char *meeting_number;
};

static void cv_chat_log_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CvChatLog, cv_chat_log, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, cv_chat_log_list_model_init))

enum {
  PROP_0,
  PROP_SESSION,
  PROP_MEETING_NUMBER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GType
cv_chat_log_get_item_type (GListModel *model)
{
  return CV_TYPE_CHAT_MESSAGE;
}

static guint
cv_chat_log_get_n_items (GListModel *model)
{
  return CV_CHAT_LOG (model)->messages->len;
}

static gpointer
cv_chat_log_get_item (GListModel *model,
                      guint       position)
{
  CvChatLog *self = CV_CHAT_LOG (model);

  if (position >= self->messages->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->messages, position));
}

static void
cv_chat_log_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = cv_chat_log_get_item_type;
  iface->get_n_items = cv_chat_log_get_n_items;
  iface->get_item = cv_chat_log_get_item;
}

void
cv_chat_log_append (CvChatLog     *self,
                    CvChatMessage *message)
{
  g_return_if_fail (CV_IS_CHAT_LOG (self));
  g_return_if_fail (CV_IS_CHAT_MESSAGE (message));

  g_ptr_array_add (self->messages, g_object_ref (message));
  g_list_model_items_changed (G_LIST_MODEL (self), self->messages->len - 1, 0, 1);
}

static void
chat_cb (CvSession  *session,
         const char *from_name,
         const char *text,
         CvChatLog  *self)
{
  g_autoptr (CvChatMessage) message = cv_chat_message_new (from_name, text, NULL, FALSE);

  cv_chat_log_append (self, message);
}

static void
cv_chat_log_dispose (GObject *object)
{
  cv_chat_log_set_session (CV_CHAT_LOG (object), NULL);

  G_OBJECT_CLASS (cv_chat_log_parent_class)->dispose (object);
}

static void
cv_chat_log_finalize (GObject *object)
{
  CvChatLog *self = CV_CHAT_LOG (object);

  g_ptr_array_unref (self->messages);
  g_free (self->meeting_number);

  G_OBJECT_CLASS (cv_chat_log_parent_class)->finalize (object);
}

static void
cv_chat_log_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  CvChatLog *self = CV_CHAT_LOG (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_MEETING_NUMBER:
      g_value_set_string (value, self->meeting_number);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cv_chat_log_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_SESSION:
      cv_chat_log_set_session (CV_CHAT_LOG (object), g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cv_chat_log_class_init (CvChatLogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cv_chat_log_dispose;
  object_class->finalize = cv_chat_log_finalize;
  object_class->get_property = cv_chat_log_get_property;
  object_class->set_property = cv_chat_log_set_property;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, CV_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MEETING_NUMBER] =
    g_param_spec_string ("meeting-number", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cv_chat_log_init (CvChatLog *self)
{
  self->messages = g_ptr_array_new_with_free_func (g_object_unref);
}

CvChatLog *
cv_chat_log_new (void)
{
  return g_object_new (CV_TYPE_CHAT_LOG, NULL);
}

/* The number is known once the session starts joining, which may be after
 * it was given to the log. */
static void
update_meeting_number (CvChatLog *self)
{
  const char *number = cv_session_get_meeting_number (self->session);

  if (number == NULL || g_strcmp0 (number, self->meeting_number) == 0)
    return;
  g_free (self->meeting_number);
  self->meeting_number = g_strdup (number);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MEETING_NUMBER]);
}

void
cv_chat_log_set_session (CvChatLog *self,
                         CvSession *session)
{
  g_return_if_fail (CV_IS_CHAT_LOG (self));
  g_return_if_fail (session == NULL || CV_IS_SESSION (session));

  if (self->session == session)
    return;
  if (self->session != NULL)
    {
      g_clear_signal_handler (&self->chat_handler, self->session);
      g_clear_signal_handler (&self->state_handler, self->session);
    }
  g_set_object (&self->session, session);
  if (session != NULL)
    {
      self->chat_handler = g_signal_connect (session, "chat", G_CALLBACK (chat_cb), self);
      self->state_handler = g_signal_connect_swapped (session, "notify::state",
                                                      G_CALLBACK (update_meeting_number), self);
      update_meeting_number (self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

CvSession *
cv_chat_log_get_session (CvChatLog *self)
{
  g_return_val_if_fail (CV_IS_CHAT_LOG (self), NULL);
  return self->session;
}

const char *
cv_chat_log_get_meeting_number (CvChatLog *self)
{
  g_return_val_if_fail (CV_IS_CHAT_LOG (self), NULL);
  return self->meeting_number;
}

/* Our name as the others see it: the one in our own credential. */
static char *
own_name (CvSession *session)
{
  GListModel *members = cv_session_get_members (session);

  for (guint i = 0; members != NULL && i < g_list_model_get_n_items (members); i++)
    {
      g_autoptr (CvMeetingMember) member = g_list_model_get_item (members, i);

      if (cv_meeting_member_get_is_self (member))
        return g_strdup (cv_meeting_member_get_display_name (member));
    }
  /* A standard meeting has no MLS group: the name we gave the service. */
  return g_strdup (cv_session_get_display_name (session));
}

gboolean
cv_chat_log_send (CvChatLog   *self,
                  const char  *text,
                  GError     **error)
{
  g_autofree char *stripped = NULL;
  g_autofree char *sender = NULL;
  g_autoptr (CvChatMessage) message = NULL;

  g_return_val_if_fail (CV_IS_CHAT_LOG (self), FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  stripped = g_strstrip (g_strdup (text));
  if (*stripped == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("The message is empty"));
      return FALSE;
    }
  if (self->session == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, _("The meeting has ended"));
      return FALSE;
    }
  if (!cv_session_send_chat (self->session, text, error))
    return FALSE;

  sender = own_name (self->session);
  message = cv_chat_message_new (sender, text, NULL, TRUE);
  cv_chat_log_append (self, message);
  return TRUE;
}

/* Characters that can start emphasis, code, links, images, HTML, entities,
 * tables or strikethrough anywhere in a line (CommonMark and GFM). */
#define INLINE_SPECIALS "\\`*_[]<>&|~!"
/* Characters that start a block (heading, quote, list, break, setext
 * underline, code fence) at the beginning of a line. */
#define LINE_START_SPECIALS "#>+-="

/* Appends one line of untrusted text with every construct escaped, so it
 * renders as the literal text it is. */
static void
append_escaped_line (GString    *out,
                     const char *line,
                     gsize       length)
{
  gsize i = 0;

  /* Leading blanks would make an indented code block; keep them visible
   * but inert. */
  for (; i < length && (line[i] == ' ' || line[i] == '\t'); i++)
    g_string_append (out, "&#32;");

  /* "1." or "1)" starts an ordered list. */
  if (i < length && g_ascii_isdigit (line[i]))
    {
      gsize j = i;

      while (j < length && g_ascii_isdigit (line[j]))
        j++;
      if (j < length && (line[j] == '.' || line[j] == ')'))
        {
          g_string_append_len (out, line + i, j - i);
          g_string_append_c (out, '\\');
          i = j;
        }
    }
  else if (i < length && strchr (LINE_START_SPECIALS, line[i]) != NULL)
    {
      g_string_append_c (out, '\\');
      g_string_append_c (out, line[i++]);
    }

  for (; i < length; i++)
    {
      if (strchr (INLINE_SPECIALS, line[i]) != NULL)
        g_string_append_c (out, '\\');
      g_string_append_c (out, line[i]);
    }
}

static void
append_message (GString       *out,
                CvChatMessage *message)
{
  g_autofree char *time = g_date_time_format (cv_chat_message_get_time (message), "%H:%M");
  const char *sender = cv_chat_message_get_sender (message);
  const char *text = cv_chat_message_get_text (message);
  const char *line = text;

  /* The sender line: only we write lines that begin with "**". */
  g_string_append (out, "**");
  append_escaped_line (out, sender, strlen (sender));
  g_string_append_printf (out, "** (%s)", time);
  if (cv_chat_message_get_outgoing (message))
    /* Translators: marks our own messages in a saved chat */
    g_string_append_printf (out, " %s", _("(you)"));
  g_string_append (out, "\n\n");

  /* Every line of the text is quoted; a hard break keeps two lines apart,
   * an empty line is a paragraph break (a break before it would show). */
  for (;;)
    {
      const char *end = strchr (line, '\n');
      gsize length = end ? (gsize) (end - line) : strlen (line);

      g_string_append (out, length > 0 ? "> " : ">");
      append_escaped_line (out, line, length);
      if (end == NULL)
        break;
      if (length > 0 && end[1] != '\n' && end[1] != '\0')
        g_string_append_c (out, '\\');
      g_string_append_c (out, '\n');
      line = end + 1;
    }
  g_string_append (out, "\n\n");
}

char *
cv_chat_log_to_markdown (CvChatLog *self)
{
  GString *out = g_string_new (NULL);
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *date = NULL;

  g_return_val_if_fail (CV_IS_CHAT_LOG (self), NULL);

  if (self->messages->len > 0)
    date = g_date_time_format (cv_chat_message_get_time (g_ptr_array_index (self->messages, 0)), "%Y-%m-%d");
  else
    date = g_date_time_format (now, "%Y-%m-%d");

  if (self->meeting_number != NULL)
    /* Translators: the heading of a saved chat; %s is the meeting number */
    g_string_append_printf (out, _("# Chat of meeting %s"), self->meeting_number);
  else
    g_string_append (out, _("# Chat"));
  g_string_append_printf (out, "\n\n%s\n\n", date);

  for (guint i = 0; i < self->messages->len; i++)
    append_message (out, g_ptr_array_index (self->messages, i));
  return g_string_free (out, FALSE);
}

gboolean
cv_chat_log_save (CvChatLog  *self,
                  GFile      *file,
                  GError    **error)
{
  g_autofree char *markdown = NULL;

  g_return_val_if_fail (CV_IS_CHAT_LOG (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  markdown = cv_chat_log_to_markdown (self);
  return cv_local_file_replace (file, markdown, strlen (markdown), error);
}
