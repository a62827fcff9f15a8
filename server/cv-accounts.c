#include "cv-accounts.h"
#include "cv-invite-link.h"

#include <gio/gio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <string.h>

/* ln=15 (N = 32768), r = 8, p = 1: 32 MiB and ~0.1 s per sign-in. */
#define DEFAULT_LOG_N 15
#define MAX_LOG_N 20
#define MAX_R 32
#define MAX_P 4
#define SALT_LEN 16
#define HASH_LEN 32
#define MAX_PASSWORD 1024

typedef struct {
  char *display_name;
  char *personal_room;
  guint log_n, r, p;
  guint8 salt[SALT_LEN];
  guint8 hash[HASH_LEN];
} Account;

struct _CvAccounts
{
  GObject parent_instance;

  GHashTable *accounts;  /* name → Account */
  GHashTable *rooms;     /* personal room number → name (borrowed) */
};

G_DEFINE_FINAL_TYPE (CvAccounts, cv_accounts, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_COUNT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
account_free (gpointer data)
{
  Account *a = data;

  g_free (a->display_name);
  g_free (a->personal_room);
  OPENSSL_cleanse (a, sizeof *a);
  g_free (a);
}

static void
cv_accounts_finalize (GObject *object)
{
  CvAccounts *self = CV_ACCOUNTS (object);

  g_hash_table_unref (self->rooms);
  g_hash_table_unref (self->accounts);
  G_OBJECT_CLASS (cv_accounts_parent_class)->finalize (object);
}

static void
cv_accounts_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  CvAccounts *self = CV_ACCOUNTS (object);

  switch (prop_id)
    {
    case PROP_COUNT:
      g_value_set_uint (value, g_hash_table_size (self->accounts));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cv_accounts_class_init (CvAccountsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cv_accounts_finalize;
  object_class->get_property = cv_accounts_get_property;

  properties[PROP_COUNT] =
    g_param_spec_uint ("count", NULL, "Number of accounts", 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cv_accounts_init (CvAccounts *self)
{
  self->accounts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, account_free);
  self->rooms = g_hash_table_new (g_str_hash, g_str_equal);
}

CvAccounts *
cv_accounts_new (void)
{
  return g_object_new (CV_TYPE_ACCOUNTS, NULL);
}

static gboolean
scrypt_derive (const char *password,
               const guint8 *salt,
               guint log_n, guint r, guint p,
               guint8 out[HASH_LEN])
{
  EVP_KDF *kdf = EVP_KDF_fetch (NULL, "SCRYPT", NULL);
  EVP_KDF_CTX *ctx = kdf != NULL ? EVP_KDF_CTX_new (kdf) : NULL;
  uint64_t n = (uint64_t) 1 << log_n;
  uint32_t r32 = r, p32 = p;
  uint64_t maxmem = (uint64_t) 256 * 1024 * 1024;
  OSSL_PARAM params[] = {
    OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_PASSWORD, (void *) password, strlen (password)),
    OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_SALT, (void *) salt, SALT_LEN),
    OSSL_PARAM_construct_uint64 (OSSL_KDF_PARAM_SCRYPT_N, &n),
    OSSL_PARAM_construct_uint32 (OSSL_KDF_PARAM_SCRYPT_R, &r32),
    OSSL_PARAM_construct_uint32 (OSSL_KDF_PARAM_SCRYPT_P, &p32),
    OSSL_PARAM_construct_uint64 (OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
    OSSL_PARAM_construct_end (),
  };
  gboolean ok = ctx != NULL && EVP_KDF_derive (ctx, out, HASH_LEN, params) == 1;

  EVP_KDF_CTX_free (ctx);
  EVP_KDF_free (kdf);
  return ok;
}

/* Decodes unpadded base64 of exactly len bytes. */
static gboolean
decode_exact (const char *b64, guint8 *out, gsize len)
{
  g_autofree char *padded = NULL;
  g_autofree guchar *raw = NULL;
  gsize raw_len = 0;
  gsize n = strlen (b64);

  if (n == 0 || n > 64 || strspn (b64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") != n)
    return FALSE;
  padded = g_strnfill (n + (4 - n % 4) % 4, '=');
  memcpy (padded, b64, n);
  raw = g_base64_decode (padded, &raw_len);
  if (raw_len != len)
    return FALSE;
  memcpy (out, raw, len);
  return TRUE;
}

static char *
encode_unpadded (const guint8 *data, gsize len)
{
  char *s = g_base64_encode (data, len);
  char *eq = strchr (s, '=');

  if (eq != NULL)
    *eq = '\0';
  return s;
}

/* "$scrypt$ln=15,r=8,p=1$SALT$HASH" */
static gboolean
parse_password_line (const char *line, Account *a)
{
  g_auto (GStrv) parts = g_strsplit (line, "$", -1);
  unsigned ln, r, p;
  char tail;

  if (g_strv_length (parts) != 5 || parts[0][0] != '\0' || !g_str_equal (parts[1], "scrypt"))
    return FALSE;
  if (sscanf (parts[2], "ln=%u,r=%u,p=%u%c", &ln, &r, &p, &tail) != 3)
    return FALSE;
  if (ln < 10 || ln > MAX_LOG_N || r == 0 || r > MAX_R || p == 0 || p > MAX_P)
    return FALSE;
  a->log_n = ln;
  a->r = r;
  a->p = p;
  return decode_exact (parts[3], a->salt, SALT_LEN) && decode_exact (parts[4], a->hash, HASH_LEN);
}

char *
cv_accounts_hash_password (const char *password,
                           GError    **error)
{
  guint8 salt[SALT_LEN], hash[HASH_LEN];
  g_autofree char *salt_b64 = NULL, *hash_b64 = NULL;
  char *line;

  if (password == NULL || *password == '\0' || strlen (password) > MAX_PASSWORD)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "A password must have 1 to %d bytes", MAX_PASSWORD);
      return NULL;
    }
  if (RAND_bytes (salt, sizeof salt) != 1
      || !scrypt_derive (password, salt, DEFAULT_LOG_N, 8, 1, hash))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "scrypt failed");
      return NULL;
    }
  salt_b64 = encode_unpadded (salt, sizeof salt);
  hash_b64 = encode_unpadded (hash, sizeof hash);
  OPENSSL_cleanse (hash, sizeof hash);
  line = g_strdup_printf ("$scrypt$ln=%d,r=8,p=1$%s$%s", DEFAULT_LOG_N, salt_b64, hash_b64);
  OPENSSL_cleanse (hash_b64, strlen (hash_b64));
  return line;
}

/* A fixed number per account when the file names none. */
static char *
derive_personal_room (const char *account)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize len = sizeof digest;
  guint64 v = 0;

  g_checksum_update (sum, (const guchar *) "conclave personal room\0", 23);
  g_checksum_update (sum, (const guchar *) account, strlen (account));
  g_checksum_get_digest (sum, digest, &len);
  for (guint i = 0; i < 8; i++)
    v = (v << 8) | digest[i];
  return g_strdup_printf ("%09" G_GUINT64_FORMAT, 100000000 + v % 900000000);
}

static gboolean
account_name_is_valid (const char *name)
{
  gsize len = strlen (name);

  if (len == 0 || len > 64)
    return FALSE;
  for (const char *c = name; *c != '\0'; c++)
    if (!(g_ascii_isalnum (*c) || *c == '.' || *c == '_' || *c == '-'))
      return FALSE;
  return TRUE;
}

gboolean
cv_accounts_load_key_file (CvAccounts *self,
                           GKeyFile   *key_file,
                           GError    **error)
{
  g_auto (GStrv) groups = g_key_file_get_groups (key_file, NULL);

  g_return_val_if_fail (CV_IS_ACCOUNTS (self), FALSE);

  for (guint i = 0; groups[i] != NULL; i++)
    {
      const char *name = groups[i];
      g_autofree char *line = NULL;
      Account *a;

      if (!account_name_is_valid (name))
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                       "Account name “%s”: use 1 to 64 of a-z A-Z 0-9 . _ -", name);
          return FALSE;
        }
      if (g_hash_table_contains (self->accounts, name))
        continue;
      line = g_key_file_get_string (key_file, name, "password", error);
      if (line == NULL)
        return FALSE;
      a = g_new0 (Account, 1);
      if (!parse_password_line (line, a))
        {
          account_free (a);
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                       "[%s] password is not a valid $scrypt$ line", name);
          return FALSE;
        }
      a->display_name = g_key_file_get_string (key_file, name, "display-name", NULL);
      a->personal_room = g_key_file_get_string (key_file, name, "personal-room", NULL);
      if (a->personal_room == NULL)
        a->personal_room = derive_personal_room (name);
      if (!cv_meeting_number_is_valid (a->personal_room)
          || g_hash_table_contains (self->rooms, a->personal_room))
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                       "[%s] personal-room %s is not a free 9-digit number", name, a->personal_room);
          account_free (a);
          return FALSE;
        }
      {
        char *owned_name = g_strdup (name);

        g_hash_table_insert (self->accounts, owned_name, a);
        /* The room table borrows strings owned by the accounts table. */
        g_hash_table_insert (self->rooms, a->personal_room, owned_name);
      }
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COUNT]);
  return TRUE;
}

CvAccounts *
cv_accounts_new_from_file (const char *path,
                           GError    **error)
{
  g_autoptr (GKeyFile) key_file = g_key_file_new ();
  g_autoptr (CvAccounts) self = cv_accounts_new ();

  if (!g_key_file_load_from_file (key_file, path, G_KEY_FILE_NONE, error)
      || !cv_accounts_load_key_file (self, key_file, error))
    {
      g_prefix_error (error, "%s: ", path);
      return NULL;
    }
  return g_steal_pointer (&self);
}

gboolean
cv_accounts_verify (CvAccounts *self,
                    const char *account,
                    const char *password)
{
  static const guint8 dummy_salt[SALT_LEN];
  guint8 derived[HASH_LEN];
  Account *a;
  gboolean ok;

  g_return_val_if_fail (CV_IS_ACCOUNTS (self), FALSE);

  if (account == NULL || password == NULL || strlen (password) > MAX_PASSWORD)
    return FALSE;
  a = g_hash_table_lookup (self->accounts, account);
  if (a == NULL)
    {
      /* Same cost as a real check, so that unknown names are not revealed. */
      scrypt_derive (password, dummy_salt, DEFAULT_LOG_N, 8, 1, derived);
      OPENSSL_cleanse (derived, sizeof derived);
      return FALSE;
    }
  ok = scrypt_derive (password, a->salt, a->log_n, a->r, a->p, derived)
       && CRYPTO_memcmp (derived, a->hash, HASH_LEN) == 0;
  OPENSSL_cleanse (derived, sizeof derived);
  return ok;
}

gboolean
cv_accounts_has (CvAccounts *self,
                 const char *account)
{
  g_return_val_if_fail (CV_IS_ACCOUNTS (self), FALSE);
  return account != NULL && g_hash_table_contains (self->accounts, account);
}

const char *
cv_accounts_get_display_name (CvAccounts *self,
                              const char *account)
{
  Account *a;

  g_return_val_if_fail (CV_IS_ACCOUNTS (self), NULL);
  a = account != NULL ? g_hash_table_lookup (self->accounts, account) : NULL;
  return a != NULL ? a->display_name : NULL;
}

const char *
cv_accounts_get_personal_room (CvAccounts *self,
                               const char *account)
{
  Account *a;

  g_return_val_if_fail (CV_IS_ACCOUNTS (self), NULL);
  a = account != NULL ? g_hash_table_lookup (self->accounts, account) : NULL;
  return a != NULL ? a->personal_room : NULL;
}

const char *
cv_accounts_find_personal_room (CvAccounts *self,
                                const char *number)
{
  g_return_val_if_fail (CV_IS_ACCOUNTS (self), NULL);
  return number != NULL ? g_hash_table_lookup (self->rooms, number) : NULL;
}

guint
cv_accounts_get_count (CvAccounts *self)
{
  g_return_val_if_fail (CV_IS_ACCOUNTS (self), 0);
  return g_hash_table_size (self->accounts);
}
