/* CvParticipantList: the members of the MLS group in a GtkListView, which
 * creates rows only for what is on screen, so a 1000-member meeting costs
 * a screenful of rows. Activating a row opens that member's certificate. */
#include "config.h"

#include <glib/gi18n.h>

#include "cv-certificate-dialog.h"
#include "cv-meeting-member.h"
#include "cv-participant-list.h"
#include "cv-participant-row.h"

struct _CvParticipantList
{
  AdwBin parent_instance;

  GListModel *members;

  GtkListView *view;
};

G_DEFINE_FINAL_TYPE (CvParticipantList, cv_participant_list, ADW_TYPE_BIN)

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  user_data)
{
  gtk_list_item_set_child (item, cv_participant_row_new ());
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             gpointer                  user_data)
{
  cv_participant_row_set_member (CV_PARTICIPANT_ROW (gtk_list_item_get_child (item)),
                                 gtk_list_item_get_item (item));
}

static void
unbind_row_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  cv_participant_row_set_member (CV_PARTICIPANT_ROW (gtk_list_item_get_child (item)), NULL);
}

void
cv_participant_list_show_certificate (CvParticipantList *self,
                                      guint              position)
{
  g_autoptr (CvMeetingMember) member = NULL;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *dialog;

  g_return_if_fail (CV_IS_PARTICIPANT_LIST (self));

  if (self->members == NULL || position >= g_list_model_get_n_items (self->members))
    return;
  member = g_list_model_get_item (self->members, position);
  dialog = cv_certificate_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                      cv_meeting_member_get_certificate (member));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
activate_cb (CvParticipantList *self,
             guint              position)
{
  cv_participant_list_show_certificate (self, position);
}

GListModel *
cv_participant_list_get_model (CvParticipantList *self)
{
  g_return_val_if_fail (CV_IS_PARTICIPANT_LIST (self), NULL);
  return self->members;
}

void
cv_participant_list_set_model (CvParticipantList *self,
                               GListModel        *members)
{
  g_autoptr (GtkSelectionModel) selection = NULL;

  g_return_if_fail (CV_IS_PARTICIPANT_LIST (self));

  if (!g_set_object (&self->members, members))
    return;
  if (members != NULL)
    selection = GTK_SELECTION_MODEL (gtk_no_selection_new (g_object_ref (members)));
  gtk_list_view_set_model (self->view, selection);
}

GtkListView *
cv_participant_list_get_view (CvParticipantList *self)
{
  g_return_val_if_fail (CV_IS_PARTICIPANT_LIST (self), NULL);
  return self->view;
}

static void
cv_participant_list_dispose (GObject *object)
{
  CvParticipantList *self = CV_PARTICIPANT_LIST (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), CV_TYPE_PARTICIPANT_LIST);
  g_clear_object (&self->members);

  G_OBJECT_CLASS (cv_participant_list_parent_class)->dispose (object);
}

static void
cv_participant_list_class_init (CvParticipantListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cv_participant_list_dispose;

  g_type_ensure (CV_TYPE_PARTICIPANT_ROW);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/conclave/Conclave/cv-participant-list.ui");
  gtk_widget_class_bind_template_child (widget_class, CvParticipantList, view);
  gtk_widget_class_bind_template_callback (widget_class, setup_row_cb);
  gtk_widget_class_bind_template_callback (widget_class, bind_row_cb);
  gtk_widget_class_bind_template_callback (widget_class, unbind_row_cb);
  gtk_widget_class_bind_template_callback (widget_class, activate_cb);
}

static void
cv_participant_list_init (CvParticipantList *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
cv_participant_list_new (void)
{
  return g_object_new (CV_TYPE_PARTICIPANT_LIST, NULL);
}
