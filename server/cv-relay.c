/* cv-relay.c: the SFU. Control side (GObject, any thread, one mutex) and a
 * relay thread that owns every packet-path structure.
 *
 * The relay thread alone touches peers, meetings, streams and the SRTP
 * contexts once they are handed to it; control calls reach it as commands in
 * a queue that it drains between batches (an eventfd wakes it). So the
 * per-packet path takes no lock and allocates nothing: buffers are made when
 * the relay starts, SRTP streams when a participant joins or subscribes, the
 * retransmission ring when someone first subscribes to a video stream.
 */
#include "cv-relay.h"
#include "cv-relay-rtp.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <srtp2/srtp.h>

#define RX_BATCH 32
#define TX_SLOTS 256
#define PKT_BUF (CV_RTP_MAX_DATAGRAM + SRTP_MAX_TRAILER_LEN + 16)
#define RTX_RING 128                    /* packets kept per video stream */
#define MAX_PEER_SLOTS 65536            /* 16 bits of SSRC after the stride */
#define KEYFRAME_REQUEST_INTERVAL_US (300 * 1000)
#define SPEAKER_THRESHOLD_DBOV 80       /* average level must be louder */
#define SPEAKER_HYSTERESIS_DB 3

typedef struct Peer Peer;
typedef struct Meeting Meeting;

typedef struct
{
  Peer *peer;
  gboolean wait_keyframe;
} Sub;

typedef struct
{
  guint16 seq;
  guint16 len;
  gboolean valid;
  guint8 data[CV_RTP_MAX_DATAGRAM];
} RtxEntry;

typedef struct
{
  guint32 ssrc;
  Sub *subs;
  guint n_subs, cap_subs;
  RtxEntry *rtx;                        /* video/screen, once subscribed */
  gint64 last_keyframe_request_us;
  guint8 fir_seq;
} Stream;

struct Peer
{
  guint32 id;
  guint slot;
  guint32 ssrc_base;
  CvSrtpProfile profile;
  Meeting *meeting;
  srtp_t rx;                            /* client_write key: what it sends */
  srtp_t tx;                            /* server_write key: what we send it */
  guint8 tx_key[SRTP_MAX_KEY_LEN];
  GHashTable *tx_ssrcs;                 /* streams present in tx */
  struct sockaddr_storage addr;
  socklen_t addr_len;
  gboolean has_addr;
  Stream streams[CV_RELAY_SLOTS];
  guint32 loudness_sum;                 /* speaker window */
  guint32 loudness_n;
};

struct Meeting
{
  char *id;
  GPtrArray *peers;
  gboolean has_speaker;
  guint32 speaker_id;
};

typedef enum
{
  CMD_ADD,
  CMD_REMOVE,
  CMD_SUBSCRIBE,
  CMD_SYNC,
  CMD_WINDOW,
  CMD_STOP,
} CmdType;

typedef struct
{
  GMutex lock;
  GCond cond;
  gboolean done;
} SyncWait;

typedef struct
{
  CmdType type;
  Peer *peer;                           /* CMD_ADD: ownership moves */
  char *meeting_id;
  guint32 a, b;
  gboolean on;
  SyncWait *sync;
} Cmd;

/* Reached from main-context callbacks after the relay may have gone. */
typedef struct
{
  CvRelay *relay;
  gint alive;
} Shared;

typedef struct
{
  Shared *shared;
  char *meeting_id;
  guint32 participant_id;
} SpeakerEvent;

typedef struct
{
  struct mmsghdr msgs[TX_SLOTS];
  struct iovec iovs[TX_SLOTS];
  guint8 (*bufs)[PKT_BUF];
  guint n;
} TxBatch;

struct _CvRelay
{
  GObject parent_instance;

  int fd;
  int wake_fd;
  guint16 port;
  guint32 ssrc_prefix;
  GMainContext *main_context;
  Shared *shared;
  GThread *thread;

  /* Control side, under ctl_lock. */
  GMutex ctl_lock;
  GHashTable *ctl_ids;                  /* participant id -> slot + 1 */
  gboolean *slot_used;
  guint64 *slot_released_at;            /* join counter when freed */
  GHashTable *ctl_join_seq;             /* participant id -> join counter */
  guint64 join_counter;
  guint next_slot;

  GAsyncQueue *commands;
  gint pending;

  /* Relay thread only. */
  Peer **peers;                         /* by slot */
  GHashTable *peers_by_id;
  GHashTable *meetings;
  guint speaker_window_ms;
  gint64 next_speaker_tick_us;
  gboolean stop;
  guint8 (*rx_bufs)[PKT_BUF];
  struct mmsghdr rx_msgs[RX_BATCH];
  struct iovec rx_iovs[RX_BATCH];
  struct sockaddr_storage rx_addrs[RX_BATCH];
  TxBatch tx;

  CvRelayStats stats;

  /* Test hook, read on the relay thread. */
  CvRelayPacketTap tap;
  gpointer tap_data;
};

enum
{
  SIGNAL_ACTIVE_SPEAKER,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE (CvRelay, cv_relay, G_TYPE_OBJECT)

G_DEFINE_QUARK (cv-relay-error-quark, cv_relay_error)

/* One writer (the relay thread): a relaxed load and store, no locked add. */
#define STAT_ADD(self, field, n) \
  __atomic_store_n (&(self)->stats.field, \
                    __atomic_load_n (&(self)->stats.field, __ATOMIC_RELAXED) + (n), \
                    __ATOMIC_RELAXED)
#define STAT_INC(self, field) STAT_ADD (self, field, 1)

gsize
cv_srtp_profile_key_length (CvSrtpProfile profile)
{
  return SRTP_AES_128_KEY_LEN;
}

gsize
cv_srtp_profile_salt_length (CvSrtpProfile profile)
{
  return profile == CV_SRTP_PROFILE_AEAD_AES_128_GCM ? SRTP_AEAD_SALT_LEN : SRTP_SALT_LEN;
}

gsize
cv_srtp_profile_key_material_length (CvSrtpProfile profile)
{
  return 2 * (cv_srtp_profile_key_length (profile) + cv_srtp_profile_salt_length (profile));
}

const char *
cv_srtp_profile_name (CvSrtpProfile profile)
{
  switch (profile)
    {
    case CV_SRTP_PROFILE_AEAD_AES_128_GCM:
      return "AEAD_AES_128_GCM";
    case CV_SRTP_PROFILE_AES_CM_128_HMAC_SHA1_80:
      return "AES_CM_128_HMAC_SHA1_80";
    default:
      return NULL;
    }
}

gboolean
cv_srtp_profile_from_name (const char *name, CvSrtpProfile *profile_out)
{
  if (g_strcmp0 (name, "AEAD_AES_128_GCM") == 0)
    *profile_out = CV_SRTP_PROFILE_AEAD_AES_128_GCM;
  else if (g_strcmp0 (name, "AES_CM_128_HMAC_SHA1_80") == 0)
    *profile_out = CV_SRTP_PROFILE_AES_CM_128_HMAC_SHA1_80;
  else
    return FALSE;
  return TRUE;
}

static void
ensure_srtp_init (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      srtp_err_status_t st = srtp_init ();

      /* Another user in the process (GStreamer's srtp elements) may have
       * initialised it already, which libsrtp reports as an error; a real
       * failure shows when the first context is made. */
      if (st != srtp_err_status_ok)
        g_debug ("srtp_init: %d", st);
      g_once_init_leave (&once, 1);
    }
}

static void
fill_policy (srtp_policy_t *policy, CvSrtpProfile profile, guint8 *key, guint32 ssrc,
             gboolean outbound)
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
  policy->ssrc.type = ssrc_specific;
  policy->ssrc.value = ssrc;
  policy->key = key;
  policy->window_size = 512;
  /* A NACKed packet goes out again byte for byte (same header, same
   * payload), which is the one case repeating an index is safe. */
  policy->allow_repeat_tx = outbound;
}

/* ---- Relay thread: peers, meetings, subscriptions ---------------------- */

static Peer *
peer_for_ssrc (CvRelay *self, guint32 ssrc, guint *kind_out)
{
  guint32 offset = ssrc - self->ssrc_prefix;
  guint slot, kind;
  Peer *peer;

  if (ssrc < self->ssrc_prefix || offset >= (guint32) MAX_PEER_SLOTS * CV_RELAY_SSRC_STRIDE)
    return NULL;
  slot = offset / CV_RELAY_SSRC_STRIDE;
  kind = offset % CV_RELAY_SSRC_STRIDE;
  if (kind >= CV_RELAY_SLOTS)
    return NULL;
  peer = self->peers[slot];
  if (peer == NULL)
    return NULL;
  *kind_out = kind;
  return peer;
}

static void
peer_free (Peer *peer)
{
  if (peer == NULL)
    return;
  if (peer->rx != NULL)
    srtp_dealloc (peer->rx);
  if (peer->tx != NULL)
    srtp_dealloc (peer->tx);
  explicit_bzero (peer->tx_key, sizeof peer->tx_key);
  g_clear_pointer (&peer->tx_ssrcs, g_hash_table_unref);
  for (guint k = 0; k < CV_RELAY_SLOTS; k++)
    {
      g_free (peer->streams[k].subs);
      g_free (peer->streams[k].rtx);
    }
  g_free (peer);
}

static void
meeting_free (Meeting *meeting)
{
  g_free (meeting->id);
  g_ptr_array_unref (meeting->peers);
  g_free (meeting);
}

static void
stream_remove_sub (Stream *stream, Peer *peer)
{
  for (guint i = 0; i < stream->n_subs; i++)
    if (stream->subs[i].peer == peer)
      {
        stream->subs[i] = stream->subs[stream->n_subs - 1];
        stream->n_subs--;
        return;
      }
}

static gboolean
stream_has_sub (Stream *stream, Peer *peer)
{
  for (guint i = 0; i < stream->n_subs; i++)
    if (stream->subs[i].peer == peer)
      return TRUE;
  return FALSE;
}

static void
tx_flush (CvRelay *self)
{
  guint sent = 0;

  while (sent < self->tx.n)
    {
      int r = sendmmsg (self->fd, self->tx.msgs + sent, self->tx.n - sent, 0);

      if (r < 0)
        {
          if (errno == EINTR)
            continue;
          /* The first message failed (unreachable, buffer full): skip it. */
          STAT_INC (self, dropped_tx);
          sent++;
          continue;
        }
      STAT_ADD (self, tx_packets, (guint) r);
      sent += (guint) r;
    }
  self->tx.n = 0;
}

/* Next free send buffer (flushing when the batch is full). */
static guint8 *
tx_slot (CvRelay *self)
{
  if (self->tx.n == TX_SLOTS)
    tx_flush (self);
  return self->tx.bufs[self->tx.n];
}

static void
tx_commit (CvRelay *self, Peer *dest, int len)
{
  guint i = self->tx.n++;

  self->tx.iovs[i].iov_len = (size_t) len;
  self->tx.msgs[i].msg_hdr.msg_name = &dest->addr;
  self->tx.msgs[i].msg_hdr.msg_namelen = dest->addr_len;
}

/* Protects an RTCP packet already written in the current tx slot. */
static gboolean
tx_rtcp (CvRelay *self, Peer *dest, guint8 *buf, int len)
{
  if (!dest->has_addr)
    {
      STAT_INC (self, dropped_no_address);
      return FALSE;
    }
  if (srtp_protect_rtcp (dest->tx, buf, &len) != srtp_err_status_ok)
    {
      STAT_INC (self, dropped_tx);
      return FALSE;
    }
  tx_commit (self, dest, len);
  return TRUE;
}

/* PLI (or FIR) to the owner of a video stream, at most one per interval:
 * a thousand subscribers joining must not turn into a thousand keyframes. */
static void
request_keyframe (CvRelay *self, Peer *owner, guint kind, gboolean fir)
{
  Stream *stream = &owner->streams[kind];
  gint64 now = g_get_monotonic_time ();
  guint8 *buf;
  size_t len;

  if (stream->last_keyframe_request_us != 0
      && now - stream->last_keyframe_request_us < KEYFRAME_REQUEST_INTERVAL_US)
    {
      STAT_INC (self, keyframe_requests_throttled);
      return;
    }
  buf = tx_slot (self);
  if (fir)
    len = cv_rtcp_write_fir (buf, CV_RELAY_OWN_SSRC, stream->ssrc, ++stream->fir_seq);
  else
    len = cv_rtcp_write_pli (buf, CV_RELAY_OWN_SSRC, stream->ssrc);
  if (tx_rtcp (self, owner, buf, (int) len))
    {
      stream->last_keyframe_request_us = now;
      STAT_INC (self, keyframe_requests_forwarded);
    }
}

static void
apply_add (CvRelay *self, Peer *peer, const char *meeting_id)
{
  Meeting *meeting = g_hash_table_lookup (self->meetings, meeting_id);

  if (meeting == NULL)
    {
      meeting = g_new0 (Meeting, 1);
      meeting->id = g_strdup (meeting_id);
      meeting->peers = g_ptr_array_new ();
      g_hash_table_insert (self->meetings, meeting->id, meeting);
    }
  peer->meeting = meeting;
  g_ptr_array_add (meeting->peers, peer);
  self->peers[peer->slot] = peer;
  g_hash_table_insert (self->peers_by_id, GUINT_TO_POINTER (peer->id), peer);
}

static void
apply_remove (CvRelay *self, guint32 participant_id)
{
  Peer *peer = g_hash_table_lookup (self->peers_by_id, GUINT_TO_POINTER (participant_id));
  Meeting *meeting;

  if (peer == NULL)
    return;
  meeting = peer->meeting;
  for (guint i = 0; i < meeting->peers->len; i++)
    {
      Peer *other = g_ptr_array_index (meeting->peers, i);

      for (guint k = 0; k < CV_RELAY_SLOTS; k++)
        stream_remove_sub (&other->streams[k], peer);
    }
  g_ptr_array_remove_fast (meeting->peers, peer);
  if (meeting->has_speaker && meeting->speaker_id == participant_id)
    meeting->has_speaker = FALSE;
  if (meeting->peers->len == 0)
    g_hash_table_remove (self->meetings, meeting->id);
  self->peers[peer->slot] = NULL;
  g_hash_table_remove (self->peers_by_id, GUINT_TO_POINTER (participant_id));
  peer_free (peer);
}

static void
apply_subscribe (CvRelay *self, guint32 subscriber_id, guint32 ssrc, gboolean on)
{
  Peer *sub = g_hash_table_lookup (self->peers_by_id, GUINT_TO_POINTER (subscriber_id));
  Peer *owner;
  Stream *stream;
  guint kind = 0;

  owner = peer_for_ssrc (self, ssrc, &kind);
  if (sub == NULL || owner == NULL || owner->ssrc_base + kind != ssrc
      || kind == CV_RELAY_SLOT_RTCP || owner->meeting != sub->meeting || owner == sub)
    {
      g_debug ("relay: subscription of %u to %08x ignored", subscriber_id, ssrc);
      return;
    }
  stream = &owner->streams[kind];
  if (!on)
    {
      stream_remove_sub (stream, sub);
      return;
    }
  if (stream_has_sub (stream, sub))
    return;

  /* The subscriber's outbound stream for this SSRC lives as long as the
   * subscriber: removing it would restart its index under the same key. */
  if (!g_hash_table_contains (sub->tx_ssrcs, GUINT_TO_POINTER (ssrc)))
    {
      srtp_policy_t policy;

      fill_policy (&policy, sub->profile, sub->tx_key, ssrc, TRUE);
      if (srtp_add_stream (sub->tx, &policy) != srtp_err_status_ok)
        {
          g_warning ("relay: cannot add SRTP stream %08x for %u", ssrc, subscriber_id);
          return;
        }
      g_hash_table_add (sub->tx_ssrcs, GUINT_TO_POINTER (ssrc));
    }
  if (stream->n_subs == stream->cap_subs)
    {
      stream->cap_subs = MAX (4, stream->cap_subs * 2);
      stream->subs = g_renew (Sub, stream->subs, stream->cap_subs);
    }
  stream->subs[stream->n_subs].peer = sub;
  stream->subs[stream->n_subs].wait_keyframe = kind != CV_RELAY_SLOT_AUDIO;
  stream->n_subs++;
  if (kind != CV_RELAY_SLOT_AUDIO)
    {
      if (stream->rtx == NULL)
        stream->rtx = g_new0 (RtxEntry, RTX_RING);
      if (owner->has_addr)
        request_keyframe (self, owner, kind, FALSE);
    }
}

static void
sync_done (SyncWait *sync)
{
  g_mutex_lock (&sync->lock);
  sync->done = TRUE;
  g_cond_signal (&sync->cond);
  g_mutex_unlock (&sync->lock);
}

static void
drain_commands (CvRelay *self)
{
  Cmd *cmd;

  while ((cmd = g_async_queue_try_pop (self->commands)) != NULL)
    {
      g_atomic_int_dec_and_test (&self->pending);
      switch (cmd->type)
        {
        case CMD_ADD:
          apply_add (self, cmd->peer, cmd->meeting_id);
          break;
        case CMD_REMOVE:
          apply_remove (self, cmd->a);
          break;
        case CMD_SUBSCRIBE:
          apply_subscribe (self, cmd->a, cmd->b, cmd->on);
          break;
        case CMD_SYNC:
          /* Feedback written by the commands above goes out first. */
          tx_flush (self);
          sync_done (cmd->sync);
          break;
        case CMD_WINDOW:
          self->speaker_window_ms = cmd->a;
          self->next_speaker_tick_us = 0;
          break;
        case CMD_STOP:
          self->stop = TRUE;
          break;
        }
      g_free (cmd->meeting_id);
      g_free (cmd);
    }
}

/* ---- Relay thread: active speaker -------------------------------------- */

static gboolean
speaker_event_cb (gpointer data)
{
  SpeakerEvent *ev = data;

  if (g_atomic_int_get (&ev->shared->alive))
    g_signal_emit (ev->shared->relay, signals[SIGNAL_ACTIVE_SPEAKER], 0,
                   ev->meeting_id, (guint) ev->participant_id);
  return G_SOURCE_REMOVE;
}

static void
speaker_event_free (gpointer data)
{
  SpeakerEvent *ev = data;

  g_atomic_rc_box_release (ev->shared);
  g_free (ev->meeting_id);
  g_free (ev);
}

static void
speaker_tick (CvRelay *self, gint64 now)
{
  GHashTableIter iter;
  Meeting *meeting;

  g_hash_table_iter_init (&iter, self->meetings);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &meeting))
    {
      Peer *best = NULL, *current = NULL;
      guint best_avg = 0, current_avg = 0;

      for (guint i = 0; i < meeting->peers->len; i++)
        {
          Peer *peer = g_ptr_array_index (meeting->peers, i);
          guint avg;

          if (peer->loudness_n == 0)
            continue;
          avg = peer->loudness_sum / peer->loudness_n;
          peer->loudness_sum = peer->loudness_n = 0;
          if (avg < 127 - SPEAKER_THRESHOLD_DBOV)
            continue;
          if (best == NULL || avg > best_avg)
            {
              best = peer;
              best_avg = avg;
            }
          if (meeting->has_speaker && peer->id == meeting->speaker_id)
            {
              current = peer;
              current_avg = avg;
            }
        }
      /* The speaker keeps the floor while within a few dB of the loudest. */
      if (best == NULL || best == current
          || (current != NULL && current_avg + SPEAKER_HYSTERESIS_DB >= best_avg))
        continue;

      meeting->has_speaker = TRUE;
      meeting->speaker_id = best->id;
      STAT_INC (self, speaker_changes);
      {
        SpeakerEvent *ev = g_new0 (SpeakerEvent, 1);

        ev->shared = g_atomic_rc_box_acquire (self->shared);
        ev->meeting_id = g_strdup (meeting->id);
        ev->participant_id = best->id;
        GSource *source = g_idle_source_new ();

        /* Not g_main_context_invoke(): it would run the callback right here
         * when no thread is iterating the main context. */
        g_source_set_priority (source, G_PRIORITY_DEFAULT);
        g_source_set_callback (source, speaker_event_cb, ev, speaker_event_free);
        g_source_set_static_name (source, "[cv-relay] active speaker");
        g_source_attach (source, self->main_context);
        g_source_unref (source);
      }
    }
  self->next_speaker_tick_us = now + (gint64) self->speaker_window_ms * 1000;
}

/* ---- Relay thread: the packet path ------------------------------------- */

static gboolean
same_address (const Peer *peer, const struct sockaddr_storage *addr, socklen_t len)
{
  return peer->addr_len == len && memcmp (&peer->addr, addr, len) == 0;
}

/* A subscriber whose address was unknown missed the keyframe asked for when
 * it subscribed (a joiner sends nothing before it has keys): ask again now. */
static void
request_keyframes_awaited_by (CvRelay *self, Peer *subscriber)
{
  GPtrArray *peers = subscriber->meeting->peers;

  for (guint i = 0; i < peers->len; i++)
    {
      Peer *owner = g_ptr_array_index (peers, i);

      if (owner == subscriber || !owner->has_addr)
        continue;
      for (guint kind = 0; kind < CV_RELAY_SLOTS; kind++)
        {
          Stream *stream = &owner->streams[kind];

          for (guint k = 0; k < stream->n_subs; k++)
            if (stream->subs[k].peer == subscriber && stream->subs[k].wait_keyframe)
              {
                request_keyframe (self, owner, kind, FALSE);
                break;
              }
        }
    }
}

static void
learn_address (CvRelay *self, Peer *peer, const struct sockaddr_storage *addr, socklen_t len)
{
  if (peer->has_addr && same_address (peer, addr, len))
    return;
  if (peer->has_addr)
    STAT_INC (self, addresses_changed);
  else
    STAT_INC (self, addresses_learned);
  memcpy (&peer->addr, addr, len);
  peer->addr_len = len;
  if (!peer->has_addr)
    {
      peer->has_addr = TRUE;
      request_keyframes_awaited_by (self, peer);
    }
}

static gboolean
count_srtp_error (CvRelay *self, srtp_err_status_t st)
{
  if (st == srtp_err_status_ok)
    return TRUE;
  if (st == srtp_err_status_replay_fail || st == srtp_err_status_replay_old)
    STAT_INC (self, dropped_replay);
  else if (st == srtp_err_status_auth_fail || st == srtp_err_status_cant_check)
    STAT_INC (self, dropped_auth);       /* cant_check: SRTCP without the E flag */
  else if (st == srtp_err_status_no_ctx)
    STAT_INC (self, dropped_unknown_ssrc);
  else
    {
      g_debug ("relay: libsrtp refused a packet: %d", (int) st);
      STAT_INC (self, dropped_malformed);
    }
  return FALSE;
}

static void
retransmit (CvRelay *self, Peer *dest, Stream *stream, guint16 seq)
{
  RtxEntry *entry;
  guint8 *buf;
  int len;

  STAT_INC (self, nack_received);
  entry = stream->rtx != NULL ? &stream->rtx[seq % RTX_RING] : NULL;
  if (entry == NULL || !entry->valid || entry->seq != seq)
    {
      STAT_INC (self, nack_missed);
      return;
    }
  buf = tx_slot (self);
  memcpy (buf, entry->data, entry->len);
  len = entry->len;
  if (srtp_protect (dest->tx, buf, &len) != srtp_err_status_ok)
    {
      STAT_INC (self, dropped_tx);
      return;
    }
  tx_commit (self, dest, len);
  STAT_INC (self, nack_retransmitted);
}

/* Receivers need the sender's NTP/RTP timestamp pair to line audio up with
 * video: its sender info goes to the stream's subscribers, report blocks
 * (about the sender's own reception from the relay) do not. */
static void
forward_sender_report (CvRelay *self, Peer *peer, guint kind, const cv_rtcp_item *item)
{
  Stream *stream = &peer->streams[kind];

  if (item->packet_len < 28)
    {
      STAT_INC (self, rtcp_ignored);
      return;
    }
  for (guint i = 0; i < stream->n_subs; i++)
    {
      Peer *dest = stream->subs[i].peer;
      guint8 *buf = tx_slot (self);
      size_t len = cv_rtcp_write_sr_info (buf, item);

      if (tx_rtcp (self, dest, buf, (int) len))
        STAT_INC (self, sender_reports_forwarded);
    }
}

static void
handle_rtcp (CvRelay *self, guint8 *buf, int len, const struct sockaddr_storage *from,
             socklen_t from_len)
{
  guint32 sender_ssrc;
  Peer *peer, *owner;
  guint kind, owner_kind;
  cv_rtcp_iter it;
  cv_rtcp_item item;
  int r;

  if (cv_rtcp_sender_ssrc (buf, (size_t) len, &sender_ssrc) != CV_RTP_OK)
    {
      STAT_INC (self, dropped_malformed);
      return;
    }
  peer = peer_for_ssrc (self, sender_ssrc, &kind);
  if (peer == NULL)
    {
      STAT_INC (self, dropped_unknown_ssrc);
      return;
    }
  if (!count_srtp_error (self, srtp_unprotect_rtcp (peer->rx, buf, &len)))
    return;
  STAT_INC (self, rx_rtcp);
  learn_address (self, peer, from, from_len);

  cv_rtcp_iter_init (&it, buf, (size_t) len);
  while ((r = cv_rtcp_iter_next (&it, &item)) == 1)
    {
      switch (item.type)
        {
        case CV_RTCP_ITEM_PLI:
          owner = peer_for_ssrc (self, item.media_ssrc, &owner_kind);
          if (owner != NULL && owner->meeting == peer->meeting
              && owner_kind != CV_RELAY_SLOT_RTCP
              && stream_has_sub (&owner->streams[owner_kind], peer))
            request_keyframe (self, owner, owner_kind, FALSE);
          else
            STAT_INC (self, rtcp_ignored);
          break;

        case CV_RTCP_ITEM_FIR:
          for (size_t e = 0; e < item.fci_len / 8; e++)
            {
              guint32 media_ssrc;
              guint8 seq;

              cv_rtcp_fir_entry (&item, e, &media_ssrc, &seq);
              owner = peer_for_ssrc (self, media_ssrc, &owner_kind);
              if (owner != NULL && owner->meeting == peer->meeting
                  && owner_kind != CV_RELAY_SLOT_RTCP
                  && stream_has_sub (&owner->streams[owner_kind], peer))
                request_keyframe (self, owner, owner_kind, TRUE);
              else
                STAT_INC (self, rtcp_ignored);
            }
          break;

        case CV_RTCP_ITEM_NACK:
          owner = peer_for_ssrc (self, item.media_ssrc, &owner_kind);
          if (owner == NULL || owner->meeting != peer->meeting
              || owner_kind == CV_RELAY_SLOT_RTCP
              || !stream_has_sub (&owner->streams[owner_kind], peer)
              || !peer->has_addr)
            {
              STAT_INC (self, rtcp_ignored);
              break;
            }
          for (size_t e = 0; e < item.fci_len / 4; e++)
            {
              guint16 pid, blp;

              cv_rtcp_nack_entry (&item, e, &pid, &blp);
              retransmit (self, peer, &owner->streams[owner_kind], pid);
              for (guint bit = 0; bit < 16; bit++)
                if (blp & (1u << bit))
                  retransmit (self, peer, &owner->streams[owner_kind],
                              (guint16) (pid + bit + 1));
            }
          break;

        case CV_RTCP_ITEM_OTHER:
          if (item.packet_type == 200 && kind != CV_RELAY_SLOT_RTCP
              && item.sender_ssrc == sender_ssrc)
            {
              forward_sender_report (self, peer, kind, &item);
              break;
            }
          STAT_INC (self, rtcp_ignored);
          break;

        default:
          /* Reports about the hop end here; the relay answers none. */
          STAT_INC (self, rtcp_ignored);
          break;
        }
    }
  if (r == CV_RTP_BAD)
    STAT_INC (self, dropped_malformed);
}

static void
handle_packet (CvRelay *self, guint8 *buf, int len, const struct sockaddr_storage *from,
               socklen_t from_len)
{
  cv_rtp_header hdr;
  Peer *peer;
  Stream *stream;
  guint kind;
  CvRelayPacketTap tap;

  if (cv_rtp_is_rtcp (buf, (size_t) len))
    {
      handle_rtcp (self, buf, len, from, from_len);
      return;
    }
  if (cv_rtp_parse (buf, (size_t) len, CV_RELAY_EXT_AUDIO_LEVEL, CV_RELAY_EXT_KEYFRAME,
                    &hdr) != CV_RTP_OK)
    {
      STAT_INC (self, dropped_malformed);
      return;
    }
  peer = peer_for_ssrc (self, hdr.ssrc, &kind);
  if (peer == NULL || kind == CV_RELAY_SLOT_RTCP)
    {
      STAT_INC (self, dropped_unknown_ssrc);
      return;
    }
  /* The header is authenticated, not encrypted: what was parsed above is
   * only trusted once this succeeds. */
  if (!count_srtp_error (self, srtp_unprotect (peer->rx, buf, &len)))
    return;
  STAT_INC (self, rx_rtp);
  learn_address (self, peer, from, from_len);
  tap = g_atomic_pointer_get (&self->tap);
  if (tap != NULL)
    tap (hdr.ssrc, buf, (gsize) len, g_atomic_pointer_get (&self->tap_data));

  stream = &peer->streams[kind];
  if (kind == CV_RELAY_SLOT_AUDIO && hdr.audio_level >= 0)
    {
      peer->loudness_sum += 127 - (guint) hdr.audio_level;
      peer->loudness_n++;
    }
  if (stream->rtx != NULL && len <= CV_RTP_MAX_DATAGRAM)
    {
      RtxEntry *entry = &stream->rtx[hdr.seq % RTX_RING];

      entry->seq = hdr.seq;
      entry->len = (guint16) len;
      entry->valid = TRUE;
      memcpy (entry->data, buf, (size_t) len);
    }
  if (stream->n_subs == 0)
    {
      STAT_INC (self, dropped_no_subscriber);
      return;
    }

  for (guint i = 0; i < stream->n_subs; i++)
    {
      Sub *sub = &stream->subs[i];
      Peer *dest = sub->peer;
      guint8 *out;
      int out_len = len;

      /* Address first: a keyframe the subscriber never gets must not end its wait. */
      if (!dest->has_addr)
        {
          STAT_INC (self, dropped_no_address);
          continue;
        }
      if (sub->wait_keyframe)
        {
          if (hdr.keyframe != 1)
            {
              STAT_INC (self, dropped_wait_keyframe);
              continue;
            }
          sub->wait_keyframe = FALSE;
        }
      out = tx_slot (self);
      memcpy (out, buf, (size_t) len);
      if (srtp_protect (dest->tx, out, &out_len) != srtp_err_status_ok)
        {
          STAT_INC (self, dropped_tx);
          continue;
        }
      tx_commit (self, dest, out_len);
      STAT_INC (self, forwarded);
    }
}

static void
update_cpu_stat (CvRelay *self)
{
  struct timespec ts;

  if (clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
    __atomic_store_n (&self->stats.thread_cpu_ns,
                      (guint64) ts.tv_sec * 1000000000u + (guint64) ts.tv_nsec,
                      __ATOMIC_RELAXED);
}

static gpointer
relay_thread (gpointer data)
{
  CvRelay *self = data;

  while (!self->stop)
    {
      gint64 now;
      int n;

      if (g_atomic_int_get (&self->pending) > 0)
        {
          drain_commands (self);
          if (self->stop)
            break;
          tx_flush (self);
        }

      for (guint i = 0; i < RX_BATCH; i++)
        {
          self->rx_msgs[i].msg_hdr.msg_namelen = sizeof self->rx_addrs[i];
          self->rx_msgs[i].msg_hdr.msg_flags = 0;
          self->rx_iovs[i].iov_len = PKT_BUF;
        }
      n = recvmmsg (self->fd, self->rx_msgs, RX_BATCH, MSG_DONTWAIT, NULL);
      if (n > 0)
        {
          for (int i = 0; i < n; i++)
            {
              struct msghdr *h = &self->rx_msgs[i].msg_hdr;
              unsigned int len = self->rx_msgs[i].msg_len;

              STAT_INC (self, rx_packets);
              if ((h->msg_flags & MSG_TRUNC) || len > CV_RTP_MAX_DATAGRAM)
                {
                  STAT_INC (self, dropped_malformed);
                  continue;
                }
              handle_packet (self, self->rx_bufs[i], (int) len, &self->rx_addrs[i],
                             h->msg_namelen);
            }
          tx_flush (self);
          update_cpu_stat (self);
        }

      now = g_get_monotonic_time ();
      if (self->next_speaker_tick_us == 0)
        self->next_speaker_tick_us = now + (gint64) self->speaker_window_ms * 1000;
      else if (now >= self->next_speaker_tick_us)
        speaker_tick (self, now);

      /* A short batch means the socket is (nearly) empty: wait in poll
       * rather than spend a recvmmsg on finding that out. */
      if (n < RX_BATCH)
        {
          struct pollfd fds[2] = {
            { .fd = self->fd, .events = POLLIN },
            { .fd = self->wake_fd, .events = POLLIN },
          };
          gint64 wait_ms = (self->next_speaker_tick_us - now) / 1000 + 1;

          if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            g_debug ("relay: recvmmsg: %s", g_strerror (errno));
          if (n <= 0)
            update_cpu_stat (self);
          if (poll (fds, 2, (int) CLAMP (wait_ms, 1, 1000)) > 0 && (fds[1].revents & POLLIN))
            {
              guint64 v;

              if (read (self->wake_fd, &v, sizeof v) < 0)
                g_debug ("relay: eventfd read: %s", g_strerror (errno));
            }
        }
    }
  tx_flush (self);
  return NULL;
}

/* ---- Control side ------------------------------------------------------ */

static void
push_command (CvRelay *self, Cmd *cmd)
{
  guint64 one = 1;

  g_atomic_int_inc (&self->pending);
  g_async_queue_push (self->commands, cmd);
  if (write (self->wake_fd, &one, sizeof one) < 0)
    g_debug ("relay: eventfd write: %s", g_strerror (errno));
}

/* Slots are handed out in a rising sequence; a freed slot is used again only
 * once everyone who was present with its former owner has left, since they
 * may hold an outbound SRTP stream for its SSRCs whose index must not start
 * over under the same key. */
static gboolean
allocate_slot (CvRelay *self, guint *slot_out)
{
  guint64 oldest = G_MAXUINT64;
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->ctl_join_seq);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    oldest = MIN (oldest, *(guint64 *) value);

  for (guint tries = 0; tries < MAX_PEER_SLOTS; tries++)
    {
      guint slot = (self->next_slot + tries) % MAX_PEER_SLOTS;

      if (self->slot_used[slot])
        continue;
      if (self->slot_released_at[slot] != 0 && self->slot_released_at[slot] >= oldest)
        continue;
      self->next_slot = (slot + 1) % MAX_PEER_SLOTS;
      *slot_out = slot;
      return TRUE;
    }
  return FALSE;
}

gboolean
cv_relay_add_participant (CvRelay *self, guint32 participant_id, const char *meeting_id,
                          CvSrtpProfile profile, GBytes **key_material_out,
                          guint32 *ssrc_base_out, GError **error)
{
  gsize kl, sl, total;
  guint8 material[2 * (SRTP_MAX_KEY_LEN)];
  guint8 rx_key[SRTP_MAX_KEY_LEN];
  srtp_policy_t policies[CV_RELAY_SLOTS];
  srtp_policy_t tx_policy;
  srtp_err_status_t st;
  Peer *peer;
  Cmd *cmd;
  guint slot;
  guint64 *seq;

  g_return_val_if_fail (CV_IS_RELAY (self), FALSE);
  g_return_val_if_fail (meeting_id != NULL, FALSE);
  g_return_val_if_fail (key_material_out != NULL && ssrc_base_out != NULL, FALSE);

  if (cv_srtp_profile_name (profile) == NULL)
    {
      g_set_error (error, CV_RELAY_ERROR, CV_RELAY_ERROR_INVALID,
                   "Unknown SRTP profile %d", (int) profile);
      return FALSE;
    }
  kl = cv_srtp_profile_key_length (profile);
  sl = cv_srtp_profile_salt_length (profile);
  total = cv_srtp_profile_key_material_length (profile);
  if (getrandom (material, total, 0) != (ssize_t) total)
    {
      g_set_error (error, CV_RELAY_ERROR, CV_RELAY_ERROR_FAILED,
                   "No randomness for SRTP keys: %s", g_strerror (errno));
      return FALSE;
    }

  g_mutex_lock (&self->ctl_lock);
  if (g_hash_table_contains (self->ctl_ids, GUINT_TO_POINTER (participant_id)))
    {
      g_mutex_unlock (&self->ctl_lock);
      explicit_bzero (material, sizeof material);
      g_set_error (error, CV_RELAY_ERROR, CV_RELAY_ERROR_EXISTS,
                   "Participant %u already has media keys", participant_id);
      return FALSE;
    }
  if (!allocate_slot (self, &slot))
    {
      g_mutex_unlock (&self->ctl_lock);
      explicit_bzero (material, sizeof material);
      g_set_error (error, CV_RELAY_ERROR, CV_RELAY_ERROR_FULL,
                   "The media relay has no free SSRC range");
      return FALSE;
    }

  peer = g_new0 (Peer, 1);
  peer->id = participant_id;
  peer->slot = slot;
  peer->profile = profile;
  peer->ssrc_base = self->ssrc_prefix + slot * CV_RELAY_SSRC_STRIDE;
  peer->tx_ssrcs = g_hash_table_new (NULL, NULL);
  for (guint k = 0; k < CV_RELAY_SLOTS; k++)
    peer->streams[k].ssrc = peer->ssrc_base + k;

  /* client_write_key | server_write_key | client_write_salt | server_write_salt */
  memcpy (rx_key, material, kl);
  memcpy (rx_key + kl, material + 2 * kl, sl);
  memcpy (peer->tx_key, material + kl, kl);
  memcpy (peer->tx_key + kl, material + 2 * kl + sl, sl);

  for (guint k = 0; k < CV_RELAY_SLOTS; k++)
    {
      fill_policy (&policies[k], profile, rx_key, peer->ssrc_base + k, FALSE);
      policies[k].next = k + 1 < CV_RELAY_SLOTS ? &policies[k + 1] : NULL;
    }
  st = srtp_create (&peer->rx, policies);
  if (st == srtp_err_status_ok)
    {
      fill_policy (&tx_policy, profile, peer->tx_key, CV_RELAY_OWN_SSRC, TRUE);
      st = srtp_create (&peer->tx, &tx_policy);
    }
  explicit_bzero (rx_key, sizeof rx_key);
  if (st != srtp_err_status_ok)
    {
      g_mutex_unlock (&self->ctl_lock);
      explicit_bzero (material, sizeof material);
      peer_free (peer);
      g_set_error (error, CV_RELAY_ERROR, CV_RELAY_ERROR_SRTP,
                   "libsrtp cannot make a %s context (error %d)",
                   cv_srtp_profile_name (profile), (int) st);
      return FALSE;
    }

  self->slot_used[slot] = TRUE;
  g_hash_table_insert (self->ctl_ids, GUINT_TO_POINTER (participant_id),
                       GUINT_TO_POINTER (slot + 1));
  seq = g_new (guint64, 1);
  *seq = ++self->join_counter;
  g_hash_table_insert (self->ctl_join_seq, GUINT_TO_POINTER (participant_id), seq);
  g_mutex_unlock (&self->ctl_lock);

  cmd = g_new0 (Cmd, 1);
  cmd->type = CMD_ADD;
  cmd->peer = peer;
  cmd->meeting_id = g_strdup (meeting_id);
  push_command (self, cmd);

  *ssrc_base_out = peer->ssrc_base;
  *key_material_out = g_bytes_new (material, total);
  explicit_bzero (material, sizeof material);
  return TRUE;
}

void
cv_relay_remove_participant (CvRelay *self, guint32 participant_id)
{
  gpointer value;
  Cmd *cmd;

  g_return_if_fail (CV_IS_RELAY (self));

  g_mutex_lock (&self->ctl_lock);
  if (!g_hash_table_lookup_extended (self->ctl_ids, GUINT_TO_POINTER (participant_id),
                                     NULL, &value))
    {
      g_mutex_unlock (&self->ctl_lock);
      return;
    }
  self->slot_used[GPOINTER_TO_UINT (value) - 1] = FALSE;
  self->slot_released_at[GPOINTER_TO_UINT (value) - 1] = self->join_counter;
  g_hash_table_remove (self->ctl_ids, GUINT_TO_POINTER (participant_id));
  g_hash_table_remove (self->ctl_join_seq, GUINT_TO_POINTER (participant_id));
  g_mutex_unlock (&self->ctl_lock);

  cmd = g_new0 (Cmd, 1);
  cmd->type = CMD_REMOVE;
  cmd->a = participant_id;
  push_command (self, cmd);
}

void
cv_relay_subscribe (CvRelay *self, guint32 subscriber_id, guint32 ssrc, gboolean on)
{
  Cmd *cmd;

  g_return_if_fail (CV_IS_RELAY (self));

  cmd = g_new0 (Cmd, 1);
  cmd->type = CMD_SUBSCRIBE;
  cmd->a = subscriber_id;
  cmd->b = ssrc;
  cmd->on = on;
  push_command (self, cmd);
}

void
cv_relay_set_speaker_window (CvRelay *self, guint window_ms)
{
  Cmd *cmd;

  g_return_if_fail (CV_IS_RELAY (self));

  cmd = g_new0 (Cmd, 1);
  cmd->type = CMD_WINDOW;
  cmd->a = CLAMP (window_ms, 20, 10000);
  push_command (self, cmd);
}

void
cv_relay_sync (CvRelay *self)
{
  SyncWait sync = { 0 };
  Cmd *cmd;

  g_return_if_fail (CV_IS_RELAY (self));

  g_mutex_init (&sync.lock);
  g_cond_init (&sync.cond);
  cmd = g_new0 (Cmd, 1);
  cmd->type = CMD_SYNC;
  cmd->sync = &sync;
  push_command (self, cmd);
  g_mutex_lock (&sync.lock);
  while (!sync.done)
    g_cond_wait (&sync.cond, &sync.lock);
  g_mutex_unlock (&sync.lock);
  g_mutex_clear (&sync.lock);
  g_cond_clear (&sync.cond);
}

void
cv_relay_set_packet_tap (CvRelay *self, CvRelayPacketTap tap, gpointer user_data)
{
  g_return_if_fail (CV_IS_RELAY (self));

  /* Data before function, so the relay thread never sees a new tap with
   * old data. */
  g_atomic_pointer_set (&self->tap, NULL);
  g_atomic_pointer_set (&self->tap_data, user_data);
  g_atomic_pointer_set (&self->tap, tap);
}

void
cv_relay_get_stats (CvRelay *self, CvRelayStats *out)
{
  const guint64 *src = (const guint64 *) &self->stats;
  guint64 *dst = (guint64 *) out;

  g_return_if_fail (CV_IS_RELAY (self));

  G_STATIC_ASSERT (sizeof (CvRelayStats) % sizeof (guint64) == 0);
  for (gsize i = 0; i < sizeof (CvRelayStats) / sizeof (guint64); i++)
    dst[i] = __atomic_load_n (&src[i], __ATOMIC_RELAXED);
}

guint16
cv_relay_get_port (CvRelay *self)
{
  g_return_val_if_fail (CV_IS_RELAY (self), 0);

  return self->port;
}

static gboolean
open_socket (CvRelay *self, const char *bind_address, guint16 port, GError **error)
{
  struct sockaddr_storage ss = { 0 };
  socklen_t ss_len;
  int family, one = 1, zero = 0, bufsize = 8 * 1024 * 1024;

  if (bind_address == NULL || *bind_address == '\0')
    {
      struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) &ss;

      family = AF_INET6;
      sin6->sin6_family = AF_INET6;
      sin6->sin6_addr = in6addr_any;
      sin6->sin6_port = htons (port);
      ss_len = sizeof *sin6;
    }
  else
    {
      struct sockaddr_in *sin = (struct sockaddr_in *) &ss;
      struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) &ss;

      if (inet_pton (AF_INET, bind_address, &sin->sin_addr) == 1)
        {
          family = AF_INET;
          sin->sin_family = AF_INET;
          sin->sin_port = htons (port);
          ss_len = sizeof *sin;
        }
      else if (inet_pton (AF_INET6, bind_address, &sin6->sin6_addr) == 1)
        {
          family = AF_INET6;
          sin6->sin6_family = AF_INET6;
          sin6->sin6_port = htons (port);
          ss_len = sizeof *sin6;
        }
      else
        {
          g_set_error (error, CV_RELAY_ERROR, CV_RELAY_ERROR_INVALID,
                       "“%s” is not a numeric IP address", bind_address);
          return FALSE;
        }
    }

  self->fd = socket (family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (self->fd < 0 && family == AF_INET6 && bind_address == NULL)
    {
      /* No IPv6 on this host: all IPv4 addresses then. */
      struct sockaddr_in *sin = (struct sockaddr_in *) &ss;

      memset (&ss, 0, sizeof ss);
      family = AF_INET;
      sin->sin_family = AF_INET;
      sin->sin_addr.s_addr = htonl (INADDR_ANY);
      sin->sin_port = htons (port);
      ss_len = sizeof *sin;
      self->fd = socket (family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    }
  if (self->fd < 0)
    {
      g_set_error (error, CV_RELAY_ERROR, CV_RELAY_ERROR_SOCKET,
                   "Cannot make the media socket: %s", g_strerror (errno));
      return FALSE;
    }
  if (family == AF_INET6)
    setsockopt (self->fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
  setsockopt (self->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  /* Bursts of a thousand participants: ask for deep buffers (FORCE works
   * for root, the plain option is capped by the system's maximum). */
  if (setsockopt (self->fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsize, sizeof bufsize) < 0)
    setsockopt (self->fd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof bufsize);
  if (setsockopt (self->fd, SOL_SOCKET, SO_SNDBUFFORCE, &bufsize, sizeof bufsize) < 0)
    setsockopt (self->fd, SOL_SOCKET, SO_SNDBUF, &bufsize, sizeof bufsize);

  if (bind (self->fd, (struct sockaddr *) &ss, ss_len) < 0)
    {
      g_set_error (error, CV_RELAY_ERROR, CV_RELAY_ERROR_SOCKET,
                   "Cannot bind the media port %u: %s", port, g_strerror (errno));
      return FALSE;
    }
  ss_len = sizeof ss;
  if (getsockname (self->fd, (struct sockaddr *) &ss, &ss_len) < 0)
    {
      g_set_error (error, CV_RELAY_ERROR, CV_RELAY_ERROR_SOCKET,
                   "getsockname: %s", g_strerror (errno));
      return FALSE;
    }
  self->port = ntohs (family == AF_INET ? ((struct sockaddr_in *) &ss)->sin_port
                                        : ((struct sockaddr_in6 *) &ss)->sin6_port);
  return TRUE;
}

CvRelay *
cv_relay_new (const char *bind_address, guint16 port, GError **error)
{
  g_autoptr (CvRelay) self = g_object_new (CV_TYPE_RELAY, NULL);
  guint32 prefix = 0;

  ensure_srtp_init ();
  if (!open_socket (self, bind_address, port, error))
    return NULL;
  self->wake_fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (self->wake_fd < 0)
    {
      g_set_error (error, CV_RELAY_ERROR, CV_RELAY_ERROR_SOCKET,
                   "eventfd: %s", g_strerror (errno));
      return NULL;
    }

  /* SSRC = prefix (top 12 bits, random, non-zero) | slot << 4 | stream:
   * instances of the service then use disjoint SSRCs with high odds. */
  while ((prefix & 0xfff) == 0)
    if (getrandom (&prefix, sizeof prefix, 0) != sizeof prefix)
      prefix = (guint32) g_random_int ();
  self->ssrc_prefix = (prefix & 0xfff) << 20;

  self->thread = g_thread_try_new ("cv-relay", relay_thread, self, error);
  if (self->thread == NULL)
    return NULL;
  return g_steal_pointer (&self);
}

static void
cv_relay_dispose (GObject *object)
{
  CvRelay *self = CV_RELAY (object);

  if (self->shared != NULL)
    g_atomic_int_set (&self->shared->alive, FALSE);
  if (self->thread != NULL)
    {
      Cmd *cmd = g_new0 (Cmd, 1);

      cmd->type = CMD_STOP;
      push_command (self, cmd);
      g_thread_join (self->thread);
      self->thread = NULL;
    }
  G_OBJECT_CLASS (cv_relay_parent_class)->dispose (object);
}

static void
cv_relay_finalize (GObject *object)
{
  CvRelay *self = CV_RELAY (object);
  Cmd *cmd;

  /* The thread is gone: free what it owned and anything still queued. */
  while ((cmd = g_async_queue_try_pop (self->commands)) != NULL)
    {
      if (cmd->type == CMD_ADD)
        peer_free (cmd->peer);
      if (cmd->sync != NULL)
        sync_done (cmd->sync);
      g_free (cmd->meeting_id);
      g_free (cmd);
    }
  g_async_queue_unref (self->commands);
  for (guint slot = 0; slot < MAX_PEER_SLOTS; slot++)
    peer_free (self->peers[slot]);
  g_free (self->peers);
  g_hash_table_unref (self->peers_by_id);
  g_hash_table_unref (self->meetings);
  g_hash_table_unref (self->ctl_ids);
  g_hash_table_unref (self->ctl_join_seq);
  g_free (self->slot_used);
  g_free (self->slot_released_at);
  g_mutex_clear (&self->ctl_lock);
  g_free (self->rx_bufs);
  g_free (self->tx.bufs);
  if (self->fd >= 0)
    close (self->fd);
  if (self->wake_fd >= 0)
    close (self->wake_fd);
  g_atomic_rc_box_release (self->shared);
  g_main_context_unref (self->main_context);
  G_OBJECT_CLASS (cv_relay_parent_class)->finalize (object);
}

static void
cv_relay_class_init (CvRelayClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cv_relay_dispose;
  object_class->finalize = cv_relay_finalize;

  /**
   * CvRelay::active-speaker:
   * @meeting_id: the meeting
   * @participant_id: its loudest participant over the last window
   *
   * Emitted on the main context the relay was made in, when a meeting's
   * active speaker changes.
   */
  signals[SIGNAL_ACTIVE_SPEAKER] =
    g_signal_new ("active-speaker", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_UINT);
}

static void
cv_relay_init (CvRelay *self)
{
  self->fd = -1;
  self->wake_fd = -1;
  self->main_context = g_main_context_ref_thread_default ();
  self->shared = g_atomic_rc_box_new0 (Shared);
  self->shared->relay = self;
  self->shared->alive = TRUE;
  g_mutex_init (&self->ctl_lock);
  self->ctl_ids = g_hash_table_new (NULL, NULL);
  self->ctl_join_seq = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->slot_used = g_new0 (gboolean, MAX_PEER_SLOTS);
  self->slot_released_at = g_new0 (guint64, MAX_PEER_SLOTS);
  self->commands = g_async_queue_new ();
  self->peers = g_new0 (Peer *, MAX_PEER_SLOTS);
  self->peers_by_id = g_hash_table_new (NULL, NULL);
  self->meetings = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                          (GDestroyNotify) meeting_free);
  self->speaker_window_ms = 300;

  self->rx_bufs = g_malloc (RX_BATCH * sizeof *self->rx_bufs);
  for (guint i = 0; i < RX_BATCH; i++)
    {
      self->rx_iovs[i].iov_base = self->rx_bufs[i];
      self->rx_iovs[i].iov_len = PKT_BUF;
      self->rx_msgs[i].msg_hdr.msg_iov = &self->rx_iovs[i];
      self->rx_msgs[i].msg_hdr.msg_iovlen = 1;
      self->rx_msgs[i].msg_hdr.msg_name = &self->rx_addrs[i];
    }
  self->tx.bufs = g_malloc (TX_SLOTS * sizeof *self->tx.bufs);
  for (guint i = 0; i < TX_SLOTS; i++)
    {
      self->tx.iovs[i].iov_base = self->tx.bufs[i];
      self->tx.msgs[i].msg_hdr.msg_iov = &self->tx.iovs[i];
      self->tx.msgs[i].msg_hdr.msg_iovlen = 1;
    }
}
