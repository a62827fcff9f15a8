#pragma once

#include <adwaita.h>

#include "cv-certificate-info.h"

G_BEGIN_DECLS

#define CV_TYPE_CERTIFICATE_DIALOG (cv_certificate_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CvCertificateDialog, cv_certificate_dialog, CV, CERTIFICATE_DIALOG, AdwWindow)

GtkWidget         *cv_certificate_dialog_new             (GtkWindow           *parent,
                                                          CvCertificateInfo   *certificate);
CvCertificateInfo *cv_certificate_dialog_get_certificate (CvCertificateDialog *self);
void               cv_certificate_dialog_set_certificate (CvCertificateDialog *self,
                                                          CvCertificateInfo   *certificate);

G_END_DECLS
