/* CvChatPanel: the meeting's chat in the side pane. It shows a CvChatLog,
 * sends what is typed through it, says in words whether the service can read
 * the chat, and saves the transcript as Markdown where the user chooses. */
#include "config.h"

#include <glib/gi18n.h>

#include "cv-chat-log.h"
#include "cv-chat-panel.h"
#include "cv-save-dialog.h"
#include "cv-folders.h"

struct _CvChatPanel
{
  AdwBin parent_instance;

  CvChatLog *log;
  CvSession *session;
  gulong state_handler;
  gboolean stick_to_bottom;
  GtkFileChooserNative *chooser;

  GtkLabel *privacy_label;
  GtkStack *messages_stack;
  GtkScrolledWindow *scroller;
  GtkListView *message_list;
  GtkLabel *feedback_label;
  GtkEntry *message_entry;
  GtkButton *send_button;
  GtkButton *save_button;
};

G_DEFINE_FINAL_TYPE (CvChatPanel, cv_chat_panel, ADW_TYPE_BIN)

static gboolean
in_meeting (CvChatPanel *self)
{
  return self->session != NULL && cv_session_get_state (self->session) == CV_SESSION_IN_MEETING;
}

static void
show_feedback (CvChatPanel *self,
               const char  *text,
               gboolean     is_error)
{
  gtk_label_set_text (self->feedback_label, text ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->feedback_label), text != NULL);
  if (is_error)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->feedback_label), "error");
      gtk_widget_remove_css_class (GTK_WIDGET (self->feedback_label), "dim-label");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->feedback_label), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->feedback_label), "dim-label");
    }
  /* Screen readers hear what changed without moving the focus. */
  if (text != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->feedback_label),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
}

static void
update_sensitivity (CvChatPanel *self)
{
  gboolean can_send = in_meeting (self);
  const char *typed = gtk_editable_get_text (GTK_EDITABLE (self->message_entry));
  const char *placeholder;

  gtk_widget_set_sensitive (GTK_WIDGET (self->message_entry), can_send);
  gtk_widget_set_sensitive (GTK_WIDGET (self->send_button), can_send && *typed != '\0');
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button),
                            g_list_model_get_n_items (G_LIST_MODEL (self->log)) > 0);

  if (can_send)
    placeholder = _("Message everyone");
  else if (self->session != NULL && cv_session_get_state (self->session) == CV_SESSION_RECONNECTING)
    placeholder = _("Reconnecting to the meeting…");
  else if (self->session != NULL
           ? (cv_session_get_state (self->session) == CV_SESSION_LEFT
              || cv_session_get_state (self->session) == CV_SESSION_FAILED)
           : cv_chat_log_get_meeting_number (self->log) != NULL)
    placeholder = _("The meeting has ended");
  else
    placeholder = _("You can chat once you are in the meeting");
  gtk_entry_set_placeholder_text (self->message_entry, placeholder);
}

static void
update_privacy (CvChatPanel *self)
{
  const char *text;

  if (in_meeting (self) && cv_session_get_e2ee (self->session))
    text = _("End-to-end encrypted: only the people in this meeting can read the chat. "
             "It is kept only on this computer.");
  else if (in_meeting (self))
    text = _("Not end-to-end encrypted: the meeting service can read the chat. "
             "It is kept only on this computer.");
  else
    text = _("The chat is kept only on this computer.");
  gtk_label_set_text (self->privacy_label, text);
}

static void
state_changed_cb (CvChatPanel *self)
{
  update_privacy (self);
  update_sensitivity (self);
}

static void
send_cb (CvChatPanel *self)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->message_entry)));
  g_autofree char *stripped = g_strstrip (g_strdup (text));
  g_autofree char *shown = NULL;

  /* Enter in an empty entry does nothing, as the insensitive button. */
  if (*stripped == '\0' || !in_meeting (self))
    return;
  if (!cv_chat_log_send (self->log, text, &error))
    {
      /* Translators: %s says why, e.g. "Not in a meeting" */
      shown = g_strdup_printf (_("Message not sent: %s"), error->message);
      show_feedback (self, shown, TRUE);
      return;
    }
  show_feedback (self, NULL, FALSE);
  /* Our own message always scrolls into view. */
  self->stick_to_bottom = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->message_entry), "");
  gtk_widget_grab_focus (GTK_WIDGET (self->message_entry));
}

/* ---- the message rows ---- */

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *sender = gtk_label_new (NULL);
  GtkWidget *time = gtk_label_new (NULL);
  GtkWidget *text = gtk_label_new (NULL);

  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_label_set_ellipsize (GTK_LABEL (sender), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (sender), 0);
  gtk_widget_add_css_class (sender, "heading");
  gtk_widget_add_css_class (time, "dim-label");
  gtk_widget_add_css_class (time, "caption");
  gtk_label_set_wrap (GTK_LABEL (text), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (text), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (GTK_LABEL (text), 0);
  /* Chat text is copied into documents all the time. */
  gtk_label_set_selectable (GTK_LABEL (text), TRUE);

  gtk_box_append (GTK_BOX (header), sender);
  gtk_box_append (GTK_BOX (header), time);
  gtk_box_append (GTK_BOX (box), header);
  gtk_box_append (GTK_BOX (box), text);
  gtk_list_item_set_child (item, box);
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             gpointer                  user_data)
{
  CvChatMessage *message = gtk_list_item_get_item (item);
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *header = gtk_widget_get_first_child (box);
  GtkWidget *sender = gtk_widget_get_first_child (header);
  GtkWidget *time = gtk_widget_get_next_sibling (sender);
  GtkWidget *text = gtk_widget_get_next_sibling (header);
  g_autofree char *clock = g_date_time_format (cv_chat_message_get_time (message), "%H:%M");
  g_autofree char *accessible = NULL;
  gboolean outgoing = cv_chat_message_get_outgoing (message);
  const char *name = outgoing ? _("You") : cv_chat_message_get_sender (message);

  gtk_label_set_text (GTK_LABEL (sender), name);
  gtk_label_set_text (GTK_LABEL (time), clock);
  gtk_label_set_text (GTK_LABEL (text), cv_chat_message_get_text (message));
  /* Our own messages in the accent colour, and said in words. */
  if (outgoing)
    gtk_widget_add_css_class (sender, "accent");
  else
    gtk_widget_remove_css_class (sender, "accent");

  /* Translators: how a screen reader announces a chat message: sender, time, text */
  accessible = g_strdup_printf (_("%s at %s: %s"), name, clock, cv_chat_message_get_text (message));
  gtk_accessible_update_property (GTK_ACCESSIBLE (box), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
}

static void
messages_changed_cb (GListModel  *model,
                     guint        position,
                     guint        removed,
                     guint        added,
                     CvChatPanel *self)
{
  gtk_stack_set_visible_child_name (self->messages_stack,
                                    g_list_model_get_n_items (model) > 0 ? "messages" : "empty");
  update_sensitivity (self);
}

/* Follow new messages while the user is at the bottom; stay put while they
 * read further up. */
static void
scroll_value_changed_cb (GtkAdjustment *adjustment,
                         CvChatPanel   *self)
{
  self->stick_to_bottom = gtk_adjustment_get_value (adjustment)
                          >= gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment) - 1;
}

static void
scroll_upper_changed_cb (GtkAdjustment *adjustment,
                         GParamSpec    *pspec,
                         CvChatPanel   *self)
{
  if (self->stick_to_bottom)
    gtk_adjustment_set_value (adjustment,
                              gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment));
}

static void
set_log (CvChatPanel *self,
         CvChatLog   *log)
{
  g_autoptr (GtkNoSelection) selection = NULL;

  if (self->log != NULL)
    g_signal_handlers_disconnect_by_func (self->log, messages_changed_cb, self);
  g_set_object (&self->log, log);
  g_signal_connect (log, "items-changed", G_CALLBACK (messages_changed_cb), self);
  selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (log)));
  gtk_list_view_set_model (self->message_list, GTK_SELECTION_MODEL (selection));
  self->stick_to_bottom = TRUE;
  messages_changed_cb (G_LIST_MODEL (log), 0, 0, 0, self);
}

/* ---- saving ---- */

static void
chooser_response_cb (GtkNativeDialog *chooser,
                     int              response,
                     CvChatPanel     *self)
{
  g_autoptr (GFile) file = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *shown = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  g_clear_object (&self->chooser);
  if (file == NULL)
    return;

  if (!cv_chat_log_save (self->log, file, &error))
    {
      show_feedback (self, error->message, TRUE);
      return;
    }
  name = g_file_get_basename (file);
  /* Translators: %s is a file name */
  shown = g_strdup_printf (_("Chat saved as “%s”"), name);
  show_feedback (self, shown, FALSE);
}

static void
save_cb (CvChatPanel *self)
{
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *folder = cv_folders_get_notes (settings, NULL);
  g_autofree char *day = g_date_time_format (now, "%Y-%m-%d");
  g_autofree char *suggested = NULL;
  const char *number = cv_chat_log_get_meeting_number (self->log);

  if (self->chooser != NULL)
    return;

  if (number != NULL)
    /* Translators: the file name of a saved chat; date, meeting number */
    suggested = g_strdup_printf (_("%s Meeting %s chat.md"), day, number);
  else
    /* Translators: the file name of a saved chat; %s is the date */
    suggested = g_strdup_printf (_("%s Chat.md"), day);

  self->chooser = cv_save_dialog_new (GTK_WIDGET (self), _("Save Chat"), folder, suggested);
  g_signal_connect (self->chooser, "response", G_CALLBACK (chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* ---- the object ---- */

static void
cv_chat_panel_dispose (GObject *object)
{
  CvChatPanel *self = CV_CHAT_PANEL (object);

  cv_save_dialog_clear (&self->chooser, self);
  cv_chat_panel_set_session (self, NULL);
  if (self->log != NULL)
    g_signal_handlers_disconnect_by_func (self->log, messages_changed_cb, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), CV_TYPE_CHAT_PANEL);
  g_clear_object (&self->log);

  G_OBJECT_CLASS (cv_chat_panel_parent_class)->dispose (object);
}

static void
cv_chat_panel_class_init (CvChatPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cv_chat_panel_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/conclave/Conclave/cv-chat-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, CvChatPanel, privacy_label);
  gtk_widget_class_bind_template_child (widget_class, CvChatPanel, messages_stack);
  gtk_widget_class_bind_template_child (widget_class, CvChatPanel, scroller);
  gtk_widget_class_bind_template_child (widget_class, CvChatPanel, message_list);
  gtk_widget_class_bind_template_child (widget_class, CvChatPanel, feedback_label);
  gtk_widget_class_bind_template_child (widget_class, CvChatPanel, message_entry);
  gtk_widget_class_bind_template_child (widget_class, CvChatPanel, send_button);
  gtk_widget_class_bind_template_child (widget_class, CvChatPanel, save_button);
  gtk_widget_class_bind_template_callback (widget_class, send_cb);
  gtk_widget_class_bind_template_callback (widget_class, save_cb);
  gtk_widget_class_bind_template_callback (widget_class, update_sensitivity);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
cv_chat_panel_init (CvChatPanel *self)
{
  g_autoptr (GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  g_autoptr (CvChatLog) log = cv_chat_log_new ();
  GtkAdjustment *adjustment;

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Chat"), -1);

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), NULL);
  gtk_list_view_set_factory (self->message_list, factory);

  adjustment = gtk_scrolled_window_get_vadjustment (self->scroller);
  g_signal_connect (adjustment, "value-changed", G_CALLBACK (scroll_value_changed_cb), self);
  g_signal_connect (adjustment, "notify::upper", G_CALLBACK (scroll_upper_changed_cb), self);

  set_log (self, log);
  update_privacy (self);
  update_sensitivity (self);
}

GtkWidget *
cv_chat_panel_new (void)
{
  return g_object_new (CV_TYPE_CHAT_PANEL, NULL);
}

void
cv_chat_panel_set_session (CvChatPanel *self,
                           CvSession   *session)
{
  const char *previous;

  g_return_if_fail (CV_IS_CHAT_PANEL (self));
  g_return_if_fail (session == NULL || CV_IS_SESSION (session));

  if (self->session == session)
    return;
  if (self->session != NULL)
    g_clear_signal_handler (&self->state_handler, self->session);
  g_set_object (&self->session, session);

  /* Another meeting starts another transcript; the same meeting joined
   * again continues it. */
  previous = cv_chat_log_get_meeting_number (self->log);
  if (session != NULL && previous != NULL
      && g_strcmp0 (previous, cv_session_get_meeting_number (session)) != 0)
    {
      g_autoptr (CvChatLog) fresh = cv_chat_log_new ();
      set_log (self, fresh);
    }
  cv_chat_log_set_session (self->log, session);
  if (session != NULL)
    self->state_handler = g_signal_connect_swapped (session, "notify::state",
                                                    G_CALLBACK (state_changed_cb), self);
  show_feedback (self, NULL, FALSE);
  state_changed_cb (self);
}

CvChatLog *
cv_chat_panel_get_log (CvChatPanel *self)
{
  g_return_val_if_fail (CV_IS_CHAT_PANEL (self), NULL);
  return self->log;
}
