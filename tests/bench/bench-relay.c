/* bench-relay: 1200-byte SRTP packets forwarded by the media relay on one
 * core to N subscribers (N = 1, 4, 16), each under its own keys, against a
 * floor measured in the same run: libsrtp unprotect + N protects + a bare
 * sendmmsg of the same packets to the same sockets, with no relay logic.
 *
 * Usage: bench-relay [SECONDS] [gcm|cm]   (default 3 s per point, gcm)
 *
 * Rates are per CPU-second of the thread doing the work (the relay thread,
 * or the floor loop), so a busy shared machine lowers both alike; the wall
 * rate is printed beside it. Each point is the best of ROUNDS alternating
 * rounds of floor and relay, SECONDS split between them. A sender thread on the other core protects and
 * sends as fast as it can; the relay's socket drops what it cannot take.
 */
#include <glib.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>

#include "bench-common.h"
#include "test-relay-client.h"

#define PACKET_BYTES 1200       /* SRTP datagram size on the wire */
#define BATCH 32
#define ROUNDS 3

typedef struct
{
  RelayClient *sender;
  CvRelay *relay;
  gint stop;
  guint64 sent;
} SenderArgs;

/* The sender protects a chunk of packets first, then sends it as fast as
 * the relay takes it, keeping at most IN_FLIGHT packets ahead of what the
 * relay has read: the relay then always finds full batches (it idles while
 * the next chunk is made, which costs it no CPU time), and no packet is lost
 * to a full socket, which would also break SRTP's index estimate after 2^15
 * losses in a row (RFC 3711 3.3.1). */
#define CHUNK 8192
#define IN_FLIGHT 1024
#define FLOOR_CHUNK 2048

static int
payload_len_for (CvSrtpProfile profile, size_t header_len)
{
  int tag = profile == CV_SRTP_PROFILE_AEAD_AES_128_GCM ? 16 : 10;

  return PACKET_BYTES - (int) header_len - tag;
}

static gpointer
sender_thread (gpointer data)
{
  SenderArgs *args = data;
  RelayClient *c = args->sender;
  guint8 (*bufs)[TEST_PKT_BUF] = g_malloc (CHUNK * sizeof *bufs);
  struct mmsghdr *msgs = g_new0 (struct mmsghdr, CHUNK);
  struct iovec *iovs = g_new0 (struct iovec, CHUNK);
  guint16 seq = 1;

  for (int i = 0; i < CHUNK; i++)
    {
      iovs[i].iov_base = bufs[i];
      msgs[i].msg_hdr.msg_iov = &iovs[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_name = &c->relay;
      msgs[i].msg_hdr.msg_namelen = sizeof c->relay;
    }
  while (!g_atomic_int_get (&args->stop))
    {
      for (int i = 0; i < CHUNK; i++)
        {
          size_t hl = cv_rtp_write_header (bufs[i], 96, seq, seq * 3000u,
                                           c->ssrc_base + CV_RELAY_SLOT_VIDEO, -1, 1,
                                           CV_RELAY_EXT_AUDIO_LEVEL, CV_RELAY_EXT_KEYFRAME);
          int len = (int) hl + payload_len_for (c->profile, hl);

          memset (bufs[i] + hl, 0x5c, (size_t) len - hl);
          if (srtp_protect (c->tx, bufs[i], &len) != srtp_err_status_ok)
            g_error ("sender: srtp_protect failed");
          iovs[i].iov_len = (size_t) len;
          seq++;
        }
      for (int i = 0; i < CHUNK && !g_atomic_int_get (&args->stop);)
        {
          CvRelayStats st;
          int r;

          cv_relay_get_stats (args->relay, &st);
          if (args->sent > st.rx_packets + IN_FLIGHT)
            {
              sched_yield ();
              continue;
            }
          r = sendmmsg (c->fd, msgs + i, MIN (BATCH, CHUNK - i), 0);
          if (r > 0)
            {
              i += r;
              args->sent += (guint64) r;
            }
        }
    }
  g_free (iovs);
  g_free (msgs);
  g_free (bufs);
  return NULL;
}

static double
thread_cpu_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

typedef struct
{
  double per_cpu_second;        /* forwarded packets per relay CPU-second */
  double wall;                  /* forwarded packets per wall second */
  double input_wall;            /* authenticated packets in per wall second */
  double cpu_share;             /* relay thread CPU / wall */
} RelayResult;

static void
hello (RelayClient *c)
{
  guint8 rr[8] = { 0x80, 201, 0, 1 };
  guint32 ssrc = c->ssrc_base + CV_RELAY_SLOT_RTCP;

  rr[4] = (guint8) (ssrc >> 24);
  rr[5] = (guint8) (ssrc >> 16);
  rr[6] = (guint8) (ssrc >> 8);
  rr[7] = (guint8) ssrc;
  relay_client_send_rtcp (c, rr, sizeof rr);
}

static void
stats (CvRelay *relay, CvRelayStats *s)
{
  cv_relay_get_stats (relay, s);
}

static RelayResult
run_relay (CvSrtpProfile profile, guint n_subs, double seconds)
{
  g_autoptr (GError) error = NULL;
  CvRelay *relay = cv_relay_new ("127.0.0.1", 0, &error);
  RelayClient sender;
  RelayClient *subs = g_new0 (RelayClient, n_subs);
  SenderArgs args = { &sender, relay, 0, 0 };
  CvRelayStats s0, s1;
  RelayResult r = { 0 };
  GThread *thread;
  double t0, t1;

  if (relay == NULL)
    g_error ("cv_relay_new: %s", error->message);
  relay_client_init (&sender, relay, 1, "bench", profile);
  for (guint i = 0; i < n_subs; i++)
    relay_client_init (&subs[i], relay, 100 + i, "bench", profile);
  hello (&sender);
  for (guint i = 0; i < n_subs; i++)
    {
      hello (&subs[i]);
      cv_relay_subscribe (relay, subs[i].id, sender.ssrc_base + CV_RELAY_SLOT_VIDEO, TRUE);
    }
  cv_relay_sync (relay);
  do
    {
      g_usleep (1000);
      stats (relay, &s0);
    }
  while (s0.addresses_learned < n_subs + 1);

  thread = g_thread_new ("bench-sender", sender_thread, &args);
  g_usleep (200 * 1000);        /* warm up: caches, socket buffers */
  stats (relay, &s0);
  t0 = bench_now ();
  g_usleep ((gulong) (seconds * 1e6));
  stats (relay, &s1);
  t1 = bench_now ();
  g_atomic_int_set (&args.stop, 1);
  g_thread_join (thread);

  r.wall = (double) (s1.forwarded - s0.forwarded) / (t1 - t0);
  r.input_wall = (double) (s1.rx_rtp - s0.rx_rtp) / (t1 - t0);
  r.cpu_share = (double) (s1.thread_cpu_ns - s0.thread_cpu_ns) * 1e-9 / (t1 - t0);
  r.per_cpu_second = r.cpu_share > 0 ? r.wall / r.cpu_share : 0;
  if (s1.dropped_auth + s1.dropped_replay + s1.dropped_malformed + s1.dropped_tx > 0)
    printf ("    (relay dropped: auth %" G_GUINT64_FORMAT " replay %" G_GUINT64_FORMAT
                " malformed %" G_GUINT64_FORMAT " tx %" G_GUINT64_FORMAT ")\n",
                s1.dropped_auth, s1.dropped_replay, s1.dropped_malformed, s1.dropped_tx);

  relay_client_clear (&sender);
  for (guint i = 0; i < n_subs; i++)
    relay_client_clear (&subs[i]);
  g_free (subs);
  g_object_unref (relay);
  return r;
}

/* An SRTP context with a fresh random key (key || salt). */
static srtp_t
make_context (CvSrtpProfile profile, guint8 *key, gboolean fresh, int type)
{
  srtp_policy_t policy;
  srtp_t ctx;

  if (fresh)
    for (int i = 0; i < 64; i++)
      key[i] = (guint8) g_random_int ();
  relay_client_policy (&policy, profile, key, type);
  policy.allow_repeat_tx = type == ssrc_any_outbound;
  g_assert_cmpint (srtp_create (&ctx, &policy), ==, srtp_err_status_ok);
  return ctx;
}

/* The floor: what any SRTP-per-hop SFU must do per packet, and nothing else:
 * one unprotect, N copies and protects under N keys, one sendmmsg per batch
 * to the N subscriber sockets. */
static double
run_floor (CvSrtpProfile profile, guint n_subs, double seconds)
{
  guint8 (*in)[TEST_PKT_BUF] = g_malloc (FLOOR_CHUNK * sizeof *in);
  int *in_len = g_new (int, FLOOR_CHUNK);
  guint8 (*out)[TEST_PKT_BUF] = g_malloc ((size_t) BATCH * n_subs * sizeof *out);
  struct mmsghdr *msgs = g_new0 (struct mmsghdr, (gsize) BATCH * n_subs);
  struct iovec *iovs = g_new0 (struct iovec, (gsize) BATCH * n_subs);
  struct sockaddr_in *dest = g_new0 (struct sockaddr_in, n_subs);
  int *sub_fds = g_new (int, n_subs);
  srtp_t client_tx, relay_rx, *relay_tx = g_new0 (srtp_t, n_subs);
  guint8 key[64];
  guint16 seq = 1;
  guint64 packets = 0;
  double cpu = 0;
  int out_fd = relay_client_socket ();

  client_tx = make_context (profile, key, TRUE, ssrc_any_outbound);
  relay_rx = make_context (profile, key, FALSE, ssrc_any_inbound);
  for (guint i = 0; i < n_subs; i++)
    {
      socklen_t len = sizeof dest[i];

      relay_tx[i] = make_context (profile, key, TRUE, ssrc_any_outbound);
      sub_fds[i] = relay_client_socket ();
      getsockname (sub_fds[i], (struct sockaddr *) &dest[i], &len);
    }
  explicit_bzero (key, sizeof key);
  for (guint i = 0; i < BATCH * n_subs; i++)
    {
      iovs[i].iov_base = out[i];
      msgs[i].msg_hdr.msg_iov = &iovs[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_name = &dest[i % n_subs];
      msgs[i].msg_hdr.msg_namelen = sizeof dest[i % n_subs];
    }

  while (cpu < seconds)
    {
      double c0;

      /* Untimed: the client's side, making fresh packets. */
      for (int i = 0; i < FLOOR_CHUNK; i++)
        {
          size_t hl = cv_rtp_write_header (in[i], 96, seq, seq * 3000u, 0x10000001, -1, 1,
                                           CV_RELAY_EXT_AUDIO_LEVEL, CV_RELAY_EXT_KEYFRAME);

          in_len[i] = (int) hl + payload_len_for (profile, hl);
          memset (in[i] + hl, 0x5c, (size_t) in_len[i] - hl);
          if (srtp_protect (client_tx, in[i], &in_len[i]) != srtp_err_status_ok)
            g_error ("floor: client protect failed");
          seq++;
        }

      c0 = thread_cpu_seconds ();
      for (int i = 0; i < FLOOR_CHUNK; i += BATCH)
        {
          guint n = 0;

          for (int j = i; j < i + BATCH; j++)
            {
              int len = in_len[j];

              if (srtp_unprotect (relay_rx, in[j], &len) != srtp_err_status_ok)
                g_error ("floor: unprotect failed");
              for (guint s = 0; s < n_subs; s++, n++)
                {
                  int olen = len;

                  memcpy (out[n], in[j], (size_t) len);
                  if (srtp_protect (relay_tx[s], out[n], &olen) != srtp_err_status_ok)
                    g_error ("floor: protect failed");
                  iovs[n].iov_len = (size_t) olen;
                }
            }
          for (guint sent = 0; sent < n;)
            {
              int r = sendmmsg (out_fd, msgs + sent, n - sent, 0);

              sent += r > 0 ? (guint) r : 1;
            }
        }
      cpu += thread_cpu_seconds () - c0;
      packets += FLOOR_CHUNK;
    }

  srtp_dealloc (client_tx);
  srtp_dealloc (relay_rx);
  for (guint i = 0; i < n_subs; i++)
    {
      srtp_dealloc (relay_tx[i]);
      close (sub_fds[i]);
    }
  close (out_fd);
  g_free (sub_fds);
  g_free (relay_tx);
  g_free (dest);
  g_free (iovs);
  g_free (msgs);
  g_free (out);
  g_free (in_len);
  g_free (in);
  /* Output packets per CPU-second, as the relay's figure. */
  return (double) packets * n_subs / cpu;
}

int
main (int argc, char **argv)
{
  double seconds = argc > 1 ? g_ascii_strtod (argv[1], NULL) : 3.0;
  CvSrtpProfile profile = CV_SRTP_PROFILE_AEAD_AES_128_GCM;
  const guint fanouts[] = { 1, 4, 16 };

  if (argc > 2 && g_strcmp0 (argv[2], "cm") == 0)
    profile = CV_SRTP_PROFILE_AES_CM_128_HMAC_SHA1_80;
  if (seconds <= 0)
    seconds = 3.0;
  srtp_init ();

  printf ("== relay %s, %d-byte packets, rates per CPU-second of the working thread\n",
          cv_srtp_profile_name (profile), PACKET_BYTES);
  for (gsize i = 0; i < G_N_ELEMENTS (fanouts); i++)
    {
      guint n = fanouts[i];
      double floor_rate = 0;
      RelayResult r = { 0 };
      g_autofree char *name = g_strdup_printf ("relay forwarded, N=%u", n);

      /* Rounds of floor and relay in turn, best of each: on a shared
       * machine the slowest rounds measure the neighbours, not the code. */
      for (int round = 0; round < ROUNDS; round++)
        {
          double f = run_floor (profile, n, seconds / ROUNDS);
          RelayResult rr = run_relay (profile, n, seconds / ROUNDS);

          floor_rate = MAX (floor_rate, f);
          if (rr.per_cpu_second > r.per_cpu_second)
            r = rr;
        }

      bench_report (name, r.per_cpu_second, "unprotect+N protect+sendmmsg", floor_rate);
      printf ("    wall: %.0f forwarded/s, %.0f in/s, relay thread busy %.0f%%\n",
              r.wall, r.input_wall, 100.0 * r.cpu_share);
    }
  return 0;
}
