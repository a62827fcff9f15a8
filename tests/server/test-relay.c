/* test-relay: the media relay over real UDP sockets on loopback, with real
 * libsrtp contexts on the client side of each participant. */
#include <glib.h>

#include "test-relay-client.h"

#define MEETING "123456789"
#define SHORT_WAIT 150          /* ms: "receives nothing" */
#define LONG_WAIT 2000          /* ms: "receives this" */

typedef struct
{
  CvRelay *relay;
  RelayClient a, b, c;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer profile_data)
{
  g_autoptr (GError) error = NULL;
  CvSrtpProfile profile = GPOINTER_TO_INT (profile_data);

  f->relay = cv_relay_new ("127.0.0.1", 0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->relay);
  g_assert_cmpuint (cv_relay_get_port (f->relay), !=, 0);
  relay_client_init (&f->a, f->relay, 1, MEETING, profile);
  relay_client_init (&f->b, f->relay, 2, MEETING, profile);
  relay_client_init (&f->c, f->relay, 3, MEETING, profile);
  cv_relay_sync (f->relay);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  relay_client_clear (&f->a);
  relay_client_clear (&f->b);
  relay_client_clear (&f->c);
  g_assert_finalize_object (f->relay);
}

static CvRelayStats
stats (Fixture *f)
{
  CvRelayStats s;

  cv_relay_sync (f->relay);
  cv_relay_get_stats (f->relay, &s);
  return s;
}

/* Each client sends one authenticated packet (a receiver report) so the
 * relay learns where it is. */
static void
hello (Fixture *f, RelayClient *c)
{
  guint8 rr[8] = { 0x80, 201, 0, 1 };

  rr[4] = (guint8) ((c->ssrc_base + CV_RELAY_SLOT_RTCP) >> 24);
  rr[5] = (guint8) ((c->ssrc_base + CV_RELAY_SLOT_RTCP) >> 16);
  rr[6] = (guint8) ((c->ssrc_base + CV_RELAY_SLOT_RTCP) >> 8);
  rr[7] = (guint8) (c->ssrc_base + CV_RELAY_SLOT_RTCP);
  relay_client_send_rtcp (c, rr, sizeof rr);
}

static void
hello_all (Fixture *f)
{
  hello (f, &f->a);
  hello (f, &f->b);
  hello (f, &f->c);
  /* Wait until the relay has seen all three. */
  for (int i = 0; i < 200 && stats (f).addresses_learned < 3; i++)
    g_usleep (5000);
  g_assert_cmpuint (stats (f).addresses_learned, ==, 3);
}

static void
expect_rtp (RelayClient *c, guint32 ssrc, guint16 seq, int payload_len, guint8 fill)
{
  guint8 buf[TEST_PKT_BUF];
  cv_rtp_header hdr;
  int len = relay_client_recv (c, buf, LONG_WAIT);

  g_assert_cmpint (len, >, 0);
  g_assert_cmpint (cv_rtp_parse (buf, (size_t) len, CV_RELAY_EXT_AUDIO_LEVEL,
                                 CV_RELAY_EXT_KEYFRAME, &hdr), ==, CV_RTP_OK);
  g_assert_cmphex (hdr.ssrc, ==, ssrc);
  g_assert_cmpuint (hdr.seq, ==, seq);
  g_assert_cmpint (len - (int) hdr.header_len, ==, payload_len);
  for (int i = (int) hdr.header_len; i < len; i++)
    g_assert_cmpuint (buf[i], ==, fill);
}

static void
expect_nothing (RelayClient *c)
{
  guint8 buf[TEST_PKT_BUF];

  g_assert_cmpint (relay_client_recv_raw (c->fd, buf, SHORT_WAIT), ==, -1);
}

static void
test_ssrc_bases (Fixture *f, gconstpointer data)
{
  /* Distinct, stride-aligned, away from the relay's own SSRC. */
  g_assert_cmpuint (f->a.ssrc_base % CV_RELAY_SSRC_STRIDE, ==, 0);
  g_assert_cmpuint (f->b.ssrc_base % CV_RELAY_SSRC_STRIDE, ==, 0);
  g_assert_cmpuint (f->a.ssrc_base, !=, f->b.ssrc_base);
  g_assert_cmpuint (f->b.ssrc_base, !=, f->c.ssrc_base);
  g_assert_cmpuint (f->a.ssrc_base, >, CV_RELAY_OWN_SSRC);
}

static void
test_duplicate_participant (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) material = NULL;
  guint32 base = 0;

  g_assert_false (cv_relay_add_participant (f->relay, 1, MEETING,
                                            CV_SRTP_PROFILE_AEAD_AES_128_GCM,
                                            &material, &base, &error));
  g_assert_error (error, CV_RELAY_ERROR, CV_RELAY_ERROR_EXISTS);
  g_assert_null (material);
}

static void
test_forwarding (Fixture *f, gconstpointer data)
{
  CvRelayStats s;

  hello_all (f);
  /* B shows A's audio; C shows nothing of A. */
  cv_relay_subscribe (f->relay, f->b.id, f->a.ssrc_base + CV_RELAY_SLOT_AUDIO, TRUE);
  cv_relay_sync (f->relay);

  for (guint16 seq = 1000; seq < 1010; seq++)
    {
      relay_client_send_rtp (&f->a, CV_RELAY_SLOT_AUDIO, seq, 40, -1, 160, (guint8) seq);
      expect_rtp (&f->b, f->a.ssrc_base + CV_RELAY_SLOT_AUDIO, seq, 160, (guint8) seq);
    }
  expect_nothing (&f->c);
  expect_nothing (&f->a);

  /* C subscribes too: both get the next packets, each under its own key
   * (relay_client_recv fails the test if it does not authenticate). */
  cv_relay_subscribe (f->relay, f->c.id, f->a.ssrc_base + CV_RELAY_SLOT_AUDIO, TRUE);
  cv_relay_sync (f->relay);
  relay_client_send_rtp (&f->a, CV_RELAY_SLOT_AUDIO, 1010, 40, -1, 1200, 0xab);
  expect_rtp (&f->b, f->a.ssrc_base + CV_RELAY_SLOT_AUDIO, 1010, 1200, 0xab);
  expect_rtp (&f->c, f->a.ssrc_base + CV_RELAY_SLOT_AUDIO, 1010, 1200, 0xab);

  /* B unsubscribes: only C. */
  cv_relay_subscribe (f->relay, f->b.id, f->a.ssrc_base + CV_RELAY_SLOT_AUDIO, FALSE);
  cv_relay_sync (f->relay);
  relay_client_send_rtp (&f->a, CV_RELAY_SLOT_AUDIO, 1011, 40, -1, 100, 0x11);
  expect_rtp (&f->c, f->a.ssrc_base + CV_RELAY_SLOT_AUDIO, 1011, 100, 0x11);
  expect_nothing (&f->b);

  s = stats (f);
  g_assert_cmpuint (s.forwarded, ==, 10 + 2 + 1);
  g_assert_cmpuint (s.rx_rtp, ==, 12);
  g_assert_cmpuint (s.dropped_auth + s.dropped_replay + s.dropped_malformed
                    + s.dropped_unknown_ssrc, ==, 0);

  /* Nobody subscribed to A's video: authenticated, dropped, counted. */
  relay_client_send_rtp (&f->a, CV_RELAY_SLOT_VIDEO, 1, -1, 1, 1000, 0x22);
  for (int i = 0; i < 200 && stats (f).dropped_no_subscriber < 1; i++)
    g_usleep (5000);
  g_assert_cmpuint (stats (f).dropped_no_subscriber, ==, 1);
  expect_nothing (&f->b);
  expect_nothing (&f->c);
}

static void
test_other_meeting_isolated (Fixture *f, gconstpointer data)
{
  RelayClient d;

  relay_client_init (&d, f->relay, 4, "987654321", CV_SRTP_PROFILE_AEAD_AES_128_GCM);
  hello_all (f);
  hello (f, &d);
  /* D is in another meeting: its subscription to A is refused. */
  cv_relay_subscribe (f->relay, d.id, f->a.ssrc_base + CV_RELAY_SLOT_AUDIO, TRUE);
  cv_relay_sync (f->relay);
  relay_client_send_rtp (&f->a, CV_RELAY_SLOT_AUDIO, 7, 50, -1, 64, 0x33);
  expect_nothing (&d);
  g_assert_cmpuint (stats (f).dropped_no_subscriber, ==, 1);
  relay_client_clear (&d);
}

static void
test_bad_input (Fixture *f, gconstpointer data)
{
  guint8 buf[TEST_PKT_BUF];
  guint8 big[1700];
  CvRelayStats s;
  int len;

  hello_all (f);
  cv_relay_subscribe (f->relay, f->b.id, f->a.ssrc_base + CV_RELAY_SLOT_AUDIO, TRUE);
  cv_relay_sync (f->relay);

  /* One good packet, then the same bytes again: a replay. */
  relay_client_send_rtp (&f->a, CV_RELAY_SLOT_AUDIO, 10, 30, -1, 200, 0x01);
  expect_rtp (&f->b, f->a.ssrc_base, 10, 200, 0x01);
  relay_client_send_raw (&f->a, f->a.last_sent, f->a.last_sent_len);

  /* A valid packet with one payload bit flipped: authentication fails. */
  relay_client_send_rtp (&f->a, CV_RELAY_SLOT_AUDIO, 11, 30, -1, 200, 0x02);
  expect_rtp (&f->b, f->a.ssrc_base, 11, 200, 0x02);
  memcpy (buf, f->a.last_sent, (size_t) f->a.last_sent_len);
  len = f->a.last_sent_len;
  buf[2] = 0;
  buf[3] = 12;                  /* a fresh sequence number, old tag */
  relay_client_send_raw (&f->a, buf, len);
  buf[3] = 13;
  buf[len - 20] ^= 0x04;
  relay_client_send_raw (&f->a, buf, len);

  /* B's SSRC but A's key: fails authentication, B's address unchanged. */
  buf[8] = (guint8) (f->b.ssrc_base >> 24);
  buf[9] = (guint8) (f->b.ssrc_base >> 16);
  buf[10] = (guint8) (f->b.ssrc_base >> 8);
  buf[11] = (guint8) f->b.ssrc_base;
  relay_client_send_raw (&f->c, buf, len);

  /* Garbage: too short, wrong version, random bytes, oversized. */
  relay_client_send_raw (&f->c, (const guint8 *) "\x80", 1);
  memset (buf, 0x3f, 100);
  relay_client_send_raw (&f->c, buf, 100);
  for (int i = 0; i < 100; i++)
    buf[i] = (guint8) g_random_int ();
  buf[0] = 0x80;
  buf[1] = 96;
  relay_client_send_raw (&f->c, buf, 100);
  memset (big, 0x80, sizeof big);
  relay_client_send_raw (&f->c, big, sizeof big);
  /* RTP whose extension length runs past the end. */
  {
    guint8 bad_ext[20] = { 0x90, 96, 0, 1, 0, 0, 0, 0 };

    bad_ext[8] = (guint8) (f->a.ssrc_base >> 24);
    bad_ext[9] = (guint8) (f->a.ssrc_base >> 16);
    bad_ext[10] = (guint8) (f->a.ssrc_base >> 8);
    bad_ext[11] = (guint8) f->a.ssrc_base;
    bad_ext[12] = 0xbe;
    bad_ext[13] = 0xde;
    bad_ext[14] = 0x00;
    bad_ext[15] = 0x09;
    relay_client_send_raw (&f->c, bad_ext, sizeof bad_ext);
  }
  /* Unknown SSRC (the relay's own, and one outside every range). */
  cv_rtp_write_header (buf, 96, 1, 1, 0x00000005, -1, -1, 0, 0);
  memset (buf + 12, 0, 60);
  relay_client_send_raw (&f->c, buf, 72);
  cv_rtp_write_header (buf, 96, 1, 1, f->c.ssrc_base + CV_RELAY_SSRC_STRIDE * 1000 + 1,
                       -1, -1, 0, 0);
  relay_client_send_raw (&f->c, buf, 72);
  /* RTCP that fails authentication, and RTCP garbage. */
  {
    guint8 pli[12 + 32];

    cv_rtcp_write_pli (pli, f->c.ssrc_base + CV_RELAY_SLOT_RTCP, f->a.ssrc_base + 1);
    memset (pli + 12, 0x55, 32);
    relay_client_send_raw (&f->c, pli, sizeof pli);
    pli[1] = 200;
    pli[2] = 0xff;
    relay_client_send_raw (&f->c, pli, 6);
  }

  /* Everyone else carries on. */
  relay_client_send_rtp (&f->a, CV_RELAY_SLOT_AUDIO, 14, 30, -1, 200, 0x03);
  expect_rtp (&f->b, f->a.ssrc_base, 14, 200, 0x03);
  expect_nothing (&f->b);
  expect_nothing (&f->c);

  s = stats (f);
  g_test_message ("rx %" G_GUINT64_FORMAT " auth %" G_GUINT64_FORMAT " replay %" G_GUINT64_FORMAT
                  " malformed %" G_GUINT64_FORMAT " unknown %" G_GUINT64_FORMAT,
                  s.rx_packets, s.dropped_auth, s.dropped_replay, s.dropped_malformed,
                  s.dropped_unknown_ssrc);
  g_assert_cmpuint (s.dropped_replay, ==, 1);
  /* seq 12 with the old tag, flipped payload, B's SSRC, bad SRTCP */
  g_assert_cmpuint (s.dropped_auth, ==, 2 + 1 + 1);
  /* 1 byte, version 0, oversized, extension overrun, 6-byte RTCP */
  g_assert_cmpuint (s.dropped_malformed, ==, 5);
  /* random bytes under a valid-looking header, 0x5, outside every range */
  g_assert_cmpuint (s.dropped_unknown_ssrc, ==, 3);
  g_assert_cmpuint (s.forwarded, ==, 3);
  g_assert_cmpuint (s.addresses_changed, ==, 0);
  g_assert_cmpuint (s.rx_packets, ==, 3 /* hellos */ + 3 /* good */ + 1 /* replay */
                    + 3 /* auth */ + 4 /* garbage */ + 3 /* unknown */ + 2 /* RTCP */);
}

static void
test_address_learning (Fixture *f, gconstpointer data)
{
  int stranger = relay_client_socket ();
  int moved = relay_client_socket ();
  guint8 buf[TEST_PKT_BUF];
  int len;

  cv_relay_subscribe (f->relay, f->b.id, f->a.ssrc_base, TRUE);
  cv_relay_sync (f->relay);

  /* A speaks before B has sent anything: nowhere to send it. */
  relay_client_send_rtp (&f->a, CV_RELAY_SLOT_AUDIO, 1, 30, -1, 50, 0x01);
  for (int i = 0; i < 200 && stats (f).dropped_no_address < 1; i++)
    g_usleep (5000);
  g_assert_cmpuint (stats (f).dropped_no_address, ==, 1);
  g_assert_cmpuint (stats (f).addresses_learned, ==, 1);

  /* A stranger forges a packet on B's SSRC: it does not authenticate, so
   * no address is learned from it. */
  len = (int) cv_rtp_write_header (buf, 111, 5, 5, f->b.ssrc_base, 20, -1, 1, 2);
  memset (buf + len, 0x77, 100);
  relay_client_send_raw_from (&f->b, stranger, buf, len + 100);
  relay_client_send_rtp (&f->a, CV_RELAY_SLOT_AUDIO, 2, 30, -1, 50, 0x02);
  g_assert_cmpint (relay_client_recv_raw (stranger, buf, SHORT_WAIT), ==, -1);
  g_assert_cmpuint (stats (f).addresses_learned, ==, 1);

  /* B's first authenticated packet: now it receives. */
  relay_client_send_rtp (&f->b, CV_RELAY_SLOT_AUDIO, 1, 127, -1, 20, 0x00);
  for (int i = 0; i < 200 && stats (f).addresses_learned < 2; i++)
    g_usleep (5000);
  relay_client_send_rtp (&f->a, CV_RELAY_SLOT_AUDIO, 3, 30, -1, 50, 0x03);
  expect_rtp (&f->b, f->a.ssrc_base, 3, 50, 0x03);

  /* The stranger replays B's authenticated packet from its own address:
   * refused as a replay, B keeps its address. */
  relay_client_send_raw_from (&f->b, stranger, f->b.last_sent, f->b.last_sent_len);
  relay_client_send_rtp (&f->a, CV_RELAY_SLOT_AUDIO, 4, 30, -1, 50, 0x04);
  expect_rtp (&f->b, f->a.ssrc_base, 4, 50, 0x04);
  g_assert_cmpint (relay_client_recv_raw (stranger, buf, SHORT_WAIT), ==, -1);

  /* B's NAT rebinds: a fresh authenticated packet from a new port moves it. */
  {
    guint8 *pkt = f->b.last_sent;

    cv_rtp_write_header (pkt, 111, 2, 2, f->b.ssrc_base, 127, -1, 1, 2);
    memset (pkt + 16, 0, 20);
    len = 36;
    g_assert_cmpint (srtp_protect (f->b.tx, pkt, &len), ==, srtp_err_status_ok);
    relay_client_send_raw_from (&f->b, moved, pkt, len);
  }
  for (int i = 0; i < 200 && stats (f).addresses_changed < 1; i++)
    g_usleep (5000);
  g_assert_cmpuint (stats (f).addresses_changed, ==, 1);
  relay_client_send_rtp (&f->a, CV_RELAY_SLOT_AUDIO, 5, 30, -1, 50, 0x05);
  len = relay_client_recv_raw (moved, buf, LONG_WAIT);
  g_assert_cmpint (len, >, 0);
  g_assert_cmpint (srtp_unprotect (f->b.rx, buf, &len), ==, srtp_err_status_ok);
  expect_nothing (&f->b);
  g_assert_cmpuint (stats (f).dropped_auth, ==, 1);
  g_assert_cmpuint (stats (f).dropped_replay, ==, 1);

  close (stranger);
  close (moved);
}

/* Reads RTCP datagrams at c until one of the wanted packet type / format
 * about media_ssrc arrives; returns the FIR sequence number or 0. */
static int
expect_keyframe_request (RelayClient *c, guint8 packet_type_fmt, guint32 media_ssrc)
{
  guint8 buf[TEST_PKT_BUF];
  int len = relay_client_recv (c, buf, LONG_WAIT);
  cv_rtcp_iter it;
  cv_rtcp_item item;

  g_assert_cmpint (len, >, 0);
  g_assert_true (cv_rtp_is_rtcp (buf, (size_t) len));
  cv_rtcp_iter_init (&it, buf, (size_t) len);
  g_assert_cmpint (cv_rtcp_iter_next (&it, &item), ==, 1);
  g_assert_cmphex (item.sender_ssrc, ==, CV_RELAY_OWN_SSRC);
  if (packet_type_fmt == CV_RTCP_ITEM_PLI)
    {
      g_assert_cmpint (item.type, ==, CV_RTCP_ITEM_PLI);
      g_assert_cmphex (item.media_ssrc, ==, media_ssrc);
      return 0;
    }
  else
    {
      guint32 ssrc;
      guint8 seq;

      g_assert_cmpint (item.type, ==, CV_RTCP_ITEM_FIR);
      g_assert_cmpint (cv_rtcp_fir_entry (&item, 0, &ssrc, &seq), ==, CV_RTP_OK);
      g_assert_cmphex (ssrc, ==, media_ssrc);
      return seq;
    }
}

static void
test_keyframe_requests (Fixture *f, gconstpointer data)
{
  guint32 video = f->a.ssrc_base + CV_RELAY_SLOT_VIDEO;
  guint8 pkt[64];
  size_t n;
  int seq1, seq2;

  hello_all (f);
  /* Subscribing to a video stream asks its sender for a keyframe and holds
   * the stream back until one comes. */
  cv_relay_subscribe (f->relay, f->b.id, video, TRUE);
  cv_relay_sync (f->relay);
  expect_keyframe_request (&f->a, CV_RTCP_ITEM_PLI, video);
  relay_client_send_rtp (&f->a, CV_RELAY_SLOT_VIDEO, 500, -1, 0, 900, 0x10);
  relay_client_send_rtp (&f->a, CV_RELAY_SLOT_VIDEO, 501, -1, 1, 900, 0x11);
  relay_client_send_rtp (&f->a, CV_RELAY_SLOT_VIDEO, 502, -1, 0, 900, 0x12);
  expect_rtp (&f->b, video, 501, 900, 0x11);
  expect_rtp (&f->b, video, 502, 900, 0x12);
  g_assert_cmpuint (stats (f).dropped_wait_keyframe, ==, 1);

  /* B's PLI, after the throttle interval, reaches A. */
  g_usleep (350 * 1000);
  n = cv_rtcp_write_pli (pkt, f->b.ssrc_base + CV_RELAY_SLOT_RTCP, video);
  relay_client_send_rtcp (&f->b, pkt, (int) n);
  expect_keyframe_request (&f->a, CV_RTCP_ITEM_PLI, video);

  /* A second PLI right away is throttled. */
  relay_client_send_rtcp (&f->b, pkt, (int) n);
  /* C is not subscribed: its PLI is ignored. */
  n = cv_rtcp_write_pli (pkt, f->c.ssrc_base + CV_RELAY_SLOT_RTCP, video);
  relay_client_send_rtcp (&f->c, pkt, (int) n);
  expect_nothing (&f->a);

  /* FIR goes on as FIR with the relay's own rising sequence number. */
  g_usleep (350 * 1000);
  n = cv_rtcp_write_fir (pkt, f->b.ssrc_base + CV_RELAY_SLOT_RTCP, video, 77);
  relay_client_send_rtcp (&f->b, pkt, (int) n);
  seq1 = expect_keyframe_request (&f->a, CV_RTCP_ITEM_FIR, video);
  g_usleep (350 * 1000);
  relay_client_send_rtcp (&f->b, pkt, (int) n);
  seq2 = expect_keyframe_request (&f->a, CV_RTCP_ITEM_FIR, video);
  g_assert_cmpint ((seq1 + 1) & 0xff, ==, seq2);

  {
    CvRelayStats s = stats (f);

    g_assert_cmpuint (s.keyframe_requests_forwarded, ==, 4);
    g_assert_cmpuint (s.keyframe_requests_throttled, ==, 1);
    g_assert_cmpuint (s.rtcp_ignored, >=, 1 + 3 /* hellos' receiver reports */);
  }
}

/* A joiner subscribes before it has sent anything (it has no keys yet): the
 * keyframe asked for then cannot reach it, so it must not end its wait, and
 * once its address is known the sender is asked again. */
static void
test_keyframe_for_late_address (Fixture *f, gconstpointer data)
{
  guint32 video = f->a.ssrc_base + CV_RELAY_SLOT_VIDEO;

  hello (f, &f->a);
  for (int i = 0; i < 200 && stats (f).addresses_learned < 1; i++)
    g_usleep (5000);
  cv_relay_subscribe (f->relay, f->b.id, video, TRUE);
  cv_relay_sync (f->relay);
  expect_keyframe_request (&f->a, CV_RTCP_ITEM_PLI, video);
  relay_client_send_rtp (&f->a, CV_RELAY_SLOT_VIDEO, 700, -1, 1, 900, 0x20);
  relay_client_send_rtp (&f->a, CV_RELAY_SLOT_VIDEO, 701, -1, 0, 900, 0x21);
  for (int i = 0; i < 200 && stats (f).dropped_no_address < 1; i++)
    g_usleep (5000);

  /* Past the throttle interval, B is heard from: A is asked again, and
   * B's stream starts at the next keyframe, not at a delta frame. */
  g_usleep (350 * 1000);
  hello (f, &f->b);
  expect_keyframe_request (&f->a, CV_RTCP_ITEM_PLI, video);
  relay_client_send_rtp (&f->a, CV_RELAY_SLOT_VIDEO, 702, -1, 0, 900, 0x22);
  relay_client_send_rtp (&f->a, CV_RELAY_SLOT_VIDEO, 703, -1, 1, 900, 0x23);
  expect_rtp (&f->b, video, 703, 900, 0x23);
  g_assert_cmpuint (stats (f).keyframe_requests_forwarded, ==, 2);
  g_assert_cmpuint (stats (f).dropped_wait_keyframe, ==, 1);
}

static void
test_nack (Fixture *f, gconstpointer data)
{
  guint32 video = f->a.ssrc_base + CV_RELAY_SLOT_VIDEO;
  guint8 pkt[64];
  size_t n;

  hello_all (f);
  cv_relay_subscribe (f->relay, f->b.id, video, TRUE);
  cv_relay_sync (f->relay);
  expect_keyframe_request (&f->a, CV_RTCP_ITEM_PLI, video);
  for (guint16 seq = 100; seq < 110; seq++)
    {
      relay_client_send_rtp (&f->a, CV_RELAY_SLOT_VIDEO, seq, -1, seq == 100, 1100,
                             (guint8) seq);
      if (seq == 103 || seq == 105)
        {
          /* Lost on the way to B: read off the socket, never unprotected
           * (B's SRTP would refuse the retransmission as a replay else). */
          guint8 lost[TEST_PKT_BUF];

          g_assert_cmpint (relay_client_recv_raw (f->b.fd, lost, LONG_WAIT), >, 0);
        }
      else
        expect_rtp (&f->b, video, seq, 1100, (guint8) seq);
    }

  /* NACK 103 and (bit 1 of BLP) 105: both come again, intact, under B's key. */
  n = cv_rtcp_write_nack (pkt, f->b.ssrc_base + CV_RELAY_SLOT_RTCP, video, 103, 0x0002);
  relay_client_send_rtcp (&f->b, pkt, (int) n);
  expect_rtp (&f->b, video, 103, 1100, 103);
  expect_rtp (&f->b, video, 105, 1100, 105);
  /* A packet never sent cannot be retransmitted. */
  n = cv_rtcp_write_nack (pkt, f->b.ssrc_base + CV_RELAY_SLOT_RTCP, video, 50, 0);
  relay_client_send_rtcp (&f->b, pkt, (int) n);
  /* C is not subscribed to A's video: no retransmissions for it. */
  n = cv_rtcp_write_nack (pkt, f->c.ssrc_base + CV_RELAY_SLOT_RTCP, video, 104, 0);
  relay_client_send_rtcp (&f->c, pkt, (int) n);
  expect_nothing (&f->b);
  expect_nothing (&f->c);
  expect_nothing (&f->a);      /* NACKs are answered by the relay, not the sender */

  {
    CvRelayStats s = stats (f);

    g_assert_cmpuint (s.nack_received, ==, 3);
    g_assert_cmpuint (s.nack_retransmitted, ==, 2);
    g_assert_cmpuint (s.nack_missed, ==, 1);
  }
}

static void
test_sender_report (Fixture *f, gconstpointer data)
{
  guint32 audio = f->a.ssrc_base + CV_RELAY_SLOT_AUDIO;
  guint8 sr[52], buf[TEST_PKT_BUF];
  cv_rtcp_iter it;
  cv_rtcp_item item;
  int len;

  hello_all (f);
  cv_relay_subscribe (f->relay, f->b.id, audio, TRUE);
  cv_relay_sync (f->relay);

  /* SR on A's audio SSRC with one report block (24 bytes). */
  for (gsize i = 0; i < sizeof sr; i++)
    sr[i] = (guint8) (0x40 + i);
  sr[0] = 0x81;
  sr[1] = 200;
  sr[2] = 0;
  sr[3] = 12;
  sr[4] = (guint8) (audio >> 24);
  sr[5] = (guint8) (audio >> 16);
  sr[6] = (guint8) (audio >> 8);
  sr[7] = (guint8) audio;
  relay_client_send_rtcp (&f->a, sr, sizeof sr);

  /* B gets the sender info alone, under its own key; C nothing. */
  len = relay_client_recv (&f->b, buf, LONG_WAIT);
  g_assert_cmpint (len, ==, 28);
  cv_rtcp_iter_init (&it, buf, (size_t) len);
  g_assert_cmpint (cv_rtcp_iter_next (&it, &item), ==, 1);
  g_assert_cmpuint (item.packet_type, ==, 200);
  g_assert_cmpuint (item.count, ==, 0);
  g_assert_cmphex (item.sender_ssrc, ==, audio);
  g_assert_cmpmem (buf + 8, 20, sr + 8, 20);
  expect_nothing (&f->c);
  g_assert_cmpuint (stats (f).sender_reports_forwarded, ==, 1);
}

typedef struct
{
  GPtrArray *events;
  GThread *main_thread;
} SpeakerLog;

static void
on_active_speaker (CvRelay *relay, const char *meeting_id, guint participant_id,
                   gpointer data)
{
  SpeakerLog *log = data;

  g_assert_true (g_thread_self () == log->main_thread);
  g_ptr_array_add (log->events, g_strdup_printf ("%s:%u", meeting_id, participant_id));
}

/* Sends 20 ms audio packets from the three clients with the given levels
 * for `ms`, turning the main context so signals are delivered. */
static void
talk (Fixture *f, guint16 *seq, int level_a, int level_b, int level_c, int ms)
{
  for (int t = 0; t < ms; t += 20)
    {
      relay_client_send_rtp (&f->a, CV_RELAY_SLOT_AUDIO, *seq, level_a, -1, 80, 0);
      relay_client_send_rtp (&f->b, CV_RELAY_SLOT_AUDIO, *seq, level_b, -1, 80, 0);
      relay_client_send_rtp (&f->c, CV_RELAY_SLOT_AUDIO, *seq, level_c, -1, 80, 0);
      (*seq)++;
      g_usleep (20 * 1000);
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }
}

static void
test_active_speaker (Fixture *f, gconstpointer data)
{
  SpeakerLog log = { g_ptr_array_new_with_free_func (g_free), g_thread_self () };
  gulong handler;
  guint16 seq = 1;

  handler = g_signal_connect (f->relay, "active-speaker", G_CALLBACK (on_active_speaker), &log);
  cv_relay_set_speaker_window (f->relay, 100);

  /* Quiet room: nobody above the threshold, no speaker. */
  talk (f, &seq, 127, 110, 127, 300);
  g_assert_cmpuint (log.events->len, ==, 0);

  /* B speaks loudest (level 20 = -20 dBov), A murmurs. */
  talk (f, &seq, 60, 20, 127, 400);
  g_assert_cmpuint (log.events->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (log.events, 0), ==, MEETING ":2");

  /* C takes over clearly. */
  talk (f, &seq, 127, 127, 15, 400);
  g_assert_cmpuint (log.events->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (log.events, 1), ==, MEETING ":3");

  /* A is barely louder than C (within the hysteresis): C keeps the floor. */
  talk (f, &seq, 14, 127, 15, 400);
  g_assert_cmpuint (log.events->len, ==, 2);
  g_assert_cmpuint (stats (f).speaker_changes, ==, 2);

  g_signal_handler_disconnect (f->relay, handler);
  g_ptr_array_unref (log.events);
}

static void
test_remove_participant (Fixture *f, gconstpointer data)
{
  hello_all (f);
  cv_relay_subscribe (f->relay, f->b.id, f->a.ssrc_base, TRUE);
  cv_relay_subscribe (f->relay, f->c.id, f->a.ssrc_base, TRUE);
  cv_relay_sync (f->relay);
  relay_client_send_rtp (&f->a, CV_RELAY_SLOT_AUDIO, 1, 30, -1, 40, 0x01);
  expect_rtp (&f->b, f->a.ssrc_base, 1, 40, 0x01);
  expect_rtp (&f->c, f->a.ssrc_base, 1, 40, 0x01);

  cv_relay_remove_participant (f->relay, f->b.id);
  cv_relay_sync (f->relay);
  relay_client_send_rtp (&f->a, CV_RELAY_SLOT_AUDIO, 2, 30, -1, 40, 0x02);
  expect_rtp (&f->c, f->a.ssrc_base, 2, 40, 0x02);
  expect_nothing (&f->b);
  /* B's keys are gone: what it sends now is an unknown SSRC. */
  relay_client_send_rtp (&f->b, CV_RELAY_SLOT_AUDIO, 9, 30, -1, 40, 0x09);
  for (int i = 0; i < 200 && stats (f).dropped_unknown_ssrc < 1; i++)
    g_usleep (5000);
  g_assert_cmpuint (stats (f).dropped_unknown_ssrc, ==, 1);

  /* A participant who rejoins gets new keys and a fresh SSRC range. */
  {
    RelayClient b2;

    relay_client_init (&b2, f->relay, f->b.id, MEETING, CV_SRTP_PROFILE_AEAD_AES_128_GCM);
    g_assert_cmpuint (b2.ssrc_base, !=, f->b.ssrc_base);
    relay_client_clear (&b2);
  }
}

static void
test_mixed_profiles (Fixture *f, gconstpointer data)
{
  RelayClient d;

  /* D uses the other profile than the fixture; both directions work. */
  relay_client_init (&d, f->relay, 4, MEETING,
                     f->a.profile == CV_SRTP_PROFILE_AEAD_AES_128_GCM
                       ? CV_SRTP_PROFILE_AES_CM_128_HMAC_SHA1_80
                       : CV_SRTP_PROFILE_AEAD_AES_128_GCM);
  hello_all (f);
  hello (f, &d);
  cv_relay_subscribe (f->relay, d.id, f->a.ssrc_base, TRUE);
  cv_relay_subscribe (f->relay, f->a.id, d.ssrc_base, TRUE);
  cv_relay_sync (f->relay);
  relay_client_send_rtp (&f->a, CV_RELAY_SLOT_AUDIO, 1, 30, -1, 1200, 0x5a);
  expect_rtp (&d, f->a.ssrc_base, 1, 1200, 0x5a);
  relay_client_send_rtp (&d, CV_RELAY_SLOT_AUDIO, 1, 30, -1, 1200, 0xa5);
  expect_rtp (&f->a, d.ssrc_base, 1, 1200, 0xa5);
  relay_client_clear (&d);
}

static void
test_bad_arguments (void)
{
  g_autoptr (GError) error = NULL;
  CvRelay *relay = cv_relay_new ("not-an-address", 0, &error);

  g_assert_null (relay);
  g_assert_error (error, CV_RELAY_ERROR, CV_RELAY_ERROR_INVALID);
  g_clear_error (&error);

  relay = cv_relay_new ("127.0.0.1", 0, &error);
  g_assert_no_error (error);
  {
    g_autoptr (GBytes) material = NULL;
    guint32 base;

    g_assert_false (cv_relay_add_participant (relay, 1, MEETING, (CvSrtpProfile) 7,
                                              &material, &base, &error));
    g_assert_error (error, CV_RELAY_ERROR, CV_RELAY_ERROR_INVALID);
    g_assert_cmpuint (cv_srtp_profile_key_material_length (CV_SRTP_PROFILE_AEAD_AES_128_GCM),
                      ==, 56);
    g_assert_cmpuint (cv_srtp_profile_key_material_length (CV_SRTP_PROFILE_AES_CM_128_HMAC_SHA1_80),
                      ==, 60);
  }
  /* Removing or subscribing someone unknown is harmless. */
  cv_relay_remove_participant (relay, 42);
  cv_relay_subscribe (relay, 42, 0x12345678, TRUE);
  cv_relay_sync (relay);
  g_assert_finalize_object (relay);
}

static void
test_dual_stack (void)
{
  g_autoptr (GError) error = NULL;
  CvRelay *relay = cv_relay_new (NULL, 0, &error);
  RelayClient a, b;

  /* Bound to every address (IPv6 with IPv4 mapped where the host has IPv6):
   * IPv4 clients on loopback reach it and are answered. */
  g_assert_no_error (error);
  relay_client_init (&a, relay, 1, MEETING, CV_SRTP_PROFILE_AEAD_AES_128_GCM);
  relay_client_init (&b, relay, 2, MEETING, CV_SRTP_PROFILE_AEAD_AES_128_GCM);
  cv_relay_subscribe (relay, b.id, a.ssrc_base, TRUE);
  relay_client_send_rtp (&b, CV_RELAY_SLOT_AUDIO, 1, 127, -1, 20, 0);
  for (int i = 0; i < 200; i++)
    {
      CvRelayStats s;

      cv_relay_get_stats (relay, &s);
      if (s.addresses_learned == 1)
        break;
      g_usleep (5000);
    }
  relay_client_send_rtp (&a, CV_RELAY_SLOT_AUDIO, 1, 30, -1, 300, 0x42);
  expect_rtp (&b, a.ssrc_base, 1, 300, 0x42);
  relay_client_clear (&a);
  relay_client_clear (&b);
  g_assert_finalize_object (relay);
}

#define ADD(name, fn, profile) \
  g_test_add (name, Fixture, GINT_TO_POINTER (profile), fixture_setup, fn, fixture_teardown)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  ADD ("/relay/ssrc-bases", test_ssrc_bases, CV_SRTP_PROFILE_AEAD_AES_128_GCM);
  ADD ("/relay/duplicate-participant", test_duplicate_participant,
       CV_SRTP_PROFILE_AEAD_AES_128_GCM);
  ADD ("/relay/forwarding/gcm", test_forwarding, CV_SRTP_PROFILE_AEAD_AES_128_GCM);
  ADD ("/relay/forwarding/aes-cm-hmac", test_forwarding, CV_SRTP_PROFILE_AES_CM_128_HMAC_SHA1_80);
  ADD ("/relay/mixed-profiles", test_mixed_profiles, CV_SRTP_PROFILE_AEAD_AES_128_GCM);
  ADD ("/relay/other-meeting-isolated", test_other_meeting_isolated,
       CV_SRTP_PROFILE_AEAD_AES_128_GCM);
  ADD ("/relay/bad-input/gcm", test_bad_input, CV_SRTP_PROFILE_AEAD_AES_128_GCM);
  ADD ("/relay/bad-input/aes-cm-hmac", test_bad_input, CV_SRTP_PROFILE_AES_CM_128_HMAC_SHA1_80);
  ADD ("/relay/address-learning", test_address_learning, CV_SRTP_PROFILE_AEAD_AES_128_GCM);
  ADD ("/relay/keyframe-requests", test_keyframe_requests, CV_SRTP_PROFILE_AEAD_AES_128_GCM);
  ADD ("/relay/keyframe-for-late-address", test_keyframe_for_late_address, CV_SRTP_PROFILE_AEAD_AES_128_GCM);
  ADD ("/relay/nack", test_nack, CV_SRTP_PROFILE_AEAD_AES_128_GCM);
  ADD ("/relay/sender-report", test_sender_report, CV_SRTP_PROFILE_AEAD_AES_128_GCM);
  ADD ("/relay/active-speaker", test_active_speaker, CV_SRTP_PROFILE_AEAD_AES_128_GCM);
  ADD ("/relay/remove-participant", test_remove_participant, CV_SRTP_PROFILE_AEAD_AES_128_GCM);
  g_test_add_func ("/relay/bad-arguments", test_bad_arguments);
  g_test_add_func ("/relay/dual-stack", test_dual_stack);
  return g_test_run ();
}
