/* cv-relay.h: the media relay (SFU) of the meeting service.
 *
 * One UDP port. Each participant's hop is SRTP (libsrtp2) with keys the relay
 * makes and the signaling side hands to the client over TLS. The relay reads
 * only RTP headers and header extensions; the payload stays SFrame-protected
 * end to end. docs/protocol.md "## Media relay" is the wire description.
 *
 * Threading: the control API below may be called from any thread (the
 * service calls it from its main context). Packets are handled on a
 * dedicated relay thread; control changes reach it through a queue, so a call
 * returns before the change is live: cv_relay_sync() waits for it when a
 * caller needs that. Retransmission is the relay's own answer to NACKs
 * (RFC 4585); RTX streams (RFC 4588) on other SSRCs are not accepted.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* SRTP protection profiles (RFC 7714 and RFC 3711 names). */
typedef enum
{
  CV_SRTP_PROFILE_AEAD_AES_128_GCM = 0,       /* default */
  CV_SRTP_PROFILE_AES_CM_128_HMAC_SHA1_80 = 1,
} CvSrtpProfile;

/* Key material handed to a client is laid out as in DTLS-SRTP (RFC 5764 4.2),
 * the participant being the "client":
 *   client_write_key | server_write_key | client_write_salt | server_write_salt
 * The participant protects with the client_write pair and unprotects what the
 * relay sends with the server_write pair. */
gsize cv_srtp_profile_key_length (CvSrtpProfile profile);
gsize cv_srtp_profile_salt_length (CvSrtpProfile profile);
gsize cv_srtp_profile_key_material_length (CvSrtpProfile profile);
const char *cv_srtp_profile_name (CvSrtpProfile profile);
/* Parses the names above (as carried in the join answer's "profile");
 * FALSE for anything else. */
gboolean cv_srtp_profile_from_name (const char *name, CvSrtpProfile *profile_out);

/* Stream SSRCs: the relay hands each participant a base (a multiple of
 * CV_RELAY_SSRC_STRIDE); the participant sends on base + CV_RELAY_SLOT_*. */
#define CV_RELAY_SSRC_STRIDE 16
#define CV_RELAY_SLOT_AUDIO 0
#define CV_RELAY_SLOT_VIDEO 1
#define CV_RELAY_SLOT_SCREEN 2
#define CV_RELAY_SLOT_RTCP 3      /* sender SSRC of feedback-only RTCP */
#define CV_RELAY_SLOTS 4
/* The relay's own SSRC as sender of RTCP feedback it emits. */
#define CV_RELAY_OWN_SSRC 0x00000001u

/* RTP header extension ids (RFC 8285 one-byte form). */
#define CV_RELAY_EXT_AUDIO_LEVEL 1    /* RFC 6464 */
#define CV_RELAY_EXT_KEYFRAME 2       /* 1 byte, bit 0: first packet of a keyframe */

#define CV_RELAY_ERROR (cv_relay_error_quark ())
GQuark cv_relay_error_quark (void);

typedef enum
{
  CV_RELAY_ERROR_FAILED,
  CV_RELAY_ERROR_SOCKET,
  CV_RELAY_ERROR_SRTP,
  CV_RELAY_ERROR_EXISTS,
  CV_RELAY_ERROR_FULL,
  CV_RELAY_ERROR_INVALID,
} CvRelayError;

/* Counters, readable at any time (each read atomically, the set not a single
 * snapshot). Every packet received is either forwarded or lands in exactly
 * one dropped_* counter. */
typedef struct
{
  guint64 rx_packets;             /* datagrams received */
  guint64 rx_rtp;                 /* authenticated SRTP packets */
  guint64 rx_rtcp;                /* authenticated SRTCP packets */
  guint64 tx_packets;             /* datagrams sent (forwards, feedback, retransmissions) */
  guint64 forwarded;              /* RTP packets sent to subscribers */
  guint64 dropped_malformed;      /* not RTP/RTCP, truncated, oversized, bad extensions */
  guint64 dropped_unknown_ssrc;   /* SSRC not handed to any present participant */
  guint64 dropped_auth;           /* SRTP/SRTCP authentication failed */
  guint64 dropped_replay;         /* replayed or too old */
  guint64 dropped_no_subscriber;  /* authenticated, nobody subscribed */
  guint64 dropped_wait_keyframe;  /* held back until the subscriber's first keyframe */
  guint64 dropped_no_address;     /* subscriber has not sent yet: address unknown */
  guint64 dropped_tx;             /* protect or sendmmsg failed */
  guint64 addresses_learned;      /* first authenticated packet of a participant */
  guint64 addresses_changed;      /* authenticated packet from a new address (NAT rebinding) */
  guint64 keyframe_requests_forwarded; /* PLI/FIR sent on to the sender */
  guint64 keyframe_requests_throttled;
  guint64 nack_received;          /* NACKed packet numbers asked for */
  guint64 nack_retransmitted;
  guint64 nack_missed;            /* no longer (or never) in the ring */
  guint64 sender_reports_forwarded; /* SR sender info sent on to subscribers (lip sync) */
  guint64 rtcp_ignored;           /* authenticated RTCP the relay does not act on */
  guint64 speaker_changes;
  guint64 thread_cpu_ns;          /* relay thread CPU time, updated per batch */
} CvRelayStats;

#define CV_TYPE_RELAY (cv_relay_get_type ())
G_DECLARE_FINAL_TYPE (CvRelay, cv_relay, CV, RELAY, GObject)

/* bind_address: a numeric IPv4/IPv6 address, or NULL for all (dual stack).
 * port 0 picks a free port. Starts the relay thread. */
CvRelay *cv_relay_new (const char *bind_address, guint16 port, GError **error);
guint16 cv_relay_get_port (CvRelay *self);

/* Makes the participant's SRTP contexts and SSRC base. key_material_out gets
 * cv_srtp_profile_key_material_length() bytes (secret: hand it over TLS only,
 * never log it). Fails if participant_id is present already. */
gboolean cv_relay_add_participant (CvRelay *self, guint32 participant_id,
                                   const char *meeting_id, CvSrtpProfile profile,
                                   GBytes **key_material_out, guint32 *ssrc_base_out,
                                   GError **error);
void cv_relay_remove_participant (CvRelay *self, guint32 participant_id);

/* Start (on) or stop sending stream `ssrc` to subscriber_id. Only streams of
 * the same meeting; others are ignored. Subscribing to a video or screen
 * stream waits for a keyframe and asks the sender for one. */
void cv_relay_subscribe (CvRelay *self, guint32 subscriber_id, guint32 ssrc, gboolean on);

/* Waits until every control call made before it is live on the relay thread. */
void cv_relay_sync (CvRelay *self);

void cv_relay_get_stats (CvRelay *self, CvRelayStats *out);

/* Active speaker: the loudest participant of a meeting over a window of
 * `window_ms` (default 300) by RFC 6464 levels. Emitted as the
 * "active-speaker" signal (meeting_id, participant_id) on the main context
 * that was thread-default when the relay was made. */
void cv_relay_set_speaker_window (CvRelay *self, guint window_ms);

/* Test hook: called on the relay thread with every RTP packet accepted from
 * a participant, right after SRTP unprotect (header and payload as the relay
 * sees them), whether or not anyone subscribed. NULL removes it;
 * cv_relay_sync() after that guarantees no call is still running. */
typedef void (*CvRelayPacketTap) (guint32 ssrc, const guint8 *packet, gsize len, gpointer user_data);
void cv_relay_set_packet_tap (CvRelay *self, CvRelayPacketTap tap, gpointer user_data);

G_END_DECLS
