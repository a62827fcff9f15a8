/* The demo: a few bots join the meeting the app just started, one of each
 * identity level. */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <signal.h>
#include <unistd.h>
#include <string.h>
#include <sys/prctl.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cv-certificate-request.h"
#include "cv-demo.h"
#include "cv-identity.h"
#include "cv-state-dir.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509, X509_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509_NAME, X509_NAME_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_PKEY, EVP_PKEY_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BIO, BIO_free)

/* Said in the CA's own name, so that nobody mistakes it for a real one. */
#define DEMO_CA_NAME "Conclave Demo Partner CA"
#define DEMO_CA_ORG "Conclave demo (not a real authority)"
#define DEMO_LIFETIME_S (24 * 3600)

/* The bots end with the app, even when it is killed. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* Display names, and the names their certificates give (the certificate
 * name is what others see as verified). Service-CA names are account
 * names: letters and digits only. */
static const struct {
  const char *name;
  const char *certificate_name;
} demo_people[] = {
  { "Ada", "Ada" },
  { "Grace", "Grace Hopper" },
  { "Hedy", NULL },
  { "Radia", "Radia" },
  { "Barbara", "Barbara Liskov" },
  { "Frances", NULL },
};

CvDemoIdentity
cv_demo_identity_for (guint index)
{
  return (CvDemoIdentity) (index % 3);
}

/* conclave-bot beside our own executable (the build tree or the install's
 * bindir), else from PATH. */
static char *
find_bot (void)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = self ? g_path_get_dirname (self) : NULL;
  const char *candidates[] = { "conclave-bot", "../app/conclave-bot" };

  for (guint i = 0; dir && i < G_N_ELEMENTS (candidates); i++)
    {
      g_autofree char *path = g_build_filename (dir, candidates[i], NULL);
      if (g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
        return g_steal_pointer (&path);
    }
  return g_find_program_in_path ("conclave-bot");
}

static gboolean
openssl_failed (GError **error)
{
  ERR_clear_error ();
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("The demo’s certificates cannot be made"));
  return FALSE;
}

static X509_NAME *
name_of (const char *common_name,
         const char *org)
{
  X509_NAME *name = X509_NAME_new ();

  X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_UTF8, (const unsigned char *) common_name, -1, -1, 0);
  X509_NAME_add_entry_by_txt (name, "O", MBSTRING_UTF8, (const unsigned char *) org, -1, -1, 0);
  return name;
}

static GBytes *
key_pem_of (EVP_PKEY *key)
{
  BIO *bio = BIO_new (BIO_s_secmem ());
  char *data = NULL;
  long len;
  GBytes *pem;

  if (bio == NULL || PEM_write_bio_PKCS8PrivateKey (bio, key, NULL, NULL, 0, NULL, NULL) != 1)
    {
      BIO_free (bio);
      return NULL;
    }
  len = BIO_get_mem_data (bio, &data);
  pem = g_bytes_new (data, (gsize) len);
  BIO_free (bio);
  return pem;
}

static char *
cert_pem_of (X509 *cert)
{
  g_autoptr (BIO) bio = BIO_new (BIO_s_mem ());
  char *data = NULL;
  long len;

  if (bio == NULL || PEM_write_bio_X509 (bio, cert) != 1)
    return NULL;
  len = BIO_get_mem_data (bio, &data);
  return g_strndup (data, (gsize) len);
}

char *
cv_demo_make_partner_identity (const char  *dir,
                               const char  *identity_dir,
                               const char  *common_name,
                               char       **certificate_path,
                               char       **key_path,
                               GError     **error)
{
  g_autoptr (EVP_PKEY) ca_key = EVP_PKEY_Q_keygen (NULL, NULL, "ED25519");
  g_autoptr (EVP_PKEY) leaf_key = EVP_PKEY_Q_keygen (NULL, NULL, "ED25519");
  g_autoptr (X509) ca = X509_new ();
  g_autoptr (X509) leaf = X509_new ();
  g_autoptr (X509_NAME) ca_name = name_of (DEMO_CA_NAME, DEMO_CA_ORG);
  g_autoptr (X509_NAME) leaf_name = name_of (common_name, DEMO_CA_ORG);
  g_autoptr (GBytes) key_pem = NULL;
  g_autofree char *ca_pem = NULL;
  g_autofree char *leaf_pem = NULL;
  g_autofree char *ca_path = g_build_filename (dir, "partner-ca.pem", NULL);

  g_return_val_if_fail (dir != NULL && identity_dir != NULL && common_name != NULL, NULL);

  /* Ed25519 signs without a separate digest (NULL). */
  if (ca_key == NULL || leaf_key == NULL || ca == NULL || leaf == NULL
      || !cv_state_x509_prepare (ca, ca_name, ca_name, ca_key, -300, DEMO_LIFETIME_S)
      || !cv_state_x509_add_ext (ca, ca, NID_basic_constraints, "critical,CA:TRUE,pathlen:0")
      || !cv_state_x509_add_ext (ca, ca, NID_key_usage, "critical,keyCertSign,cRLSign")
      || !cv_state_x509_add_ext (ca, ca, NID_subject_key_identifier, "hash")
      || X509_sign (ca, ca_key, NULL) == 0
      || !cv_state_x509_prepare (leaf, leaf_name, ca_name, leaf_key, -300, DEMO_LIFETIME_S)
      || !cv_state_x509_add_ext (leaf, ca, NID_basic_constraints, "critical,CA:FALSE")
      || !cv_state_x509_add_ext (leaf, ca, NID_key_usage, "critical,digitalSignature")
      || !cv_state_x509_add_ext (leaf, ca, NID_subject_key_identifier, "hash")
      || !cv_state_x509_add_ext (leaf, ca, NID_authority_key_identifier, "keyid:always")
      || X509_sign (leaf, ca_key, NULL) == 0
      || (ca_pem = cert_pem_of (ca)) == NULL
      || (leaf_pem = cert_pem_of (leaf)) == NULL
      || (key_pem = key_pem_of (leaf_key)) == NULL)
    {
      openssl_failed (error);
      return NULL;
    }
  if (!g_file_set_contents_full (ca_path, ca_pem, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error)
      || !cv_identity_save (leaf_pem, key_pem, identity_dir, certificate_path, key_path, error))
    return NULL;
  return g_steal_pointer (&ca_path);
}

/* The private folder, removed once the bots started. */
static void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static char *
make_demo_dir (GError **error)
{
  char *dir = g_build_filename (g_get_user_runtime_dir (), "conclave-demo-XXXXXX", NULL);

  if (g_mkdtemp_full (dir, 0700) == NULL)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot create the folder “%s”: %s"), dir, g_strerror (saved));
      g_free (dir);
      return NULL;
    }
  return dir;
}

/* Hands a file to a bot as a pipe on its descriptor target_fd (the bot
 * reads /dev/fd/N): nothing of it stays on disk once the bots started, even
 * when the app is killed. The files are a few KiB, far below a pipe's
 * buffer, so writing never blocks. */
static char *
pass_file (GSubprocessLauncher  *launcher,
           const char           *path,
           int                   target_fd,
           GError              **error)
{
  g_autoptr (GBytes) data = cv_identity_read_secret_file (path, error);
  int fds[2];
  gsize len = 0;
  const char *bytes;

  if (data == NULL)
    return NULL;
  bytes = g_bytes_get_data (data, &len);
  if (!g_unix_open_pipe (fds, FD_CLOEXEC, error))
    return NULL;
  fcntl (fds[1], F_SETFL, O_NONBLOCK);
  if (write (fds[1], bytes, len) != (gssize) len)
    {
      int saved = errno;
      close (fds[0]);
      close (fds[1]);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "%s", g_strerror (saved));
      return NULL;
    }
  close (fds[1]);
  g_subprocess_launcher_take_fd (launcher, fds[0], target_fd);
  return g_strdup_printf ("/dev/fd/%d", target_fd);
}

static GSubprocess *
spawn_bot (const char  *bot,
           const char  *invite,
           const char  *name,
           const char  *certificate,
           const char  *key,
           const char  *partner_ca,
           GError     **error)
{
  /* One launcher per bot: a launcher keeps the descriptors it was given. */
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_auto (GStrv) argv = NULL;

  g_strv_builder_add_many (builder, bot, "--meeting", invite, "--name", name, NULL);
  if (certificate != NULL)
    {
      g_autofree char *certificate_fd = pass_file (launcher, certificate, 3, error);
      g_autofree char *key_fd = certificate_fd ? pass_file (launcher, key, 4, error) : NULL;

      if (key_fd == NULL)
        return NULL;
      g_strv_builder_add_many (builder, "--certificate", certificate_fd, "--key", key_fd, NULL);
    }
  if (partner_ca != NULL)
    {
      g_autofree char *ca_fd = pass_file (launcher, partner_ca, 5, error);

      if (ca_fd == NULL)
        return NULL;
      g_strv_builder_add_many (builder, "--partner-ca", ca_fd, NULL);
    }
  argv = g_strv_builder_end (builder);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  return g_subprocess_launcher_spawnv (launcher, (const char * const *) argv, error);
}

typedef struct {
  char *name;
  char *certificate;   /* NULL: a basic credential */
  char *key;
} DemoBot;

static void
demo_bot_clear (DemoBot *b)
{
  g_free (b->name);
  g_free (b->certificate);
  g_free (b->key);
}

/* Certificates for every bot first: all of them trust the partner CA,
 * which is made with the first partner certificate. */
static gboolean
make_identities (CvHost      *host,
                 const char  *dir,
                 GArray      *demo_bots,
                 char       **partner_ca,
                 GError     **error)
{
  for (guint i = 0; i < demo_bots->len; i++)
    {
      DemoBot *b = &g_array_index (demo_bots, DemoBot, i);
      const char *certificate_name = i < G_N_ELEMENTS (demo_people) ? demo_people[i].certificate_name : NULL;
      g_autofree char *identity_dir = g_build_filename (dir, b->name, NULL);

      if (certificate_name == NULL)
        continue;
      switch (cv_demo_identity_for (i))
        {
        case CV_DEMO_IDENTITY_SERVICE_CA:
          {
            /* As a signed-in account would get it: the host vouches for its
             * own demo participants. */
            g_autoptr (CvCertificateRequestFiles) files =
              cv_certificate_request_from_host (host, certificate_name, identity_dir, error);

            if (files == NULL)
              return FALSE;
            b->certificate = g_strdup (files->certificate_path);
            b->key = g_strdup (files->key_path);
          }
          break;
        case CV_DEMO_IDENTITY_PARTNER_CA:
          if (*partner_ca == NULL)
            {
              *partner_ca = cv_demo_make_partner_identity (dir, identity_dir, certificate_name,
                                                           &b->certificate, &b->key, error);
              if (*partner_ca == NULL)
                return FALSE;
            }
          else
            {
              /* A later partner bot (five or more bots): a second CA, labelled
               * the same but trusted by nobody, shows how an unknown
               * authority looks (unverified, and why). */
              g_autofree char *other_dir = g_build_filename (identity_dir, "untrusted-ca", NULL);
              g_autofree char *other_ca = NULL;

              if (g_mkdir_with_parents (other_dir, 0700) != 0)
                {
                  int saved = errno;
                  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                               _("Cannot create the folder “%s”: %s"), other_dir, g_strerror (saved));
                  return FALSE;
                }
              other_ca = cv_demo_make_partner_identity (other_dir, identity_dir, certificate_name,
                                                        &b->certificate, &b->key, error);
              if (other_ca == NULL)
                return FALSE;
            }
          break;
        case CV_DEMO_IDENTITY_BASIC:
          break;
        }
    }
  return TRUE;
}

GPtrArray *
cv_demo_spawn_bots (CvHost      *host,
                    CvSession   *session,
                    const char  *invite,
                    guint        n,
                    GError     **error)
{
  g_autoptr (GPtrArray) bots = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GArray) demo_bots = g_array_new (FALSE, TRUE, sizeof (DemoBot));
  g_autofree char *bot = find_bot ();
  g_autofree char *partner_ca = NULL;
  char *dir;
  gboolean ok;

  g_return_val_if_fail (CV_IS_HOST (host), NULL);
  g_return_val_if_fail (session == NULL || CV_IS_SESSION (session), NULL);

  if (bot == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("conclave-bot is not installed"));
      return NULL;
    }
  dir = make_demo_dir (error);
  if (dir == NULL)
    return NULL;

  g_array_set_clear_func (demo_bots, (GDestroyNotify) demo_bot_clear);
  g_array_set_size (demo_bots, n);
  for (guint i = 0; i < n; i++)
    g_array_index (demo_bots, DemoBot, i).name =
      i < G_N_ELEMENTS (demo_people) ? g_strdup (demo_people[i].name) : g_strdup_printf ("Bot %u", i + 1);

  ok = make_identities (host, dir, demo_bots, &partner_ca, error);
  if (ok && session != NULL && partner_ca != NULL)
    {
      /* For this demo only: the CA is not added to the settings. */
      const char *cas[] = { partner_ca, NULL };
      cv_session_set_partner_cas (session, cas);
    }

  for (guint i = 0; ok && i < n; i++)
    {
      DemoBot *b = &g_array_index (demo_bots, DemoBot, i);
      GSubprocess *p = spawn_bot (bot, invite, b->name, b->certificate, b->key, partner_ca, error);

      if (p == NULL)
        ok = FALSE;
      else
        g_ptr_array_add (bots, p);
    }

  if (!ok)
    {
      for (guint j = 0; j < bots->len; j++)
        g_subprocess_force_exit (g_ptr_array_index (bots, j));
      g_clear_pointer (&bots, g_ptr_array_unref);
    }
  /* The session and the bots have what they need: the keys leave the disk. */
  remove_tree (dir);
  g_free (dir);
  return g_steal_pointer (&bots);
}
