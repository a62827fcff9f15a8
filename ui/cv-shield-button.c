/* CvShieldButton: the shield in the header bar and its popover.
 *
 * It shows a CvSecurityState and nothing else: the icon, the tooltip and the
 * accessible label say the same thing in words, so the state never depends
 * on seeing a colour. The security code is shown only in the states where
 * the meeting is end-to-end encrypted; elsewhere there is no code to compare.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "cv-shield-button.h"

struct _CvShieldButton
{
  AdwBin parent_instance;

  CvSecurityState *state;
  GSignalGroup *state_signals;

  GtkMenuButton *button;
  GtkPopover *popover;
  GtkImage *state_image;
  GtkLabel *state_title;
  GtkLabel *state_description;
  GtkWidget *code_box;
  GtkLabel *code_label;
  GtkButton *copy_button;
  GtkWidget *change_title;
  GtkLabel *change_label;
  GtkWidget *suite_title;
  GtkLabel *suite_label;
  GtkWidget *epoch_title;
  GtkLabel *epoch_label;
  GtkWidget *members_title;
  GtkLabel *members_label;
};

G_DEFINE_FINAL_TYPE (CvShieldButton, cv_shield_button, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct {
  const char *icon_name;
  const char *style_class;   /* colour, in addition to the words */
  const char *title;
  const char *description;
} ShieldLook;

static ShieldLook
look_for_state (CvE2eeState state)
{
  switch (state)
    {
    case CV_E2EE_STATE_SECURING:
      return (ShieldLook) { "conclave-shield-pending-symbolic", NULL,
                            _("Securing…"),
                            _("Agreeing on a meeting key with the other participants.") };
    case CV_E2EE_STATE_SECURE_E2EE:
      return (ShieldLook) { "conclave-shield-secure-symbolic", "success",
                            _("End-to-end encrypted"),
                            _("Only the participants hold the meeting key. The meeting service relays media it cannot read.") };
    case CV_E2EE_STATE_TRANSPORT_ONLY:
      return (ShieldLook) { "conclave-shield-neutral-symbolic", NULL,
                            _("Not end-to-end encrypted"),
                            _("The connection to the meeting service is encrypted, but the service can see and hear this meeting.") };
    case CV_E2EE_STATE_DEGRADED:
      return (ShieldLook) { "conclave-shield-warning-symbolic", "warning",
                            _("A participant’s media cannot be decrypted"),
                            _("The meeting key is end-to-end, but media from at least one participant failed to decrypt or was not authentic. Compare the security code.") };
    case CV_E2EE_STATE_NOT_CONNECTED:
    default:
      return (ShieldLook) { "conclave-shield-neutral-symbolic", NULL,
                            _("Not in a meeting"),
                            _("Join or start a meeting to see its security.") };
    }
}

/* "12345 67890 12345 67890 12345 67890" on two lines of three groups, which
 * fits a popover at a size meant to be read aloud. */
static char *
code_for_display (const char *code)
{
  return g_strdup_printf ("%.17s\n%.17s", code, code + 18);
}

static void
set_row (GtkWidget  *title,
         GtkLabel   *value_label,
         const char *value)
{
  gboolean visible = value != NULL && *value != '\0';

  gtk_widget_set_visible (title, visible);
  gtk_widget_set_visible (GTK_WIDGET (value_label), visible);
  gtk_label_set_label (value_label, visible ? value : "");
}

static void
update (CvShieldButton *self)
{
  CvE2eeState state = self->state ? cv_security_state_get_state (self->state) : CV_E2EE_STATE_NOT_CONNECTED;
  const char *code = self->state ? cv_security_state_get_code (self->state) : NULL;
  gboolean e2ee = state == CV_E2EE_STATE_SECURE_E2EE || state == CV_E2EE_STATE_DEGRADED;
  gboolean connected = state != CV_E2EE_STATE_NOT_CONNECTED;
  ShieldLook look = look_for_state (state);
  const char *styles[] = { "success", "warning" };
  g_autofree char *label = NULL;
  g_autofree char *epoch = NULL;
  g_autofree char *members = NULL;

  gtk_menu_button_set_icon_name (self->button, look.icon_name);
  gtk_image_set_from_icon_name (self->state_image, look.icon_name);
  for (guint i = 0; i < G_N_ELEMENTS (styles); i++)
    {
      gboolean on = g_strcmp0 (styles[i], look.style_class) == 0;
      if (on)
        {
          gtk_widget_add_css_class (GTK_WIDGET (self->button), styles[i]);
          gtk_widget_add_css_class (GTK_WIDGET (self->state_image), styles[i]);
        }
      else
        {
          gtk_widget_remove_css_class (GTK_WIDGET (self->button), styles[i]);
          gtk_widget_remove_css_class (GTK_WIDGET (self->state_image), styles[i]);
        }
    }

  /* Translators: %s is the meeting's security state, e.g. "End-to-end encrypted". */
  label = g_strdup_printf (_("Meeting security: %s"), look.title);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->button), label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, look.description,
                                  -1);
  gtk_label_set_label (self->state_title, look.title);
  gtk_label_set_label (self->state_description, look.description);

  gtk_widget_set_visible (self->code_box, e2ee && code != NULL);
  if (e2ee && code != NULL)
    {
      g_autofree char *shown = code_for_display (code);
      gtk_label_set_label (self->code_label, shown);
    }
  else
    gtk_label_set_label (self->code_label, "");

  if (e2ee && self->state != NULL)
    {
      epoch = g_strdup_printf ("%" G_GUINT64_FORMAT, cv_security_state_get_epoch (self->state));
      set_row (self->change_title, self->change_label, cv_security_state_get_change_reason (self->state));
      set_row (self->suite_title, self->suite_label, cv_security_state_get_cipher_suite (self->state));
    }
  else
    {
      set_row (self->change_title, self->change_label, NULL);
      set_row (self->suite_title, self->suite_label, NULL);
    }
  set_row (self->epoch_title, self->epoch_label, epoch);
  if (connected && self->state != NULL && cv_security_state_get_member_count (self->state) > 0)
    members = g_strdup_printf ("%u", cv_security_state_get_member_count (self->state));
  set_row (self->members_title, self->members_label, members);
}

static void
copy_clicked_cb (CvShieldButton *self)
{
  const char *code = self->state ? cv_security_state_get_code (self->state) : NULL;

  if (code == NULL)
    return;
  /* The one-line form, as people paste it into a chat to compare. */
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), code);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->copy_button), _("Copied"));
}

static void
popover_closed_cb (CvShieldButton *self)
{
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->copy_button), _("Copy Security Code"));
}

CvSecurityState *
cv_shield_button_get_state (CvShieldButton *self)
{
  g_return_val_if_fail (CV_IS_SHIELD_BUTTON (self), NULL);

  return self->state;
}

void
cv_shield_button_set_state (CvShieldButton  *self,
                            CvSecurityState *state)
{
  g_return_if_fail (CV_IS_SHIELD_BUTTON (self));
  g_return_if_fail (state == NULL || CV_IS_SECURITY_STATE (state));

  if (!g_set_object (&self->state, state))
    return;
  g_signal_group_set_target (self->state_signals, state);
  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

void
cv_shield_button_popup (CvShieldButton *self)
{
  g_return_if_fail (CV_IS_SHIELD_BUTTON (self));

  gtk_menu_button_popup (self->button);
}

static void
cv_shield_button_dispose (GObject *object)
{
  CvShieldButton *self = CV_SHIELD_BUTTON (object);

  if (self->state_signals != NULL)
    g_signal_group_set_target (self->state_signals, NULL);
  g_clear_object (&self->state_signals);
  g_clear_object (&self->state);
  gtk_widget_dispose_template (GTK_WIDGET (self), CV_TYPE_SHIELD_BUTTON);

  G_OBJECT_CLASS (cv_shield_button_parent_class)->dispose (object);
}

static void
cv_shield_button_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  CvShieldButton *self = CV_SHIELD_BUTTON (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_object (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cv_shield_button_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  CvShieldButton *self = CV_SHIELD_BUTTON (object);

  switch (prop_id)
    {
    case PROP_STATE:
      cv_shield_button_set_state (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cv_shield_button_class_init (CvShieldButtonClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cv_shield_button_dispose;
  object_class->get_property = cv_shield_button_get_property;
  object_class->set_property = cv_shield_button_set_property;

  properties[PROP_STATE] =
    g_param_spec_object ("state", NULL, NULL, CV_TYPE_SECURITY_STATE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/conclave/Conclave/cv-shield-button.ui");
  gtk_widget_class_bind_template_child (widget_class, CvShieldButton, popover);
  gtk_widget_class_bind_template_child (widget_class, CvShieldButton, state_image);
  gtk_widget_class_bind_template_child (widget_class, CvShieldButton, state_title);
  gtk_widget_class_bind_template_child (widget_class, CvShieldButton, state_description);
  gtk_widget_class_bind_template_child (widget_class, CvShieldButton, code_box);
  gtk_widget_class_bind_template_child (widget_class, CvShieldButton, code_label);
  gtk_widget_class_bind_template_child (widget_class, CvShieldButton, copy_button);
  gtk_widget_class_bind_template_child (widget_class, CvShieldButton, change_title);
  gtk_widget_class_bind_template_child (widget_class, CvShieldButton, change_label);
  gtk_widget_class_bind_template_child (widget_class, CvShieldButton, suite_title);
  gtk_widget_class_bind_template_child (widget_class, CvShieldButton, suite_label);
  gtk_widget_class_bind_template_child (widget_class, CvShieldButton, epoch_title);
  gtk_widget_class_bind_template_child (widget_class, CvShieldButton, epoch_label);
  gtk_widget_class_bind_template_child (widget_class, CvShieldButton, members_title);
  gtk_widget_class_bind_template_child (widget_class, CvShieldButton, members_label);
  gtk_widget_class_bind_template_callback (widget_class, copy_clicked_cb);
}

static void
cv_shield_button_init (CvShieldButton *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* Not a bound template child: AdwBin unparents its child itself, and a
   * bound direct child would be unparented twice on dispose. */
  self->button = GTK_MENU_BUTTON (adw_bin_get_child (ADW_BIN (self)));

  g_signal_connect_object (self->popover, "closed", G_CALLBACK (popover_closed_cb), self, G_CONNECT_SWAPPED);
  self->state_signals = g_signal_group_new (CV_TYPE_SECURITY_STATE);
  g_signal_group_connect_swapped (self->state_signals, "notify", G_CALLBACK (update), self);
  update (self);
}

GtkWidget *
cv_shield_button_new (void)
{
  return g_object_new (CV_TYPE_SHIELD_BUTTON, NULL);
}
