/* CvSession's MLS group: KeyPackage, creating or joining the group, commits
 * as the committer, processing others' commits, proposals and application
 * messages, and the service's removals.
 *
 * Zero trust toward the service: it only orders and relays. Adds happen
 * because a KeyPackage verified and we (the committer) chose to add it;
 * removals because the service reported a participant gone, and a Remove
 * proposal from the service is accepted only for such a participant. Every
 * commit is staged and merged only once valid (ours: once the service
 * confirms it was first in its epoch).
 */
#include "config.h"

#include <glib/gi18n.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "cv-mls-codec.h"
#include "cv-session-private.h"

/* Joiners arriving together are added by one commit. */
#define COMMIT_BATCH_DELAY_MS 50

/* Application messages (chat, state) of the last two epochs are still read
 * for this long after their epoch ended: messages in flight across a commit
 * (docs/decisions.md). */
#define APPLICATION_GRACE_EPOCHS 2
#define APPLICATION_GRACE_SECONDS 10

static void
waiting_joiner_free (gpointer data)
{
  CvWaitingJoiner *joiner = data;

  cv_bytes_clear (&joiner->key_package);
  g_free (joiner);
}

static void
leaf_to_remove_clear (gpointer data)
{
  cv_bytes_clear (&((CvLeafToRemove *) data)->signature_key);
}

static char *
to_base64 (const cv_bytes *b)
{
  return g_base64_encode (b->data, b->len);
}

/* Decodes a base64 member; an empty result is refused. */
static gboolean
member_bytes (JsonObject  *message,
              const char  *name,
              cv_bytes    *out)
{
  const char *b64 = json_object_get_string_member_with_default (message, name, NULL);
  gsize len = 0;
  guchar *data;

  if (b64 == NULL)
    return FALSE;
  data = g_base64_decode (b64, &len);
  if (data == NULL || len == 0)
    {
      g_free (data);
      return FALSE;
    }
  cv_bytes_set (out, data, len);
  g_free (data);
  return TRUE;
}

static GError *
crypto_error (const char *what)
{
  return g_error_new (CV_SESSION_ERROR, CV_SESSION_ERROR_CRYPTO, "%s: %s", what, cv_status_message ());
}

static void
group_config (cv_mls_group_config *config)
{
  cv_mls_group_config_init (config);
  /* Commits and proposals are encrypted too: the service needs only the
   * public header of a PrivateMessage to order them. */
  config->handshake_private = TRUE;
  config->padding_block = 32;
  config->past_epochs = APPLICATION_GRACE_EPOCHS;
  config->past_epoch_seconds = APPLICATION_GRACE_SECONDS;
}

/* The grace is over: the past epochs' keys go now, not at the next message. */
static gboolean
forget_past_epochs_cb (gpointer user_data)
{
  CvSession *self = user_data;

  self->forget_past_source = 0;
  if (self->group != NULL)
    cv_mls_group_forget_past_epochs (self->group);
  return G_SOURCE_REMOVE;
}

void
cv_session_group_epoch_began (CvSession *self)
{
  g_clear_handle_id (&self->forget_past_source, g_source_remove);
  self->forget_past_source = g_timeout_add_seconds (APPLICATION_GRACE_SECONDS + 1, forget_past_epochs_cb, self);
}

/* ---- our credential ---- */

static const char *
scheme_key_name (cv_mls_signature_scheme scheme)
{
  switch (scheme)
    {
    case CV_MLS_SIG_ED25519: return "Ed25519";
    case CV_MLS_SIG_ED448: return "Ed448";
    case CV_MLS_SIG_ECDSA_P256_SHA256: return "ECDSA P-256";
    case CV_MLS_SIG_ECDSA_P384_SHA384: return "ECDSA P-384";
    case CV_MLS_SIG_ECDSA_P521_SHA512: return "ECDSA P-521";
    default: return "?";
    }
}

/* Whether key is of the suite's signature scheme. */
static gboolean
key_fits_scheme (EVP_PKEY                *key,
                 cv_mls_signature_scheme  scheme)
{
  char group[64] = "";

  switch (scheme)
    {
    case CV_MLS_SIG_ED25519: return EVP_PKEY_is_a (key, "ED25519");
    case CV_MLS_SIG_ED448: return EVP_PKEY_is_a (key, "ED448");
    default: break;
    }
  if (!EVP_PKEY_is_a (key, "EC") || !EVP_PKEY_get_group_name (key, group, sizeof group, NULL))
    return FALSE;
  switch (scheme)
    {
    case CV_MLS_SIG_ECDSA_P256_SHA256: return g_str_equal (group, "prime256v1") || g_str_equal (group, "P-256");
    case CV_MLS_SIG_ECDSA_P384_SHA384: return g_str_equal (group, "secp384r1") || g_str_equal (group, "P-384");
    case CV_MLS_SIG_ECDSA_P521_SHA512: return g_str_equal (group, "secp521r1") || g_str_equal (group, "P-521");
    default: return FALSE;
    }
}

/* The private key as MLS holds it: raw for EdDSA, the scalar for ECDSA. */
static gboolean
mls_private_key (EVP_PKEY                *key,
                 cv_mls_signature_scheme  scheme,
                 cv_bytes                *out)
{
  size_t len = 0;

  if (scheme == CV_MLS_SIG_ED25519 || scheme == CV_MLS_SIG_ED448)
    return EVP_PKEY_get_raw_private_key (key, NULL, &len) && cv_bytes_alloc (out, len) == CV_OK
           && EVP_PKEY_get_raw_private_key (key, out->data, &out->len);
  else
    {
      BIGNUM *d = NULL;
      gboolean ok;

      len = scheme == CV_MLS_SIG_ECDSA_P256_SHA256 ? 32 : scheme == CV_MLS_SIG_ECDSA_P384_SHA384 ? 48 : 66;
      ok = EVP_PKEY_get_bn_param (key, OSSL_PKEY_PARAM_PRIV_KEY, &d) && cv_bytes_alloc (out, len) == CV_OK
           && BN_bn2binpad (d, out->data, (int) len) == (int) len;
      BN_clear_free (d);
      return ok;
    }
}

/* The public key of a certificate as MLS carries it. */
static gboolean
mls_public_key (EVP_PKEY *key,
                cv_bytes *out)
{
  size_t len = 0;

  if (EVP_PKEY_is_a (key, "EC"))
    return EVP_PKEY_get_octet_string_param (key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, NULL, 0, &len)
           && cv_bytes_alloc (out, len) == CV_OK
           && EVP_PKEY_get_octet_string_param (key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, out->data, len, &out->len);
  return EVP_PKEY_get_raw_public_key (key, NULL, &len) && cv_bytes_alloc (out, len) == CV_OK
         && EVP_PKEY_get_raw_public_key (key, out->data, &out->len);
}

static GError *
identity_error (const char *message)
{
  return g_error_new_literal (CV_SESSION_ERROR, CV_SESSION_ERROR_CRYPTO, message);
}

/* Our X.509 credential from the PEM chain (leaf first) and the key: the key
 * must be of the suite's signature scheme and belong to the leaf. */
static gboolean
load_identity (CvSession           *self,
               const cv_mls_suite  *suite,
               cv_mls_credential   *credential,
               cv_bytes            *signature_priv,
               GError             **error)
{
  gsize chain_len = 0;
  const char *chain = g_bytes_get_data (self->identity_chain_pem, &chain_len);
  g_autoptr (GPtrArray) ders = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  BIO *bio = BIO_new_mem_buf (chain, (int) chain_len);
  EVP_PKEY *key = NULL, *leaf_key = NULL;
  cv_bytes derived_pub = CV_BYTES_INIT, leaf_pub = CV_BYTES_INIT;
  X509 *cert;
  gboolean ok = FALSE;

  while (bio != NULL && ders->len < CV_CRED_MAX_CHAIN && (cert = PEM_read_bio_X509 (bio, NULL, NULL, NULL)) != NULL)
    {
      unsigned char *der = NULL;
      int len = i2d_X509 (cert, &der);

      if (ders->len == 0)
        leaf_key = X509_get_pubkey (cert);
      X509_free (cert);
      if (len > 0)
        g_ptr_array_add (ders, g_bytes_new (der, len));
      OPENSSL_free (der);
    }
  BIO_free (bio);
  if (ders->len == 0 || leaf_key == NULL)
    {
      *error = identity_error (_("Your certificate file holds no readable certificate"));
      goto out;
    }

  bio = BIO_new_mem_buf (self->identity_key_pem.data, (int) self->identity_key_pem.len);
  key = bio ? PEM_read_bio_PrivateKey (bio, NULL, NULL, NULL) : NULL;
  BIO_free (bio);
  if (key == NULL)
    {
      *error = identity_error (_("Your private key cannot be read (it must be unencrypted PEM)"));
      goto out;
    }
  if (!key_fits_scheme (key, suite->signature))
    {
      *error = g_error_new (CV_SESSION_ERROR, CV_SESSION_ERROR_CRYPTO,
                            _("Your certificate's key cannot sign in this meeting: it needs an %s key"),
                            scheme_key_name (suite->signature));
      goto out;
    }
  if (!mls_private_key (key, suite->signature, signature_priv)
      || cv_mls_signature_public_key (suite, signature_priv->data, signature_priv->len, &derived_pub) != CV_OK
      || !mls_public_key (leaf_key, &leaf_pub) || !cv_bytes_eq (&derived_pub, &leaf_pub))
    {
      cv_bytes_clear (signature_priv);
      *error = identity_error (_("Your private key does not belong to your certificate"));
      goto out;
    }

  credential->type = CV_MLS_CREDENTIAL_X509;
  credential->certificates = calloc (ders->len, sizeof (cv_bytes)); /* freed by cv_mls_credential_clear */
  if (credential->certificates == NULL)
    {
      *error = identity_error (_("Out of memory"));
      goto out;
    }
  credential->n_certificates = ders->len;
  for (guint i = 0; i < ders->len; i++)
    {
      gsize len = 0;
      const guint8 *der = g_bytes_get_data (g_ptr_array_index (ders, i), &len);
      cv_bytes_set (&credential->certificates[i], der, len);
    }
  ok = TRUE;

out:
  cv_bytes_clear (&derived_pub);
  cv_bytes_clear (&leaf_pub);
  EVP_PKEY_free (key);
  EVP_PKEY_free (leaf_key);
  return ok;
}

gboolean
cv_session_group_check_identity (CvSession  *self,
                                 guint16     cipher_suite,
                                 GError    **error)
{
  const cv_mls_suite *suite = NULL;
  cv_mls_credential credential = { 0 };
  cv_bytes priv = CV_BYTES_INIT;
  gboolean ok;

  if (self->identity_chain_pem == NULL)
    return TRUE;
  if (cv_mls_suite_get (cipher_suite, &suite) != CV_OK)
    {
      *error = crypto_error (_("Unknown cipher suite"));
      return FALSE;
    }
  ok = load_identity (self, suite, &credential, &priv, error);
  cv_bytes_clear (&priv);
  cv_mls_credential_clear (&credential);
  return ok;
}

gboolean
cv_session_group_prepare (CvSession  *self,
                          guint16     cipher_suite,
                          char      **key_package_b64,
                          GError    **error)
{
  cv_bytes pub = CV_BYTES_INIT;
  cv_status st;

  cv_session_group_clear (self);
  st = cv_mls_suite_get (cipher_suite, &self->suite);
  if (st != CV_OK)
    {
      *error = crypto_error (_("Unknown cipher suite"));
      return FALSE;
    }
  if (self->identity_chain_pem != NULL)
    {
      /* Our certificate: others verify it against their partner CAs or the service CA. */
      if (!load_identity (self, self->suite, &self->credential, &self->signature_priv, error))
        return FALSE;
    }
  else
    {
      st = cv_mls_signature_key_pair (self->suite, &self->signature_priv, &pub);
      cv_bytes_clear (&pub);
      if (st != CV_OK)
        {
          *error = crypto_error (_("Cannot make a signature key"));
          return FALSE;
        }
      /* A basic credential: the name is claimed, shown as unverified to others. */
      self->credential.type = CV_MLS_CREDENTIAL_BASIC;
      cv_bytes_set (&self->credential.identity, (const uint8_t *) self->display_name, strlen (self->display_name));
    }

  st = cv_mls_make_key_package (self->suite, &self->credential, self->signature_priv.data,
                                self->signature_priv.len, 0, 0, NULL, NULL, &self->key_package);
  if (st != CV_OK)
    {
      *error = crypto_error (_("Cannot make a KeyPackage"));
      return FALSE;
    }
  *key_package_b64 = to_base64 (&self->key_package.key_package_message);
  self->waiting = g_ptr_array_new_with_free_func (waiting_joiner_free);
  self->leaves_to_remove = g_array_new (FALSE, FALSE, sizeof (CvLeafToRemove));
  g_array_set_clear_func (self->leaves_to_remove, leaf_to_remove_clear);
  self->own_commit_added = g_array_new (FALSE, FALSE, sizeof (gint64));
  return TRUE;
}

void
cv_session_group_clear (CvSession *self)
{
  g_clear_handle_id (&self->commit_source, g_source_remove);
  g_clear_handle_id (&self->forget_past_source, g_source_remove);
  g_clear_handle_id (&self->self_update_source, g_source_remove);
  self->update_wanted = FALSE;
  g_clear_pointer (&self->own_commit, cv_mls_staged_commit_free);
  g_clear_pointer (&self->group, cv_mls_group_free);
  cv_mls_key_package_bundle_clear (&self->key_package);
  cv_mls_credential_clear (&self->credential);
  cv_bytes_clear (&self->signature_priv);
  g_clear_pointer (&self->waiting, g_ptr_array_unref);
  g_clear_pointer (&self->leaves_to_remove, g_array_unref);
  g_clear_pointer (&self->own_commit_added, g_array_unref);
}

/* ---- creating and joining ---- */

gboolean
cv_session_group_create (CvSession   *self,
                         JsonObject  *mls,
                         GError     **error)
{
  JsonObject *sender = json_object_has_member (mls, "external_sender") && !json_object_get_null_member (mls, "external_sender")
                       ? json_object_get_object_member (mls, "external_sender") : NULL;
  cv_mls_extension_list extensions = { 0 };
  cv_mls_group_config config;
  cv_bytes encoded = CV_BYTES_INIT, ext = CV_BYTES_INIT;
  uint8_t group_id[16];
  cv_status st = CV_OK;

  /* The service as external sender lets it propose the removal of someone
   * who dropped; members still decide (DESIGN.md, Keys). */
  if (sender != NULL && member_bytes (sender, "encoded", &encoded))
    {
      cv_mls_writer w;

      cv_mls_writer_init (&w);
      cv_mls_write_opaque (&w, encoded.data, encoded.len); /* ExternalSender external_senders<V> */
      st = cv_mls_writer_finish (&w, &ext);
      if (st == CV_OK)
        st = cv_mls_extension_list_set (&extensions, CV_MLS_EXT_EXTERNAL_SENDERS, ext.data, ext.len);
    }
  if (st == CV_OK && RAND_bytes (group_id, sizeof group_id) != 1)
    st = CV_ERR_CRYPTO;
  group_config (&config);
  if (st == CV_OK)
    st = cv_mls_group_create (self->suite, group_id, sizeof group_id, &self->credential,
                              self->signature_priv.data, self->signature_priv.len,
                              extensions.count ? &extensions : NULL, &config, &self->group);
  cv_mls_extension_list_clear (&extensions);
  cv_bytes_clear (&encoded);
  cv_bytes_clear (&ext);
  if (st != CV_OK)
    {
      *error = crypto_error (_("Cannot create the meeting's MLS group"));
      return FALSE;
    }
  self->committer = TRUE;
  cv_session_epoch_changed (self, _("You started the meeting"));
  return TRUE;
}

static void
on_welcome (CvSession  *self,
            JsonObject *message)
{
  cv_bytes welcome = CV_BYTES_INIT;
  cv_mls_group_config config;
  g_autoptr (JsonObject) state = NULL;
  g_autoptr (GError) error = NULL;
  cv_status st;

  if (self->group != NULL)
    return; /* already a member: a duplicate */
  if (!member_bytes (message, "message", &welcome))
    {
      error = g_error_new (CV_SESSION_ERROR, CV_SESSION_ERROR_PROTOCOL, _("The Welcome message is empty"));
      cv_session_fail (self, error);
      return;
    }
  group_config (&config);
  st = cv_mls_group_join (&self->key_package, welcome.data, welcome.len, NULL, 0, &config, &self->group);
  cv_bytes_clear (&welcome);
  if (st != CV_OK)
    {
      error = crypto_error (_("Cannot join the meeting's MLS group"));
      cv_session_fail (self, error);
      return;
    }
  cv_mls_key_package_bundle_clear (&self->key_package);

  state = json_object_new ();
  json_object_set_string_member (state, "type", "member-state");
  json_object_set_int_member (state, "leaf_index", cv_mls_group_own_leaf (self->group));
  cv_session_send (self, state);
  cv_session_epoch_changed (self, _("You joined"));
}

/* ---- committing ---- */

/* Copies the signature key of the member at leaf; FALSE if none is there. */
static gboolean
leaf_signature_key (CvSession *self,
                    guint32    leaf,
                    cv_bytes  *out)
{
  g_autofree cv_mls_member *members = NULL;
  size_t n = 0;

  if (self->group == NULL || cv_mls_group_members (self->group, &members, &n) != CV_OK)
    return FALSE;
  for (size_t i = 0; i < n; i++)
    if (members[i].leaf_index == leaf)
      return cv_bytes_copy (out, members[i].signature_key) == CV_OK;
  return FALSE;
}

/* Whether the member reported gone still holds its leaf. */
static gboolean
still_holds_leaf (CvSession            *self,
                  const CvLeafToRemove *gone)
{
  cv_bytes key = CV_BYTES_INIT;
  gboolean same = leaf_signature_key (self, gone->leaf, &key) && cv_bytes_eq (&key, &gone->signature_key);

  cv_bytes_clear (&key);
  return same;
}

/* The service reported the member at leaf gone and we must remove it
 * ourselves: kept until a commit removes it, by whoever is committer then. */
static void
remember_leaf_to_remove (CvSession *self,
                         guint32    leaf)
{
  CvLeafToRemove gone = { leaf, CV_BYTES_INIT };

  if (self->group == NULL || leaf == cv_mls_group_own_leaf (self->group))
    return; /* not a member yet, or a report about us: we are here */
  if (!leaf_signature_key (self, leaf, &gone.signature_key))
    return; /* already removed */
  for (guint i = 0; i < self->leaves_to_remove->len; i++)
    {
      CvLeafToRemove *known = &g_array_index (self->leaves_to_remove, CvLeafToRemove, i);
      if (known->leaf == leaf && cv_bytes_eq (&known->signature_key, &gone.signature_key))
        {
          cv_bytes_clear (&gone.signature_key);
          return;
        }
    }
  g_array_append_val (self->leaves_to_remove, gone);
}

/* A commit is about to be merged: the leaves it removes are done. */
static void
forget_committed_removals (CvSession                   *self,
                           const cv_mls_commit_summary *summary)
{
  for (guint i = self->leaves_to_remove->len; i-- > 0;)
    for (size_t r = 0; r < summary->n_removed; r++)
      if (g_array_index (self->leaves_to_remove, CvLeafToRemove, i).leaf == summary->removed[r])
        {
          g_array_remove_index (self->leaves_to_remove, i);
          break;
        }
}

/* Sends a commit of this epoch: as the committer, the waiting joiners and
 * the removals; anyone, the pending proposals and, for a self-update, a
 * new path (fresh keys for our leaf and its parents). */
static void
commit_now (CvSession *self,
            gboolean   self_update)
{
  g_autoptr (GArray) adds = g_array_new (FALSE, FALSE, sizeof (cv_bytes));
  g_autoptr (GArray) removes = g_array_new (FALSE, FALSE, sizeof (guint32));
  cv_mls_commit_options opts = { 0 };
  cv_bytes commit = CV_BYTES_INIT, welcome = CV_BYTES_INIT;
  const cv_mls_commit_summary *summary;
  g_autoptr (JsonObject) msg = NULL;
  JsonArray *added, *removed;
  cv_status st;

  if (self->group == NULL || self->own_commit != NULL)
    return;

  g_array_set_size (self->own_commit_added, 0);
  if (self->committer)
    {
      for (guint i = 0; i < self->waiting->len; i++)
        {
          CvWaitingJoiner *joiner = g_ptr_array_index (self->waiting, i);
          g_array_append_val (adds, joiner->key_package);
          g_array_append_val (self->own_commit_added, joiner->participant);
        }
      /* Kept until merged: if another commit wins the epoch, we try again. */
      for (guint i = 0; i < self->leaves_to_remove->len; i++)
        {
          CvLeafToRemove *gone = &g_array_index (self->leaves_to_remove, CvLeafToRemove, i);
          if (still_holds_leaf (self, gone))
            g_array_append_val (removes, gone->leaf);
        }
    }
  if (!self_update && adds->len == 0 && removes->len == 0
      && cv_mls_group_pending_proposals (self->group, NULL, 0) == 0)
    return;

  opts.add_key_packages = (const cv_bytes *) adds->data;
  opts.n_add = adds->len;
  opts.remove_leaves = (const guint32 *) removes->data;
  opts.n_remove = removes->len;
  /* The service's Remove proposals, and members' proposals, go in by reference. */
  opts.include_pending = TRUE;
  opts.force_path = self_update;
  st = cv_mls_group_commit (self->group, &opts, &commit, &welcome, &self->own_commit);
  if (st != CV_OK)
    {
      /* A joiner whose KeyPackage does not verify is not added, and must not
       * hold up the others: drop the batch's joiners and say so in the log. */
      g_warning ("cannot commit %u adds and %u removals: %s", adds->len, removes->len, cv_status_message ());
      g_ptr_array_set_size (self->waiting, 0);
      /* The removals too, or every later commit would fail on them. */
      if (self->committer)
        g_array_set_size (self->leaves_to_remove, 0);
      return;
    }
  self->own_commit_is_update = self_update;

  summary = cv_mls_staged_commit_summary (self->own_commit);
  msg = json_object_new ();
  json_object_set_string_member (msg, "type", "commit");
  /* The service's refusal repeats it: a late refusal of an earlier commit
   * must not void this one. */
  json_object_set_int_member (msg, "id", ++self->own_commit_id);
  {
    g_autofree char *commit_b64 = to_base64 (&commit);
    json_object_set_string_member (msg, "commit", commit_b64);
  }
  if (welcome.len > 0)
    {
      g_autofree char *welcome_b64 = to_base64 (&welcome);
      json_object_set_string_member (msg, "welcome", welcome_b64);
      added = json_array_new ();
      for (size_t i = 0; i < summary->n_added && i < self->own_commit_added->len; i++)
        {
          JsonObject *a = json_object_new ();
          json_object_set_int_member (a, "participant", g_array_index (self->own_commit_added, gint64, i));
          json_object_set_int_member (a, "leaf_index", summary->added[i]);
          json_array_add_object_element (added, a);
        }
      json_object_set_array_member (msg, "added", added);
    }
  removed = json_array_new ();
  for (size_t i = 0; i < summary->n_removed; i++)
    json_array_add_int_element (removed, summary->removed[i]);
  json_object_set_array_member (msg, "removed_leaves", removed);
  cv_bytes_clear (&commit);
  cv_bytes_clear (&welcome);
  cv_session_send (self, msg);
}

static gboolean
commit_cb (gpointer user_data)
{
  CvSession *self = user_data;

  self->commit_source = 0;
  if (self->committer)
    commit_now (self, FALSE);
  return G_SOURCE_REMOVE;
}

/* Post-compromise security: a commit with a fresh path for our leaf. If
 * another commit wins the epoch, we try again in the next one. */
void
cv_session_group_update_keys (CvSession *self)
{
  if (self->group == NULL)
    return;
  self->update_wanted = TRUE;
  commit_now (self, TRUE);
}

static void
schedule_commit (CvSession *self)
{
  if (self->committer && self->commit_source == 0)
    self->commit_source = g_timeout_add (COMMIT_BATCH_DELAY_MS, commit_cb, self);
}

static void
drop_waiting (CvSession *self,
              gint64     participant)
{
  for (guint i = self->waiting->len; i-- > 0;)
    if (((CvWaitingJoiner *) g_ptr_array_index (self->waiting, i))->participant == participant)
      g_ptr_array_remove_index (self->waiting, i);
}

/* ---- receiving ---- */

static void
merged (CvSession *self)
{
  if (!cv_mls_group_is_active (self->group))
    {
      g_autoptr (GError) error = g_error_new (CV_SESSION_ERROR, CV_SESSION_ERROR_REFUSED,
                                              _("You were removed from the meeting"));
      cv_session_fail (self, error);
      return;
    }
  /* A leaf reported gone and now held by someone else is not the gone one's. */
  for (guint i = self->leaves_to_remove->len; i-- > 0;)
    if (!still_holds_leaf (self, &g_array_index (self->leaves_to_remove, CvLeafToRemove, i)))
      g_array_remove_index (self->leaves_to_remove, i);
  cv_session_epoch_changed (self, NULL);
  if (self->update_wanted)
    commit_now (self, TRUE);
  schedule_commit (self);
}

static void
on_commit (CvSession  *self,
           JsonObject *message)
{
  gint64 from = json_object_get_int_member_with_default (message, "from", -1);
  cv_bytes commit = CV_BYTES_INIT;
  cv_mls_received received = { 0 };
  g_autoptr (GError) error = NULL;
  cv_status st;

  if (self->group == NULL)
    return; /* not a member yet: the Welcome brings us the epoch after it */

  if (from == self->participant_id && self->own_commit != NULL)
    {
      /* The service confirmed our commit: it was first in its epoch. */
      for (guint i = 0; i < self->own_commit_added->len; i++)
        drop_waiting (self, g_array_index (self->own_commit_added, gint64, i));
      if (self->own_commit_is_update)
        self->update_wanted = FALSE;
      forget_committed_removals (self, cv_mls_staged_commit_summary (self->own_commit));
      st = cv_mls_group_merge (self->group, g_steal_pointer (&self->own_commit));
      if (st != CV_OK)
        {
          error = crypto_error (_("Cannot apply our own commit"));
          cv_session_fail (self, error);
          return;
        }
      merged (self);
      return;
    }

  /* Someone else's commit won the epoch: ours, if any, is void. */
  g_clear_pointer (&self->own_commit, cv_mls_staged_commit_free);
  if (!member_bytes (message, "message", &commit))
    return;
  st = cv_mls_group_process (self->group, commit.data, commit.len, &received);
  cv_bytes_clear (&commit);
  if (st != CV_OK || received.type != CV_MLS_RECEIVED_COMMIT)
    {
      /* An invalid commit accepted by the service splits the group: we
       * cannot follow it, so we cannot stay securely. */
      error = crypto_error (_("A member sent an invalid commit"));
      cv_mls_received_clear (&received);
      cv_session_fail (self, error);
      return;
    }
  forget_committed_removals (self, cv_mls_staged_commit_summary (received.staged));
  st = cv_mls_group_merge (self->group, g_steal_pointer (&received.staged));
  cv_mls_received_clear (&received);
  if (st != CV_OK)
    {
      error = crypto_error (_("Cannot apply a commit"));
      cv_session_fail (self, error);
      return;
    }
  merged (self);
}

static void
on_application (CvSession  *self,
                JsonObject *message)
{
  cv_bytes data = CV_BYTES_INIT;
  cv_mls_received received = { 0 };

  if (self->group == NULL || !member_bytes (message, "message", &data))
    return;
  if (cv_mls_group_process (self->group, data.data, data.len, &received) != CV_OK
      || received.type != CV_MLS_RECEIVED_APPLICATION)
    {
      g_message ("dropped an application message that did not decrypt: %s", cv_status_message ());
      cv_bytes_clear (&data);
      cv_mls_received_clear (&received);
      return;
    }
  cv_bytes_clear (&data);
  /* The sender is the leaf whose key decrypted it, not what the service says. */
  cv_session_application_received (self, received.sender_index, received.application_data.data,
                                   received.application_data.len);
  cv_mls_received_clear (&received);
}

static void
on_proposal (CvSession  *self,
             JsonObject *message)
{
  cv_bytes data = CV_BYTES_INIT;
  cv_mls_received received = { 0 };

  if (self->group == NULL || !member_bytes (message, "message", &data))
    return;
  if (cv_mls_group_process (self->group, data.data, data.len, &received) != CV_OK)
    g_message ("refused a proposal: %s", cv_status_message ());
  cv_bytes_clear (&data);
  cv_mls_received_clear (&received);
  schedule_commit (self);
}

gboolean
cv_session_group_send_application (CvSession   *self,
                                   const char  *payload,
                                   GError     **error)
{
  cv_bytes message = CV_BYTES_INIT;
  g_autoptr (JsonObject) msg = NULL;
  g_autofree char *b64 = NULL;

  if (self->group == NULL
      || cv_mls_group_protect (self->group, NULL, 0, (const uint8_t *) payload, strlen (payload), &message) != CV_OK)
    {
      *error = crypto_error (_("Cannot encrypt the message for the meeting"));
      return FALSE;
    }
  b64 = to_base64 (&message);
  cv_bytes_clear (&message);
  msg = json_object_new ();
  json_object_set_string_member (msg, "type", "application");
  json_object_set_string_member (msg, "message", b64);
  return cv_session_send (self, msg);
}

void
cv_session_group_on_message (CvSession  *self,
                             const char *type,
                             JsonObject *message)
{
  if (self->waiting == NULL)
    return; /* not prepared: a standard meeting or not joined */

  if (g_str_equal (type, "welcome"))
    on_welcome (self, message);
  else if (g_str_equal (type, "commit"))
    on_commit (self, message);
  else if (g_str_equal (type, "application"))
    on_application (self, message);
  else if (g_str_equal (type, "proposal"))
    on_proposal (self, message);
  else if (g_str_equal (type, "key-package"))
    {
      CvWaitingJoiner *joiner = g_new0 (CvWaitingJoiner, 1);

      joiner->participant = json_object_get_int_member_with_default (message, "participant", -1);
      if (!member_bytes (message, "key_package", &joiner->key_package))
        {
          waiting_joiner_free (joiner);
          return;
        }
      g_ptr_array_add (self->waiting, joiner);
      schedule_commit (self);
    }
  else if (g_str_equal (type, "key-package-withdrawn"))
    drop_waiting (self, json_object_get_int_member_with_default (message, "participant", -1));
  else if (g_str_equal (type, "committer"))
    {
      self->committer = json_object_get_int_member_with_default (message, "participant", -1) == self->participant_id;
      schedule_commit (self);
    }
  else if (g_str_equal (type, "remove-needed"))
    {
      /* The service reports the participant gone: its leaf may be removed,
       * through the service's signed Remove proposal when it sent one (the
       * group accepts only Remove from it), else by our own Remove. */
      gint64 leaf = json_object_get_int_member_with_default (message, "leaf_index", -1);
      cv_bytes proposal = CV_BYTES_INIT;
      cv_mls_received received = { 0 };
      gboolean proposed = FALSE;

      if (self->group != NULL && member_bytes (message, "proposal", &proposal))
        {
          proposed = cv_mls_group_process (self->group, proposal.data, proposal.len, &received) == CV_OK
                     && received.type == CV_MLS_RECEIVED_PROPOSAL && received.proposal_type == CV_MLS_PROPOSAL_REMOVE;
          if (!proposed)
            g_message ("refused the service's Remove proposal: %s", cv_status_message ());
          cv_mls_received_clear (&received);
          cv_bytes_clear (&proposal);
        }
      if (!proposed && leaf >= 0 && leaf <= G_MAXUINT32)
        remember_leaf_to_remove (self, (guint32) leaf);
      schedule_commit (self);
    }
  else if (g_str_equal (type, "error"))
    {
      /* Our commit lost the race: the winner arrives as a commit; try again after. */
      if (g_strcmp0 (json_object_get_string_member_with_default (message, "request", ""), "commit") == 0
          && json_object_get_int_member_with_default (message, "id", -1) == self->own_commit_id)
        g_clear_pointer (&self->own_commit, cv_mls_staged_commit_free);
    }
}
