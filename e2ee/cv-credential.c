/* cv-credential.c: X.509 credential validation against two trust stores. */
#include "cv-credential.h"
#include "cv-bytes.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

struct cv_trust_store
{
  X509_STORE *store;
  size_t n_cas;
  size_t n_crls;
};

/* Largest MLS signature key: an uncompressed P-521 point. */
#define MAX_MLS_KEY (1 + 2 * 66)

const char *
cv_cred_verdict_name (cv_cred_verdict verdict)
{
  switch (verdict)
    {
    case CV_CRED_UNVERIFIED: return "unverified";
    case CV_CRED_VERIFIED_INTERNAL: return "verified internally";
    case CV_CRED_VERIFIED_EXTERNAL: return "verified externally";
    }
  return "unknown verdict";
}

const char *
cv_cred_reason_name (cv_cred_reason reason)
{
  switch (reason)
    {
    case CV_CRED_REASON_NONE: return "verified";
    case CV_CRED_REASON_BASIC: return "basic credential (no certificate)";
    case CV_CRED_REASON_UNTRUSTED_ISSUER: return "untrusted issuer";
    case CV_CRED_REASON_SELF_SIGNED: return "self-signed certificate";
    case CV_CRED_REASON_EXPIRED: return "expired";
    case CV_CRED_REASON_NOT_YET_VALID: return "not yet valid";
    case CV_CRED_REASON_REVOKED: return "revoked";
    case CV_CRED_REASON_BAD_SIGNATURE: return "bad signature";
    case CV_CRED_REASON_MALFORMED: return "malformed certificate";
    case CV_CRED_REASON_TOO_LARGE: return "certificate or chain too large";
    case CV_CRED_REASON_KEY_MISMATCH: return "certificate key is not the MLS signature key";
    case CV_CRED_REASON_NOT_FOR_SIGNING: return "certificate not allowed for signing";
    case CV_CRED_REASON_REVOCATION_UNKNOWN: return "revocation status unknown";
    case CV_CRED_REASON_INVALID_CHAIN: return "invalid certificate chain";
    }
  return "unknown reason";
}

/* ---- Small string helpers ---- */

static char *
str_printf (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

static char *
str_printf (const char *fmt, ...)
{
  va_list ap;
  int n;
  char *s;

  va_start (ap, fmt);
  n = vsnprintf (NULL, 0, fmt, ap);
  va_end (ap);
  if (n < 0)
    return NULL;
  s = malloc ((size_t) n + 1);
  if (s == NULL)
    return NULL;
  va_start (ap, fmt);
  vsnprintf (s, (size_t) n + 1, fmt, ap);
  va_end (ap);
  return s;
}

/* Decodes one UTF-8 sequence; returns its length, or 0 when it is not
 * well-formed (overlong, surrogate, beyond U+10FFFF, cut short). */
static size_t
utf8_decode (const uint8_t *s, size_t len, uint32_t *cp)
{
  uint8_t b = s[0];
  size_t need;
  uint32_t v, min;

  if (b < 0x80)
    {
      *cp = b;
      return 1;
    }
  if (b >= 0xc2 && b <= 0xdf)
    need = 1, v = b & 0x1f, min = 0x80;
  else if (b >= 0xe0 && b <= 0xef)
    need = 2, v = b & 0x0f, min = 0x800;
  else if (b >= 0xf0 && b <= 0xf4)
    need = 3, v = b & 0x07, min = 0x10000;
  else
    return 0;
  if (len < need + 1)
    return 0;
  for (size_t i = 1; i <= need; i++)
    {
      if ((s[i] & 0xc0) != 0x80)
        return 0;
      v = (v << 6) | (s[i] & 0x3f);
    }
  if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
    return 0;
  *cp = v;
  return need + 1;
}

/* Characters that would let a name hide or reorder what is shown around it. */
static bool
is_display_hazard (uint32_t cp)
{
  return cp < 0x20 || (cp >= 0x7f && cp < 0xa0)
         || cp == 0x061c || cp == 0x200e || cp == 0x200f
         || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)
         || cp == 0x2028 || cp == 0x2029 || cp == 0xfeff;
}

/* A malloc'ed NUL-terminated copy safe to put in front of a user: every
 * ill-formed sequence or hazardous character becomes U+FFFD. */
static char *
display_string (const uint8_t *s, size_t len)
{
  static const char replacement[] = "\xef\xbf\xbd";
  char *out;
  size_t o = 0, i = 0;

  if (len > (SIZE_MAX - 1) / 3)
    return NULL;
  out = malloc (len * 3 + 1);
  if (out == NULL)
    return NULL;
  while (i < len)
    {
      uint32_t cp = 0;
      size_t n = utf8_decode (s + i, len - i, &cp);

      if (n == 0 || is_display_hazard (cp))
        {
          memcpy (out + o, replacement, 3);
          o += 3;
          i += n ? n : 1;
          continue;
        }
      memcpy (out + o, s + i, n);
      o += n;
      i += n;
    }
  out[o] = '\0';
  return out;
}

static void
format_iso8601 (time_t t, char *buf, size_t size)
{
  struct tm tm;

  if (gmtime_r (&t, &tm) == NULL || strftime (buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
    snprintf (buf, size, "(time out of range)");
}

/* ---- DER parsing ---- */

/* Reads the outer TLV header to tell truncation from trailing bytes in the
 * message; d2i_X509 decides validity. Returns the encoded total or 0. */
static size_t
der_outer_length (const uint8_t *der, size_t len)
{
  size_t n, total = 0;

  if (len < 2 || der[0] != 0x30)
    return 0;
  if (der[1] < 0x80)
    return 2 + (size_t) der[1];
  n = der[1] & 0x7f;
  if (n == 0 || n > 4 || len < 2 + n)
    return 0;
  for (size_t i = 0; i < n; i++)
    total = (total << 8) | der[2 + i];
  return 2 + n + total;
}

/* Parses exactly one canonical DER certificate of at most max_size bytes.
 * On failure, *reason says why and the status carries the message. */
static cv_status
parse_der_cert (const uint8_t *der, size_t len, size_t max_size, X509 **out,
                cv_cred_reason *reason)
{
  const unsigned char *p = der;
  unsigned char *again = NULL;
  size_t claimed;
  X509 *x;
  int n;

  *out = NULL;
  *reason = CV_CRED_REASON_MALFORMED;
  if (len == 0 || der == NULL)
    return cv_fail (CV_ERR_TRUNCATED, "X.509: empty certificate");
  if (len > max_size)
    {
      *reason = CV_CRED_REASON_TOO_LARGE;
      return cv_fail (CV_ERR_TOO_LARGE, "X.509: certificate of %zu bytes exceeds the limit of %zu",
                      len, max_size);
    }
  claimed = der_outer_length (der, len);
  if (claimed > len)
    return cv_fail (CV_ERR_TRUNCATED, "X.509: truncated DER, the certificate claims %zu bytes but %zu are present",
                    claimed, len);
  x = d2i_X509 (NULL, &p, (long) len);
  ERR_clear_error ();
  if (x == NULL)
    return cv_fail (CV_ERR_MALFORMED, "X.509: not a DER certificate (%zu bytes)", len);
  if (p != der + len)
    {
      X509_free (x);
      return cv_fail (CV_ERR_MALFORMED, "X.509: %zu trailing bytes after the certificate",
                      (size_t) (der + len - p));
    }
  /* The fingerprint users compare is over these bytes, so they must be the
   * one encoding of what was parsed (no BER leniency in the outer layers). */
  n = i2d_X509 (x, &again);
  if (n < 0 || (size_t) n != len || memcmp (again, der, len) != 0)
    {
      OPENSSL_free (again);
      X509_free (x);
      ERR_clear_error ();
      return cv_fail (CV_ERR_MALFORMED, "X.509: certificate is not in canonical DER");
    }
  OPENSSL_free (again);
  *out = x;
  return CV_OK;
}

/* ---- Details ---- */

static cv_status
name_oneline (const X509_NAME *name, char **out)
{
  BIO *bio = BIO_new (BIO_s_mem ());
  char *text = NULL;
  long n;

  *out = NULL;
  if (bio == NULL)
    return cv_fail (CV_ERR_NOMEM, "X.509: cannot allocate a BIO");
  /* RFC 2253 order and escaping, but UTF-8 kept as is for display. */
  if (X509_NAME_print_ex (bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0)
    {
      BIO_free (bio);
      ERR_clear_error ();
      *out = display_string ((const uint8_t *) "(unprintable name)", 18);
      return *out ? CV_OK : cv_fail (CV_ERR_NOMEM, "X.509: out of memory");
    }
  n = BIO_get_mem_data (bio, &text);
  *out = display_string ((const uint8_t *) text, n > 0 ? (size_t) n : 0);
  BIO_free (bio);
  return *out ? CV_OK : cv_fail (CV_ERR_NOMEM, "X.509: out of memory");
}

/* The last (most specific) CN of a name, or NULL without error when none. */
static cv_status
name_cn (const X509_NAME *name, char **out)
{
  int idx = -1, last = -1;
  unsigned char *utf8 = NULL;
  int n;

  *out = NULL;
  while ((idx = X509_NAME_get_index_by_NID (name, NID_commonName, idx)) >= 0)
    last = idx;
  if (last < 0)
    return CV_OK;
  n = ASN1_STRING_to_UTF8 (&utf8, X509_NAME_ENTRY_get_data (X509_NAME_get_entry (name, last)));
  if (n <= 0)
    {
      ERR_clear_error ();
      return CV_OK;
    }
  *out = display_string (utf8, (size_t) n);
  OPENSSL_free (utf8);
  return *out ? CV_OK : cv_fail (CV_ERR_NOMEM, "X.509: out of memory");
}

/* timegm() without relying on a GNU or BSD extension: days since the
 * epoch of a proleptic Gregorian date (Howard Hinnant's civil algorithm). */
static time_t
utc_time (const struct tm *tm)
{
  long long y = (long long) tm->tm_year + 1900;
  long long m = tm->tm_mon + 1;
  long long era, yoe, doy, doe, days;

  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = y - era * 400;
  doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + tm->tm_mday - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  days = era * 146097 + doe - 719468;
  return (time_t) (days * 86400 + tm->tm_hour * 3600 + tm->tm_min * 60 + tm->tm_sec);
}

static cv_status
asn1_time_to_time_t (const ASN1_TIME *asn1, time_t *out, char *iso, size_t iso_size)
{
  struct tm tm;

  memset (&tm, 0, sizeof tm);
  if (asn1 == NULL || ASN1_TIME_to_tm (asn1, &tm) != 1)
    {
      ERR_clear_error ();
      *out = 0;
      snprintf (iso, iso_size, "(invalid time)");
      return cv_fail (CV_ERR_MALFORMED, "X.509: invalid validity time");
    }
  *out = utc_time (&tm);
  format_iso8601 (*out, iso, iso_size);
  return CV_OK;
}

static void
key_type_name (EVP_PKEY *pkey, char *buf, size_t size)
{
  char group[40];

  if (pkey == NULL)
    {
      snprintf (buf, size, "unknown");
      return;
    }
  switch (EVP_PKEY_get_base_id (pkey))
    {
    case EVP_PKEY_ED25519:
      snprintf (buf, size, "Ed25519");
      return;
    case EVP_PKEY_ED448:
      snprintf (buf, size, "Ed448");
      return;
    case EVP_PKEY_EC:
      if (EVP_PKEY_get_utf8_string_param (pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, NULL) != 1)
        snprintf (group, sizeof group, "(explicit curve)");
      else if (strcmp (group, "prime256v1") == 0 || strcmp (group, "P-256") == 0)
        snprintf (group, sizeof group, "P-256");
      else if (strcmp (group, "secp384r1") == 0 || strcmp (group, "P-384") == 0)
        snprintf (group, sizeof group, "P-384");
      else if (strcmp (group, "secp521r1") == 0 || strcmp (group, "P-521") == 0)
        snprintf (group, sizeof group, "P-521");
      ERR_clear_error ();
      snprintf (buf, size, "ECDSA %s", group);
      return;
    case EVP_PKEY_RSA:
    case EVP_PKEY_RSA_PSS:
      snprintf (buf, size, "RSA %d", EVP_PKEY_get_bits (pkey));
      return;
    default:
      snprintf (buf, size, "%s", EVP_PKEY_get0_type_name (pkey) ? EVP_PKEY_get0_type_name (pkey) : "unknown");
      return;
    }
}

void
cv_cert_details_free (cv_cert_details *d)
{
  if (d == NULL)
    return;
  free (d->subject);
  free (d->subject_cn);
  free (d->issuer);
  free (d->issuer_cn);
  free (d->serial_hex);
  for (size_t i = 0; i < d->n_sans; i++)
    free (d->sans[i].value);
  free (d->sans);
  free (d);
}

static cv_status
collect_sans (X509 *x, cv_cert_details *d)
{
  GENERAL_NAMES *names = X509_get_ext_d2i (x, NID_subject_alt_name, NULL, NULL);
  int count;

  ERR_clear_error ();
  if (names == NULL)
    return CV_OK;
  count = sk_GENERAL_NAME_num (names);
  d->sans = calloc (CV_CRED_MAX_SANS, sizeof *d->sans);
  if (d->sans == NULL)
    {
      GENERAL_NAMES_free (names);
      return cv_fail (CV_ERR_NOMEM, "X.509: out of memory");
    }
  for (int i = 0; i < count && d->n_sans < CV_CRED_MAX_SANS; i++)
    {
      int type;
      ASN1_STRING *value = GENERAL_NAME_get0_value (sk_GENERAL_NAME_value (names, i), &type);
      cv_cert_san *san = &d->sans[d->n_sans];

      if (type == GEN_DNS)
        san->type = CV_CERT_SAN_DNS;
      else if (type == GEN_EMAIL)
        san->type = CV_CERT_SAN_EMAIL;
      else if (type == GEN_URI)
        san->type = CV_CERT_SAN_URI;
      else
        continue;
      san->value = display_string (ASN1_STRING_get0_data (value), (size_t) ASN1_STRING_length (value));
      if (san->value == NULL)
        {
          GENERAL_NAMES_free (names);
          return cv_fail (CV_ERR_NOMEM, "X.509: out of memory");
        }
      d->n_sans++;
    }
  GENERAL_NAMES_free (names);
  return CV_OK;
}

static cv_status
details_of (X509 *x, cv_cert_details **out)
{
  cv_cert_details *d = calloc (1, sizeof *d);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  BIGNUM *serial;
  cv_status st;

  *out = NULL;
  if (d == NULL)
    return cv_fail (CV_ERR_NOMEM, "X.509: out of memory");
  if ((st = name_oneline (X509_get_subject_name (x), &d->subject)) != CV_OK
      || (st = name_cn (X509_get_subject_name (x), &d->subject_cn)) != CV_OK
      || (st = name_oneline (X509_get_issuer_name (x), &d->issuer)) != CV_OK
      || (st = name_cn (X509_get_issuer_name (x), &d->issuer_cn)) != CV_OK)
    goto fail;

  serial = ASN1_INTEGER_to_BN (X509_get0_serialNumber (x), NULL);
  if (serial != NULL)
    {
      char *hex = BN_is_zero (serial) ? NULL : BN_bn2hex (serial);

      d->serial_hex = str_printf ("%s", hex ? hex : "00");
      OPENSSL_free (hex);
      BN_free (serial);
    }
  else
    d->serial_hex = str_printf ("(invalid)");
  ERR_clear_error ();
  if (d->serial_hex == NULL)
    {
      st = cv_fail (CV_ERR_NOMEM, "X.509: out of memory");
      goto fail;
    }

  /* A time OpenSSL cannot read is shown as such; path validation refuses it. */
  asn1_time_to_time_t (X509_get0_notBefore (x), &d->not_before, d->not_before_iso, sizeof d->not_before_iso);
  asn1_time_to_time_t (X509_get0_notAfter (x), &d->not_after, d->not_after_iso, sizeof d->not_after_iso);
  cv_status_clear ();

  if (X509_digest (x, EVP_sha256 (), md, &md_len) != 1 || md_len != 32)
    {
      ERR_clear_error ();
      st = cv_fail (CV_ERR_CRYPTO, "X.509: cannot compute the SHA-256 fingerprint");
      goto fail;
    }
  for (unsigned int i = 0; i < md_len; i++)
    snprintf (d->fingerprint_sha256 + 3 * i, 4, i + 1 < md_len ? "%02X:" : "%02X", md[i]);

  key_type_name (X509_get0_pubkey (x), d->key_type, sizeof d->key_type);
  d->is_ca = X509_check_ca (x) != 0;
  ERR_clear_error ();

  if ((st = collect_sans (x, d)) != CV_OK)
    goto fail;
  *out = d;
  return CV_OK;

fail:
  cv_cert_details_free (d);
  return st;
}

cv_status
cv_cert_details_from_der (const uint8_t *der, size_t len, cv_cert_details **out)
{
  cv_cred_reason reason;
  X509 *x = NULL;
  cv_status st;

  if (out == NULL)
    return cv_fail (CV_ERR_ARGUMENT, "cv_cert_details_from_der: no output");
  *out = NULL;
  st = parse_der_cert (der, len, CV_CRED_MAX_CERT_SIZE, &x, &reason);
  if (st != CV_OK)
    return st;
  st = details_of (x, out);
  X509_free (x);
  return st;
}

/* ---- Trust stores ---- */

cv_trust_store *
cv_trust_store_new (void)
{
  cv_trust_store *ts = calloc (1, sizeof *ts);

  if (ts == NULL)
    return NULL;
  /* No default paths, no lookup directories: only what is added is trusted. */
  ts->store = X509_STORE_new ();
  if (ts->store == NULL)
    {
      free (ts);
      return NULL;
    }
  return ts;
}

void
cv_trust_store_free (cv_trust_store *ts)
{
  if (ts == NULL)
    return;
  X509_STORE_free (ts->store);
  free (ts);
}

size_t
cv_trust_store_ca_count (const cv_trust_store *ts)
{
  return ts ? ts->n_cas : 0;
}

static bool
looks_like_pem (const uint8_t *data, size_t len)
{
  static const char marker[] = "-----BEGIN ";
  const size_t m = sizeof marker - 1;

  for (size_t i = 0; i + m <= len; i++)
    if (data[i] == '-' && memcmp (data + i, marker, m) == 0)
      return true;
  return false;
}

/* Encrypted PEM has no place in a trust store; never prompt for a password. */
static int
refuse_password (char *buf, int size, int rwflag, void *user_data)
{
  return -1;
}

/* Reads every PEM block of the wanted kind (read_one is PEM_read_bio_X509 or
 * PEM_read_bio_X509_CRL through a small adapter); refuses input that holds
 * none or that breaks off inside a block. */
typedef void *(*pem_reader) (BIO *bio);

static void *
read_pem_cert (BIO *bio)
{
  return PEM_read_bio_X509 (bio, NULL, refuse_password, NULL);
}

static void *
read_pem_crl (BIO *bio)
{
  return PEM_read_bio_X509_CRL (bio, NULL, refuse_password, NULL);
}

static cv_status
read_pem_all (const uint8_t *data, size_t len, pem_reader read_one, const char *what,
              void **items, size_t max_items, size_t *n_items)
{
  BIO *bio = BIO_new_mem_buf (data, (int) len);
  cv_status st = CV_OK;

  *n_items = 0;
  if (bio == NULL)
    return cv_fail (CV_ERR_NOMEM, "trust store: cannot allocate a BIO");
  for (;;)
    {
      void *item;
      unsigned long err;

      ERR_clear_error ();
      item = read_one (bio);
      if (item == NULL)
        {
          err = ERR_peek_last_error ();
          if (*n_items > 0 && ERR_GET_LIB (err) == ERR_LIB_PEM
              && ERR_GET_REASON (err) == PEM_R_NO_START_LINE)
            break;
          st = cv_fail (CV_ERR_MALFORMED, "trust store: PEM input holds no valid %s after %zu read",
                        what, *n_items);
          break;
        }
      if (*n_items == max_items)
        {
          st = cv_fail (CV_ERR_TOO_LARGE, "trust store: more than %zu %s in one PEM input", max_items, what);
          items[*n_items] = item; /* freed by the caller with the rest */
          (*n_items)++;
          break;
        }
      items[(*n_items)++] = item;
    }
  ERR_clear_error ();
  BIO_free (bio);
  return st;
}

#define MAX_PEM_ITEMS 256

cv_status
cv_trust_store_add_ca (cv_trust_store *ts, const uint8_t *data, size_t len)
{
  void *certs[MAX_PEM_ITEMS + 1];
  size_t n = 0;
  cv_status st;

  if (ts == NULL || (data == NULL && len > 0))
    return cv_fail (CV_ERR_ARGUMENT, "trust store: no store or no data");
  if (len == 0)
    return cv_fail (CV_ERR_TRUNCATED, "trust store: empty CA certificate");
  if (len > CV_CRED_MAX_STORE_INPUT)
    return cv_fail (CV_ERR_TOO_LARGE, "trust store: %zu bytes exceed the limit of %d",
                    len, CV_CRED_MAX_STORE_INPUT);
  if (looks_like_pem (data, len))
    st = read_pem_all (data, len, read_pem_cert, "certificate", certs, MAX_PEM_ITEMS, &n);
  else
    {
      cv_cred_reason reason;
      X509 *x = NULL;

      st = parse_der_cert (data, len, CV_CRED_MAX_STORE_INPUT, &x, &reason);
      if (x != NULL)
        certs[n++] = x;
    }

  for (size_t i = 0; st == CV_OK && i < n; i++)
    {
      /* A CA: basicConstraints CA:TRUE, or a self-signed v1 root (3). */
      int ca = X509_check_ca (certs[i]);

      if (ca != 1 && ca != 3)
        {
          char *subject = NULL;

          name_oneline (X509_get_subject_name (certs[i]), &subject);
          st = cv_fail (CV_ERR_INVALID, "trust store: certificate %zu ('%s') is not a CA certificate",
                        i, subject ? subject : "?");
          free (subject);
        }
    }
  for (size_t i = 0; st == CV_OK && i < n; i++)
    {
      if (X509_STORE_add_cert (ts->store, certs[i]) != 1)
        st = cv_fail (CV_ERR_CRYPTO, "trust store: OpenSSL refused CA certificate %zu", i);
      else
        ts->n_cas++;
    }
  for (size_t i = 0; i < n; i++)
    X509_free (certs[i]);
  ERR_clear_error ();
  return st;
}

cv_status
cv_trust_store_add_crl (cv_trust_store *ts, const uint8_t *data, size_t len)
{
  void *crls[MAX_PEM_ITEMS + 1];
  size_t n = 0;
  cv_status st = CV_OK;

  if (ts == NULL || (data == NULL && len > 0))
    return cv_fail (CV_ERR_ARGUMENT, "trust store: no store or no data");
  if (len == 0)
    return cv_fail (CV_ERR_TRUNCATED, "trust store: empty CRL");
  if (len > CV_CRED_MAX_STORE_INPUT)
    return cv_fail (CV_ERR_TOO_LARGE, "trust store: %zu bytes exceed the limit of %d",
                    len, CV_CRED_MAX_STORE_INPUT);
  if (looks_like_pem (data, len))
    st = read_pem_all (data, len, read_pem_crl, "CRL", crls, MAX_PEM_ITEMS, &n);
  else
    {
      const unsigned char *p = data;
      X509_CRL *crl = d2i_X509_CRL (NULL, &p, (long) len);

      if (crl == NULL)
        st = cv_fail (CV_ERR_MALFORMED, "trust store: not a DER CRL (%zu bytes)", len);
      else
        {
          crls[n++] = crl;
          if (p != data + len)
            st = cv_fail (CV_ERR_MALFORMED, "trust store: %zu trailing bytes after the CRL",
                          (size_t) (data + len - p));
        }
    }
  for (size_t i = 0; st == CV_OK && i < n; i++)
    {
      if (X509_STORE_add_crl (ts->store, crls[i]) != 1)
        st = cv_fail (CV_ERR_CRYPTO, "trust store: OpenSSL refused CRL %zu", i);
      else
        ts->n_crls++;
    }
  for (size_t i = 0; i < n; i++)
    X509_CRL_free (crls[i]);
  ERR_clear_error ();
  return st;
}

/* ---- Key binding ---- */

/* The leaf's public key serialized as MLS serializes signature keys
 * (RFC 9420 §5.1.1): raw for EdDSA, the uncompressed point for ECDSA. Only
 * the key types of the MLS cipher suites are accepted. */
static cv_status
mls_signature_key_of (EVP_PKEY *pkey, uint8_t *buf, size_t *len)
{
  char group[64];
  BIGNUM *x = NULL, *y = NULL;
  size_t field;

  if (pkey == NULL)
    return cv_fail (CV_ERR_UNSUPPORTED, "X.509: the leaf's public key cannot be read");
  switch (EVP_PKEY_get_base_id (pkey))
    {
    case EVP_PKEY_ED25519:
    case EVP_PKEY_ED448:
      *len = MAX_MLS_KEY;
      if (EVP_PKEY_get_raw_public_key (pkey, buf, len) != 1)
        return cv_fail (CV_ERR_CRYPTO, "X.509: cannot read the leaf's EdDSA key");
      return CV_OK;
    case EVP_PKEY_EC:
      if (EVP_PKEY_get_utf8_string_param (pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, NULL) != 1
          || (strcmp (group, "prime256v1") != 0 && strcmp (group, "secp384r1") != 0
              && strcmp (group, "secp521r1") != 0))
        return cv_fail (CV_ERR_UNSUPPORTED, "X.509: the leaf's curve is not one of an MLS cipher suite");
      field = ((size_t) EVP_PKEY_get_bits (pkey) + 7) / 8;
      if (1 + 2 * field > MAX_MLS_KEY
          || EVP_PKEY_get_bn_param (pkey, OSSL_PKEY_PARAM_EC_PUB_X, &x) != 1
          || EVP_PKEY_get_bn_param (pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &y) != 1
          || BN_bn2binpad (x, buf + 1, (int) field) < 0
          || BN_bn2binpad (y, buf + 1 + field, (int) field) < 0)
        {
          BN_free (x);
          BN_free (y);
          return cv_fail (CV_ERR_CRYPTO, "X.509: cannot read the leaf's ECDSA point");
        }
      BN_free (x);
      BN_free (y);
      buf[0] = 0x04;
      *len = 1 + 2 * field;
      return CV_OK;
    default:
      return cv_fail (CV_ERR_UNSUPPORTED, "X.509: a %s key cannot be an MLS signature key",
                      EVP_PKEY_get0_type_name (pkey) ? EVP_PKEY_get0_type_name (pkey) : "non-MLS");
    }
}

/* ---- Path validation ---- */

typedef struct {
  bool verified;
  int error;            /* X509_V_ERR_* when not verified */
  int depth;
  char *error_subject;  /* the certificate the error is about */
  char **path;          /* leaf first, anchor last, when verified */
  size_t path_len;
} store_outcome;

static void
store_outcome_clear (store_outcome *o)
{
  free (o->error_subject);
  for (size_t i = 0; i < o->path_len; i++)
    free (o->path[i]);
  free (o->path);
  memset (o, 0, sizeof *o);
}

static cv_cred_reason reason_for_x509_error (int error);

/* Finds the first certificate of the chain (leaf first) that is not valid
 * at `at`, and makes it the outcome's error. */
static void
first_time_error (STACK_OF (X509) *chain, time_t at, store_outcome *o, X509 **current)
{
  int n = chain ? sk_X509_num (chain) : 0;

  for (int i = 0; i < n; i++)
    {
      X509 *x = sk_X509_value (chain, i);
      time_t t = at;

      if (X509_cmp_time (X509_get0_notBefore (x), &t) > 0)
        o->error = X509_V_ERR_CERT_NOT_YET_VALID;
      else if (X509_cmp_time (X509_get0_notAfter (x), &t) < 0)
        o->error = X509_V_ERR_CERT_HAS_EXPIRED;
      else
        continue;
      o->depth = i;
      *current = x;
      return;
    }
}

static int
verify_callback (int ok, X509_STORE_CTX *ctx)
{
  /* Only CRLs the administrator supplied are consulted, so an issuer with
   * none in the store is not checked rather than failed. */
  if (!ok && X509_STORE_CTX_get_error (ctx) == X509_V_ERR_UNABLE_TO_GET_CRL)
    return 1;
  return ok;
}

static cv_status
verify_with_store (const cv_trust_store *ts, X509 *leaf, STACK_OF (X509) *untrusted,
                   time_t at, store_outcome *o)
{
  X509_STORE *store = ts ? ts->store : NULL;
  X509_STORE *empty = NULL;
  X509_STORE_CTX *ctx = NULL;
  unsigned long flags;
  cv_status st = CV_OK;
  int rc;

  memset (o, 0, sizeof *o);
  if (store == NULL)
    {
      /* Still run, so that a self-signed leaf is told from a foreign one. */
      empty = X509_STORE_new ();
      store = empty;
    }
  ctx = X509_STORE_CTX_new ();
  if (store == NULL || ctx == NULL || X509_STORE_CTX_init (ctx, store, leaf, untrusted) != 1)
    {
      st = cv_fail (CV_ERR_NOMEM, "X.509: cannot set up path validation");
      goto out;
    }
  /* Strict RFC 5280 checks; any CA in a store is an anchor, even an
   * intermediate, because the administrator chose it. */
  flags = X509_V_FLAG_X509_STRICT | X509_V_FLAG_PARTIAL_CHAIN;
  if (ts != NULL && ts->n_crls > 0)
    flags |= X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL;
  X509_STORE_CTX_set_flags (ctx, flags);
  X509_STORE_CTX_set_time (ctx, 0, at);
  X509_STORE_CTX_set_depth (ctx, CV_CRED_MAX_CHAIN);
  X509_STORE_CTX_set_verify_cb (ctx, verify_callback);

  rc = X509_verify_cert (ctx);
  if (rc == 1)
    {
      STACK_OF (X509) *chain = X509_STORE_CTX_get0_chain (ctx);
      int n = chain ? sk_X509_num (chain) : 0;

      o->path = calloc (n > 0 ? (size_t) n : 1, sizeof *o->path);
      if (o->path == NULL)
        {
          st = cv_fail (CV_ERR_NOMEM, "X.509: out of memory");
          goto out;
        }
      for (int i = 0; i < n; i++)
        {
          if ((st = name_oneline (X509_get_subject_name (sk_X509_value (chain, i)), &o->path[i])) != CV_OK)
            goto out;
          o->path_len++;
        }
      o->verified = n > 0;
      if (!o->verified)
        o->error = X509_V_ERR_UNSPECIFIED;
    }
  else
    {
      X509 *current = X509_STORE_CTX_get_current_cert (ctx);

      o->error = X509_STORE_CTX_get_error (ctx);
      if (o->error == X509_V_OK)
        o->error = X509_V_ERR_UNSPECIFIED;
      if (o->error == X509_V_ERR_OUT_OF_MEM)
        {
          st = cv_fail (CV_ERR_NOMEM, "X.509: out of memory in path validation");
          goto out;
        }
      o->depth = X509_STORE_CTX_get_error_depth (ctx);
      /* OpenSSL consults CRLs before it checks validity periods; a
       * certificate that is itself out of its validity period says more
       * than a CRL that does not cover the check time. */
      if (reason_for_x509_error (o->error) == CV_CRED_REASON_REVOCATION_UNKNOWN)
        first_time_error (X509_STORE_CTX_get0_chain (ctx), at, o, &current);
      if (current != NULL && (st = name_oneline (X509_get_subject_name (current), &o->error_subject)) != CV_OK)
        goto out;
    }

out:
  X509_STORE_CTX_free (ctx);
  X509_STORE_free (empty);
  ERR_clear_error ();
  return st;
}

static cv_cred_reason
reason_for_x509_error (int error)
{
  switch (error)
    {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return CV_CRED_REASON_EXPIRED;
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return CV_CRED_REASON_NOT_YET_VALID;
    case X509_V_ERR_CERT_REVOKED:
      return CV_CRED_REASON_REVOKED;
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
    case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
      return CV_CRED_REASON_BAD_SIGNATURE;
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
      return CV_CRED_REASON_SELF_SIGNED;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_UNTRUSTED:
    case X509_V_ERR_CERT_REJECTED:
      return CV_CRED_REASON_UNTRUSTED_ISSUER;
    case X509_V_ERR_UNABLE_TO_GET_CRL:
    case X509_V_ERR_CRL_HAS_EXPIRED:
    case X509_V_ERR_CRL_NOT_YET_VALID:
    case X509_V_ERR_CRL_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
    case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
    case X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD:
    case X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD:
    case X509_V_ERR_KEYUSAGE_NO_CRL_SIGN:
    case X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION:
    case X509_V_ERR_DIFFERENT_CRL_SCOPE:
    case X509_V_ERR_CRL_PATH_VALIDATION_ERROR:
      return CV_CRED_REASON_REVOCATION_UNKNOWN;
    case X509_V_ERR_CERT_CHAIN_TOO_LONG:
      return CV_CRED_REASON_TOO_LARGE;
    default:
      return CV_CRED_REASON_INVALID_CHAIN;
    }
}

/* True when the failure came after the chain reached a trust anchor, so it
 * says more about the credential than "not from this store" does. */
static bool
reason_is_anchored (cv_cred_reason reason)
{
  return reason != CV_CRED_REASON_UNTRUSTED_ISSUER && reason != CV_CRED_REASON_SELF_SIGNED;
}

static bool
is_self_signed (X509 *x)
{
  EVP_PKEY *key = X509_get0_pubkey (x);
  bool self = key != NULL
              && X509_NAME_cmp (X509_get_subject_name (x), X509_get_issuer_name (x)) == 0
              && X509_verify (x, key) == 1;

  ERR_clear_error ();
  return self;
}

/* ---- Results ---- */

void
cv_cred_result_free (cv_cred_result *r)
{
  if (r == NULL)
    return;
  free (r->reason_text);
  cv_cert_details_free (r->leaf);
  for (size_t i = 0; i < r->chain_len; i++)
    free (r->chain[i]);
  free (r->chain);
  free (r->trust_anchor);
  free (r->claimed_name);
  free (r->verified_name);
  free (r);
}

/* The name a certificate gives its subject: CN, else the first SAN email,
 * else the first SAN URI. */
static const char *
certificate_name (const cv_cert_details *d)
{
  if (d == NULL)
    return NULL;
  if (d->subject_cn != NULL && d->subject_cn[0] != '\0')
    return d->subject_cn;
  for (size_t i = 0; i < d->n_sans; i++)
    if (d->sans[i].type == CV_CERT_SAN_EMAIL)
      return d->sans[i].value;
  for (size_t i = 0; i < d->n_sans; i++)
    if (d->sans[i].type == CV_CERT_SAN_URI)
      return d->sans[i].value;
  return NULL;
}

static cv_status
result_unverified (cv_cred_result *r, cv_cred_reason reason, const char *fmt, ...)
  __attribute__ ((format (printf, 3, 4)));

static cv_status
result_unverified (cv_cred_result *r, cv_cred_reason reason, const char *fmt, ...)
{
  char detail[768];
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (detail, sizeof detail, fmt, ap);
  va_end (ap);
  r->verdict = CV_CRED_UNVERIFIED;
  r->reason = reason;
  free (r->reason_text);
  r->reason_text = str_printf ("unverified, %s: %s", cv_cred_reason_name (reason), detail);
  return r->reason_text ? CV_OK : cv_fail (CV_ERR_NOMEM, "credential: out of memory");
}

cv_status
cv_cred_basic (const uint8_t *identity, size_t identity_len, cv_cred_result **out)
{
  cv_cred_result *r;
  cv_status st;

  if (out != NULL)
    *out = NULL;
  if (out == NULL || (identity == NULL && identity_len > 0))
    return cv_fail (CV_ERR_ARGUMENT, "cv_cred_basic: missing argument");
  if (identity_len > CV_CRED_MAX_CERT_SIZE)
    return cv_fail (CV_ERR_TOO_LARGE, "basic credential: identity of %zu bytes exceeds the limit of %d",
                    identity_len, CV_CRED_MAX_CERT_SIZE);
  r = calloc (1, sizeof *r);
  if (r == NULL)
    return cv_fail (CV_ERR_NOMEM, "credential: out of memory");
  if (identity_len > 0)
    {
      r->claimed_name = display_string (identity, identity_len);
      if (r->claimed_name == NULL)
        {
          cv_cred_result_free (r);
          return cv_fail (CV_ERR_NOMEM, "credential: out of memory");
        }
    }
  st = result_unverified (r, CV_CRED_REASON_BASIC, "the member presented no certificate");
  if (st != CV_OK)
    {
      cv_cred_result_free (r);
      return st;
    }
  *out = r;
  return CV_OK;
}

static const char *
x509_error_text (int error)
{
  const char *s = X509_verify_cert_error_string (error);

  return s ? s : "unknown error";
}

cv_status
cv_cred_verify (const cv_trust_store *partner, const cv_trust_store *service,
                const cv_cert_der *chain, size_t chain_len,
                const uint8_t *signature_key, size_t signature_key_len,
                time_t at, cv_cred_result **out)
{
  X509 *certs[CV_CRED_MAX_CHAIN] = { NULL };
  STACK_OF (X509) *untrusted = NULL;
  store_outcome outcomes[2];
  const char *store_names[2] = { "partner CAs", "service CA" };
  const char *anchor_kinds[2] = { "a partner CA", "the service CA" };
  const cv_trust_store *stores[2] = { partner, service };
  uint8_t leaf_key[MAX_MLS_KEY];
  size_t leaf_key_len = 0;
  char at_iso[32];
  cv_cred_result *r;
  cv_status st = CV_OK;
  int failed_index = -1;
  cv_cred_reason parse_reason = CV_CRED_REASON_NONE;
  char parse_message[512] = "";

  if (out != NULL)
    *out = NULL;
  if (out == NULL || (chain == NULL && chain_len > 0)
      || (signature_key == NULL && signature_key_len > 0))
    return cv_fail (CV_ERR_ARGUMENT, "cv_cred_verify: missing argument");
  memset (outcomes, 0, sizeof outcomes);
  r = calloc (1, sizeof *r);
  if (r == NULL)
    return cv_fail (CV_ERR_NOMEM, "credential: out of memory");
  format_iso8601 (at, at_iso, sizeof at_iso);

  if (chain_len == 0)
    {
      st = result_unverified (r, CV_CRED_REASON_BASIC, "the member presented no certificate");
      goto done;
    }
  if (chain_len > CV_CRED_MAX_CHAIN)
    {
      st = result_unverified (r, CV_CRED_REASON_TOO_LARGE,
                              "a chain of %zu certificates exceeds the limit of %d",
                              chain_len, CV_CRED_MAX_CHAIN);
      goto done;
    }

  /* Parse every certificate so that the UI can list what was presented. */
  r->chain = calloc (chain_len, sizeof *r->chain);
  if (r->chain == NULL)
    {
      st = cv_fail (CV_ERR_NOMEM, "credential: out of memory");
      goto done;
    }
  for (size_t i = 0; i < chain_len; i++)
    {
      cv_cred_reason reason;

      if (parse_der_cert (chain[i].data, chain[i].len, CV_CRED_MAX_CERT_SIZE, &certs[i], &reason) != CV_OK)
        {
          if (failed_index < 0)
            {
              failed_index = (int) i;
              parse_reason = reason;
              snprintf (parse_message, sizeof parse_message, "%s", cv_status_message ());
            }
          r->chain[i] = str_printf ("(unparseable)");
        }
      else if ((st = name_oneline (X509_get_subject_name (certs[i]), &r->chain[i])) != CV_OK)
        goto done;
      if (r->chain[i] == NULL)
        {
          st = cv_fail (CV_ERR_NOMEM, "credential: out of memory");
          goto done;
        }
      r->chain_len++;
    }
  cv_status_clear ();

  if (certs[0] != NULL)
    {
      const char *name;

      if ((st = details_of (certs[0], &r->leaf)) != CV_OK)
        goto done;
      name = certificate_name (r->leaf);
      if (name != NULL && (r->claimed_name = str_printf ("%s", name)) == NULL)
        {
          st = cv_fail (CV_ERR_NOMEM, "credential: out of memory");
          goto done;
        }
    }

  if (failed_index >= 0)
    {
      st = result_unverified (r, parse_reason, "certificate %d of the chain: %s", failed_index, parse_message);
      goto done;
    }

  /* The binding that makes the certificate this member's at all. */
  if (mls_signature_key_of (X509_get0_pubkey (certs[0]), leaf_key, &leaf_key_len) != CV_OK)
    {
      snprintf (parse_message, sizeof parse_message, "%s", cv_status_message ());
      cv_status_clear ();
      ERR_clear_error ();
      st = result_unverified (r, CV_CRED_REASON_KEY_MISMATCH, "%s", parse_message);
      goto done;
    }
  if (!cv_bytes_equal_ct (leaf_key, leaf_key_len, signature_key, signature_key_len))
    {
      st = result_unverified (r, CV_CRED_REASON_KEY_MISMATCH,
                              "the leaf certificate's %s key (%zu bytes) differs from the member's MLS signature key (%zu bytes)",
                              r->leaf->key_type, leaf_key_len, signature_key_len);
      goto done;
    }
  if ((X509_get_key_usage (certs[0]) & KU_DIGITAL_SIGNATURE) == 0)
    {
      st = result_unverified (r, CV_CRED_REASON_NOT_FOR_SIGNING,
                              "the leaf certificate's key usage does not include digitalSignature");
      goto done;
    }

  untrusted = sk_X509_new_null ();
  if (untrusted == NULL)
    {
      st = cv_fail (CV_ERR_NOMEM, "credential: out of memory");
      goto done;
    }
  for (size_t i = 1; i < chain_len; i++)
    if (!sk_X509_push (untrusted, certs[i]))
      {
        st = cv_fail (CV_ERR_NOMEM, "credential: out of memory");
        goto done;
      }

  /* Partner first: external wins when both would vouch (see the header). */
  for (int s = 0; s < 2; s++)
    {
      if ((st = verify_with_store (stores[s], certs[0], untrusted, at, &outcomes[s])) != CV_OK)
        goto done;
      if (outcomes[s].verified)
        {
          store_outcome *o = &outcomes[s];

          r->verdict = s == 0 ? CV_CRED_VERIFIED_EXTERNAL : CV_CRED_VERIFIED_INTERNAL;
          r->reason = CV_CRED_REASON_NONE;
          for (size_t i = 0; i < r->chain_len; i++)
            free (r->chain[i]);
          free (r->chain);
          r->chain = o->path;
          r->chain_len = o->path_len;
          o->path = NULL;
          o->path_len = 0;
          r->trust_anchor = str_printf ("%s", r->chain[r->chain_len - 1]);
          r->reason_text = str_printf ("%s: the chain leads to %s ('%s'), valid at %s",
                                       cv_cred_verdict_name (r->verdict), anchor_kinds[s],
                                       r->trust_anchor ? r->trust_anchor : "", at_iso);
          if (r->claimed_name != NULL)
            {
              r->verified_name = r->claimed_name;
              r->claimed_name = NULL;
            }
          if (r->trust_anchor == NULL || r->reason_text == NULL)
            st = cv_fail (CV_ERR_NOMEM, "credential: out of memory");
          goto done;
        }
    }

  /* Neither store vouched. Prefer the failure of a store whose CA was
   * reached (expired, revoked, ...) over "not issued by this store". */
  {
    int pick = 0;
    cv_cred_reason reasons[2] = {
      reason_for_x509_error (outcomes[0].error),
      reason_for_x509_error (outcomes[1].error),
    };

    if (!reason_is_anchored (reasons[0]) && reason_is_anchored (reasons[1]))
      pick = 1;
    /* OpenSSL calls a self-issued leaf without keyCertSign "no issuer";
     * for the user it is still a certificate that vouches for itself. */
    if (!reason_is_anchored (reasons[pick]) && is_self_signed (certs[0]))
      {
        st = result_unverified (r, CV_CRED_REASON_SELF_SIGNED,
                                "the leaf certificate ('%s') is signed by its own key and neither store trusts it",
                                r->leaf ? r->leaf->subject : "?");
        goto done;
      }
    st = result_unverified (r, reasons[pick], "%s at depth %d ('%s'), checked against the %s at %s",
                            x509_error_text (outcomes[pick].error), outcomes[pick].depth,
                            outcomes[pick].error_subject ? outcomes[pick].error_subject : "?",
                            reason_is_anchored (reasons[pick]) ? store_names[pick] : "partner CAs and the service CA",
                            at_iso);
  }

done:
  store_outcome_clear (&outcomes[0]);
  store_outcome_clear (&outcomes[1]);
  sk_X509_free (untrusted);
  for (size_t i = 0; i < CV_CRED_MAX_CHAIN; i++)
    X509_free (certs[i]);
  OPENSSL_cleanse (leaf_key, sizeof leaf_key);
  ERR_clear_error ();
  if (st != CV_OK)
    {
      cv_cred_result_free (r);
      return st;
    }
  *out = r;
  return CV_OK;
}

cv_cred_name_kind
cv_cred_display_name (const cv_cred_result *r, const char **name)
{
  *name = NULL;
  if (r == NULL)
    return CV_CRED_NAME_NONE;
  if (r->verdict != CV_CRED_UNVERIFIED && r->verified_name != NULL)
    {
      *name = r->verified_name;
      return CV_CRED_NAME_VERIFIED;
    }
  if (r->verdict == CV_CRED_UNVERIFIED && r->claimed_name != NULL && r->claimed_name[0] != '\0')
    {
      *name = r->claimed_name;
      return CV_CRED_NAME_CLAIMED;
    }
  return CV_CRED_NAME_NONE;
}

char *
cv_cred_display_label (const cv_cred_result *r)
{
  const char *name;

  switch (cv_cred_display_name (r, &name))
    {
    case CV_CRED_NAME_VERIFIED:
      return str_printf ("%s (%s)", name, cv_cred_verdict_name (r->verdict));
    case CV_CRED_NAME_CLAIMED:
      return str_printf ("unverified, claimed: %s", name);
    case CV_CRED_NAME_NONE:
      if (r != NULL && r->verdict != CV_CRED_UNVERIFIED)
        return str_printf ("(no name) (%s)", cv_cred_verdict_name (r->verdict));
      return str_printf ("unverified");
    }
  return NULL;
}
