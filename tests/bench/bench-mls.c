/* bench-mls: the MLS group of e2ee/ at scale, against its floor.
 *
 * Usage: bench-mls [--sizes 10,100,1000[,5000]] [--shapes full,blank] [--seconds S]
 *                  [--only VARIANT]   (e.g. --only "add 1 + path", for a profiler)
 *
 * For each size N (members) and tree shape it builds a group, then times:
 *   commit    the committer (leaf 1) creates a commit adding 1 or 50 new
 *             members, without and with an UpdatePath, the ratchet tree in
 *             the Welcome or out of band;
 *   process   another member (leaf N-1) processes that commit;
 *   join      a new member joins from the Welcome, validating the whole tree;
 * and prints the sizes of the commit, the Welcome and the out-of-band tree.
 *
 * Shapes: "blank" is the group as one commit adding everyone (with a path)
 * leaves it: only the creator's direct path holds keys, every other parent
 * is blank, so a path is encrypted to nearly every leaf. "full" then has
 * every even leaf commit an UpdatePath, so every parent node that can hold
 * a key does, and a path costs log2(N) encryptions.
 *
 * Each time is the thread's CPU time, the best of several runs (the machine
 * is shared: wall-clock times swing with everyone else's load), and is
 * reported as a ratio against its floor: the public-key operations the step
 * must do at minimum (Ed25519 verifications and signatures, X25519 scalar
 * multiplications, HPKE seals and opens), each timed in the same run with
 * the OpenSSL calls e2ee/ makes for it (EVP_PKEY_new_raw_*_key_ex,
 * EVP_DigestVerify, EVP_PKEY_derive, ...). Hashing, the key schedule and
 * parsing are not in the floor: the ratio shows what they and any extra work
 * cost.
 *
 * Building a full tree takes a commit from every other member. Rather than
 * keeping N group states, the creator's state makes each of those commits in
 * the name of that member, with the member's own signature key and leaf key
 * (cv-mls-group-private.h). The committer and the receiver measured are real
 * members that process every one of those commits, so the tree, the messages
 * and their states are exactly what a real group would have.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "bench-common.h"
#include "cv-mls-group-private.h"
#include "cv-mls-tree-math.h"

/* CPU time of this thread: the machine is shared by everyone's builds, and
 * a run preempted halfway would otherwise count the other process's time. */
static double
cpu_now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

#define MAX_ADD 50
#define SIG_MSG_LEN 200     /* about a LeafNodeTBS with a basic credential */

static const cv_mls_suite *suite;
static cv_mls_group_config config;
static double min_seconds = 0.25;
static const char *only;          /* --only: the variants whose name contains it */

static void
die (const char *what, cv_status st)
{
  fprintf (stderr, "bench-mls: %s: %s: %s\n", what, cv_status_name (st), cv_status_message ());
  exit (1);
}

#define CHECK(what, expr) \
  do { cv_status st_ = (expr); if (st_ != CV_OK) die ((what), st_); } while (0)

/* ---- The floor: raw OpenSSL public-key operations ---- */

static uint8_t sig_msg[SIG_MSG_LEN], ed_priv[32], ed_pub[32], ed_sig[64];
static uint8_t x_priv[32], x_peer_pub[32];
static EVP_PKEY *x_peer;          /* recipient key for the HPKE floor */
static EVP_MAC_CTX *hmac_template;
static EVP_CIPHER *aes_gcm;

static int
raw_ed25519_verify (void *arg)
{
  EVP_PKEY *key = EVP_PKEY_new_raw_public_key_ex (NULL, "ED25519", NULL, ed_pub, 32);
  EVP_MD_CTX *md = EVP_MD_CTX_new ();
  int ok = key && md && EVP_DigestVerifyInit_ex (md, NULL, NULL, NULL, NULL, key, NULL) > 0
           && EVP_DigestVerify (md, ed_sig, 64, sig_msg, SIG_MSG_LEN) == 1;

  (void) arg;
  EVP_MD_CTX_free (md);
  EVP_PKEY_free (key);
  return !ok;
}

static int
raw_ed25519_sign (void *arg)
{
  EVP_PKEY *key = EVP_PKEY_new_raw_private_key_ex (NULL, "ED25519", NULL, ed_priv, 32);
  EVP_MD_CTX *md = EVP_MD_CTX_new ();
  size_t len = sizeof ed_sig;
  int ok = key && md && EVP_DigestSignInit_ex (md, NULL, NULL, NULL, NULL, key, NULL) > 0
           && EVP_DigestSign (md, ed_sig, &len, sig_msg, SIG_MSG_LEN) == 1;

  (void) arg;
  EVP_MD_CTX_free (md);
  EVP_PKEY_free (key);
  return !ok;
}

/* A key pair from 32 secret bytes: one fixed-base scalar multiplication
 * (DeriveKeyPair of a node secret, an ephemeral key, loading a private key). */
static int
raw_x25519_base (void *arg)
{
  uint8_t pub[32];
  size_t len = sizeof pub;
  EVP_PKEY *key = EVP_PKEY_new_raw_private_key_ex (NULL, "X25519", NULL, x_priv, 32);
  int ok = key && EVP_PKEY_get_raw_public_key (key, pub, &len) == 1;

  (void) arg;
  EVP_PKEY_free (key);
  return !ok;
}

/* DH with a private key already loaded and a public key received as bytes. */
static int
x25519_dh (EVP_PKEY *priv, uint8_t *out)
{
  EVP_PKEY *peer = EVP_PKEY_new_raw_public_key_ex (NULL, "X25519", NULL, x_peer_pub, 32);
  EVP_PKEY_CTX *ctx = peer ? EVP_PKEY_CTX_new_from_pkey (NULL, priv, NULL) : NULL;
  size_t len = 32;
  int ok = ctx && EVP_PKEY_derive_init (ctx) == 1 && EVP_PKEY_derive_set_peer_ex (ctx, peer, 0) == 1
           && EVP_PKEY_derive (ctx, out, &len) == 1;

  EVP_PKEY_CTX_free (ctx);
  EVP_PKEY_free (peer);
  return ok;
}

static int
raw_x25519_dh (void *arg)
{
  uint8_t dh[32];

  (void) arg;
  return !x25519_dh (x_peer, dh);
}

/* An HPKE base-mode seal (DHKEM(X25519), HKDF-SHA256, AES-128-GCM) of a
 * 64-byte path secret: ephemeral key pair, DH, the eight HMACs of
 * ExtractAndExpand and the key schedule, one AEAD seal. An open does the
 * same work (load the private key, DH, HMACs, AEAD). */
static int
hmac (const uint8_t *key, size_t key_len, const uint8_t *data, size_t len, uint8_t *out)
{
  EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup (hmac_template);
  size_t n = 0;
  int ok = ctx && EVP_MAC_init (ctx, key, key_len, NULL) && EVP_MAC_update (ctx, data, len)
           && EVP_MAC_final (ctx, out, &n, 32);

  EVP_MAC_CTX_free (ctx);
  return ok;
}

static int
raw_hpke (void *arg)
{
  uint8_t eph[32], dh[32], prk[32], scratch[96] = { 0 }, ct[64 + 16], tag[16];
  EVP_PKEY *e;
  EVP_CIPHER_CTX *c;
  int ok, n;

  (void) arg;
  if (RAND_priv_bytes (eph, sizeof eph) != 1
      || !(e = EVP_PKEY_new_raw_private_key_ex (NULL, "X25519", NULL, eph, 32)))
    return 1;
  ok = EVP_PKEY_get_raw_public_key (e, scratch, &(size_t) { 32 }) == 1 && x25519_dh (e, dh);
  EVP_PKEY_free (e);
  memcpy (prk, dh, 32);
  for (int i = 0; ok && i < 8; i++)
    ok = hmac (prk, 32, scratch, sizeof scratch, prk);
  c = EVP_CIPHER_CTX_new ();
  ok = ok && c && EVP_EncryptInit_ex2 (c, aes_gcm, prk, prk + 16, NULL)
       && EVP_EncryptUpdate (c, ct, &n, scratch, 64) && EVP_EncryptFinal_ex (c, ct + n, &n)
       && EVP_CIPHER_CTX_ctrl (c, EVP_CTRL_AEAD_GET_TAG, 16, tag);
  EVP_CIPHER_CTX_free (c);
  return !ok;
}

typedef struct {
  double verify, sign, base, dh, hpke;   /* seconds per operation */
} floor_costs;

static void
floor_init (void)
{
  EVP_PKEY *k;
  size_t len = 32;
  OSSL_PARAM params[] = {
    OSSL_PARAM_construct_utf8_string (OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
    OSSL_PARAM_construct_end (),
  };
  EVP_MAC *mac = EVP_MAC_fetch (NULL, "HMAC", NULL);
  static const uint8_t one[1] = { 1 };

  RAND_bytes (sig_msg, sizeof sig_msg);
  RAND_bytes (ed_priv, sizeof ed_priv);
  RAND_bytes (x_priv, sizeof x_priv);
  k = EVP_PKEY_new_raw_private_key_ex (NULL, "ED25519", NULL, ed_priv, 32);
  EVP_PKEY_get_raw_public_key (k, ed_pub, &len);
  EVP_PKEY_free (k);
  k = EVP_PKEY_Q_keygen (NULL, NULL, "X25519");
  len = 32;
  EVP_PKEY_get_raw_public_key (k, x_peer_pub, &len);
  EVP_PKEY_free (k);
  x_peer = EVP_PKEY_new_raw_private_key_ex (NULL, "X25519", NULL, x_priv, 32);
  hmac_template = EVP_MAC_CTX_new (mac);
  EVP_MAC_init (hmac_template, one, 1, params);
  EVP_MAC_free (mac);
  aes_gcm = EVP_CIPHER_fetch (NULL, "AES-128-GCM", NULL);
  if (raw_ed25519_sign (NULL) || raw_ed25519_verify (NULL) || raw_x25519_base (NULL)
      || raw_x25519_dh (NULL) || raw_hpke (NULL))
    {
      fprintf (stderr, "bench-mls: the raw OpenSSL floor operations fail\n");
      exit (1);
    }
}

/* Measured like the steps (best run, see time_best): the best of many
 * batches of 8, the five operations alternating so that load elsewhere
 * lands on all of them. */
static void
floor_measure (floor_costs *f)
{
  bench_op ops[] = { raw_ed25519_verify, raw_ed25519_sign, raw_x25519_base, raw_x25519_dh,
                     raw_hpke };
  double best[5] = { 1e30, 1e30, 1e30, 1e30, 1e30 }, start = bench_now ();

  for (int round = 0; round < 20 || (round < 200 && bench_now () - start < min_seconds); round++)
    for (int i = 0; i < 5; i++)
      {
        double t0 = cpu_now (), t;

        for (int k = 0; k < 8; k++)
          if (ops[i] (NULL) != 0)
            die ("floor operation", CV_ERR_CRYPTO);
        t = (cpu_now () - t0) / 8;
        best[i] = t < best[i] ? t : best[i];
      }
  f->verify = best[0];
  f->sign = best[1];
  f->base = best[2];
  f->dh = best[3];
  f->hpke = best[4];
}

/* What a step must do at minimum. */
typedef struct {
  size_t verify, sign, base, seal, open;
} op_counts;

static double
floor_of (const floor_costs *f, const op_counts *c)
{
  return (double) c->verify * f->verify + (double) c->sign * f->sign
         + (double) c->base * f->base + (double) (c->seal + c->open) * f->hpke;
}

static void
describe (const op_counts *c, char *buf, size_t cap)
{
  size_t n = 0;

  buf[0] = 0;
#define PART(count, name) \
  if (count && n < cap) n += (size_t) snprintf (buf + n, cap - n, "%s%zu %s", n ? " + " : "", \
                                                (size_t) (count), name)
  PART (c->verify, "verify");
  PART (c->sign, "sign");
  PART (c->base, "x25519");
  PART (c->seal, "seal");
  PART (c->open, "open");
#undef PART
}

/* ---- Members ---- */

typedef struct {
  cv_mls_credential credential;
  cv_bytes sig_priv, sig_pub;
  cv_mls_key_package_bundle bundle;
} identity;

static identity *pool;
static size_t pool_len;

static void
pool_grow (size_t n)
{
  if (n <= pool_len)
    return;
  pool = realloc (pool, n * sizeof *pool);
  if (!pool)
    die ("pool", CV_ERR_NOMEM);
  for (size_t i = pool_len; i < n; i++)
    {
      identity *id = &pool[i];
      char name[32];

      memset (id, 0, sizeof *id);
      snprintf (name, sizeof name, "member-%zu", i);
      id->credential.type = CV_MLS_CREDENTIAL_BASIC;
      CHECK ("identity", cv_bytes_set (&id->credential.identity, (const uint8_t *) name,
                                       strlen (name)));
      CHECK ("signature key", cv_mls_signature_key_pair (suite, &id->sig_priv, &id->sig_pub));
      CHECK ("KeyPackage", cv_mls_make_key_package (suite, &id->credential, id->sig_priv.data,
                                                    id->sig_priv.len, 0, 0, NULL, NULL,
                                                    &id->bundle));
    }
  pool_len = n;
}

static void
pool_free (void)
{
  for (size_t i = 0; i < pool_len; i++)
    {
      cv_mls_credential_clear (&pool[i].credential);
      cv_bytes_clear (&pool[i].sig_priv);
      cv_bytes_clear (&pool[i].sig_pub);
      cv_mls_key_package_bundle_clear (&pool[i].bundle);
    }
  free (pool);
}

/* ---- Building a group ---- */

typedef struct {
  size_t n;
  bool full;
  cv_mls_group *committer;   /* leaf 1 */
  cv_mls_group *receiver;    /* leaf n - 1 */
  size_t first_new;          /* pool index of the first member to add */
  double build_seconds;
  size_t build_commits;
} group_setup;

/* Everyone in others but the committer processes and merges msg. */
static void
deliver (cv_mls_group **states, size_t n, cv_mls_group *committer, const cv_bytes *msg)
{
  for (size_t i = 0; i < n; i++)
    {
      cv_mls_received r;

      if (states[i] == committer)
        continue;
      CHECK ("process", cv_mls_group_process (states[i], msg->data, msg->len, &r));
      if (r.type != CV_MLS_RECEIVED_COMMIT)
        die ("process: not a commit", CV_ERR_INVALID);
      CHECK ("merge", cv_mls_group_merge (states[i], r.staged));
      r.staged = NULL;
      cv_mls_received_clear (&r);
    }
}

static void
commit_and_merge (cv_mls_group *g, const cv_mls_commit_options *opts, cv_bytes *msg,
                  cv_bytes *welcome)
{
  cv_mls_staged_commit *sc;

  CHECK ("commit", cv_mls_group_commit (g, opts, msg, welcome, &sc));
  CHECK ("merge own commit", cv_mls_group_merge (g, sc));
}

/* The creator's state takes the place of the member at leaf: its leaf key
 * (never replaced before: each member commits once) and signature key. */
static void
impersonate (cv_mls_group *g, uint32_t leaf)
{
  const identity *id = &pool[leaf];
  const cv_mls_leaf_node *ln = cv_mls_tree_leaf (g->tree, leaf);

  if (!ln || !cv_bytes_eq (&ln->signature_key, &id->sig_pub))
    die ("the member at this leaf is not the one expected", CV_ERR_STATE);
  cv_mls_tree_private_clear (&g->priv);
  CHECK ("leaf key", cv_mls_tree_private_init (&g->priv, leaf, id->bundle.encryption_priv.data,
                                               id->bundle.encryption_priv.len));
  g->own_leaf = leaf;
  cv_bytes_clear (&g->signature_priv);
  CHECK ("signature key", cv_bytes_copy (&g->signature_priv, &id->sig_priv));
}

static uint32_t
bit_reverse (uint32_t x, unsigned bits)
{
  uint32_t r = 0;

  for (unsigned i = 0; i < bits; i++, x >>= 1)
    r = (r << 1) | (x & 1);
  return r;
}

static void
group_build (size_t n, bool full, group_setup *gs)
{
  static const uint8_t group_id[] = "bench-mls";
  cv_mls_group *creator = NULL, *states[3];
  cv_bytes *adds, msg = CV_BYTES_INIT, welcome = CV_BYTES_INIT;
  cv_mls_commit_options opts = { 0 };
  double start = bench_now ();

  memset (gs, 0, sizeof *gs);
  gs->n = n;
  gs->full = full;
  gs->first_new = n;
  pool_grow (n + 2 * MAX_ADD);

  /* One commit adds everyone (with the creator's path). */
  CHECK ("create", cv_mls_group_create (suite, group_id, sizeof group_id - 1,
                                        &pool[0].credential, pool[0].sig_priv.data,
                                        pool[0].sig_priv.len, NULL, &config, &creator));
  adds = calloc (n - 1, sizeof *adds);
  for (size_t i = 1; i < n; i++)
    adds[i - 1] = pool[i].bundle.key_package_message;   /* borrowed */
  opts.add_key_packages = adds;
  opts.n_add = n - 1;
  opts.force_path = true;
  commit_and_merge (creator, &opts, &msg, &welcome);
  gs->build_commits = 1;
  free (adds);
  CHECK ("join (committer)", cv_mls_group_join (&pool[1].bundle, welcome.data, welcome.len,
                                                NULL, 0, &config, &gs->committer));
  CHECK ("join (receiver)", cv_mls_group_join (&pool[n - 1].bundle, welcome.data, welcome.len,
                                               NULL, 0, &config, &gs->receiver));
  cv_bytes_clear (&msg);
  cv_bytes_clear (&welcome);

  if (full)
    {
      /* Every even leaf commits a path, top of the tree first (bit-reversed
       * order), so that later paths find their copath already filled and
       * the build costs about 2 N log N encryptions instead of N^2 / 4. */
      uint32_t pairs = cv_mls_tree_n_leaves (creator->tree) / 2;
      unsigned bits = 0;
      cv_mls_commit_options path_only = { .force_path = true };

      while ((1u << bits) < pairs)
        bits++;
      states[0] = creator;
      states[1] = gs->committer;
      states[2] = gs->receiver;
      for (uint32_t j = 0; j < pairs; j++)
        {
          uint32_t leaf = 2 * bit_reverse (j, bits);
          cv_mls_group *by = creator;

          if (leaf >= n)
            continue;
          if (leaf == cv_mls_group_own_leaf (gs->committer))
            by = gs->committer;
          else if (leaf == cv_mls_group_own_leaf (gs->receiver))
            by = gs->receiver;
          else if (leaf != 0)
            impersonate (creator, leaf);
          commit_and_merge (by, &path_only, &msg, NULL);
          deliver (states, 3, by, &msg);
          cv_bytes_clear (&msg);
          gs->build_commits++;
        }
    }
  cv_mls_group_free (creator);
  gs->build_seconds = bench_now () - start;
}

static void
group_setup_clear (group_setup *gs)
{
  cv_mls_group_free (gs->committer);
  cv_mls_group_free (gs->receiver);
  memset (gs, 0, sizeof *gs);
}

/* ---- Tree facts for the floors ---- */

static bool
is_ancestor (uint32_t node, uint32_t of)
{
  uint32_t half = (1u << cv_mls_tree_level (node)) - 1;

  return of >= node - half && of <= node + half;
}

/* The committer's filtered direct path in tree t: its length, the number
 * of HPKE seals of its UpdatePath (resolutions without the new leaves), and
 * for `member` how many of its nodes lie above that member (the keys the
 * member derives and checks). */
static void
path_facts (const cv_mls_tree *t, uint32_t committer, const uint32_t *added, size_t n_added,
            uint32_t member, size_t *len, size_t *seals, size_t *above_member)
{
  uint32_t path[CV_MLS_TREE_MAX_DEPTH], copath[CV_MLS_TREE_MAX_DEPTH];

  CHECK ("filtered direct path", cv_mls_tree_filtered_direct_path (t, committer, path, copath,
                                                                   len));
  *seals = 0;
  *above_member = 0;
  for (size_t i = 0; i < *len; i++)
    {
      uint32_t *res;
      size_t n_res;

      CHECK ("resolution", cv_mls_tree_resolution (t, copath[i], added, n_added, &res, &n_res));
      free (res);
      *seals += n_res;
      *above_member += is_ancestor (path[i], cv_mls_leaf_to_node (member));
    }
}

/* ---- Measuring ---- */

/* Best seconds per run of op over at least min_seconds and 3 runs. */
static double
time_best (bench_op op, void *arg)
{
  double best = 1e30, start = bench_now ();
  int runs = 0;

  while (runs < 3 || (bench_now () - start < min_seconds && runs < 200))
    {
      double t0 = cpu_now (), t;

      if (op (arg) != 0)
        die ("measured step", CV_ERR_CRYPTO);
      t = cpu_now () - t0;
      best = t < best ? t : best;
      runs++;
    }
  return best;
}

typedef struct {
  const char *name;
  size_t n_add;
  bool path;
  bool tree_in_welcome;
  bool join;       /* also time a joiner */
} variant;

static const variant variants[] = {
  { "add 1", 1, false, true, true },
  { "add 1 + path", 1, true, true, true },
  { "add 1 + path, tree out of band", 1, true, false, true },
  { "add 50", 50, false, true, false },
  { "add 50 + path", 50, true, true, false },
  { "add 50 + path, tree out of band", 50, true, false, false },
};
#define N_VARIANTS (sizeof variants / sizeof variants[0])

typedef struct {
  cv_mls_group *g;
  cv_mls_commit_options opts;
  /* the last run's results */
  cv_bytes msg, welcome;
  cv_mls_staged_commit *staged;
} commit_run;

static int
run_commit (void *arg)
{
  commit_run *c = arg;

  cv_bytes_clear (&c->msg);
  cv_bytes_clear (&c->welcome);
  cv_mls_staged_commit_free (c->staged);
  c->staged = NULL;
  return cv_mls_group_commit (c->g, &c->opts, &c->msg, &c->welcome, &c->staged) != CV_OK;
}

typedef struct {
  cv_mls_group *g;
  const cv_bytes *msg;
} process_run;

static int
run_process (void *arg)
{
  process_run *p = arg;
  cv_mls_received r;
  cv_status st = cv_mls_group_process (p->g, p->msg->data, p->msg->len, &r);

  if (st == CV_OK && r.type != CV_MLS_RECEIVED_COMMIT)
    st = CV_ERR_INVALID;
  if (st != CV_OK)
    fprintf (stderr, "process: %s\n", cv_status_message ());
  cv_mls_received_clear (&r);
  return st != CV_OK;
}

typedef struct {
  const cv_mls_key_package_bundle *bundle;
  const cv_bytes *welcome, *tree;
} join_run;

static int
run_join (void *arg)
{
  join_run *j = arg;
  cv_mls_group *g = NULL;
  cv_status st = cv_mls_group_join (j->bundle, j->welcome->data, j->welcome->len,
                                    j->tree ? j->tree->data : NULL, j->tree ? j->tree->len : 0,
                                    &config, &g);

  if (st != CV_OK)
    fprintf (stderr, "join: %s\n", cv_status_message ());
  cv_mls_group_free (g);
  return st != CV_OK;
}

/* Figures kept for the goals. */
typedef struct {
  size_t n;
  bool full;
  double commit_add1, commit_add1_path, process_add1, process_add1_path;
  double join_in, join_in_floor, join_out, join_out_floor;
  size_t welcome_in_bytes, welcome_out_bytes, tree_bytes;
} key_figures;

static void
line (const char *step, double t, double floor_t, const op_counts *c)
{
  char parts[96];

  describe (c, parts, sizeof parts);
  printf ("  %-44s %10.3f ms %10.3f ms  %6.2fx   %s\n", step, t * 1e3, floor_t * 1e3,
          floor_t > 0 ? t / floor_t : 0.0, parts);
}

static void
measure (group_setup *gs, key_figures *kf)
{
  floor_costs f;
  uint32_t committer = cv_mls_group_own_leaf (gs->committer);
  uint32_t receiver = cv_mls_group_own_leaf (gs->receiver);

  floor_measure (&f);
  printf ("  floor ops (us): Ed25519 verify %.1f, sign %.1f; X25519 base %.1f, DH %.1f; "
          "HPKE seal/open %.1f\n", f.verify * 1e6, f.sign * 1e6, f.base * 1e6, f.dh * 1e6,
          f.hpke * 1e6);
  printf ("  %-44s %13s %13s %8s   %s\n", "step", "best", "floor", "ratio", "floor counts");

  memset (kf, 0, sizeof *kf);
  kf->n = gs->n;
  kf->full = gs->full;
  for (size_t v = 0; v < N_VARIANTS; v++)
    {
      const variant *var = &variants[v];
      commit_run c = { .g = gs->committer };

      if (only && strcmp (var->name, only) != 0)
        continue;
      cv_bytes adds[MAX_ADD], tree = CV_BYTES_INIT;
      const cv_mls_commit_summary *sum;
      process_run p;
      op_counts oc = { 0 }, op = { 0 };
      size_t len = 0, seals = 0, above_receiver = 0, above_joiner = 0;
      uint32_t joiner_leaf;
      char name[96];
      double t, fl;

      for (size_t i = 0; i < var->n_add; i++)
        adds[i] = pool[gs->first_new + i].bundle.key_package_message;
      c.opts.add_key_packages = adds;
      c.opts.n_add = var->n_add;
      c.opts.force_path = var->path;
      gs->committer->config.ratchet_tree_in_welcome = var->tree_in_welcome;

      t = time_best (run_commit, &c);
      sum = cv_mls_staged_commit_summary (c.staged);
      joiner_leaf = sum->added[0];
      if (var->path)
        path_facts (c.staged->next->tree, committer, sum->added, sum->n_added, receiver,
                    &len, &seals, &above_receiver);
      if (var->path)
        {
          size_t l2, s2;
          path_facts (c.staged->next->tree, committer, sum->added, sum->n_added, joiner_leaf,
                      &l2, &s2, &above_joiner);
        }
      /* Create: each KeyPackage's and its leaf's signature, one GroupSecrets
       * seal per new member, the commit and GroupInfo signatures; a path adds
       * the new leaf's key and signature, one key per path node and one seal
       * per node of the copath resolutions. */
      oc.verify = 2 * var->n_add;
      oc.sign = 2 + (var->path ? 1 : 0);
      oc.seal = var->n_add + seals;
      oc.base = var->path ? len + 1 : 0;
      fl = floor_of (&f, &oc);
      snprintf (name, sizeof name, "commit %s", var->name);
      line (name, t, fl, &oc);
      if (v == 0)
        kf->commit_add1 = t;
      if (v == 1)
        kf->commit_add1_path = t;

      /* Process: the commit's signature, the KeyPackages; with a path the
       * new leaf's signature, one open, the keys from there to the root. */
      if (var->tree_in_welcome)
        {
          p.g = gs->receiver;
          p.msg = &c.msg;
          t = time_best (run_process, &p);
          op.verify = 1 + 2 * var->n_add + (var->path ? 1 : 0);
          op.open = var->path ? 1 : 0;
          op.base = var->path ? above_receiver : 0;
          fl = floor_of (&f, &op);
          snprintf (name, sizeof name, "process %s", var->name);
          line (name, t, fl, &op);
          if (v == 0)
            kf->process_add1 = t;
          if (v == 1)
            kf->process_add1_path = t;
        }

      if (!var->tree_in_welcome)
        CHECK ("ratchet tree", cv_mls_group_ratchet_tree (c.staged->next, &tree));
      if (var->join)
        {
          join_run j = { &pool[gs->first_new].bundle, &c.welcome,
                         var->tree_in_welcome ? NULL : &tree };
          op_counts oj = { 0 };

          t = time_best (run_join, &j);
          /* Every leaf's signature and the GroupInfo's, one open, and the
           * path keys above us. */
          oj.verify = cv_mls_group_member_count (c.staged->next) + 1;
          oj.open = 1;
          oj.base = above_joiner;
          fl = floor_of (&f, &oj);
          snprintf (name, sizeof name, "join %s", var->name);
          line (name, t, fl, &oj);
          if (v == 1)
            {
              kf->join_in = t;
              kf->join_in_floor = fl;
              kf->welcome_in_bytes = c.welcome.len;
            }
          if (v == 2)
            {
              kf->join_out = t;
              kf->join_out_floor = fl;
              kf->welcome_out_bytes = c.welcome.len;
              kf->tree_bytes = tree.len;
            }
        }
      printf ("  %-44s commit %zu B, Welcome %zu B", "", c.msg.len, c.welcome.len);
      if (tree.len)
        printf (", tree out of band %zu B", tree.len);
      printf ("\n");

      cv_bytes_clear (&tree);
      cv_bytes_clear (&c.msg);
      cv_bytes_clear (&c.welcome);
      cv_mls_staged_commit_free (c.staged);
    }
  gs->committer->config.ratchet_tree_in_welcome = true;
}

/* ---- Main ---- */

static size_t
parse_list (const char *s, size_t *out, size_t cap)
{
  size_t n = 0;

  while (*s && n < cap)
    {
      char *end;
      unsigned long v = strtoul (s, &end, 10);

      if (end == s || v < 4 || v > 100000)
        {
          fprintf (stderr, "bench-mls: bad size list \"%s\" (sizes from 4 to 100000)\n", s);
          exit (2);
        }
      out[n++] = v;
      s = *end == ',' ? end + 1 : end;
    }
  return n;
}

static void
print_load (const char *when)
{
  FILE *f = fopen ("/proc/loadavg", "r");
  char buf[64] = "";

  if (f)
    {
      if (!fgets (buf, sizeof buf, f))
        buf[0] = 0;
      fclose (f);
    }
  buf[strcspn (buf, "\n")] = 0;
  printf ("load average %s: %s\n", when, buf);
}

static void
goals (const key_figures *figs, size_t n_figs)
{
  const key_figures *k1000 = NULL, *k5000 = NULL;

  for (size_t i = 0; i < n_figs; i++)
    if (figs[i].full && figs[i].n == 1000)
      k1000 = &figs[i];
    else if (figs[i].full && figs[i].n == 5000)
      k5000 = &figs[i];
  printf ("\n== goals (suite 1, full tree)\n");
  if (!k1000)
    {
      printf ("  (run with size 1000 and shape full to check them)\n");
      return;
    }
#define GOAL(ok, ...) do { printf ("  %-5s ", (ok) ? "met" : "MISS"); printf (__VA_ARGS__); \
                           printf ("\n"); } while (0)
  GOAL (k1000->join_in < 1.5 * k1000->join_in_floor,
        "join 1000, tree in Welcome: %.1f ms = %.2fx floor (goal < 1.5x)",
        k1000->join_in * 1e3, k1000->join_in / k1000->join_in_floor);
  GOAL (k1000->join_out < 1.5 * k1000->join_out_floor,
        "join 1000, tree out of band: %.1f ms = %.2fx floor (goal < 1.5x)",
        k1000->join_out * 1e3, k1000->join_out / k1000->join_out_floor);
  GOAL (k1000->commit_add1 < 3e-3, "commit adding 1 at 1000: %.2f ms (goal < 3 ms)",
        k1000->commit_add1 * 1e3);
  GOAL (k1000->commit_add1_path < 3e-3, "commit adding 1 with a path at 1000: %.2f ms "
        "(goal < 3 ms)", k1000->commit_add1_path * 1e3);
  GOAL (k1000->process_add1 < 1.5e-3, "process it (no path) at 1000: %.2f ms (goal < 1.5 ms)",
        k1000->process_add1 * 1e3);
  GOAL (k1000->process_add1_path < 1.5e-3, "process it (with path) at 1000: %.2f ms "
        "(goal < 1.5 ms)", k1000->process_add1_path * 1e3);
  GOAL (k1000->welcome_in_bytes <= 300 * 1000, "Welcome at 1000 with the tree: %zu B "
        "(goal <= 300 KB)", k1000->welcome_in_bytes);
  if (k5000)
    GOAL (k5000->join_in < 1.5 * k5000->join_in_floor,
          "join 5000, tree in Welcome: %.1f ms = %.2fx floor, %.2fx the time at 1000 "
          "(linear: 5x)", k5000->join_in * 1e3, k5000->join_in / k5000->join_in_floor,
          k5000->join_in / k1000->join_in);
#undef GOAL
}

int
main (int argc, char **argv)
{
  size_t sizes[16] = { 10, 100, 1000 }, n_sizes = 3;
  bool shapes[2] = { true, true };   /* full, blank */
  const char *shape_names[2] = { "full", "blank" };
  key_figures figs[32];
  size_t n_figs = 0;

  for (int a = 1; a < argc; a++)
    {
      if (strcmp (argv[a], "--sizes") == 0 && a + 1 < argc)
        n_sizes = parse_list (argv[++a], sizes, 16);
      else if (strcmp (argv[a], "--shapes") == 0 && a + 1 < argc)
        {
          const char *s = argv[++a];
          shapes[0] = strstr (s, "full") != NULL;
          shapes[1] = strstr (s, "blank") != NULL;
        }
      else if (strcmp (argv[a], "--seconds") == 0 && a + 1 < argc)
        min_seconds = atof (argv[++a]);
      else if (strcmp (argv[a], "--only") == 0 && a + 1 < argc)
        only = argv[++a];
      else
        {
          fprintf (stderr, "usage: %s [--sizes 10,100,1000[,5000]] [--shapes full,blank] "
                   "[--seconds S] [--only VARIANT]\n"
                   "variants: \"add 1\", \"add 1 + path\", \"add 1 + path, tree out of band\", "
                   "\"add 50\", \"add 50 + path\", \"add 50 + path, tree out of band\"\n", argv[0]);
          return 2;
        }
    }

  CHECK ("suite", cv_mls_suite_get (CV_MLS_SUITE_X25519_AES128GCM_SHA256_ED25519, &suite));
  cv_mls_group_config_init (&config);
  floor_init ();
  printf ("bench-mls: %s, PublicMessage handshakes, times are CPU time, best of runs over %.2f s\n",
          suite->name, min_seconds);
  print_load ("at start");

  for (size_t i = 0; i < n_sizes; i++)
    for (int s = 0; s < 2; s++)
      {
        group_setup gs;

        if (!shapes[s])
          continue;
        group_build (sizes[i], s == 0, &gs);
        printf ("\n== %zu members, %s tree (%u leaves; built with %zu commits in %.1f s)\n",
                sizes[i], shape_names[s], cv_mls_tree_n_leaves (gs.committer->tree),
                gs.build_commits, gs.build_seconds);
        if (n_figs < 32)
          measure (&gs, &figs[n_figs++]);
        group_setup_clear (&gs);
        fflush (stdout);
      }
  goals (figs, n_figs);
  print_load ("at end");
  pool_free ();
  return 0;
}
