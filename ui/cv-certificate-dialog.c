/* CvCertificateDialog: who a participant is, and how sure we are.
 *
 * The verdict comes first, in words, with the reason; the certificate's
 * fields follow for those who want to compare a fingerprint out of band.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "cv-certificate-dialog.h"

struct _CvCertificateDialog
{
  AdwWindow parent_instance;

  CvCertificateInfo *certificate;

  GtkImage *verdict_image;
  GtkLabel *name_label;
  GtkLabel *verdict_label;
  GtkLabel *reason_label;
  GtkLabel *details_label;
  GtkWidget *certificate_heading;
  GtkWidget *certificate_list;
  GtkLabel *subject_label;
  GtkLabel *issuer_label;
  GtkLabel *serial_label;
  GtkLabel *not_before_label;
  GtkLabel *not_after_label;
  GtkLabel *fingerprint_label;
  GtkLabel *key_type_label;
  GtkWidget *sans_row;
  GtkLabel *sans_label;
  GtkLabel *chain_hint;
  GtkListBox *chain_list;
};

G_DEFINE_FINAL_TYPE (CvCertificateDialog, cv_certificate_dialog, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_CERTIFICATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static char *
format_time (GDateTime *time)
{
  if (time == NULL)
    return g_strdup ("");
  /* Translators: a certificate validity date in UTC, see g_date_time_format() */
  return g_date_time_format (time, _("%Y-%m-%d %H:%M:%S UTC"));
}

static void
clear_chain (CvCertificateDialog *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->chain_list))) != NULL)
    gtk_list_box_remove (self->chain_list, child);
}

static void
add_chain_row (CvCertificateDialog *self,
               guint                position,
               guint                length,
               const char          *subject,
               gboolean             verified)
{
  GtkWidget *row = adw_action_row_new ();
  const char *role;

  if (position == 0)
    role = _("This participant");
  else if (position + 1 == length && verified)
    role = _("Trusted authority");
  else
    role = _("Intermediate authority");

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), subject);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), role);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 0);
  adw_preferences_row_set_title_selectable (ADW_PREFERENCES_ROW (row), TRUE);
  gtk_list_box_append (self->chain_list, row);
}

static void
update (CvCertificateDialog *self)
{
  CvCertificateInfo *info = self->certificate;
  CvCertificateVerdict verdict = info ? cv_certificate_info_get_verdict (info) : CV_CERTIFICATE_UNVERIFIED;
  gboolean has_certificate = info != NULL && cv_certificate_info_get_has_certificate (info);
  const char *name = info ? cv_certificate_info_get_display_name (info) : NULL;
  g_autofree char *name_text = NULL;
  g_autofree char *not_before = NULL;
  g_autofree char *not_after = NULL;
  g_autofree char *sans = NULL;
  const char * const *chain;
  guint chain_length;

  gtk_widget_remove_css_class (GTK_WIDGET (self->verdict_image), "success");
  gtk_widget_remove_css_class (GTK_WIDGET (self->verdict_image), "warning");
  gtk_widget_remove_css_class (GTK_WIDGET (self->verdict_label), "success");
  gtk_widget_remove_css_class (GTK_WIDGET (self->verdict_label), "warning");
  switch (verdict)
    {
    case CV_CERTIFICATE_VERIFIED_EXTERNAL:
      gtk_image_set_from_icon_name (self->verdict_image, "conclave-shield-secure-symbolic");
      gtk_widget_add_css_class (GTK_WIDGET (self->verdict_image), "success");
      gtk_widget_add_css_class (GTK_WIDGET (self->verdict_label), "success");
      break;
    case CV_CERTIFICATE_VERIFIED_INTERNAL:
      gtk_image_set_from_icon_name (self->verdict_image, "conclave-shield-secure-symbolic");
      break;
    case CV_CERTIFICATE_UNVERIFIED:
    default:
      gtk_image_set_from_icon_name (self->verdict_image, "conclave-shield-warning-symbolic");
      gtk_widget_add_css_class (GTK_WIDGET (self->verdict_image), "warning");
      gtk_widget_add_css_class (GTK_WIDGET (self->verdict_label), "warning");
    }

  /* An unverified name is only a claim, and is shown as one. */
  if (name == NULL)
    name_text = g_strdup (_("Unknown participant"));
  else if (cv_certificate_info_get_name_verified (info))
    name_text = g_strdup (name);
  else
    /* Translators: %s is the name an unverified participant gives */
    name_text = g_strdup_printf (_("“%s” (claimed)"), name);
  gtk_label_set_label (self->name_label, name_text);
  gtk_label_set_label (self->verdict_label, cv_certificate_verdict_to_string (verdict));
  gtk_label_set_label (self->reason_label, info ? cv_certificate_info_get_reason_text (info) : "");
  gtk_label_set_label (self->details_label, info && cv_certificate_info_get_details (info)
                                            ? cv_certificate_info_get_details (info) : "");

  gtk_widget_set_visible (self->certificate_heading, has_certificate);
  gtk_widget_set_visible (self->certificate_list, has_certificate);
  if (has_certificate)
    {
      const char * const *san_list = cv_certificate_info_get_sans (info);

      not_before = format_time (cv_certificate_info_get_not_before (info));
      not_after = format_time (cv_certificate_info_get_not_after (info));
      sans = g_strjoinv ("\n", (char **) san_list);
      gtk_label_set_label (self->subject_label, cv_certificate_info_get_subject (info));
      gtk_label_set_label (self->issuer_label, cv_certificate_info_get_issuer (info));
      gtk_label_set_label (self->serial_label, cv_certificate_info_get_serial (info));
      gtk_label_set_label (self->not_before_label, not_before);
      gtk_label_set_label (self->not_after_label, not_after);
      gtk_label_set_label (self->fingerprint_label, cv_certificate_info_get_fingerprint (info));
      gtk_label_set_label (self->key_type_label, cv_certificate_info_get_key_type (info));
      gtk_label_set_label (self->sans_label, sans);
      gtk_widget_set_visible (self->sans_row, san_list != NULL && san_list[0] != NULL);
    }

  clear_chain (self);
  chain = info ? cv_certificate_info_get_chain (info) : NULL;
  chain_length = chain ? g_strv_length ((char **) chain) : 0;
  for (guint i = 0; i < chain_length; i++)
    add_chain_row (self, i, chain_length, chain[i], verdict != CV_CERTIFICATE_UNVERIFIED);
  if (chain_length == 0)
    gtk_label_set_label (self->chain_hint, _("There is no certificate to follow."));
  else if (verdict == CV_CERTIFICATE_UNVERIFIED)
    gtk_label_set_label (self->chain_hint, _("The certificates as the participant sent them. None of them is trusted."));
  else
    gtk_label_set_label (self->chain_hint, _("From the participant up to the authority that vouches for them."));
}

CvCertificateInfo *
cv_certificate_dialog_get_certificate (CvCertificateDialog *self)
{
  g_return_val_if_fail (CV_IS_CERTIFICATE_DIALOG (self), NULL);

  return self->certificate;
}

void
cv_certificate_dialog_set_certificate (CvCertificateDialog *self,
                                       CvCertificateInfo   *certificate)
{
  g_return_if_fail (CV_IS_CERTIFICATE_DIALOG (self));
  g_return_if_fail (certificate == NULL || CV_IS_CERTIFICATE_INFO (certificate));

  if (!g_set_object (&self->certificate, certificate))
    return;
  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CERTIFICATE]);
}

static void
cv_certificate_dialog_dispose (GObject *object)
{
  CvCertificateDialog *self = CV_CERTIFICATE_DIALOG (object);

  g_clear_object (&self->certificate);
  gtk_widget_dispose_template (GTK_WIDGET (self), CV_TYPE_CERTIFICATE_DIALOG);

  G_OBJECT_CLASS (cv_certificate_dialog_parent_class)->dispose (object);
}

static void
cv_certificate_dialog_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  CvCertificateDialog *self = CV_CERTIFICATE_DIALOG (object);

  switch (prop_id)
    {
    case PROP_CERTIFICATE:
      g_value_set_object (value, self->certificate);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cv_certificate_dialog_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  CvCertificateDialog *self = CV_CERTIFICATE_DIALOG (object);

  switch (prop_id)
    {
    case PROP_CERTIFICATE:
      cv_certificate_dialog_set_certificate (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cv_certificate_dialog_class_init (CvCertificateDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cv_certificate_dialog_dispose;
  object_class->get_property = cv_certificate_dialog_get_property;
  object_class->set_property = cv_certificate_dialog_set_property;

  properties[PROP_CERTIFICATE] =
    g_param_spec_object ("certificate", NULL, NULL, CV_TYPE_CERTIFICATE_INFO,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/conclave/Conclave/cv-certificate-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, CvCertificateDialog, verdict_image);
  gtk_widget_class_bind_template_child (widget_class, CvCertificateDialog, name_label);
  gtk_widget_class_bind_template_child (widget_class, CvCertificateDialog, verdict_label);
  gtk_widget_class_bind_template_child (widget_class, CvCertificateDialog, reason_label);
  gtk_widget_class_bind_template_child (widget_class, CvCertificateDialog, details_label);
  gtk_widget_class_bind_template_child (widget_class, CvCertificateDialog, certificate_heading);
  gtk_widget_class_bind_template_child (widget_class, CvCertificateDialog, certificate_list);
  gtk_widget_class_bind_template_child (widget_class, CvCertificateDialog, subject_label);
  gtk_widget_class_bind_template_child (widget_class, CvCertificateDialog, issuer_label);
  gtk_widget_class_bind_template_child (widget_class, CvCertificateDialog, serial_label);
  gtk_widget_class_bind_template_child (widget_class, CvCertificateDialog, not_before_label);
  gtk_widget_class_bind_template_child (widget_class, CvCertificateDialog, not_after_label);
  gtk_widget_class_bind_template_child (widget_class, CvCertificateDialog, fingerprint_label);
  gtk_widget_class_bind_template_child (widget_class, CvCertificateDialog, key_type_label);
  gtk_widget_class_bind_template_child (widget_class, CvCertificateDialog, sans_row);
  gtk_widget_class_bind_template_child (widget_class, CvCertificateDialog, sans_label);
  gtk_widget_class_bind_template_child (widget_class, CvCertificateDialog, chain_hint);
  gtk_widget_class_bind_template_child (widget_class, CvCertificateDialog, chain_list);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
cv_certificate_dialog_init (CvCertificateDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  update (self);
}

GtkWidget *
cv_certificate_dialog_new (GtkWindow         *parent,
                           CvCertificateInfo *certificate)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (certificate == NULL || CV_IS_CERTIFICATE_INFO (certificate), NULL);

  return g_object_new (CV_TYPE_CERTIFICATE_DIALOG,
                       "transient-for", parent,
                       "certificate", certificate,
                       NULL);
}
