/* CvCertificateInfo: a participant's credential as the UI shows it.
 *
 * An immutable snapshot of a cv_cred_result (e2ee/cv-credential.h): the
 * verdict and why, and the details of the leaf certificate. Strings come
 * from e2ee/, which has already made them safe to display.
 */
#pragma once

#include <glib-object.h>

#include "cv-credential.h"

G_BEGIN_DECLS

typedef enum {
  CV_CERTIFICATE_UNVERIFIED,
  CV_CERTIFICATE_VERIFIED_INTERNAL,   /* chains to the meeting service's CA */
  CV_CERTIFICATE_VERIFIED_EXTERNAL,   /* chains to a partner CA the user trusts */
} CvCertificateVerdict;

#define CV_TYPE_CERTIFICATE_VERDICT (cv_certificate_verdict_get_type ())
GType cv_certificate_verdict_get_type (void);

#define CV_TYPE_CERTIFICATE_INFO (cv_certificate_info_get_type ())
G_DECLARE_FINAL_TYPE (CvCertificateInfo, cv_certificate_info, CV, CERTIFICATE_INFO, GObject)

/* Copies what it needs: result may be freed afterwards. */
CvCertificateInfo   *cv_certificate_info_new                 (const cv_cred_result *result);

CvCertificateVerdict cv_certificate_info_get_verdict         (CvCertificateInfo *self);
/* A translated sentence saying why the verdict was reached. */
const char          *cv_certificate_info_get_reason_text     (CvCertificateInfo *self);
/* e2ee/'s technical explanation (English, for the curious and for bug reports). */
const char          *cv_certificate_info_get_details         (CvCertificateInfo *self);
/* The name to show: from a verified certificate, else the claimed one, else NULL. */
const char          *cv_certificate_info_get_display_name    (CvCertificateInfo *self);
/* TRUE when the display name comes from a certificate that validated. */
gboolean             cv_certificate_info_get_name_verified   (CvCertificateInfo *self);
/* FALSE for a basic credential or an unreadable leaf: no fields below then. */
gboolean             cv_certificate_info_get_has_certificate (CvCertificateInfo *self);
const char          *cv_certificate_info_get_subject         (CvCertificateInfo *self);
const char          *cv_certificate_info_get_issuer          (CvCertificateInfo *self);
const char          *cv_certificate_info_get_serial          (CvCertificateInfo *self);
GDateTime           *cv_certificate_info_get_not_before      (CvCertificateInfo *self);
GDateTime           *cv_certificate_info_get_not_after       (CvCertificateInfo *self);
/* SHA-256 of the DER, "AB:CD:..." */
const char          *cv_certificate_info_get_fingerprint     (CvCertificateInfo *self);
const char          *cv_certificate_info_get_key_type        (CvCertificateInfo *self);
/* "DNS:host", "email:ann@example.org", "URI:..." in certificate order. */
const char * const  *cv_certificate_info_get_sans            (CvCertificateInfo *self);
/* Subjects, leaf first, up to the trust anchor when verified. */
const char * const  *cv_certificate_info_get_chain           (CvCertificateInfo *self);
/* The subject of the CA that vouched, NULL when unverified. */
const char          *cv_certificate_info_get_trust_anchor    (CvCertificateInfo *self);

/* "Verified externally", "Verified internally", "Unverified", translated. */
const char          *cv_certificate_verdict_to_string        (CvCertificateVerdict verdict);

G_END_DECLS
