/* CvCertificateInfo: a read-only GObject view of a credential verdict.
 *
 * The verdict is taken from e2ee/ as it is; this file only translates the
 * reason into a sentence a person can act on.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "cv-certificate-info.h"

struct _CvCertificateInfo
{
  GObject parent_instance;

  CvCertificateVerdict verdict;
  char *reason_text;
  char *details;
  char *display_name;
  gboolean name_verified;
  gboolean has_certificate;
  char *subject;
  char *issuer;
  char *serial;
  GDateTime *not_before;
  GDateTime *not_after;
  char *fingerprint;
  char *key_type;
  char **sans;
  char **chain;
  char *trust_anchor;
};

G_DEFINE_ENUM_TYPE (CvCertificateVerdict, cv_certificate_verdict,
  G_DEFINE_ENUM_VALUE (CV_CERTIFICATE_UNVERIFIED, "unverified"),
  G_DEFINE_ENUM_VALUE (CV_CERTIFICATE_VERIFIED_INTERNAL, "verified-internal"),
  G_DEFINE_ENUM_VALUE (CV_CERTIFICATE_VERIFIED_EXTERNAL, "verified-external"))

G_DEFINE_FINAL_TYPE (CvCertificateInfo, cv_certificate_info, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_VERDICT,
  PROP_REASON_TEXT,
  PROP_DETAILS,
  PROP_DISPLAY_NAME,
  PROP_NAME_VERIFIED,
  PROP_HAS_CERTIFICATE,
  PROP_SUBJECT,
  PROP_ISSUER,
  PROP_SERIAL,
  PROP_NOT_BEFORE,
  PROP_NOT_AFTER,
  PROP_FINGERPRINT,
  PROP_KEY_TYPE,
  PROP_SANS,
  PROP_CHAIN,
  PROP_TRUST_ANCHOR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

const char *
cv_certificate_verdict_to_string (CvCertificateVerdict verdict)
{
  switch (verdict)
    {
    case CV_CERTIFICATE_VERIFIED_EXTERNAL:
      return _("Verified externally");
    case CV_CERTIFICATE_VERIFIED_INTERNAL:
      return _("Verified internally");
    case CV_CERTIFICATE_UNVERIFIED:
    default:
      return _("Unverified");
    }
}

static char *
reason_sentence (const cv_cred_result *result)
{
  const char *anchor = result->trust_anchor ? result->trust_anchor : "";

  if (result->verdict == CV_CRED_VERIFIED_EXTERNAL)
    return g_strdup_printf (_("The certificate chain leads to a partner certificate authority you trust: %s."),
                            anchor);
  if (result->verdict == CV_CRED_VERIFIED_INTERNAL)
    return g_strdup_printf (_("The certificate chain leads to the meeting service’s certificate authority: %s. "
                              "The name is as trustworthy as the service."),
                            anchor);

  switch (result->reason)
    {
    case CV_CRED_REASON_BASIC:
      return g_strdup (_("There is no certificate: the name is only what this participant claims."));
    case CV_CRED_REASON_UNTRUSTED_ISSUER:
      return g_strdup (_("The certificate was issued by an authority that is neither a trusted partner nor the meeting service."));
    case CV_CRED_REASON_SELF_SIGNED:
      return g_strdup (_("The certificate is self-signed: anyone can make one with any name."));
    case CV_CRED_REASON_EXPIRED:
      return g_strdup (_("A certificate of the chain has expired."));
    case CV_CRED_REASON_NOT_YET_VALID:
      return g_strdup (_("A certificate of the chain is not valid yet."));
    case CV_CRED_REASON_REVOKED:
      return g_strdup (_("A certificate of the chain was revoked by its issuer."));
    case CV_CRED_REASON_BAD_SIGNATURE:
      return g_strdup (_("A signature in the certificate chain does not verify: the certificate may be forged."));
    case CV_CRED_REASON_MALFORMED:
      return g_strdup (_("The certificate is damaged and cannot be read."));
    case CV_CRED_REASON_TOO_LARGE:
      return g_strdup (_("The certificate chain is larger than Conclave accepts."));
    case CV_CRED_REASON_KEY_MISMATCH:
      return g_strdup (_("The certificate does not belong to the key this participant signs with."));
    case CV_CRED_REASON_NOT_FOR_SIGNING:
      return g_strdup (_("The certificate may not be used for signing."));
    case CV_CRED_REASON_REVOCATION_UNKNOWN:
      return g_strdup (_("Whether the certificate was revoked cannot be told: the revocation list is out of date or invalid."));
    case CV_CRED_REASON_INVALID_CHAIN:
    case CV_CRED_REASON_NONE:
    default:
      return g_strdup (_("The certificate chain breaks a rule of certificate validation."));
    }
}

static const char *
san_prefix (cv_cert_san_type type)
{
  switch (type)
    {
    case CV_CERT_SAN_DNS:
      return "DNS";
    case CV_CERT_SAN_EMAIL:
      return "email";
    case CV_CERT_SAN_URI:
    default:
      return "URI";
    }
}

CvCertificateInfo *
cv_certificate_info_new (const cv_cred_result *result)
{
  CvCertificateInfo *self;
  const char *name = NULL;
  cv_cred_name_kind kind;
  GStrvBuilder *builder;

  g_return_val_if_fail (result != NULL, NULL);

  self = g_object_new (CV_TYPE_CERTIFICATE_INFO, NULL);
  switch (result->verdict)
    {
    case CV_CRED_VERIFIED_EXTERNAL:
      self->verdict = CV_CERTIFICATE_VERIFIED_EXTERNAL;
      break;
    case CV_CRED_VERIFIED_INTERNAL:
      self->verdict = CV_CERTIFICATE_VERIFIED_INTERNAL;
      break;
    case CV_CRED_UNVERIFIED:
    default:
      self->verdict = CV_CERTIFICATE_UNVERIFIED;
    }
  self->reason_text = reason_sentence (result);
  self->details = g_strdup (result->reason_text);
  kind = cv_cred_display_name (result, &name);
  self->display_name = g_strdup (name);
  self->name_verified = kind == CV_CRED_NAME_VERIFIED;
  self->trust_anchor = g_strdup (result->trust_anchor);

  builder = g_strv_builder_new ();
  for (size_t i = 0; i < result->chain_len; i++)
    g_strv_builder_add (builder, result->chain[i]);
  self->chain = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);

  builder = g_strv_builder_new ();
  if (result->leaf != NULL)
    {
      const cv_cert_details *leaf = result->leaf;

      self->has_certificate = TRUE;
      self->subject = g_strdup (leaf->subject);
      self->issuer = g_strdup (leaf->issuer);
      self->serial = g_strdup (leaf->serial_hex);
      self->not_before = g_date_time_new_from_unix_utc (leaf->not_before);
      self->not_after = g_date_time_new_from_unix_utc (leaf->not_after);
      self->fingerprint = g_strdup (leaf->fingerprint_sha256);
      self->key_type = g_strdup (leaf->key_type);
      for (size_t i = 0; i < leaf->n_sans; i++)
        {
          g_autofree char *san = g_strdup_printf ("%s:%s", san_prefix (leaf->sans[i].type),
                                                  leaf->sans[i].value);
          g_strv_builder_add (builder, san);
        }
    }
  self->sans = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);

  return self;
}

CvCertificateVerdict
cv_certificate_info_get_verdict (CvCertificateInfo *self)
{
  g_return_val_if_fail (CV_IS_CERTIFICATE_INFO (self), CV_CERTIFICATE_UNVERIFIED);
  return self->verdict;
}

const char *
cv_certificate_info_get_reason_text (CvCertificateInfo *self)
{
  g_return_val_if_fail (CV_IS_CERTIFICATE_INFO (self), NULL);
  return self->reason_text;
}

const char *
cv_certificate_info_get_details (CvCertificateInfo *self)
{
  g_return_val_if_fail (CV_IS_CERTIFICATE_INFO (self), NULL);
  return self->details;
}

const char *
cv_certificate_info_get_display_name (CvCertificateInfo *self)
{
  g_return_val_if_fail (CV_IS_CERTIFICATE_INFO (self), NULL);
  return self->display_name;
}

gboolean
cv_certificate_info_get_name_verified (CvCertificateInfo *self)
{
  g_return_val_if_fail (CV_IS_CERTIFICATE_INFO (self), FALSE);
  return self->name_verified;
}

gboolean
cv_certificate_info_get_has_certificate (CvCertificateInfo *self)
{
  g_return_val_if_fail (CV_IS_CERTIFICATE_INFO (self), FALSE);
  return self->has_certificate;
}

const char *
cv_certificate_info_get_subject (CvCertificateInfo *self)
{
  g_return_val_if_fail (CV_IS_CERTIFICATE_INFO (self), NULL);
  return self->subject;
}

const char *
cv_certificate_info_get_issuer (CvCertificateInfo *self)
{
  g_return_val_if_fail (CV_IS_CERTIFICATE_INFO (self), NULL);
  return self->issuer;
}

const char *
cv_certificate_info_get_serial (CvCertificateInfo *self)
{
  g_return_val_if_fail (CV_IS_CERTIFICATE_INFO (self), NULL);
  return self->serial;
}

GDateTime *
cv_certificate_info_get_not_before (CvCertificateInfo *self)
{
  g_return_val_if_fail (CV_IS_CERTIFICATE_INFO (self), NULL);
  return self->not_before;
}

GDateTime *
cv_certificate_info_get_not_after (CvCertificateInfo *self)
{
  g_return_val_if_fail (CV_IS_CERTIFICATE_INFO (self), NULL);
  return self->not_after;
}

const char *
cv_certificate_info_get_fingerprint (CvCertificateInfo *self)
{
  g_return_val_if_fail (CV_IS_CERTIFICATE_INFO (self), NULL);
  return self->fingerprint;
}

const char *
cv_certificate_info_get_key_type (CvCertificateInfo *self)
{
  g_return_val_if_fail (CV_IS_CERTIFICATE_INFO (self), NULL);
  return self->key_type;
}

const char * const *
cv_certificate_info_get_sans (CvCertificateInfo *self)
{
  g_return_val_if_fail (CV_IS_CERTIFICATE_INFO (self), NULL);
  return (const char * const *) self->sans;
}

const char * const *
cv_certificate_info_get_chain (CvCertificateInfo *self)
{
  g_return_val_if_fail (CV_IS_CERTIFICATE_INFO (self), NULL);
  return (const char * const *) self->chain;
}

const char *
cv_certificate_info_get_trust_anchor (CvCertificateInfo *self)
{
  g_return_val_if_fail (CV_IS_CERTIFICATE_INFO (self), NULL);
  return self->trust_anchor;
}

static void
cv_certificate_info_finalize (GObject *object)
{
  CvCertificateInfo *self = CV_CERTIFICATE_INFO (object);

  g_free (self->reason_text);
  g_free (self->details);
  g_free (self->display_name);
  g_free (self->subject);
  g_free (self->issuer);
  g_free (self->serial);
  g_clear_pointer (&self->not_before, g_date_time_unref);
  g_clear_pointer (&self->not_after, g_date_time_unref);
  g_free (self->fingerprint);
  g_free (self->key_type);
  g_strfreev (self->sans);
  g_strfreev (self->chain);
  g_free (self->trust_anchor);

  G_OBJECT_CLASS (cv_certificate_info_parent_class)->finalize (object);
}

static void
cv_certificate_info_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  CvCertificateInfo *self = CV_CERTIFICATE_INFO (object);

  switch (prop_id)
    {
    case PROP_VERDICT:
      g_value_set_enum (value, self->verdict);
      break;
    case PROP_REASON_TEXT:
      g_value_set_string (value, self->reason_text);
      break;
    case PROP_DETAILS:
      g_value_set_string (value, self->details);
      break;
    case PROP_DISPLAY_NAME:
      g_value_set_string (value, self->display_name);
      break;
    case PROP_NAME_VERIFIED:
      g_value_set_boolean (value, self->name_verified);
      break;
    case PROP_HAS_CERTIFICATE:
      g_value_set_boolean (value, self->has_certificate);
      break;
    case PROP_SUBJECT:
      g_value_set_string (value, self->subject);
      break;
    case PROP_ISSUER:
      g_value_set_string (value, self->issuer);
      break;
    case PROP_SERIAL:
      g_value_set_string (value, self->serial);
      break;
    case PROP_NOT_BEFORE:
      g_value_set_boxed (value, self->not_before);
      break;
    case PROP_NOT_AFTER:
      g_value_set_boxed (value, self->not_after);
      break;
    case PROP_FINGERPRINT:
      g_value_set_string (value, self->fingerprint);
      break;
    case PROP_KEY_TYPE:
      g_value_set_string (value, self->key_type);
      break;
    case PROP_SANS:
      g_value_set_boxed (value, self->sans);
      break;
    case PROP_CHAIN:
      g_value_set_boxed (value, self->chain);
      break;
    case PROP_TRUST_ANCHOR:
      g_value_set_string (value, self->trust_anchor);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cv_certificate_info_class_init (CvCertificateInfoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = cv_certificate_info_finalize;
  object_class->get_property = cv_certificate_info_get_property;

  properties[PROP_VERDICT] =
    g_param_spec_enum ("verdict", NULL, NULL, CV_TYPE_CERTIFICATE_VERDICT, CV_CERTIFICATE_UNVERIFIED, flags);
  properties[PROP_REASON_TEXT] = g_param_spec_string ("reason-text", NULL, NULL, NULL, flags);
  properties[PROP_DETAILS] = g_param_spec_string ("details", NULL, NULL, NULL, flags);
  properties[PROP_DISPLAY_NAME] = g_param_spec_string ("display-name", NULL, NULL, NULL, flags);
  properties[PROP_NAME_VERIFIED] = g_param_spec_boolean ("name-verified", NULL, NULL, FALSE, flags);
  properties[PROP_HAS_CERTIFICATE] = g_param_spec_boolean ("has-certificate", NULL, NULL, FALSE, flags);
  properties[PROP_SUBJECT] = g_param_spec_string ("subject", NULL, NULL, NULL, flags);
  properties[PROP_ISSUER] = g_param_spec_string ("issuer", NULL, NULL, NULL, flags);
  properties[PROP_SERIAL] = g_param_spec_string ("serial", NULL, NULL, NULL, flags);
  properties[PROP_NOT_BEFORE] = g_param_spec_boxed ("not-before", NULL, NULL, G_TYPE_DATE_TIME, flags);
  properties[PROP_NOT_AFTER] = g_param_spec_boxed ("not-after", NULL, NULL, G_TYPE_DATE_TIME, flags);
  properties[PROP_FINGERPRINT] = g_param_spec_string ("fingerprint", NULL, NULL, NULL, flags);
  properties[PROP_KEY_TYPE] = g_param_spec_string ("key-type", NULL, NULL, NULL, flags);
  properties[PROP_SANS] = g_param_spec_boxed ("sans", NULL, NULL, G_TYPE_STRV, flags);
  properties[PROP_CHAIN] = g_param_spec_boxed ("chain", NULL, NULL, G_TYPE_STRV, flags);
  properties[PROP_TRUST_ANCHOR] = g_param_spec_string ("trust-anchor", NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cv_certificate_info_init (CvCertificateInfo *self)
{
}
