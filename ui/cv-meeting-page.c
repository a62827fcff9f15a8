/* CvMeetingPage: the meeting: video tiles (self view, active speaker first),
 * the control bar, and a side pane with the participants, chat and notes.
 * It binds to the session's models and properties; the session decides
 * everything. Local recording runs here (CvRecorder on the streams the
 * session receives); the window reports its outcome. */
#include "config.h"

#include <glib/gi18n.h>

#include "cv-chat-panel.h"
#include "cv-folders.h"
#include "cv-meeting-member.h"
#include "cv-meeting-page.h"
#include "cv-notes-panel.h"
#include "cv-participant-list.h"
#include "cv-recorder.h"
#include "cv-remote-stream.h"
#include "cv-tile-grid.h"
#include "cv-video-tile.h"

/* How often the active speaker is chosen from the audio levels, and the
 * level below which nobody is speaking. */
#define SPEAKER_INTERVAL_MS 300
#define SPEAKER_THRESHOLD 0.01
/* How much louder, for how many intervals in a row, a new speaker must be. */
#define SPEAKER_MARGIN 1.5
#define SPEAKER_TICKS 3

struct _CvMeetingPage
{
  AdwBin parent_instance;

  CvSession *session;
  GListModel *streams;
  GHashTable *tiles;        /* CvRemoteStream → CvVideoTile (unowned: the grid owns it) */
  CvVideoTile *speaker;     /* the tile highlighted, or NULL */
  CvVideoTile *candidate;   /* who may take over, for candidate_ticks */
  guint candidate_ticks;
  guint speaker_timer;
  GBinding *mute_binding;
  GBinding *camera_binding;
  CvRecorder *recorder;
  GSettings *settings;
  gboolean syncing_side;

  GtkRevealer *notice_revealer;
  GtkLabel *notice_label;
  AdwFlap *flap;
  GtkStack *tiles_stack;
  CvTileGrid *tile_grid;
  GtkLabel *side_title;
  GtkStack *side_stack;
  CvParticipantList *participant_list;
  GtkWidget *chat_panel;
  GtkWidget *notes_panel;
  GtkWidget *pager;
  GtkLabel *page_label;
  GtkToggleButton *mute_button;
  GtkToggleButton *camera_button;
  GtkToggleButton *record_button;
  GtkToggleButton *chat_button;
  GtkToggleButton *notes_button;
  GtkToggleButton *participants_button;
};

G_DEFINE_FINAL_TYPE (CvMeetingPage, cv_meeting_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

enum {
  SIGNAL_LEAVE,
  SIGNAL_RECORDING_SAVED,
  SIGNAL_RECORDING_FAILED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* ---- tiles ---- */

static void
update_tiles_visibility (CvMeetingPage *self)
{
  gboolean any = cv_tile_grid_get_n_tiles (self->tile_grid) > 0;

  gtk_stack_set_visible_child_name (self->tiles_stack, any ? "tiles" : "waiting");
}

static void
pages_changed_cb (CvMeetingPage *self)
{
  guint n_pages = cv_tile_grid_get_n_pages (self->tile_grid);
  guint page = cv_tile_grid_get_page (self->tile_grid);
  /* Translators: the page of video tiles shown, "2 / 3" */
  g_autofree char *text = g_strdup_printf (_("%u / %u"), page + 1, n_pages);

  gtk_label_set_text (self->page_label, text);
  gtk_widget_set_visible (self->pager, n_pages > 1);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "meeting.previous-page", page > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "meeting.next-page", page + 1 < n_pages);
}

static void
remove_tile (CvMeetingPage *self,
             CvVideoTile   *tile)
{
  if (self->speaker == tile)
    self->speaker = NULL;
  if (self->candidate == tile)
    self->candidate = NULL;
  cv_tile_grid_remove (self->tile_grid, GTK_WIDGET (tile));
}

static void
streams_changed_cb (GListModel    *streams,
                    guint          position,
                    guint          removed,
                    guint          added,
                    CvMeetingPage *self)
{
  g_autoptr (GHashTable) present = g_hash_table_new (NULL, NULL);
  GHashTableIter iter;
  gpointer stream, tile;

  /* Tiles are kept for the streams that stay, so that the active speaker
   * stays in front. */
  for (guint i = 0; i < g_list_model_get_n_items (streams); i++)
    {
      g_autoptr (CvRemoteStream) s = g_list_model_get_item (streams, i);

      if (cv_remote_stream_get_kind (s) != CV_MEDIA_KIND_VIDEO)
        continue;
      g_hash_table_add (present, s);
      if (!g_hash_table_contains (self->tiles, s))
        {
          CvVideoTile *t = cv_video_tile_new (s, cv_session_get_members (self->session));
          g_hash_table_insert (self->tiles, g_object_ref (s), t);
          cv_tile_grid_append (self->tile_grid, GTK_WIDGET (t));
        }
    }
  g_hash_table_iter_init (&iter, self->tiles);
  while (g_hash_table_iter_next (&iter, &stream, &tile))
    if (!g_hash_table_contains (present, stream) && !cv_video_tile_get_is_self (tile))
      {
        remove_tile (self, tile);
        g_hash_table_iter_remove (&iter);
      }
  update_tiles_visibility (self);
}

static void
clear_tiles (CvMeetingPage *self)
{
  GHashTableIter iter;
  gpointer tile;

  g_hash_table_iter_init (&iter, self->tiles);
  while (g_hash_table_iter_next (&iter, NULL, &tile))
    remove_tile (self, tile);
  g_hash_table_remove_all (self->tiles);
  update_tiles_visibility (self);
}

/* The level of leaf's loudest audio stream, 0 when it sends none. */
static double
audio_level_of (CvMeetingPage *self,
                gint64         leaf)
{
  double level = 0;

  for (guint i = 0; self->streams && i < g_list_model_get_n_items (self->streams); i++)
    {
      g_autoptr (CvRemoteStream) s = g_list_model_get_item (self->streams, i);

      if (cv_remote_stream_get_kind (s) == CV_MEDIA_KIND_AUDIO && cv_remote_stream_get_sender_leaf (s) == leaf)
        level = MAX (level, cv_remote_stream_get_audio_level (s));
    }
  return level;
}

/* The loudest sender above the threshold speaks; their tile goes first.
 * A new speaker takes over only when clearly louder than the current one
 * (or the current one is silent) for SPEAKER_TICKS in a row, so that
 * people talking at the same level do not reshuffle the grid. */
static gboolean
choose_speaker_cb (gpointer data)
{
  CvMeetingPage *self = data;
  double loudest = SPEAKER_THRESHOLD, current;
  gint64 leaf = -1;
  CvVideoTile *candidate = NULL;
  GHashTableIter iter;
  gpointer tile;

  for (guint i = 0; self->streams && i < g_list_model_get_n_items (self->streams); i++)
    {
      g_autoptr (CvRemoteStream) s = g_list_model_get_item (self->streams, i);
      double level;

      if (cv_remote_stream_get_kind (s) != CV_MEDIA_KIND_AUDIO)
        continue;
      level = cv_remote_stream_get_audio_level (s);
      if (level > loudest && cv_remote_stream_get_sender_leaf (s) >= 0)
        {
          loudest = level;
          leaf = cv_remote_stream_get_sender_leaf (s);
        }
    }
  g_hash_table_iter_init (&iter, self->tiles);
  while (leaf >= 0 && g_hash_table_iter_next (&iter, NULL, &tile))
    if (!cv_video_tile_get_is_self (tile) && cv_video_tile_get_leaf (tile) == leaf)
      candidate = tile;

  current = self->speaker ? audio_level_of (self, cv_video_tile_get_leaf (self->speaker)) : 0;
  if (candidate == NULL || candidate == self->speaker
      || (current >= SPEAKER_THRESHOLD && loudest < current * SPEAKER_MARGIN))
    {
      self->candidate_ticks = 0;
      return G_SOURCE_CONTINUE;
    }
  if (candidate != self->candidate)
    {
      self->candidate = candidate;
      self->candidate_ticks = 0;
    }
  /* Silence keeps the last speaker in front, as a room would. */
  if (++self->candidate_ticks >= SPEAKER_TICKS || self->speaker == NULL)
    {
      if (self->speaker != NULL)
        cv_video_tile_set_speaking (self->speaker, FALSE);
      self->speaker = candidate;
      self->candidate_ticks = 0;
      cv_video_tile_set_speaking (candidate, TRUE);
      cv_tile_grid_move_to_front (self->tile_grid, GTK_WIDGET (candidate));
    }
  return G_SOURCE_CONTINUE;
}

/* Our own camera, once the media runs; kept first among equals after the
 * active speaker. */
static void
add_self_view (CvMeetingPage *self)
{
  CvRemoteStream *self_view = self->session ? cv_session_get_self_view (self->session) : NULL;
  CvVideoTile *tile;

  if (self_view == NULL || g_hash_table_contains (self->tiles, self_view))
    return;
  tile = cv_video_tile_new_self (self_view, cv_session_get_members (self->session));
  g_hash_table_insert (self->tiles, g_object_ref (self_view), tile);
  cv_tile_grid_append (self->tile_grid, GTK_WIDGET (tile));
  if (self->recorder != NULL)
    {
      cv_recorder_set_self_view (self->recorder, self_view);
      cv_recorder_set_self_audio (self->recorder, cv_session_get_self_audio (self->session));
    }
  update_tiles_visibility (self);
}

static void
bind_streams (CvMeetingPage *self)
{
  GListModel *streams = self->session ? cv_session_get_remote_streams (self->session) : NULL;

  add_self_view (self);
  if (streams == self->streams)
    return;
  if (self->streams != NULL)
    g_signal_handlers_disconnect_by_data (self->streams, self);
  g_set_object (&self->streams, streams);
  if (streams != NULL)
    {
      g_signal_connect (streams, "items-changed", G_CALLBACK (streams_changed_cb), self);
      streams_changed_cb (streams, 0, 0, g_list_model_get_n_items (streams), self);
    }
}

/* ---- controls ---- */

static void
update_media_buttons (CvMeetingPage *self)
{
  gboolean muted = gtk_toggle_button_get_active (self->mute_button);
  gboolean camera = !gtk_toggle_button_get_active (self->camera_button);
  gboolean recording = gtk_toggle_button_get_active (self->record_button);
  const char *text;

  gtk_button_set_icon_name (GTK_BUTTON (self->mute_button),
                            muted ? "microphone-disabled-symbolic" : "microphone-sensitivity-high-symbolic");
  text = muted ? _("Unmute") : _("Mute");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->mute_button), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
  {
    g_autofree char *tip = g_strdup_printf ("%s (Ctrl+D)", text);
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->mute_button), tip);
  }

  gtk_button_set_icon_name (GTK_BUTTON (self->camera_button),
                            camera ? "camera-web-symbolic" : "camera-disabled-symbolic");
  text = camera ? _("Turn Camera Off") : _("Turn Camera On");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->camera_button), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
  {
    g_autofree char *tip = g_strdup_printf ("%s (Ctrl+E)", text);
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->camera_button), tip);
  }

  text = recording ? _("Stop Recording") : _("Record on This Computer");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->record_button), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
  {
    g_autofree char *tip = g_strdup_printf ("%s (Ctrl+Shift+R)", text);
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->record_button), tip);
  }
  if (recording)
    gtk_widget_add_css_class (GTK_WIDGET (self->record_button), "destructive-action");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->record_button), "destructive-action");
}

static void
bind_controls (CvMeetingPage *self)
{
  gboolean in_meeting = self->session != NULL;

  g_clear_pointer (&self->mute_binding, g_binding_unbind);
  g_clear_pointer (&self->camera_binding, g_binding_unbind);
  /* The session's state shows on the buttons; the buttons call its setters
   * (mute_toggled_cb, camera_toggled_cb). */
  if (in_meeting)
    {
      self->mute_binding = g_object_bind_property (self->session, "audio-muted", self->mute_button, "active",
                                                   G_BINDING_SYNC_CREATE);
      self->camera_binding = g_object_bind_property (self->session, "video-enabled", self->camera_button, "active",
                                                     G_BINDING_SYNC_CREATE | G_BINDING_INVERT_BOOLEAN);
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "meeting.toggle-mute", in_meeting);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "meeting.toggle-camera", in_meeting);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "meeting.toggle-recording", in_meeting);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "meeting.leave", in_meeting);
  update_media_buttons (self);
}

static void
mute_toggled_cb (CvMeetingPage *self)
{
  if (self->session != NULL)
    cv_session_set_audio_muted (self->session, gtk_toggle_button_get_active (self->mute_button));
}

static void
camera_toggled_cb (CvMeetingPage *self)
{
  if (self->session != NULL)
    cv_session_set_video_enabled (self->session, !gtk_toggle_button_get_active (self->camera_button));
}

/* ---- recording ---- */

static void
tell_session_recording (CvMeetingPage *self,
                        gboolean       recording)
{
  /* The others are told that someone records locally. */
  if (self->session != NULL)
    cv_session_set_recording (self->session, recording);
}

static void
set_record_button (CvMeetingPage *self,
                   gboolean       active)
{
  g_signal_handlers_block_matched (self->record_button, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, self);
  gtk_toggle_button_set_active (self->record_button, active);
  g_signal_handlers_unblock_matched (self->record_button, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, self);
  update_media_buttons (self);
}

static void
recorder_saved_cb (CvRecorder    *recorder,
                   const char    *path,
                   CvMeetingPage *self)
{
  g_signal_emit (self, signals[SIGNAL_RECORDING_SAVED], 0, path);
}

static void
recorder_failed_cb (CvRecorder    *recorder,
                    GError        *error,
                    CvMeetingPage *self)
{
  set_record_button (self, FALSE);
  tell_session_recording (self, FALSE);
  g_signal_emit (self, signals[SIGNAL_RECORDING_FAILED], 0, error);
}

static void
stop_recording (CvMeetingPage *self)
{
  if (self->recorder == NULL)
    return;
  /* Emits "saved" before it returns. */
  cv_recorder_stop (self->recorder);
  g_signal_handlers_disconnect_by_data (self->recorder, self);
  g_clear_object (&self->recorder);
  tell_session_recording (self, FALSE);
}

static gboolean
start_recording (CvMeetingPage  *self,
                 GError        **error)
{
  g_autofree char *folder = NULL;
  g_autofree char *path = NULL;
  g_autoptr (CvRecorder) recorder = NULL;

  folder = cv_folders_get_recordings (self->settings, error);
  if (folder == NULL)
    return FALSE;
  path = cv_recorder_make_path (folder, cv_session_get_meeting_number (self->session));
  recorder = cv_recorder_new (cv_session_get_remote_streams (self->session));
  cv_recorder_set_self_view (recorder, cv_session_get_self_view (self->session));
  cv_recorder_set_self_audio (recorder, cv_session_get_self_audio (self->session));
  g_signal_connect (recorder, "saved", G_CALLBACK (recorder_saved_cb), self);
  g_signal_connect (recorder, "failed", G_CALLBACK (recorder_failed_cb), self);
  if (!cv_recorder_start (recorder, path, error))
    {
      g_signal_handlers_disconnect_by_data (recorder, self);
      return FALSE;
    }
  self->recorder = g_steal_pointer (&recorder);
  tell_session_recording (self, TRUE);
  return TRUE;
}

static void
record_toggled_cb (CvMeetingPage *self)
{
  g_autoptr (GError) error = NULL;

  if (!gtk_toggle_button_get_active (self->record_button))
    stop_recording (self);
  else if (self->session == NULL || cv_session_get_remote_streams (self->session) == NULL)
    {
      set_record_button (self, FALSE);
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                   _("There is nothing to record until the meeting has started."));
      g_signal_emit (self, signals[SIGNAL_RECORDING_FAILED], 0, error);
    }
  else if (!start_recording (self, &error))
    {
      set_record_button (self, FALSE);
      g_signal_emit (self, signals[SIGNAL_RECORDING_FAILED], 0, error);
    }
  update_media_buttons (self);
}

/* ---- side pane ---- */

static GtkToggleButton *
side_button (CvMeetingPage *self,
             const char    *name)
{
  if (g_strcmp0 (name, "chat") == 0)
    return self->chat_button;
  if (g_strcmp0 (name, "notes") == 0)
    return self->notes_button;
  if (g_strcmp0 (name, "participants") == 0)
    return self->participants_button;
  return NULL;
}

const char *
cv_meeting_page_get_side (CvMeetingPage *self)
{
  g_return_val_if_fail (CV_IS_MEETING_PAGE (self), NULL);
  return adw_flap_get_reveal_flap (self->flap) ? gtk_stack_get_visible_child_name (self->side_stack) : NULL;
}

void
cv_meeting_page_show_side (CvMeetingPage *self,
                           const char    *name)
{
  const char *names[] = { "participants", "chat", "notes" };

  g_return_if_fail (CV_IS_MEETING_PAGE (self));

  /* The three buttons act as one choice that can also be none. */
  self->syncing_side = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    gtk_toggle_button_set_active (side_button (self, names[i]), g_strcmp0 (name, names[i]) == 0);
  self->syncing_side = FALSE;

  if (name != NULL && gtk_stack_get_child_by_name (self->side_stack, name) != NULL)
    {
      GtkStackPage *page;

      gtk_stack_set_visible_child_name (self->side_stack, name);
      page = gtk_stack_get_page (self->side_stack, gtk_stack_get_visible_child (self->side_stack));
      gtk_label_set_text (self->side_title, gtk_stack_page_get_title (page));
      adw_flap_set_reveal_flap (self->flap, TRUE);
    }
  else
    adw_flap_set_reveal_flap (self->flap, FALSE);
}

static void
side_button_toggled_cb (CvMeetingPage   *self,
                        GtkToggleButton *button)
{
  const char *name = button == self->chat_button ? "chat"
                     : button == self->notes_button ? "notes" : "participants";

  if (self->syncing_side)
    return;
  if (gtk_toggle_button_get_active (button))
    cv_meeting_page_show_side (self, name);
  else if (g_strcmp0 (cv_meeting_page_get_side (self), name) == 0)
    cv_meeting_page_show_side (self, NULL);
}

static void
flap_revealed_cb (CvMeetingPage *self)
{
  /* A folded flap closes on a click outside it. */
  if (!adw_flap_get_reveal_flap (self->flap) && !self->syncing_side)
    cv_meeting_page_show_side (self, NULL);
}

static void
toggle_side_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  CvMeetingPage *self = CV_MEETING_PAGE (widget);
  const char *name = g_variant_get_string (parameter, NULL);

  cv_meeting_page_show_side (self, g_strcmp0 (cv_meeting_page_get_side (self), name) == 0 ? NULL : name);
}

static void
toggle_button_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  CvMeetingPage *self = CV_MEETING_PAGE (widget);
  GtkToggleButton *button = g_str_equal (action_name, "meeting.toggle-mute") ? self->mute_button
                            : g_str_equal (action_name, "meeting.toggle-camera") ? self->camera_button
                            : self->record_button;

  gtk_toggle_button_set_active (button, !gtk_toggle_button_get_active (button));
}

static void
page_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  CvMeetingPage *self = CV_MEETING_PAGE (widget);
  guint page = cv_tile_grid_get_page (self->tile_grid);

  if (g_str_equal (action_name, "meeting.next-page"))
    cv_tile_grid_set_page (self->tile_grid, page + 1);
  else if (page > 0)
    cv_tile_grid_set_page (self->tile_grid, page - 1);
}

static void
leave_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  g_signal_emit (widget, signals[SIGNAL_LEAVE], 0);
}

/* ---- session ---- */

static void
notice_changed_cb (CvMeetingPage *self)
{
  const char *notice = self->session ? cv_session_get_notice (self->session) : NULL;

  gtk_label_set_text (self->notice_label, notice ? notice : "");
  gtk_revealer_set_reveal_child (self->notice_revealer, notice != NULL && *notice != '\0');
}

/* A reconnection rejoins with a new pipeline: new streams, a new self
 * view. A recording of the old streams ends there (and is saved). */
static void
remote_streams_replaced_cb (CvMeetingPage *self)
{
  if (self->recorder != NULL)
    {
      stop_recording (self);
      set_record_button (self, FALSE);
    }
  if (self->streams != NULL)
    g_signal_handlers_disconnect_by_data (self->streams, self);
  g_clear_object (&self->streams);
  clear_tiles (self);
  bind_streams (self);
}

static void
session_state_cb (CvSession     *session,
                  GParamSpec    *pspec,
                  CvMeetingPage *self)
{
  /* The pipeline (and its stream list) exists once the service answered. */
  bind_streams (self);
}

CvSession *
cv_meeting_page_get_session (CvMeetingPage *self)
{
  return self->session;
}

void
cv_meeting_page_set_session (CvMeetingPage *self,
                             CvSession     *session)
{
  g_return_if_fail (CV_IS_MEETING_PAGE (self));

  if (self->session == session)
    return;
  stop_recording (self);
  set_record_button (self, FALSE);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  if (self->streams != NULL)
    g_signal_handlers_disconnect_by_data (self->streams, self);
  g_clear_object (&self->streams);
  clear_tiles (self);
  g_set_object (&self->session, session);
  bind_streams (self);
  bind_controls (self);
  cv_participant_list_set_model (self->participant_list, session ? cv_session_get_members (session) : NULL);
  cv_chat_panel_set_session (CV_CHAT_PANEL (self->chat_panel), session);
  cv_notes_panel_set_session (CV_NOTES_PANEL (self->notes_panel), session);
  g_clear_handle_id (&self->speaker_timer, g_source_remove);
  if (session != NULL)
    {
      g_signal_connect (session, "notify::state", G_CALLBACK (session_state_cb), self);
      g_signal_connect_swapped (session, "notify::notice", G_CALLBACK (notice_changed_cb), self);
      g_signal_connect_swapped (session, "notify::remote-streams", G_CALLBACK (remote_streams_replaced_cb), self);
      self->speaker_timer = g_timeout_add (SPEAKER_INTERVAL_MS, choose_speaker_cb, self);
    }
  notice_changed_cb (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

static void
cv_meeting_page_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  CvMeetingPage *self = CV_MEETING_PAGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cv_meeting_page_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_SESSION:
      cv_meeting_page_set_session (CV_MEETING_PAGE (object), g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cv_meeting_page_dispose (GObject *object)
{
  CvMeetingPage *self = CV_MEETING_PAGE (object);

  cv_meeting_page_set_session (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), CV_TYPE_MEETING_PAGE);
  g_clear_pointer (&self->tiles, g_hash_table_unref);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (cv_meeting_page_parent_class)->dispose (object);
}

static void
add_shortcut (GtkEventController *controller,
              const char         *trigger,
              const char         *action,
              GVariant           *target)
{
  GtkShortcut *shortcut = gtk_shortcut_new (gtk_shortcut_trigger_parse_string (trigger),
                                            gtk_named_action_new (action));

  if (target != NULL)
    gtk_shortcut_set_arguments (shortcut, target);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller), shortcut);
}

static void
cv_meeting_page_class_init (CvMeetingPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = cv_meeting_page_get_property;
  object_class->set_property = cv_meeting_page_set_property;
  object_class->dispose = cv_meeting_page_dispose;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, CV_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_LEAVE] =
    g_signal_new ("leave", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_RECORDING_SAVED] =
    g_signal_new ("recording-saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_RECORDING_FAILED] =
    g_signal_new ("recording-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);

  gtk_widget_class_install_action (widget_class, "meeting.toggle-mute", NULL, toggle_button_action);
  gtk_widget_class_install_action (widget_class, "meeting.toggle-camera", NULL, toggle_button_action);
  gtk_widget_class_install_action (widget_class, "meeting.toggle-recording", NULL, toggle_button_action);
  gtk_widget_class_install_action (widget_class, "meeting.toggle-side", "s", toggle_side_action);
  gtk_widget_class_install_action (widget_class, "meeting.previous-page", NULL, page_action);
  gtk_widget_class_install_action (widget_class, "meeting.next-page", NULL, page_action);
  gtk_widget_class_install_action (widget_class, "meeting.leave", NULL, leave_action);

  g_type_ensure (CV_TYPE_TILE_GRID);
  g_type_ensure (CV_TYPE_PARTICIPANT_LIST);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/conclave/Conclave/cv-meeting-page.ui");
  gtk_widget_class_bind_template_child (widget_class, CvMeetingPage, notice_revealer);
  gtk_widget_class_bind_template_child (widget_class, CvMeetingPage, notice_label);
  gtk_widget_class_bind_template_child (widget_class, CvMeetingPage, flap);
  gtk_widget_class_bind_template_child (widget_class, CvMeetingPage, tiles_stack);
  gtk_widget_class_bind_template_child (widget_class, CvMeetingPage, tile_grid);
  gtk_widget_class_bind_template_child (widget_class, CvMeetingPage, side_title);
  gtk_widget_class_bind_template_child (widget_class, CvMeetingPage, side_stack);
  gtk_widget_class_bind_template_child (widget_class, CvMeetingPage, participant_list);
  gtk_widget_class_bind_template_child (widget_class, CvMeetingPage, pager);
  gtk_widget_class_bind_template_child (widget_class, CvMeetingPage, page_label);
  gtk_widget_class_bind_template_child (widget_class, CvMeetingPage, mute_button);
  gtk_widget_class_bind_template_child (widget_class, CvMeetingPage, camera_button);
  gtk_widget_class_bind_template_child (widget_class, CvMeetingPage, record_button);
  gtk_widget_class_bind_template_child (widget_class, CvMeetingPage, chat_button);
  gtk_widget_class_bind_template_child (widget_class, CvMeetingPage, notes_button);
  gtk_widget_class_bind_template_child (widget_class, CvMeetingPage, participants_button);
  gtk_widget_class_bind_template_callback (widget_class, pages_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, update_media_buttons);
  gtk_widget_class_bind_template_callback (widget_class, record_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, mute_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, camera_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, side_button_toggled_cb);
}

static void
cv_meeting_page_init (CvMeetingPage *self)
{
  GtkEventController *shortcuts;
  GtkStackPage *page;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->tiles = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  self->settings = g_settings_new (APP_ID);

  self->chat_panel = cv_chat_panel_new ();
  page = gtk_stack_add_named (self->side_stack, self->chat_panel, "chat");
  gtk_stack_page_set_title (page, _("Chat"));
  self->notes_panel = cv_notes_panel_new ();
  page = gtk_stack_add_named (self->side_stack, self->notes_panel, "notes");
  gtk_stack_page_set_title (page, _("Notes"));
  g_signal_connect_swapped (self->flap, "notify::reveal-flap", G_CALLBACK (flap_revealed_cb), self);

  /* Anywhere in the window while the meeting is shown (listed in the
   * help overlay, ui/gtk/help-overlay.ui). */
  shortcuts = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (shortcuts), GTK_SHORTCUT_SCOPE_GLOBAL);
  add_shortcut (shortcuts, "<Control>d", "meeting.toggle-mute", NULL);
  add_shortcut (shortcuts, "<Control>e", "meeting.toggle-camera", NULL);
  add_shortcut (shortcuts, "<Control><Shift>r", "meeting.toggle-recording", NULL);
  add_shortcut (shortcuts, "<Control><Shift>c", "meeting.toggle-side", g_variant_new_string ("chat"));
  add_shortcut (shortcuts, "<Control><Shift>n", "meeting.toggle-side", g_variant_new_string ("notes"));
  add_shortcut (shortcuts, "<Control><Shift>p", "meeting.toggle-side", g_variant_new_string ("participants"));
  add_shortcut (shortcuts, "<Control><Shift>h", "meeting.leave", NULL);
  add_shortcut (shortcuts, "<Control>Page_Up", "meeting.previous-page", NULL);
  add_shortcut (shortcuts, "<Control>Page_Down", "meeting.next-page", NULL);
  gtk_widget_add_controller (GTK_WIDGET (self), shortcuts);

  bind_controls (self);
  pages_changed_cb (self);
  update_tiles_visibility (self);
}
