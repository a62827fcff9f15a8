/* CvStartPage: "Start a meeting" or join one by number or invite link.
 *
 * The page only collects what the user typed; deciding whether it is a valid
 * meeting number or link is the session's job (app/), which reports errors
 * back in plain words.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "cv-start-page.h"

struct _CvStartPage
{
  AdwBin parent_instance;

  AdwEntryRow *meeting_row;
  GtkButton *join_button;
};

G_DEFINE_FINAL_TYPE (CvStartPage, cv_start_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_MEETING,
  N_PROPS
};

enum {
  SIGNAL_START_MEETING,
  SIGNAL_JOIN_REQUESTED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

const char *
cv_start_page_get_meeting (CvStartPage *self)
{
  g_return_val_if_fail (CV_IS_START_PAGE (self), NULL);

  return gtk_editable_get_text (GTK_EDITABLE (self->meeting_row));
}

void
cv_start_page_set_meeting (CvStartPage *self,
                           const char  *meeting)
{
  g_return_if_fail (CV_IS_START_PAGE (self));

  if (g_strcmp0 (meeting, cv_start_page_get_meeting (self)) == 0)
    return;
  gtk_editable_set_text (GTK_EDITABLE (self->meeting_row), meeting ? meeting : "");
}

void
cv_start_page_join (CvStartPage *self)
{
  g_autofree char *meeting = NULL;

  g_return_if_fail (CV_IS_START_PAGE (self));

  meeting = g_strstrip (g_strdup (cv_start_page_get_meeting (self)));
  if (*meeting != '\0')
    g_signal_emit (self, signals[SIGNAL_JOIN_REQUESTED], 0, meeting);
}

static void
meeting_changed_cb (CvStartPage *self)
{
  g_autofree char *meeting = g_strstrip (g_strdup (cv_start_page_get_meeting (self)));

  gtk_widget_set_sensitive (GTK_WIDGET (self->join_button), *meeting != '\0');
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MEETING]);
}

static void
start_clicked_cb (CvStartPage *self)
{
  g_signal_emit (self, signals[SIGNAL_START_MEETING], 0);
}

static void
cv_start_page_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  CvStartPage *self = CV_START_PAGE (object);

  switch (prop_id)
    {
    case PROP_MEETING:
      g_value_set_string (value, cv_start_page_get_meeting (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cv_start_page_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  CvStartPage *self = CV_START_PAGE (object);

  switch (prop_id)
    {
    case PROP_MEETING:
      cv_start_page_set_meeting (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cv_start_page_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), CV_TYPE_START_PAGE);

  G_OBJECT_CLASS (cv_start_page_parent_class)->dispose (object);
}

static void
cv_start_page_class_init (CvStartPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cv_start_page_dispose;
  object_class->get_property = cv_start_page_get_property;
  object_class->set_property = cv_start_page_set_property;

  properties[PROP_MEETING] =
    g_param_spec_string ("meeting", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Emitted when the user asks to host a new meeting. */
  signals[SIGNAL_START_MEETING] =
    g_signal_new ("start-meeting", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* Emitted with the meeting number or invite link, trimmed. */
  signals[SIGNAL_JOIN_REQUESTED] =
    g_signal_new ("join-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/conclave/Conclave/cv-start-page.ui");
  gtk_widget_class_bind_template_child (widget_class, CvStartPage, meeting_row);
  gtk_widget_class_bind_template_child (widget_class, CvStartPage, join_button);
  gtk_widget_class_bind_template_callback (widget_class, meeting_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, start_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, cv_start_page_join);
}

static void
cv_start_page_init (CvStartPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
