/* cv-relay-rtp.h: the RTP and RTCP header parsing the relay needs.
 *
 * Plain C (no GLib) so the fuzz target links it alone. Every function takes
 * untrusted bytes with their length and returns CV_RTP_BAD for truncated,
 * oversized or malformed input; nothing here reads past `len`.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define CV_RTP_OK 0
#define CV_RTP_BAD (-1)

#define CV_RTP_HEADER_MIN 12
#define CV_RTCP_HEADER_MIN 8
/* Largest datagram the relay accepts (Ethernet MTU less IP/UDP headers,
 * rounded up); anything longer is refused as oversized. */
#define CV_RTP_MAX_DATAGRAM 1500

/* RFC 5761 section 4: RTCP packet types 192..223 share the second byte's
 * range with RTP payload types 64..95 plus the marker bit, which a
 * multiplexing sender must not use. */
int cv_rtp_is_rtcp (const uint8_t *buf, size_t len);

typedef struct
{
  uint8_t marker;
  uint8_t payload_type;
  uint16_t seq;
  uint32_t timestamp;
  uint32_t ssrc;
  size_t header_len;      /* fixed header + CSRCs + extension block */
  int audio_level;        /* RFC 6464 level 0..127 (-dBov), -1 if absent */
  int voice_activity;     /* RFC 6464 V flag, -1 if absent */
  int keyframe;           /* keyframe marker extension, bit 0 */
} cv_rtp_header;

/* Reads the fixed header, CSRC list and RFC 8285 extensions (one-byte and
 * two-byte forms). audio_ext_id / keyframe_ext_id name the extension ids to
 * pick out (0 = none). */
int cv_rtp_parse (const uint8_t *buf, size_t len, int audio_ext_id, int keyframe_ext_id,
                  cv_rtp_header *out);

/* Sender SSRC of an RTCP datagram (first packet's bytes 4..7). */
int cv_rtcp_sender_ssrc (const uint8_t *buf, size_t len, uint32_t *ssrc_out);

typedef enum
{
  CV_RTCP_ITEM_OTHER = 0,
  CV_RTCP_ITEM_PLI,       /* RFC 4585 6.3.1: PT 206 FMT 1 */
  CV_RTCP_ITEM_FIR,       /* RFC 5104 4.3.1: PT 206 FMT 4 */
  CV_RTCP_ITEM_NACK,      /* RFC 4585 6.2.1: PT 205 FMT 1 */
} cv_rtcp_item_type;

typedef struct
{
  cv_rtcp_item_type type;
  uint8_t packet_type;
  uint8_t count;          /* RC / FMT field */
  uint32_t sender_ssrc;
  uint32_t media_ssrc;    /* PLI, NACK */
  const uint8_t *fci;     /* feedback control information */
  size_t fci_len;
  const uint8_t *packet;  /* the whole packet, header included */
  size_t packet_len;
} cv_rtcp_item;

/* Walks the packets of a compound RTCP datagram. */
typedef struct
{
  const uint8_t *buf;
  size_t len;
  size_t pos;
} cv_rtcp_iter;

void cv_rtcp_iter_init (cv_rtcp_iter *it, const uint8_t *buf, size_t len);
/* 1: *item filled; 0: end; CV_RTP_BAD: malformed (the walk stops). */
int cv_rtcp_iter_next (cv_rtcp_iter *it, cv_rtcp_item *item);

/* FCI entries: a FIR entry is 8 bytes (SSRC, command sequence number, 3
 * reserved), a NACK entry 4 bytes (PID, BLP). Index past the end is BAD. */
int cv_rtcp_fir_entry (const cv_rtcp_item *item, size_t index, uint32_t *ssrc, uint8_t *seq);
int cv_rtcp_nack_entry (const cv_rtcp_item *item, size_t index, uint16_t *pid, uint16_t *blp);

/* Writers for the feedback the relay emits; return bytes written (buffer
 * must hold 12 for PLI, 20 for FIR). */
size_t cv_rtcp_write_pli (uint8_t *buf, uint32_t sender_ssrc, uint32_t media_ssrc);
size_t cv_rtcp_write_fir (uint8_t *buf, uint32_t sender_ssrc, uint32_t media_ssrc, uint8_t seq);
/* A sender report (RFC 3550 6.4.1) cut to its sender info, 28 bytes;
 * returns 0 if the item is not an SR of at least that length. */
size_t cv_rtcp_write_sr_info (uint8_t *buf, const cv_rtcp_item *sr);
/* NACK of one packet (BLP 0), 16 bytes. */
size_t cv_rtcp_write_nack (uint8_t *buf, uint32_t sender_ssrc, uint32_t media_ssrc,
                           uint16_t pid, uint16_t blp);

/* Writes an RTP header with the two relay extensions (one-byte form); the
 * helper tests and the benchmark use to make packets. audio_level < 0 and
 * keyframe < 0 leave the extension out. Returns header length (<= 24). */
size_t cv_rtp_write_header (uint8_t *buf, uint8_t payload_type, uint16_t seq,
                            uint32_t timestamp, uint32_t ssrc, int audio_level,
                            int keyframe, int audio_ext_id, int keyframe_ext_id);
