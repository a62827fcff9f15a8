/* test-relay-client.h: the client side of the media hop for the relay tests
 * and the benchmark. A UDP socket on loopback and two real libsrtp contexts
 * built from the key material the relay hands out, laid out as in
 * docs/protocol.md "## Media relay". */
#pragma once

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <srtp2/srtp.h>

#include "cv-relay.h"
#include "cv-relay-rtp.h"

#define TEST_PKT_BUF 2048

typedef struct
{
  guint32 id;
  int fd;
  srtp_t tx;                    /* client_write: what the client sends */
  srtp_t rx;                    /* server_write: what the relay sends */
  guint32 ssrc_base;
  CvSrtpProfile profile;
  struct sockaddr_in relay;
  guint8 last_sent[TEST_PKT_BUF];
  int last_sent_len;
} RelayClient;

static inline int
relay_client_socket (void)
{
  struct sockaddr_in sin = { 0 };
  int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &sin, sizeof sin), ==, 0);
  return fd;
}

static inline void
relay_client_policy (srtp_policy_t *policy, CvSrtpProfile profile, guint8 *key, int type)
{
  memset (policy, 0, sizeof *policy);
  if (profile == CV_SRTP_PROFILE_AEAD_AES_128_GCM)
    {
      srtp_crypto_policy_set_aes_gcm_128_16_auth (&policy->rtp);
      srtp_crypto_policy_set_aes_gcm_128_16_auth (&policy->rtcp);
    }
  else
    {
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80 (&policy->rtp);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80 (&policy->rtcp);
    }
  policy->ssrc.type = type;
  policy->key = key;
  policy->window_size = 512;
}

static inline void
relay_client_init (RelayClient *c, CvRelay *relay, guint32 id, const char *meeting,
                   CvSrtpProfile profile)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) material = NULL;
  const guint8 *m;
  gsize len, kl, sl;
  guint8 tx_key[64], rx_key[64];
  srtp_policy_t policy;

  memset (c, 0, sizeof *c);
  c->id = id;
  c->profile = profile;
  g_assert_true (cv_relay_add_participant (relay, id, meeting, profile, &material,
                                           &c->ssrc_base, &error));
  g_assert_no_error (error);
  m = g_bytes_get_data (material, &len);
  kl = cv_srtp_profile_key_length (profile);
  sl = cv_srtp_profile_salt_length (profile);
  g_assert_cmpuint (len, ==, 2 * (kl + sl));
  memcpy (tx_key, m, kl);
  memcpy (tx_key + kl, m + 2 * kl, sl);
  memcpy (rx_key, m + kl, kl);
  memcpy (rx_key + kl, m + 2 * kl + sl, sl);

  relay_client_policy (&policy, profile, tx_key, ssrc_any_outbound);
  g_assert_cmpint (srtp_create (&c->tx, &policy), ==, srtp_err_status_ok);
  relay_client_policy (&policy, profile, rx_key, ssrc_any_inbound);
  g_assert_cmpint (srtp_create (&c->rx, &policy), ==, srtp_err_status_ok);

  c->fd = relay_client_socket ();
  c->relay.sin_family = AF_INET;
  c->relay.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  c->relay.sin_port = htons (cv_relay_get_port (relay));
}

static inline void
relay_client_clear (RelayClient *c)
{
  if (c->tx != NULL)
    srtp_dealloc (c->tx);
  if (c->rx != NULL)
    srtp_dealloc (c->rx);
  if (c->fd >= 0)
    close (c->fd);
  memset (c, 0, sizeof *c);
  c->fd = -1;
}

static inline void
relay_client_send_raw_from (RelayClient *c, int fd, const guint8 *buf, int len)
{
  g_assert_cmpint (sendto (fd, buf, (size_t) len, 0, (struct sockaddr *) &c->relay,
                           sizeof c->relay), ==, len);
}

static inline void
relay_client_send_raw (RelayClient *c, const guint8 *buf, int len)
{
  relay_client_send_raw_from (c, c->fd, buf, len);
}

/* Protects and sends one RTP packet on stream base + slot; the payload is
 * `payload_len` bytes of `fill` (a stand-in for SFrame ciphertext). The
 * protected bytes are kept in last_sent for replay tests. */
static inline void
relay_client_send_rtp (RelayClient *c, guint slot, guint16 seq, int level, int keyframe,
                       int payload_len, guint8 fill)
{
  guint8 *buf = c->last_sent;
  size_t hl;
  int len;

  hl = cv_rtp_write_header (buf, slot == CV_RELAY_SLOT_AUDIO ? 111 : 96, seq, seq * 960u,
                            c->ssrc_base + slot, level, keyframe,
                            CV_RELAY_EXT_AUDIO_LEVEL, CV_RELAY_EXT_KEYFRAME);
  memset (buf + hl, fill, (size_t) payload_len);
  len = (int) hl + payload_len;
  g_assert_cmpint (srtp_protect (c->tx, buf, &len), ==, srtp_err_status_ok);
  c->last_sent_len = len;
  relay_client_send_raw (c, buf, len);
}

static inline void
relay_client_send_rtcp (RelayClient *c, const guint8 *plain, int plain_len)
{
  guint8 buf[TEST_PKT_BUF];
  int len = plain_len;

  memcpy (buf, plain, (size_t) plain_len);
  g_assert_cmpint (srtp_protect_rtcp (c->tx, buf, &len), ==, srtp_err_status_ok);
  relay_client_send_raw (c, buf, len);
}

/* Receives one datagram within timeout_ms on fd; returns its length or -1. */
static inline int
relay_client_recv_raw (int fd, guint8 *buf, int timeout_ms)
{
  struct pollfd pfd = { .fd = fd, .events = POLLIN };
  ssize_t n;

  if (poll (&pfd, 1, timeout_ms) <= 0)
    return -1;
  n = recv (fd, buf, TEST_PKT_BUF, 0);
  return (int) n;
}

/* Receives and unprotects one packet (RTP or RTCP). Returns the plaintext
 * length, -1 on timeout; fails the test if it does not authenticate. */
static inline int
relay_client_recv (RelayClient *c, guint8 *buf, int timeout_ms)
{
  int len = relay_client_recv_raw (c->fd, buf, timeout_ms);

  if (len < 0)
    return -1;
  if (cv_rtp_is_rtcp (buf, (size_t) len))
    g_assert_cmpint (srtp_unprotect_rtcp (c->rx, buf, &len), ==, srtp_err_status_ok);
  else
    g_assert_cmpint (srtp_unprotect (c->rx, buf, &len), ==, srtp_err_status_ok);
  return len;
}
