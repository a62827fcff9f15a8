/* bench-media section "frame": what SFrame adds to each media frame, as a
 * share of encoding and decoding that frame (issue 7, item 1).
 *
 * Content: VP8 of 1280x720 at 24 fps and 2.4 Mbps (a moving SMPTE pattern:
 * frames of about 12 KB), and Opus 20 ms frames at 32 kbps (the pipeline's
 * setting, ~80 B) and 64 kbps (~160 B), encoded by the same elements and
 * settings as media/cv-media-pipeline.c. Every step is timed as process CPU
 * time over all frames, best of ROUNDS passes, on the same buffers:
 *
 *   floor     raw AES-128-GCM seal + open of the frame's bytes (EVP, as the
 *             SFrame code calls it), no GStreamer;
 *   keyring   cv_frame_keys_encrypt + _decrypt (KID lookup, counter, replay);
 *   elements  cvsframeenc ! cvsframedec through GstHarness, less the same
 *             harness with identity ! identity (what GStreamer's buffer
 *             passing costs any two elements);
 *   +auth     the elements with per-sender authenticity (hash of every
 *             frame, an Ed25519 statement about once a second);
 *   codec     vp8enc + vp8dec, opusenc + opusdec through GstHarness.
 */
#include "bench-media.h"

#include <gst/app/gstappsink.h>
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>
#include <time.h>

#include "cv-frame-auth.h"
#include "cv-frame-keys.h"
#include "cv-media-plugin.h"
#include "cv-mls-suite.h"

enum { ROUNDS = 3 };

static const guint32 members[] = { 0, 1 };
static const guint8 group_id[] = "bench-media group";

double
bench_media_process_cpu (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

double
bench_media_thread_cpu (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

/* ---- content ---- */

typedef struct {
  GPtrArray *buffers;
  GstCaps *caps;
} Frames;

static void
frames_clear (Frames *f)
{
  g_clear_pointer (&f->buffers, g_ptr_array_unref);
  gst_clear_caps (&f->caps);
}

/* Runs "DESC ! appsink" to its end and keeps every buffer and the caps. */
static Frames
collect (const char *desc)
{
  g_autofree char *full = g_strdup_printf ("%s ! appsink name=sink sync=false", desc);
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) pipeline = gst_parse_launch (full, &error);
  g_autoptr (GstElement) sink = NULL;
  Frames f = { g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref), NULL };
  GstSample *sample;

  if (pipeline == NULL)
    g_error ("cannot build “%s”: %s", full, error->message);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while ((sample = gst_app_sink_pull_sample (GST_APP_SINK (sink))) != NULL)
    {
      g_ptr_array_add (f.buffers, gst_buffer_ref (gst_sample_get_buffer (sample)));
      if (f.caps == NULL)
        f.caps = gst_caps_ref (gst_sample_get_caps (sample));
      gst_sample_unref (sample);
    }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (f.buffers->len == 0)
    g_error ("“%s” produced nothing", full);
  return f;
}

static double
mean_size (const Frames *f)
{
  double total = 0;

  for (guint i = 0; i < f->buffers->len; i++)
    total += gst_buffer_get_size (g_ptr_array_index (f->buffers, i));
  return total / f->buffers->len;
}

/* ---- timing through GstHarness ---- */

typedef GstHarness *(*HarnessMaker) (gpointer data);

/* Pushes every frame through a fresh harness; returns CPU µs per frame (the
 * best of ROUNDS) and, if out is set, keeps the last pass's output. */
static void
keep_or_drop (GPtrArray *got, GstBuffer *buf, gboolean keep, guint64 *pulled)
{
  (*pulled)++;
  if (keep)
    g_ptr_array_add (got, buf);
  else
    gst_buffer_unref (buf);
}

/* Codecs see each frame once (they need rising timestamps); frame-by-frame
 * transforms are given the frames again until `min_seconds` / ROUNDS of CPU
 * have passed, so that a 2 µs step is not lost in the noise. */
static double
time_harness (HarnessMaker make, gpointer data, const Frames *in, Frames *out, double min_seconds)
{
  double best = G_MAXDOUBLE;

  for (int round = 0; round < ROUNDS; round++)
    {
      GstHarness *h = make (data);
      g_autoptr (GPtrArray) got = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);
      GstBuffer *buf;
      double start, elapsed;
      guint64 pushed = 0, pulled = 0;

      start = bench_media_process_cpu ();
      do
        {
          for (guint i = 0; i < in->buffers->len; i++, pushed++)
            {
              if (gst_harness_push (h, gst_buffer_ref (g_ptr_array_index (in->buffers, i))) != GST_FLOW_OK)
                g_error ("a harness refused frame %u", i);
              while ((buf = gst_harness_try_pull (h)) != NULL)
                keep_or_drop (got, buf, out != NULL, &pulled);
            }
          elapsed = bench_media_process_cpu () - start;
        }
      while (elapsed < min_seconds / ROUNDS);
      gst_harness_push_event (h, gst_event_new_eos ());
      while ((buf = gst_harness_try_pull (h)) != NULL)
        keep_or_drop (got, buf, out != NULL, &pulled);
      best = MIN (best, (bench_media_process_cpu () - start) * 1e6 / pushed);

      /* Every frame must come out (statements of +auth never leave the decrypter). */
      if (pulled < pushed * 9 / 10)
        g_error ("only %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " frames came out of a harness", pulled, pushed);
      if (out != NULL && round == ROUNDS - 1)
        {
          g_autoptr (GstCaps) caps = gst_pad_get_current_caps (h->sinkpad);

          frames_clear (out);
          out->buffers = g_steal_pointer (&got);
          out->caps = gst_caps_ref (caps);
        }
      gst_harness_teardown (h);
    }
  return best;
}

typedef struct {
  const char *description;   /* for gst_harness_new_parse */
  GstCaps *src_caps;
  CvFrameKeys *sender, *receiver;
  CvFrameAuth *sender_auth, *receiver_auth;
  const char *decoded_caps;  /* the cvsframedec "caps" */
} HarnessSpec;

static GstHarness *
make_harness (gpointer data)
{
  HarnessSpec *spec = data;
  GstHarness *h = gst_harness_new_parse (spec->description);
  g_autoptr (GstElement) enc = gst_bin_get_by_name (GST_BIN (h->element), "enc");
  g_autoptr (GstElement) dec = gst_bin_get_by_name (GST_BIN (h->element), "dec");

  if (enc != NULL && g_str_has_prefix (G_OBJECT_TYPE_NAME (enc), "CvSframe"))
    g_object_set (enc, "keys", spec->sender, "auth", spec->sender_auth, "context", 1, NULL);
  if (dec != NULL && g_str_has_prefix (G_OBJECT_TYPE_NAME (dec), "CvSframe"))
    {
      g_autoptr (GstCaps) caps = gst_caps_from_string (spec->decoded_caps);
      g_object_set (dec, "keys", spec->receiver, "auth", spec->receiver_auth, "caps", caps, NULL);
    }
  gst_harness_set_src_caps (h, gst_caps_ref (spec->src_caps));
  return h;
}

static double
time_parse (HarnessSpec *spec, const char *description, GstCaps *caps, const Frames *in, Frames *out,
            double min_seconds)
{
  spec->description = description;
  spec->src_caps = caps;
  return time_harness (make_harness, spec, in, out, min_seconds);
}

/* ---- the floor and the keyring, without GStreamer ---- */

typedef struct {
  EVP_CIPHER_CTX *seal, *open;
  guint64 counter;
  guint8 *scratch;
} RawGcm;

static void
raw_gcm_init (RawGcm *r, gsize max_len)
{
  guint8 key[16];
  EVP_CIPHER *aes = EVP_CIPHER_fetch (NULL, "AES-128-GCM", NULL);

  RAND_bytes (key, sizeof key);
  r->seal = EVP_CIPHER_CTX_new ();
  r->open = EVP_CIPHER_CTX_new ();
  EVP_EncryptInit_ex2 (r->seal, aes, key, NULL, NULL);
  EVP_DecryptInit_ex2 (r->open, aes, key, NULL, NULL);
  EVP_CIPHER_free (aes);
  r->scratch = g_malloc (2 * max_len + 32);
}

static void
raw_gcm_clear (RawGcm *r)
{
  EVP_CIPHER_CTX_free (r->seal);
  EVP_CIPHER_CTX_free (r->open);
  g_free (r->scratch);
}

/* Seal + open of one frame's bytes with a fresh nonce, as SFrame does; the
 * SFrame header (KID, CTR: 3 bytes here) is the AAD. */
static gboolean
raw_gcm_frame (RawGcm *r, const guint8 *data, gsize len)
{
  guint8 nonce[12] = { 0 }, tag[16], aad[3] = { 0x91, 0x01, 0x00 }, *sealed = r->scratch, *opened = r->scratch + len + 16;
  int n;

  r->counter++;
  memcpy (nonce + 4, &r->counter, sizeof r->counter);
  return EVP_EncryptInit_ex2 (r->seal, NULL, NULL, nonce, NULL) > 0
         && EVP_EncryptUpdate (r->seal, NULL, &n, aad, sizeof aad) > 0
         && EVP_EncryptUpdate (r->seal, sealed, &n, data, (int) len) > 0
         && EVP_EncryptFinal_ex (r->seal, sealed + n, &n) > 0
         && EVP_CIPHER_CTX_ctrl (r->seal, EVP_CTRL_AEAD_GET_TAG, 16, tag) > 0
         && EVP_DecryptInit_ex2 (r->open, NULL, NULL, nonce, NULL) > 0
         && EVP_DecryptUpdate (r->open, NULL, &n, aad, sizeof aad) > 0
         && EVP_DecryptUpdate (r->open, opened, &n, sealed, (int) len) > 0
         && EVP_CIPHER_CTX_ctrl (r->open, EVP_CTRL_AEAD_SET_TAG, 16, tag) > 0
         && EVP_DecryptFinal_ex (r->open, opened + n, &n) > 0;
}

static gsize
max_size (const Frames *f)
{
  gsize m = 0;

  for (guint i = 0; i < f->buffers->len; i++)
    m = MAX (m, gst_buffer_get_size (g_ptr_array_index (f->buffers, i)));
  return m;
}

/* CPU µs per frame, best of ROUNDS passes of at least `seconds` / ROUNDS. */
static double
time_raw (const Frames *f, double seconds)
{
  RawGcm r = { 0 };
  double best = G_MAXDOUBLE;

  raw_gcm_init (&r, max_size (f));
  for (int round = 0; round < ROUNDS; round++)
    {
      double start = bench_media_process_cpu (), elapsed;
      guint64 n = 0;

      do
        {
          for (guint i = 0; i < f->buffers->len; i++, n++)
            {
              GstBuffer *buf = g_ptr_array_index (f->buffers, i);
              GstMapInfo map;

              gst_buffer_map (buf, &map, GST_MAP_READ);
              if (!raw_gcm_frame (&r, map.data, map.size))
                g_error ("raw AES-GCM failed");
              gst_buffer_unmap (buf, &map);
            }
          elapsed = bench_media_process_cpu () - start;
        }
      while (elapsed < seconds / ROUNDS);
      best = MIN (best, elapsed * 1e6 / n);
    }
  raw_gcm_clear (&r);
  return best;
}

static double
time_keyring (const Frames *f, CvFrameKeys *sender, CvFrameKeys *receiver, double seconds)
{
  gsize cap = max_size (f) + cv_frame_keys_overhead ();
  g_autofree guint8 *frame = g_malloc (cap);
  double best = G_MAXDOUBLE;

  for (int round = 0; round < ROUNDS; round++)
    {
      double start = bench_media_process_cpu (), elapsed;
      guint64 n = 0;

      do
        {
          for (guint i = 0; i < f->buffers->len; i++, n++)
            {
              GstBuffer *buf = g_ptr_array_index (f->buffers, i);
              gsize frame_len, offset, len;
              GstMapInfo map;

              gst_buffer_map (buf, &map, GST_MAP_READ);
              if (cv_frame_keys_encrypt (sender, 1, map.data, map.size, frame, cap, &frame_len) != CV_OK
                  || cv_frame_keys_decrypt (receiver, frame, frame_len, &offset, &len, NULL) != CV_OK
                  || len != map.size)
                g_error ("keyring round trip failed: %s", cv_status_message ());
              gst_buffer_unmap (buf, &map);
            }
          elapsed = bench_media_process_cpu () - start;
        }
      while (elapsed < seconds / ROUNDS);
      best = MIN (best, elapsed * 1e6 / n);
    }
  return best;
}

/* ---- keys ---- */

static CvFrameKeys *
keys_for (guint32 own_leaf, const guint8 base_key[16])
{
  g_autoptr (GError) error = NULL;
  CvFrameKeys *keys = cv_frame_keys_new (CV_SFRAME_DEFAULT_SUITE, 2000, &error);

  if (keys == NULL || !cv_frame_keys_install_epoch (keys, 1, base_key, 16, members, 2, own_leaf, &error))
    g_error ("frame keys: %s", error->message);
  return keys;
}

static CvFrameAuth *
auth_for (guint32 own_leaf, const cv_bytes *priv, GBytes *pubs[2])
{
  g_autoptr (GError) error = NULL;
  CvFrameAuth *auth = cv_frame_auth_new (CV_MLS_SUITE_X25519_AES128GCM_SHA256_ED25519, group_id,
                                         sizeof group_id, &error);

  if (auth == NULL || !cv_frame_auth_install_epoch (auth, 1, own_leaf, priv->data, priv->len, members,
                                                    pubs, 2, &error))
    g_error ("frame auth: %s", error->message);
  return auth;
}

/* ---- codec costs (also the baselines of the meeting sections) ---- */

/* media/cv-media-pipeline.c's vp8enc settings but the thread count. */
#define VP8_SETTINGS "deadline=1 cpu-used=8 lag-in-frames=0 error-resilient=default " \
                     "end-usage=cbr keyframe-max-dist=240"

typedef struct {
  double encode_us, decode_us;
  Frames encoded;
} CodecRun;

static void
codec_run (const char *source, const char *encoder, const char *decoder, HarnessSpec *spec, CodecRun *out)
{
  Frames raw = collect (source), decoded = { 0 };

  out->encode_us = time_parse (spec, encoder, raw.caps, &raw, &out->encoded, 0);
  out->decode_us = time_parse (spec, decoder, out->encoded.caps, &out->encoded, &decoded, 0);
  frames_clear (&decoded);
  frames_clear (&raw);
}

void
bench_media_codec_costs (guint frames, BenchCodecCosts *out)
{
  HarnessSpec spec = { 0 };
  CodecRun video = { 0 }, audio = { 0 };
  Frames decoded = { 0 };
  g_autofree char *video_src = g_strdup_printf (
    "videotestsrc num-buffers=%u pattern=ball motion=sweep background-color=0xff204a87 "
    "! video/x-raw,format=I420,width=640,height=360,framerate=24/1 "
    "! textoverlay text=\"Bot 1\" font-desc=\"Sans Bold 36\" valignment=center halignment=center", frames);
  g_autofree char *audio_src = g_strdup_printf (
    "audiotestsrc num-buffers=%u samplesperbuffer=960 wave=sine freq=440 volume=0.3 "
    "! audio/x-raw,format=S16LE,rate=48000,channels=1", frames * 2);

  /* As the bots send: media/cv-media-pipeline.c's sender settings. */
  codec_run (video_src, "vp8enc " VP8_SETTINGS " threads=2 target-bitrate=800000", "vp8dec", &spec, &video);
  codec_run (audio_src, "opusenc frame-size=20 bitrate=32000", "opusdec", &spec, &audio);
  out->vp8_encode_us = video.encode_us;
  out->vp8_decode_us = video.decode_us;
  out->vp8_convert_us = time_parse (&spec, "vp8dec ! videoconvert ! capsfilter caps=video/x-raw,format=RGBA", video.encoded.caps,
                                    &video.encoded, &decoded, 0) - video.decode_us;
  out->opus_encode_us = audio.encode_us;
  out->opus_decode_us = audio.decode_us;
  out->video_bytes = mean_size (&video.encoded);
  out->audio_bytes = mean_size (&audio.encoded);
  frames_clear (&decoded);
  frames_clear (&video.encoded);
  frames_clear (&audio.encoded);
}

/* ---- the section ---- */

static void
report_kind (const char *name, CodecRun *codec, HarnessSpec *spec, const char *decoded_caps, double seconds)
{
  Frames *enc = &codec->encoded;
  double raw, keyring, passing, elements, codec_us = codec->encode_us + codec->decode_us;

  spec->decoded_caps = decoded_caps;
  raw = time_raw (enc, seconds);
  keyring = time_keyring (enc, spec->sender, spec->receiver, seconds);
  passing = time_parse (spec, "identity name=enc ! identity name=dec", enc->caps, enc, NULL, seconds);
  elements = time_parse (spec, "cvsframeenc name=enc ! cvsframedec name=dec", enc->caps, enc, NULL, seconds)
             - passing;
  g_clear_object (&spec->sender_auth);
  g_clear_object (&spec->receiver_auth);

  printf ("%s: %u frames, mean %.0f B; codec encode %.1f µs + decode %.1f µs = %.1f µs per frame\n", name,
          enc->buffers->len, mean_size (enc), codec->encode_us, codec->decode_us, codec_us);
  printf ("  %-44s %9.2f µs   (1.00x floor, %5.2f%% of codec)\n", "floor: raw AES-128-GCM seal+open", raw,
          100 * raw / codec_us);
  printf ("  %-44s %9.2f µs   (%.2fx floor, %5.2f%% of codec)\n", "keyring: cv_frame_keys encrypt+decrypt",
          keyring, keyring / raw, 100 * keyring / codec_us);
  printf ("  %-44s %9.2f µs   (%.2fx floor, %5.2f%% of codec)\n", "elements: cvsframeenc ! cvsframedec", elements,
          elements / raw, 100 * elements / codec_us);
  printf ("  %-44s %9.2f µs   (buffer passing through two identity elements, subtracted above)\n",
          "GStreamer: identity ! identity", passing);
}

static void
report_auth (HarnessSpec *spec, const cv_bytes priv[2], GBytes *pubs[2], CodecRun *codec, double raw_floor,
             double seconds)
{
  Frames *enc = &codec->encoded;
  double passing, with_auth;

  spec->sender_auth = auth_for (0, &priv[0], pubs);
  spec->receiver_auth = auth_for (1, &priv[1], pubs);
  passing = time_parse (spec, "identity name=enc ! identity name=dec", enc->caps, enc, NULL, seconds);
  with_auth = time_parse (spec, "cvsframeenc name=enc ! cvsframedec name=dec", enc->caps, enc, NULL, seconds)
              - passing;
  printf ("  %-44s %9.2f µs   (%.2fx floor, %5.2f%% of codec)\n", "elements + per-sender authenticity", with_auth,
          with_auth / raw_floor, 100 * with_auth / (codec->encode_us + codec->decode_us));
  g_clear_object (&spec->sender_auth);
  g_clear_object (&spec->receiver_auth);
}

void
bench_media_frame_run (double seconds)
{
  guint8 base_key[16];
  cv_bytes priv[2] = { CV_BYTES_INIT, CV_BYTES_INIT };
  GBytes *pubs[2];
  const cv_mls_suite *suite;
  HarnessSpec spec = { 0 };
  CodecRun video = { 0 }, audio32 = { 0 }, audio64 = { 0 };
  static const char *video_src =
    "videotestsrc num-buffers=96 pattern=smpte horizontal-speed=4 "
    "! video/x-raw,format=I420,width=1280,height=720,framerate=24/1";
  static const char *audio_src =
    "audiotestsrc num-buffers=500 samplesperbuffer=960 wave=pink-noise volume=0.3 "
    "! audio/x-raw,format=S16LE,rate=48000,channels=1";

  cv_media_plugin_register ();
  RAND_bytes (base_key, sizeof base_key);
  spec.sender = keys_for (0, base_key);
  spec.receiver = keys_for (1, base_key);
  if (cv_mls_suite_get (CV_MLS_SUITE_X25519_AES128GCM_SHA256_ED25519, &suite) != CV_OK)
    g_error ("no MLS suite 1");
  for (int i = 0; i < 2; i++)
    {
      cv_bytes pub = CV_BYTES_INIT;

      if (cv_mls_signature_key_pair (suite, &priv[i], &pub) != CV_OK)
        g_error ("no signature key pair");
      pubs[i] = g_bytes_new (pub.data, pub.len);
      cv_bytes_clear (&pub);
    }

  printf ("== frame: SFrame per frame against its floor and the codec (CPU time, best of %d)\n", ROUNDS);
  /* One encoder thread: with threads=2 (the pipeline's) libvpx's workers
   * spin while they wait, which on a loaded machine multiplies its CPU time
   * (measured apart below) and would flatter SFrame's share. */
  codec_run (video_src, "vp8enc " VP8_SETTINGS " threads=1 target-bitrate=2400000", "vp8dec", &spec, &video);
  report_kind ("video VP8 1280x720 2.4 Mbps", &video, &spec, "video/x-vp8", seconds);
  {
    /* Half the frames: this line alone is slow (CPU spent spinning). */
    g_autofree char *half = g_strdup_printf ("videotestsrc num-buffers=48%s", strstr (video_src, " pattern"));
    Frames raw = collect (half), encoded = { 0 };
    double two = time_parse (&spec, "vp8enc " VP8_SETTINGS " threads=2 target-bitrate=2400000", raw.caps, &raw,
                             &encoded, 0);

    printf ("  %-44s %9.0f µs   (threads=1 above: %.0f µs)\n", "vp8enc threads=2 (the pipeline's setting)", two,
            video.encode_us);
    frames_clear (&raw);
    frames_clear (&encoded);
  }
  report_auth (&spec, priv, pubs, &video, time_raw (&video.encoded, seconds), seconds);

  codec_run (audio_src, "opusenc frame-size=20 bitrate=32000", "opusdec", &spec, &audio32);
  report_kind ("audio Opus 20 ms 32 kbps", &audio32, &spec, "audio/x-opus,channel-mapping-family=0", seconds);
  report_auth (&spec, priv, pubs, &audio32, time_raw (&audio32.encoded, seconds), seconds);

  codec_run (audio_src, "opusenc frame-size=20 bitrate=64000", "opusdec", &spec, &audio64);
  report_kind ("audio Opus 20 ms 64 kbps", &audio64, &spec, "audio/x-opus,channel-mapping-family=0", seconds);
  report_auth (&spec, priv, pubs, &audio64, time_raw (&audio64.encoded, seconds), seconds);

  frames_clear (&video.encoded);
  frames_clear (&audio32.encoded);
  frames_clear (&audio64.encoded);
  g_clear_object (&spec.sender);
  g_clear_object (&spec.receiver);
  for (int i = 0; i < 2; i++)
    {
      cv_bytes_clear (&priv[i]);
      g_bytes_unref (pubs[i]);
    }
}
