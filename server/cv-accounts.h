/* cv-accounts.h: the service's accounts file (a GKeyFile).
 *
 *   [alice]
 *   password = $scrypt$ln=15,r=8,p=1$SALT$HASH     (base64 without padding)
 *   display-name = Alice Example                    (optional)
 *   personal-room = 123456789                       (optional; derived from the name otherwise)
 *
 * Passwords are hashed with scrypt (OpenSSL EVP_KDF "SCRYPT") and compared in
 * constant time. `conclave-server --hash-password` prints a password line.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define CV_TYPE_ACCOUNTS (cv_accounts_get_type ())
G_DECLARE_FINAL_TYPE (CvAccounts, cv_accounts, CV, ACCOUNTS, GObject)

CvAccounts *cv_accounts_new                 (void);
CvAccounts *cv_accounts_new_from_file       (const char *path,
                                             GError    **error);
gboolean    cv_accounts_load_key_file       (CvAccounts *self,
                                             GKeyFile   *key_file,
                                             GError    **error);

/* Constant time in the password; also spends a hash on unknown accounts so
 * that timing does not tell which names exist. */
gboolean    cv_accounts_verify              (CvAccounts *self,
                                             const char *account,
                                             const char *password);
gboolean    cv_accounts_has                 (CvAccounts *self,
                                             const char *account);
const char *cv_accounts_get_display_name    (CvAccounts *self,
                                             const char *account);
/* The account's Personal Room number (9 digits), fixed and reusable. */
const char *cv_accounts_get_personal_room   (CvAccounts *self,
                                             const char *account);
/* The account owning a Personal Room number, or NULL. */
const char *cv_accounts_find_personal_room  (CvAccounts *self,
                                             const char *number);
guint       cv_accounts_get_count           (CvAccounts *self);

/* A new "$scrypt$..." line for password, with a random salt. */
char       *cv_accounts_hash_password       (const char *password,
                                             GError    **error);

G_END_DECLS
