/* CvMeetingPage: the tiles of the others' video, the participant list built
 * from the MLS tree, and the control bar. It only binds to the session's
 * models; the session decides everything. */
#include "config.h"

#include <glib/gi18n.h>

#include "cv-meeting-member.h"
#include "cv-meeting-page.h"
#include "cv-remote-stream.h"
#include "cv-video-tile.h"

struct _CvMeetingPage
{
  AdwBin parent_instance;

  CvSession *session;
  GListModel *streams;

  GtkFlowBox *tiles;
  GtkListView *participants;
  GtkRevealer *participants_revealer;
  GtkToggleButton *participants_button;
  AdwStatusPage *waiting_page;
  GtkStack *tiles_stack;
};

G_DEFINE_FINAL_TYPE (CvMeetingPage, cv_meeting_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

enum {
  SIGNAL_LEAVE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
update_tiles_visibility (CvMeetingPage *self)
{
  gboolean any = gtk_widget_get_first_child (GTK_WIDGET (self->tiles)) != NULL;

  gtk_stack_set_visible_child_name (self->tiles_stack, any ? "tiles" : "waiting");
}

static void
streams_changed_cb (GListModel    *streams,
                    guint          position,
                    guint          removed,
                    guint          added,
                    CvMeetingPage *self)
{
  /* Streams only come and go with the pipeline; rebuild the video tiles. */
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->tiles))) != NULL)
    gtk_flow_box_remove (self->tiles, child);
  for (guint i = 0; i < g_list_model_get_n_items (streams); i++)
    {
      g_autoptr (CvRemoteStream) stream = g_list_model_get_item (streams, i);
      if (cv_remote_stream_get_kind (stream) == CV_MEDIA_KIND_VIDEO)
        gtk_flow_box_append (self->tiles,
                             GTK_WIDGET (cv_video_tile_new (stream, cv_session_get_members (self->session))));
    }
  update_tiles_visibility (self);
}

static void
bind_streams (CvMeetingPage *self)
{
  GListModel *streams = self->session ? cv_session_get_remote_streams (self->session) : NULL;

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

/* ---- participant rows ---- */

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *badge = gtk_image_new ();
  GtkWidget *labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *name = gtk_label_new (NULL);
  GtkWidget *detail = gtk_label_new (NULL);

  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_xalign (GTK_LABEL (detail), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (detail, "dim-label");
  gtk_widget_add_css_class (detail, "caption");
  gtk_box_append (GTK_BOX (labels), name);
  gtk_box_append (GTK_BOX (labels), detail);
  gtk_box_append (GTK_BOX (box), badge);
  gtk_box_append (GTK_BOX (box), labels);
  gtk_list_item_set_child (item, box);
}

static void
update_row (GtkListItem *item)
{
  CvMeetingMember *member = gtk_list_item_get_item (item);
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *badge = gtk_widget_get_first_child (box);
  GtkWidget *labels = gtk_widget_get_next_sibling (badge);
  GtkWidget *name = gtk_widget_get_first_child (labels);
  GtkWidget *detail = gtk_widget_get_next_sibling (name);
  CvCertificateVerdict verdict = cv_meeting_member_get_verdict (member);
  g_autofree char *title = NULL, *text = NULL;

  title = cv_meeting_member_get_is_self (member)
          ? g_strdup_printf (_("%s (you)"), cv_meeting_member_get_display_name (member))
          : g_strdup (cv_meeting_member_get_display_name (member));
  text = cv_meeting_member_get_in_roster (member) || cv_meeting_member_get_is_self (member)
         ? g_strdup (cv_certificate_verdict_to_string (verdict))
         : g_strdup_printf (_("%s · not listed by the service"), cv_certificate_verdict_to_string (verdict));
  gtk_label_set_text (GTK_LABEL (name), title);
  gtk_label_set_text (GTK_LABEL (detail), text);
  gtk_image_set_from_icon_name (GTK_IMAGE (badge), verdict == CV_CERTIFICATE_UNVERIFIED ? "security-low-symbolic"
                                                                                        : "emblem-ok-symbolic");
  gtk_accessible_update_property (GTK_ACCESSIBLE (box), GTK_ACCESSIBLE_PROPERTY_LABEL, title,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             gpointer                  user_data)
{
  /* Whether the service lists the member changes without the member changing. */
  g_signal_connect_object (gtk_list_item_get_item (item), "notify::in-roster",
                           G_CALLBACK (update_row), item, G_CONNECT_SWAPPED);
  update_row (item);
}

static void
unbind_row_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  g_signal_handlers_disconnect_by_func (gtk_list_item_get_item (item), update_row, item);
}

/* ---- session ---- */

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
  g_autoptr (GtkNoSelection) selection = NULL;

  g_return_if_fail (CV_IS_MEETING_PAGE (self));

  if (self->session == session)
    return;
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_set_object (&self->session, session);
  bind_streams (self);
  if (session != NULL)
    {
      g_signal_connect (session, "notify::state", G_CALLBACK (session_state_cb), self);
      selection = gtk_no_selection_new (g_object_ref (cv_session_get_members (session)));
    }
  gtk_list_view_set_model (self->participants, GTK_SELECTION_MODEL (selection));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

static void
leave_clicked_cb (CvMeetingPage *self)
{
  g_signal_emit (self, signals[SIGNAL_LEAVE], 0);
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

  G_OBJECT_CLASS (cv_meeting_page_parent_class)->dispose (object);
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

  /* The user asked to leave the meeting. */
  signals[SIGNAL_LEAVE] =
    g_signal_new ("leave", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/conclave/Conclave/cv-meeting-page.ui");
  gtk_widget_class_bind_template_child (widget_class, CvMeetingPage, tiles);
  gtk_widget_class_bind_template_child (widget_class, CvMeetingPage, participants);
  gtk_widget_class_bind_template_child (widget_class, CvMeetingPage, participants_revealer);
  gtk_widget_class_bind_template_child (widget_class, CvMeetingPage, participants_button);
  gtk_widget_class_bind_template_child (widget_class, CvMeetingPage, tiles_stack);
  gtk_widget_class_bind_template_callback (widget_class, leave_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, setup_row_cb);
  gtk_widget_class_bind_template_callback (widget_class, bind_row_cb);
  gtk_widget_class_bind_template_callback (widget_class, unbind_row_cb);
}

static void
cv_meeting_page_init (CvMeetingPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  update_tiles_visibility (self);
}
