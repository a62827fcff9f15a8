/* bench-media: what end-to-end encryption costs a meeting's media (issue 7).
 * Sections, each one file: */
#pragma once

#include <glib.h>

/* bench-media-frame.c: SFrame per frame against AES-GCM and the codecs. */
void   bench_media_frame_run    (double seconds);
/* bench-media-meeting.c: latency, receiving CPU and join time through a
 * real conclave-server and conclave-bots on loopback. */
void   bench_media_latency_run  (double seconds);
void   bench_media_receive_run  (double seconds);
void   bench_media_join_run     (guint joins);

/* CPU seconds of the whole process and of the calling thread. */
double bench_media_process_cpu  (void);
double bench_media_thread_cpu   (void);

/* Per-frame CPU cost of the codec chains the meeting's senders and
 * receivers run, for the baselines (bench-media-frame.c). */
typedef struct {
  double vp8_encode_us, vp8_decode_us, vp8_convert_us;  /* per video frame */
  double opus_encode_us, opus_decode_us;                /* per 20 ms audio frame */
  double video_bytes, audio_bytes;                      /* mean encoded frame sizes */
} BenchCodecCosts;

/* Encodes `frames` frames of the bots' test media with the pipeline's
 * settings (800 kbps VP8, 32 kbps Opus) and times each step. */
void   bench_media_codec_costs  (guint frames, BenchCodecCosts *out);
