/* CvNotifier: libnotify notifications for a meeting window in the
 * background. Joins, leaves and code changes share one notification that
 * each new event replaces, so that a join (which also changes the code) is
 * one popup, not two. */
#include "config.h"

#include <glib/gi18n.h>
#include <libnotify/notify.h>

#include "cv-meeting-member.h"
#include "cv-notifier.h"

struct _CvNotifier
{
  GObject parent_instance;

  GtkWindow *window;          /* weak */
  GListModel *members;
  CvSecurityState *security;
  GHashTable *known;          /* leaf → display name of the members last seen */
  gboolean seen_self;         /* members before our own join are not news */
  char *code;
  CvE2eeState e2ee_state;
  NotifyNotification *meeting;
  NotifyNotification *security_lost;
  NotifyNotification *recording;
  gboolean unavailable;       /* no notification service: said once */
};

G_DEFINE_FINAL_TYPE (CvNotifier, cv_notifier, G_TYPE_OBJECT)

enum {
  SIGNAL_SENT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
give_up (CvNotifier *self,
         const char *why)
{
  if (!self->unavailable)
    g_message ("Desktop notifications are off: %s", why);
  self->unavailable = TRUE;
}

static void
send (CvNotifier          *self,
      NotifyNotification **slot,
      const char          *summary,
      const char          *body,
      NotifyUrgency        urgency)
{
  g_autoptr (GError) error = NULL;

  /* The window in front shows all of this already. */
  if (self->window != NULL && gtk_window_is_active (self->window))
    return;
  g_signal_emit (self, signals[SIGNAL_SENT], 0, summary, body);
  if (self->unavailable)
    return;
  if (!notify_is_initted () && !notify_init ("Conclave"))
    {
      give_up (self, "libnotify could not start");
      return;
    }
  if (*slot == NULL)
    {
      *slot = notify_notification_new (summary, body, APP_ID);
      notify_notification_set_hint_string (*slot, "desktop-entry", APP_ID);
    }
  else
    notify_notification_update (*slot, summary, body, APP_ID);
  notify_notification_set_urgency (*slot, urgency);
  if (!notify_notification_show (*slot, &error))
    give_up (self, error->message);
}

/* ---- members ---- */

static GHashTable *
snapshot_members (CvNotifier *self,
                  gboolean   *has_self)
{
  GHashTable *names = g_hash_table_new_full (NULL, NULL, NULL, g_free);

  *has_self = FALSE;
  for (guint i = 0; self->members && i < g_list_model_get_n_items (self->members); i++)
    {
      g_autoptr (CvMeetingMember) m = g_list_model_get_item (self->members, i);

      if (cv_meeting_member_get_is_self (m))
        {
          *has_self = TRUE;
          continue;
        }
      g_hash_table_insert (names, GUINT_TO_POINTER (cv_meeting_member_get_leaf_index (m)),
                           g_strdup (cv_meeting_member_get_display_name (m)));
    }
  return names;
}

/* "Ada", "Ada and Grace", "Ada, Grace and 3 others" */
static char *
join_names (GPtrArray *names)
{
  if (names->len == 1)
    return g_strdup (g_ptr_array_index (names, 0));
  if (names->len == 2)
    /* Translators: two participants' names */
    return g_strdup_printf (_("%s and %s"), (char *) g_ptr_array_index (names, 0),
                            (char *) g_ptr_array_index (names, 1));
  /* Translators: two names and how many more participants */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s, %s and %u other", "%s, %s and %u others",
                                       names->len - 2),
                          (char *) g_ptr_array_index (names, 0), (char *) g_ptr_array_index (names, 1),
                          names->len - 2);
}

static void
members_changed_cb (CvNotifier *self)
{
  gboolean has_self;
  g_autoptr (GHashTable) now = snapshot_members (self, &has_self);
  g_autoptr (GPtrArray) joined = g_ptr_array_new ();
  g_autoptr (GPtrArray) left = g_ptr_array_new ();
  g_autoptr (GString) body = g_string_new (NULL);
  GHashTableIter iter;
  gpointer leaf, name;

  if (self->seen_self && self->known != NULL)
    {
      g_hash_table_iter_init (&iter, now);
      while (g_hash_table_iter_next (&iter, &leaf, &name))
        if (!g_hash_table_contains (self->known, leaf))
          g_ptr_array_add (joined, name);
      g_hash_table_iter_init (&iter, self->known);
      while (g_hash_table_iter_next (&iter, &leaf, &name))
        if (!g_hash_table_contains (now, leaf))
          g_ptr_array_add (left, name);
    }
  if (joined->len > 0)
    {
      g_autofree char *who = join_names (joined);
      /* Translators: %s is one or more names */
      g_string_append_printf (body, _("%s joined the meeting."), who);
    }
  if (left->len > 0)
    {
      g_autofree char *who = join_names (left);
      if (body->len > 0)
        g_string_append_c (body, ' ');
      /* Translators: %s is one or more names */
      g_string_append_printf (body, _("%s left the meeting."), who);
    }
  if (body->len > 0)
    send (self, &self->meeting, _("Participants changed"), body->str, NOTIFY_URGENCY_NORMAL);

  g_clear_pointer (&self->known, g_hash_table_unref);
  self->known = g_steal_pointer (&now);
  self->seen_self = self->seen_self || has_self;
}

/* ---- security ---- */

static void
code_changed_cb (CvNotifier *self)
{
  const char *code = cv_security_state_get_code (self->security);
  const char *reason = cv_security_state_get_change_reason (self->security);

  if (self->code != NULL && code != NULL && g_strcmp0 (self->code, code) != 0)
    {
      g_autofree char *body =
        /* Translators: %s says why ("Dana joined"); the code itself is in the window */
        g_strdup_printf (_("%s. Compare the new code with the others in the meeting."),
                         reason ? reason : _("The meeting key was renewed"));
      send (self, &self->meeting, _("Security code changed"), body, NOTIFY_URGENCY_NORMAL);
    }
  g_free (self->code);
  self->code = g_strdup (code);
}

static void
state_changed_cb (CvNotifier *self)
{
  CvE2eeState state = cv_security_state_get_state (self->security);

  if (self->e2ee_state == CV_E2EE_STATE_SECURE_E2EE
      && (state == CV_E2EE_STATE_TRANSPORT_ONLY || state == CV_E2EE_STATE_DEGRADED))
    send (self, &self->security_lost, _("The meeting is no longer end-to-end encrypted"),
          state == CV_E2EE_STATE_DEGRADED
          ? _("A participant's media cannot be decrypted or is not theirs. Check the shield in the window.")
          : _("The meeting service can now see the media."),
          NOTIFY_URGENCY_CRITICAL);
  self->e2ee_state = state;
}

void
cv_notifier_watch (CvNotifier      *self,
                   GListModel      *members,
                   CvSecurityState *security)
{
  g_return_if_fail (CV_IS_NOTIFIER (self));

  if (self->members != NULL)
    g_signal_handlers_disconnect_by_data (self->members, self);
  if (self->security != NULL)
    g_signal_handlers_disconnect_by_data (self->security, self);
  g_set_object (&self->members, members);
  g_set_object (&self->security, security);
  g_clear_pointer (&self->known, g_hash_table_unref);
  g_clear_pointer (&self->code, g_free);
  self->seen_self = FALSE;
  self->e2ee_state = CV_E2EE_STATE_NOT_CONNECTED;
  if (members != NULL)
    {
      g_signal_connect_swapped (members, "items-changed", G_CALLBACK (members_changed_cb), self);
      members_changed_cb (self);
    }
  if (security != NULL)
    {
      g_signal_connect_swapped (security, "notify::code", G_CALLBACK (code_changed_cb), self);
      g_signal_connect_swapped (security, "notify::state", G_CALLBACK (state_changed_cb), self);
      self->code = g_strdup (cv_security_state_get_code (security));
      self->e2ee_state = cv_security_state_get_state (security);
    }
}

void
cv_notifier_recording_saved (CvNotifier *self,
                             const char *path)
{
  g_autofree char *name = g_path_get_basename (path);
  g_autofree char *body = NULL;

  g_return_if_fail (CV_IS_NOTIFIER (self));

  /* Translators: %s is the file name of the recording */
  body = g_strdup_printf (_("%s is in your recordings folder. It was not uploaded anywhere."), name);
  send (self, &self->recording, _("Recording saved"), body, NOTIFY_URGENCY_NORMAL);
}

static void
cv_notifier_dispose (GObject *object)
{
  CvNotifier *self = CV_NOTIFIER (object);

  cv_notifier_watch (self, NULL, NULL);
  g_clear_weak_pointer (&self->window);
  /* Shown notifications stay on the desktop ("Recording saved" is still
   * worth reading after the window closed). */
  g_clear_object (&self->meeting);
  g_clear_object (&self->security_lost);
  g_clear_object (&self->recording);

  G_OBJECT_CLASS (cv_notifier_parent_class)->dispose (object);
}

static void
cv_notifier_class_init (CvNotifierClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cv_notifier_dispose;

  signals[SIGNAL_SENT] =
    g_signal_new ("sent", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
cv_notifier_init (CvNotifier *self)
{
}

CvNotifier *
cv_notifier_new (GtkWindow *window)
{
  CvNotifier *self = g_object_new (CV_TYPE_NOTIFIER, NULL);

  g_set_weak_pointer (&self->window, window);
  return self;
}
