/* bench-media sections "latency", "receive" and "join": a meeting through a
 * real conclave-server and conclave-bots, each its own process on loopback,
 * with the measured participant a CvSession in this process (issue 7,
 * items 2-4).
 *
 * latency  A sender whose camera and microphone are this program's own
 *          device provider ("stamped" sources): every video frame carries
 *          its number in 12 blocks of pixels, and the audio is silence with a
 *          1 kHz burst every 2 s. The receiver reads the number back from
 *          each decoded frame, and the burst's onset from each decoded audio
 *          buffer's level: glass-to-glass and mouth-to-ear, both clocks this
 *          process's monotonic clock, through capture, VP8/Opus, SFrame, RTP,
 *          SRTP, the relay, the jitter buffer and decoding; in an E2EE
 *          meeting and, in alternation, a standard one (no SFrame).
 * receive  Four conclave-bots send video and audio; this process receives
 *          them (sending only a test tone, so the relay learns its address):
 *          CPU seconds per wall second of the whole process, against the
 *          decode-only cost of as many frames of the bots' content.
 * join     Nine conclave-bots are in the meeting (one sends video, eight
 *          audio only); a tenth participant joins from this process: wall
 *          time from cv_session_join() to its first decrypted and decoded
 *          video frame, and this thread's CPU time in each phase.
 */
#include "bench-media.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "cv-invite-link.h"
#include "cv-meeting-member.h"
#include "cv-remote-stream.h"
#include "cv-session.h"
#include "cv-test-client.h"

/* ---- processes: the service and the bots ---- */

typedef struct {
  GSubprocess *process;
  char *log;
} Child;

static char *work_dir;

/* A benchmark that aborts (g_error) must not leave its service and bots
 * running: they get SIGTERM when this process dies. */
static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static Child *
child_spawn (const char *log_name, const char *const *argv)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr (GError) error = NULL;
  Child *c = g_new0 (Child, 1);

  c->log = g_build_filename (work_dir, log_name, NULL);
  g_subprocess_launcher_set_stdout_file_path (launcher, c->log);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  c->process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  if (c->process == NULL)
    g_error ("cannot start %s: %s", argv[0], error->message);
  return c;
}

static void
child_stop (Child *c)
{
  /* Only the process this program started, by its own handle. */
  g_subprocess_send_signal (c->process, SIGTERM);
  g_subprocess_wait (c->process, NULL, NULL);
  g_object_unref (c->process);
  g_free (c->log);
  g_free (c);
}

static char *
child_output (Child *c)
{
  char *text = NULL;

  g_file_get_contents (c->log, &text, NULL, NULL);
  return text ? text : g_strdup ("");
}

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* The main context is always iterated blocking, never left free between
 * polls: GLib would then run what streaming threads hand it through
 * g_main_context_invoke() (CvRemoteStream's "new-frame") on those threads. */
static void
iterate_for (gint64 end)
{
  guint tick = g_timeout_add (5, tick_cb, NULL);

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
}

static void
spin (guint ms)
{
  iterate_for (g_get_monotonic_time () + (gint64) ms * 1000);
}

typedef gboolean (*Condition) (gpointer data);

/* Runs the main context until cond holds; FALSE after `seconds`. */
static gboolean
wait_until (Condition cond, gpointer data, double seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);
  guint tick = g_timeout_add (5, tick_cb, NULL);
  gboolean met;

  while (!(met = cond (data)) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  return met;
}

static gboolean
output_has (gpointer data)
{
  gpointer *args = data;
  g_autofree char *text = child_output (args[0]);

  return strstr (text, args[1]) != NULL;
}

static void
wait_output (Child *c, const char *needle, double seconds)
{
  gpointer args[] = { c, (gpointer) needle };

  if (!wait_until (output_has, args, seconds))
    {
      g_autofree char *text = child_output (c);
      g_error ("no “%s” after %.0f s in %s:\n%s", needle, seconds, c->log, text);
    }
}

/* conclave-server with one E2EE meeting; returns its invite link. */
static Child *
start_server (char **invite)
{
  g_autofree char *state = g_build_filename (work_dir, "state", NULL);
  const char *argv[] = { CONCLAVE_SERVER_PATH, "--port", "0", "--bind", "127.0.0.1", "--public-host", "127.0.0.1",
                         "--state-dir", state, "--create-meeting", NULL };
  Child *server = child_spawn ("server.log", argv);
  g_autofree char *text = NULL;
  char *line;

  wait_output (server, "Invite: ", 20);
  text = child_output (server);
  line = strstr (text, "Invite: ") + strlen ("Invite: ");
  *invite = g_strndup (line, strcspn (line, "\r\n"));
  return server;
}

/* A standard (not end-to-end encrypted) meeting on the same service, opened
 * over the wire as a host would; returns its invite link. */
static char *
open_standard_meeting (const char *e2ee_invite)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CvInviteLink) link = cv_invite_link_parse (e2ee_invite, &error);
  CvTestClient *host;
  g_autofree char *number = NULL;

  if (link == NULL)
    g_error ("%s", error->message);
  host = cv_test_client_connect_port (link->port, link->fingerprint, FALSE);
  cv_test_clients_wait_connected (&host, 1);
  cv_test_client_send (host, "{\"type\":\"create-meeting\",\"e2ee\":false}");
  number = g_strdup (json_object_get_string_member (cv_test_client_expect (host, "meeting-created"), "number"));
  cv_test_client_free (host);
  return cv_invite_link_build (link->host, link->port, number, link->fingerprint);
}

static Child *
start_bots (const char *invite, const char *name, int count, gboolean video)
{
  g_autofree char *count_str = g_strdup_printf ("%d", count);
  g_autofree char *log = g_strdup_printf ("%s.log", name);
  const char *argv[] = { CONCLAVE_BOT_PATH, "--meeting", invite, "--name", name, "--count", count_str,
                         video ? NULL : "--no-video", NULL };

  return child_spawn (log, argv);
}

static void
make_work_dir (void)
{
  g_autoptr (GError) error = NULL;

  g_free (work_dir);
  work_dir = g_dir_make_tmp ("bench-media-XXXXXX", &error);
  if (work_dir == NULL)
    g_error ("%s", error->message);
}

static void
remove_tree (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        remove_tree (path);
      else
        g_unlink (path);
    }
  g_rmdir (dir);
}

/* ---- sessions ---- */

static void
failed_cb (CvSession *session, GError *error, gpointer data)
{
  g_error ("session failed: %s", error->message);
}

static CvSession *
session_join (const char *invite, const char *name, gboolean video, gboolean test_media)
{
  g_autoptr (GError) error = NULL;
  CvSession *session = cv_session_new (name);

  cv_session_set_media (session, video, TRUE, test_media);
  g_signal_connect (session, "failed", G_CALLBACK (failed_cb), NULL);
  if (!cv_session_join (session, invite, NULL, &error))
    g_error ("cannot join: %s", error->message);
  return session;
}

static void
session_leave (CvSession *session)
{
  cv_session_leave (session);
  spin (200);
  g_object_unref (session);
}

static guint
video_streams_with_frames (CvSession *session)
{
  GListModel *streams = cv_session_get_remote_streams (session);
  guint n = 0;

  for (guint i = 0; streams != NULL && i < g_list_model_get_n_items (streams); i++)
    {
      g_autoptr (CvRemoteStream) s = g_list_model_get_item (streams, i);

      if (cv_remote_stream_get_kind (s) == CV_MEDIA_KIND_VIDEO && cv_remote_stream_get_frames (s) > 0)
        n++;
    }
  return n;
}

static guint64
frames_of_kind (CvSession *session, CvMediaKind kind)
{
  GListModel *streams = cv_session_get_remote_streams (session);
  guint64 n = 0;

  for (guint i = 0; streams != NULL && i < g_list_model_get_n_items (streams); i++)
    {
      g_autoptr (CvRemoteStream) s = g_list_model_get_item (streams, i);

      if (cv_remote_stream_get_kind (s) == kind)
        n += cv_remote_stream_get_frames (s);
    }
  return n;
}

/* Calls `cb` on "new-frame" of every remote stream of the session, those of
 * now and those to come (checked from a timeout: the list appears with the
 * media pipeline). */
typedef struct {
  CvSession *session;
  GCallback cb;
  gpointer data;
} Watch;

static gboolean
watch_streams_cb (gpointer user_data)
{
  Watch *w = user_data;
  GListModel *streams = cv_session_get_remote_streams (w->session);

  for (guint i = 0; streams != NULL && i < g_list_model_get_n_items (streams); i++)
    {
      g_autoptr (CvRemoteStream) s = g_list_model_get_item (streams, i);

      if (g_object_get_data (G_OBJECT (s), "bench-watched") == NULL)
        {
          g_object_set_data (G_OBJECT (s), "bench-watched", w);
          g_signal_connect (s, "new-frame", w->cb, w->data);
        }
    }
  return G_SOURCE_CONTINUE;
}

/* Disconnects what watched the session's streams before `data` goes away:
 * a "new-frame" may still be queued for the main context. */
static void
unwatch_streams (CvSession *session, gpointer data)
{
  GListModel *streams = cv_session_get_remote_streams (session);

  if (streams == NULL)
    return;
  g_signal_handlers_disconnect_by_data (streams, data);
  for (guint i = 0; i < g_list_model_get_n_items (streams); i++)
    {
      g_autoptr (CvRemoteStream) s = g_list_model_get_item (streams, i);

      g_signal_handlers_disconnect_by_data (s, data);
    }
}

/* ---- latency: the stamped camera and microphone ---- */

/* 12 blocks of 24 pixels, 24 apart: 564 pixels of the 640-pixel row. */
#define STAMP_BITS 12
#define STAMP_BLOCK 24
#define STAMP_SLOTS 1024
#define BURST_PERIOD 200   /* 10 ms buffers: one burst every 2 s */
#define BURST_LENGTH 20    /* of 200 ms */

static struct {
  GMutex lock;
  gint64 frame_time[STAMP_SLOTS];
  guint frame_number[STAMP_SLOTS];
  guint next_frame;
  guint64 audio_buffers;
  gint64 burst_start;   /* when the last burst's first buffer left the source */
} stamp;

/* Writes the frame number as STAMP_BITS white or black blocks on the top row. */
static GstPadProbeReturn
stamp_video_cb (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  GstBuffer *buf = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER (info));
  GstVideoInfo vinfo;
  GstVideoFrame frame;
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  guint number;

  GST_PAD_PROBE_INFO_DATA (info) = buf;
  if (caps == NULL || !gst_video_info_from_caps (&vinfo, caps)
      || !gst_video_frame_map (&frame, &vinfo, buf, GST_MAP_WRITE))
    return GST_PAD_PROBE_OK;
  g_mutex_lock (&stamp.lock);
  number = stamp.next_frame++ & ((1 << STAMP_BITS) - 1);
  stamp.frame_number[number % STAMP_SLOTS] = number;
  stamp.frame_time[number % STAMP_SLOTS] = g_get_monotonic_time ();
  g_mutex_unlock (&stamp.lock);
  for (guint plane = 0; plane < 3; plane++)
    {
      guint8 *pixels = GST_VIDEO_FRAME_PLANE_DATA (&frame, plane);
      guint stride = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, plane), scale = plane == 0 ? 1 : 2;

      for (guint bit = 0; bit < STAMP_BITS; bit++)
        {
          guint8 value = plane > 0 ? 128 : (number >> bit) & 1 ? 235 : 16;

          for (guint y = 0; y < STAMP_BLOCK / scale; y++)
            memset (pixels + y * stride + bit * 2 * STAMP_BLOCK / scale, value, STAMP_BLOCK / scale);
        }
    }
  gst_video_frame_unmap (&frame);
  return GST_PAD_PROBE_OK;
}

/* Reads the number back from a decoded RGBA frame; -1 if it is not there. */
static int
read_stamp (GstSample *sample)
{
  GstVideoInfo vinfo;
  GstVideoFrame frame;
  int number = 0;

  if (!gst_video_info_from_caps (&vinfo, gst_sample_get_caps (sample))
      || !gst_video_frame_map (&frame, &vinfo, gst_sample_get_buffer (sample), GST_MAP_READ))
    return -1;
  for (guint bit = 0; bit < STAMP_BITS; bit++)
    {
      const guint8 *row = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 0)
                          + (STAMP_BLOCK / 2) * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
      guint8 green = row[(bit * 2 * STAMP_BLOCK + STAMP_BLOCK / 2) * 4 + 1];

      if (green > 128)
        number |= 1 << bit;
    }
  gst_video_frame_unmap (&frame);
  return number;
}

/* Silence, and a 1 kHz burst at half amplitude for 200 ms every 2 s. */
static GstPadProbeReturn
stamp_audio_cb (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  GstBuffer *buf = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER (info));
  GstMapInfo map;
  guint64 n;

  GST_PAD_PROBE_INFO_DATA (info) = buf;
  g_mutex_lock (&stamp.lock);
  n = stamp.audio_buffers++;
  if (n % BURST_PERIOD == 0)
    stamp.burst_start = g_get_monotonic_time ();
  g_mutex_unlock (&stamp.lock);
  if (n % BURST_PERIOD < BURST_LENGTH && gst_buffer_map (buf, &map, GST_MAP_WRITE))
    {
      gint16 *s = (gint16 *) map.data;

      for (gsize i = 0; i < map.size / 2; i++)
        s[i] = (gint16) (16000 * sin (2 * G_PI * 1000 * (double) i / 48000));
      gst_buffer_unmap (buf, &map);
    }
  return GST_PAD_PROBE_OK;
}

/* The device and its provider: GStreamer's own seam for sources, so the
 * session's unchanged pipeline takes them as its camera and microphone. */
#define BENCH_TYPE_DEVICE (bench_device_get_type ())
G_DECLARE_FINAL_TYPE (BenchDevice, bench_device, BENCH, DEVICE, GstDevice)
struct _BenchDevice { GstDevice parent_instance; gboolean video; };
G_DEFINE_FINAL_TYPE (BenchDevice, bench_device, GST_TYPE_DEVICE)

static GstElement *
bench_device_create_element (GstDevice *device, const char *name)
{
  BenchDevice *self = BENCH_DEVICE (device);
  const char *desc = self->video
    ? "videotestsrc is-live=true pattern=ball motion=sweep "
      "! capsfilter name=out caps=video/x-raw,format=I420,width=640,height=360,framerate=24/1"
    : "audiotestsrc is-live=true wave=silence samplesperbuffer=480 "
      "! capsfilter name=out caps=audio/x-raw,format=S16LE,rate=48000,channels=1";
  g_autoptr (GError) error = NULL;
  GstElement *bin = gst_parse_bin_from_description (desc, FALSE, &error);
  g_autoptr (GstElement) out = NULL;
  g_autoptr (GstPad) pad = NULL;

  if (bin == NULL)
    g_error ("stamped source: %s", error->message);
  out = gst_bin_get_by_name (GST_BIN (bin), "out");
  pad = gst_element_get_static_pad (out, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, self->video ? stamp_video_cb : stamp_audio_cb, NULL, NULL);
  gst_element_add_pad (bin, gst_ghost_pad_new ("src", pad));
  return bin;
}

static void
bench_device_class_init (BenchDeviceClass *klass)
{
  GST_DEVICE_CLASS (klass)->create_element = bench_device_create_element;
}

static void
bench_device_init (BenchDevice *self)
{
}

#define BENCH_TYPE_DEVICE_PROVIDER (bench_device_provider_get_type ())
G_DECLARE_FINAL_TYPE (BenchDeviceProvider, bench_device_provider, BENCH, DEVICE_PROVIDER, GstDeviceProvider)
struct _BenchDeviceProvider { GstDeviceProvider parent_instance; };
G_DEFINE_FINAL_TYPE (BenchDeviceProvider, bench_device_provider, GST_TYPE_DEVICE_PROVIDER)

static GstDevice *
bench_device_new (gboolean video)
{
  g_autoptr (GstCaps) caps = gst_caps_from_string (video ? "video/x-raw" : "audio/x-raw");
  BenchDevice *d = g_object_new (BENCH_TYPE_DEVICE, "display-name", video ? "Stamped camera" : "Stamped microphone",
                                 "device-class", video ? "Video/Source" : "Audio/Source", "caps", caps, NULL);

  d->video = video;
  return GST_DEVICE (d);
}

static GList *
bench_device_provider_probe (GstDeviceProvider *provider)
{
  return g_list_append (g_list_append (NULL, gst_object_ref_sink (bench_device_new (TRUE))),
                        gst_object_ref_sink (bench_device_new (FALSE)));
}

static void
bench_device_provider_class_init (BenchDeviceProviderClass *klass)
{
  GST_DEVICE_PROVIDER_CLASS (klass)->probe = bench_device_provider_probe;
  gst_device_provider_class_set_static_metadata (GST_DEVICE_PROVIDER_CLASS (klass), "Stamped sources",
                                                 "Source/Video/Audio", "bench-media's timestamped test media",
                                                 "The Conclave developers");
}

static void
bench_device_provider_init (BenchDeviceProvider *self)
{
}

static gboolean
stamp_plugin_init (GstPlugin *plugin)
{
  return gst_device_provider_register (plugin, "benchstamp", GST_RANK_PRIMARY, BENCH_TYPE_DEVICE_PROVIDER);
}

/* Makes the stamped sources this process's only devices: every other
 * provider (PipeWire, PulseAudio, V4L2) drops below what GstDeviceMonitor
 * looks at. */
static void
install_stamped_devices (void)
{
  GList *providers;

  gst_plugin_register_static (GST_VERSION_MAJOR, GST_VERSION_MINOR, "benchstamp", "bench-media's stamped sources",
                              stamp_plugin_init, "1.0", "GPL", "bench-media", "conclave", "https://conclave.example.org");
  providers = gst_device_provider_factory_list_get_device_providers (GST_RANK_NONE);
  for (GList *l = providers; l != NULL; l = l->next)
    if (!g_str_equal (gst_plugin_feature_get_name (l->data), "benchstamp"))
      gst_plugin_feature_set_rank (l->data, GST_RANK_NONE);
  gst_plugin_feature_list_free (providers);
}

typedef struct {
  GArray *video_ms, *audio_ms;
  int last_number;
  double last_level;
  gboolean collecting;
  guint video_frames, unreadable, audio_buffers;
  guint kept_video, kept_audio;  /* samples of earlier rounds */
} Latency;

static void
latency_frame_cb (CvRemoteStream *stream, gpointer data)
{
  Latency *lat = data;
  gint64 now = g_get_monotonic_time ();

  if (cv_remote_stream_get_kind (stream) == CV_MEDIA_KIND_VIDEO)
    {
      g_autoptr (GstSample) sample = cv_remote_stream_dup_last_sample (stream);
      int number = sample ? read_stamp (sample) : -1;
      double ms;

      lat->video_frames++;
      if (number < 0 || number == lat->last_number)
        return;
      lat->last_number = number;
      g_mutex_lock (&stamp.lock);
      ms = stamp.frame_number[number % STAMP_SLOTS] == (guint) number
           ? (now - stamp.frame_time[number % STAMP_SLOTS]) / 1000.0 : -1;
      g_mutex_unlock (&stamp.lock);
      /* A misread stamp (a damaged frame) gives an impossible latency. */
      if (lat->collecting && ms > 0 && ms < 2000)
        g_array_append_val (lat->video_ms, ms);
      else
        lat->unreadable++;
      if (g_getenv ("BENCH_DEBUG"))
        printf ("frame %d latency %.1f\n", number, ms);
    }
  else
    {
      double level = cv_remote_stream_get_audio_level (stream), ms;

      lat->audio_buffers++;
      if (g_getenv ("BENCH_DEBUG"))
        printf ("audio level %.3f at %.1f ms after the burst\n", level,
                (now - stamp.burst_start) / 1000.0);

      /* The burst's onset: the first buffer at half the burst's level (0.31)
       * after quiet ones. A lower threshold would catch the Opus frame
       * before the burst, into which the codec's overlap leaks a little of
       * it (level 0.055). */
      if (level > 0.15 && lat->last_level < 0.02 && lat->collecting)
        {
          g_mutex_lock (&stamp.lock);
          ms = (now - stamp.burst_start) / 1000.0;
          g_mutex_unlock (&stamp.lock);
          if (ms > 0 && ms < 10 * (BURST_PERIOD - BURST_LENGTH))
            g_array_append_val (lat->audio_ms, ms);
        }
      lat->last_level = level;
    }
}

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static void
report_distribution (const char *name, GArray *ms)
{
  double *v = (double *) ms->data;

  if (ms->len == 0)
    {
      printf ("  %-34s no samples (nothing measured)\n", name);
      return;
    }
  g_array_sort (ms, compare_doubles);
  printf ("  %-34s median %6.1f ms   min %6.1f   p90 %6.1f   max %6.1f   (%u samples)\n", name,
          v[ms->len / 2], v[0], v[ms->len * 9 / 10], v[ms->len - 1], ms->len);
}

typedef struct {
  CvSession **sessions;
  guint n;
} Sessions;

static gboolean
all_in_meeting (gpointer data)
{
  Sessions *s = data;

  for (guint i = 0; i < s->n; i++)
    if (cv_session_get_state (s->sessions[i]) != CV_SESSION_IN_MEETING)
      return FALSE;
  return TRUE;
}

static gboolean
has_latency_samples (gpointer data)
{
  Latency *lat = data;

  return lat->video_ms->len > lat->kept_video && lat->audio_ms->len > lat->kept_audio;
}

static void
load_line (void)
{
  g_autofree char *loadavg = NULL;

  g_file_get_contents ("/proc/loadavg", &loadavg, NULL, NULL);
  printf ("  load: %s", loadavg ? loadavg : "?\n");
}

#define LATENCY_PAIRS 2

/* Two sessions in the meeting of `invite`: the stamped sender and a viewer;
 * fills the latencies seen over `seconds` after a warm-up. */
static void
measure_latency (const char *invite, double seconds, Latency *lat)
{
  CvSession *both[2];
  Sessions s = { both, 2 };
  Watch watch = { NULL, G_CALLBACK (latency_frame_cb), lat };
  guint watch_id;

  both[0] = session_join (invite, "Stamped", TRUE, FALSE);
  both[1] = session_join (invite, "Viewer", FALSE, TRUE);
  watch.session = both[1];
  watch_id = g_timeout_add (50, watch_streams_cb, &watch);
  if (!wait_until (all_in_meeting, &s, 30))
    g_error ("the two sessions did not meet");
  /* Warm-up: the first seconds carry the keyframe and the jitter buffer's start. */
  lat->collecting = TRUE;
  if (!wait_until (has_latency_samples, lat, 20))
    printf ("  (no stamped frame or burst arrived within 20 s of the meeting)\n");
  else
    {
      /* Only what arrives after the warm-up counts (samples of earlier rounds stay). */
      g_array_set_size (lat->video_ms, lat->kept_video);
      g_array_set_size (lat->audio_ms, lat->kept_audio);
      spin ((guint) (seconds * 1000));
    }
  lat->kept_video = lat->video_ms->len;
  lat->kept_audio = lat->audio_ms->len;
  lat->last_number = -1;
  lat->last_level = 0;
  lat->collecting = FALSE;
  g_source_remove (watch_id);
  unwatch_streams (both[1], lat);
  session_leave (both[1]);
  session_leave (both[0]);
}

static double
median (GArray *ms)
{
  if (ms->len == 0)
    return 0;
  g_array_sort (ms, compare_doubles);
  return g_array_index (ms, double, ms->len / 2);
}

void
bench_media_latency_run (double seconds)
{
  g_autofree char *invite = NULL, *standard = NULL;
  Child *server;
  Latency e2ee = { g_array_new (FALSE, FALSE, sizeof (double)), g_array_new (FALSE, FALSE, sizeof (double)), -1 };
  Latency plain = { g_array_new (FALSE, FALSE, sizeof (double)), g_array_new (FALSE, FALSE, sizeof (double)), -1 };

  printf ("== latency: glass-to-glass and mouth-to-ear through conclave-server on loopback,\n"
          "   an E2EE meeting then a standard one (same service, same sources)\n");
  make_work_dir ();
  install_stamped_devices ();
  server = start_server (&invite);
  standard = open_standard_meeting (invite);

  /* Alternating, so that a busy moment of the neighbours hits both alike;
   * the samples of each kind are pooled. */
  for (int pair = 0; pair < LATENCY_PAIRS; pair++)
    {
      load_line ();
      measure_latency (invite, seconds / (2 * LATENCY_PAIRS), &e2ee);
      measure_latency (standard, seconds / (2 * LATENCY_PAIRS), &plain);
    }
  load_line ();
  printf ("  E2EE: %u video frames signalled, %u without a readable stamp; %u audio buffers\n",
          e2ee.video_frames, e2ee.unreadable, e2ee.audio_buffers);
  report_distribution ("video glass-to-glass, E2EE", e2ee.video_ms);
  report_distribution ("video glass-to-glass, standard", plain.video_ms);
  report_distribution ("audio mouth-to-ear, E2EE", e2ee.audio_ms);
  report_distribution ("audio mouth-to-ear, standard", plain.audio_ms);
  if (e2ee.video_ms->len > 0 && plain.video_ms->len > 0)
    printf ("  ratio of medians E2EE / standard, video: %.2f\n", median (e2ee.video_ms) / median (plain.video_ms));
  if (e2ee.audio_ms->len > 0 && plain.audio_ms->len > 0)
    printf ("  ratio of medians E2EE / standard, audio: %.2f\n", median (e2ee.audio_ms) / median (plain.audio_ms));

  child_stop (server);
  remove_tree (work_dir);
  for (Latency *l = &e2ee; l != NULL; l = l == &e2ee ? &plain : NULL)
    {
      g_array_unref (l->video_ms);
      g_array_unref (l->audio_ms);
    }
}

/* ---- receive: CPU of a participant receiving four video streams ---- */

typedef struct {
  CvSession *session;
  guint streams;
} StreamGoal;

static gboolean
enough_video_streams (gpointer data)
{
  StreamGoal *g = data;

  return video_streams_with_frames (g->session) >= g->streams;
}

static double
rusage_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

void
bench_media_receive_run (double seconds)
{
  g_autofree char *invite = NULL, *loadavg = NULL;
  Child *server, *bots;
  CvSession *viewer;
  StreamGoal goal;
  BenchCodecCosts codec;
  double cpu0, wall0, cpu, wall, video_fps, audio_fps, decode_only, decode_convert;
  guint64 video0, audio0;

  printf ("== receive: CPU of one participant receiving 4 video + 4 audio streams (5 participants)\n");
  make_work_dir ();
  server = start_server (&invite);
  bots = start_bots (invite, "Sender", 4, TRUE);
  viewer = session_join (invite, "Viewer", FALSE, TRUE);
  goal = (StreamGoal) { viewer, 4 };
  if (!wait_until (enough_video_streams, &goal, 60))
    g_error ("the viewer did not get 4 video streams in 60 s (it has %u)", video_streams_with_frames (viewer));
  spin (2000);

  cpu0 = rusage_seconds ();
  wall0 = g_get_monotonic_time () / 1e6;
  video0 = frames_of_kind (viewer, CV_MEDIA_KIND_VIDEO);
  audio0 = frames_of_kind (viewer, CV_MEDIA_KIND_AUDIO);
  spin ((guint) (seconds * 1000));
  cpu = rusage_seconds () - cpu0;
  wall = g_get_monotonic_time () / 1e6 - wall0;
  video_fps = (frames_of_kind (viewer, CV_MEDIA_KIND_VIDEO) - video0) / wall;
  audio_fps = (frames_of_kind (viewer, CV_MEDIA_KIND_AUDIO) - audio0) / wall;
  g_file_get_contents ("/proc/loadavg", &loadavg, NULL, NULL);

  session_leave (viewer);
  child_stop (bots);
  child_stop (server);
  remove_tree (work_dir);
  printf ("  load: %s", loadavg ? loadavg : "?\n");
  printf ("  received %.1f video frames/s, %.1f audio frames/s over %.1f s\n", video_fps, audio_fps, wall);
  printf ("  %-52s %.3f CPU s per s\n", "receiving process (getrusage, all threads)", cpu / wall);

  /* The baseline, once the meeting is gone: decoding as many frames of the
   * bots' content (same source, same encoder settings) and nothing else. */
  bench_media_codec_costs (120, &codec);
  decode_only = (video_fps * codec.vp8_decode_us + audio_fps * codec.opus_decode_us) / 1e6;
  decode_convert = decode_only + video_fps * codec.vp8_convert_us / 1e6;
  printf ("  %-52s %.3f CPU s per s   ratio %.2fx\n", "baseline: vp8dec + opusdec of those frames", decode_only,
          decode_only > 0 ? cpu / wall / decode_only : 0);
  printf ("  %-52s %.3f CPU s per s   ratio %.2fx\n", "baseline + videoconvert to RGBA (as the app does)",
          decode_convert, decode_convert > 0 ? cpu / wall / decode_convert : 0);
  printf ("  (codec per frame: vp8dec %.0f µs, videoconvert %.0f µs, opusdec %.0f µs, opusenc %.0f µs;"
          " VP8 %.0f B, Opus %.0f B)\n", codec.vp8_decode_us, codec.vp8_convert_us, codec.opus_decode_us,
          codec.opus_encode_us, codec.video_bytes, codec.audio_bytes);
}

/* ---- join: a tenth participant's first decrypted frame ---- */

typedef struct {
  CvSession *session;
  gint64 start, joining, in_meeting, first_stream, first_frame;
  double cpu_start, cpu_joining, cpu_in_meeting, cpu_first_frame;
} JoinTimes;

static void
join_state_cb (CvSession *session, GParamSpec *pspec, JoinTimes *t)
{
  CvSessionState state = cv_session_get_state (session);

  if (state == CV_SESSION_JOINING && t->joining == 0)
    {
      t->joining = g_get_monotonic_time ();
      t->cpu_joining = bench_media_thread_cpu ();
    }
  else if (state == CV_SESSION_IN_MEETING && t->in_meeting == 0)
    {
      t->in_meeting = g_get_monotonic_time ();
      t->cpu_in_meeting = bench_media_thread_cpu ();
    }
}

static void
join_streams_cb (GListModel *streams, guint position, guint removed, guint added, JoinTimes *t)
{
  for (guint i = position; i < position + added && t->first_stream == 0; i++)
    {
      g_autoptr (CvRemoteStream) s = g_list_model_get_item (streams, i);

      if (cv_remote_stream_get_kind (s) == CV_MEDIA_KIND_VIDEO)
        t->first_stream = g_get_monotonic_time ();
    }
}

static void
join_frame_cb (CvRemoteStream *stream, JoinTimes *t)
{
  if (t->first_frame == 0 && cv_remote_stream_get_kind (stream) == CV_MEDIA_KIND_VIDEO
      && cv_remote_stream_get_frames (stream) > 0)
    {
      t->first_frame = g_get_monotonic_time ();
      t->cpu_first_frame = bench_media_thread_cpu ();
    }
}

/* Also hooks the stream list as soon as the media pipeline makes it. */
static gboolean
has_first_frame (gpointer data)
{
  JoinTimes *t = data;
  GListModel *streams = cv_session_get_remote_streams (t->session);

  if (streams != NULL && g_object_get_data (G_OBJECT (streams), "bench-join") == NULL)
    {
      g_object_set_data (G_OBJECT (streams), "bench-join", t);
      g_signal_connect (streams, "items-changed", G_CALLBACK (join_streams_cb), t);
    }
  return t->first_frame != 0;
}

void
bench_media_join_run (guint joins)
{
  g_autofree char *invite = NULL, *loadavg = NULL;
  Child *server, *video_bot, *audio_bots;

  printf ("== join: a 10th participant's first decrypted video frame (9 conclave-bots in the meeting)\n");
  make_work_dir ();
  server = start_server (&invite);
  video_bot = start_bots (invite, "Video", 1, TRUE);
  wait_output (video_bot, "members 1 ", 30);
  audio_bots = start_bots (invite, "Member", 8, FALSE);
  wait_output (video_bot, "members 9 ", 60);
  spin (3000);
  g_file_get_contents ("/proc/loadavg", &loadavg, NULL, NULL);
  printf ("  load: %s", loadavg ? loadavg : "?\n");
  printf ("  wall time from cv_session_join() to: joined (TLS, KeyPackage, media pipeline), in meeting (Welcome\n"
          "  processed, keys installed), first video packet (the stream appears), first decrypted+decoded frame;\n"
          "  then this thread's CPU time in each phase\n");

  for (guint j = 0; j < joins; j++)
    {
      g_autofree char *name = g_strdup_printf ("Joiner %u", j + 1);
      JoinTimes t = { 0 };
      Watch watch = { NULL, G_CALLBACK (join_frame_cb), &t };
      guint watch_id;

      t.start = g_get_monotonic_time ();
      t.cpu_start = bench_media_thread_cpu ();
      t.session = session_join (invite, name, TRUE, TRUE);
      g_signal_connect (t.session, "notify::state", G_CALLBACK (join_state_cb), &t);
      watch.session = t.session;
      watch_id = g_timeout_add (5, watch_streams_cb, &watch);
      if (!wait_until (has_first_frame, &t, 30))
        printf ("  join %u: no video frame within 30 s (state %d)\n", j + 1, cv_session_get_state (t.session));
      else
        printf ("  #%u  joined %.0f ms, in meeting %.0f ms, video stream %.0f ms, first frame %.0f ms (members %u);"
                " CPU: connect+KeyPackage+pipeline %.1f ms, Welcome+keys %.1f ms, until frame %.1f ms\n", j + 1,
                (t.joining - t.start) / 1e3, (t.in_meeting - t.start) / 1e3,
                t.first_stream ? (t.first_stream - t.start) / 1e3 : -1.0, (t.first_frame - t.start) / 1e3,
                g_list_model_get_n_items (cv_session_get_members (t.session)),
                (t.cpu_joining - t.cpu_start) * 1e3, (t.cpu_in_meeting - t.cpu_joining) * 1e3,
                (t.cpu_first_frame - t.cpu_in_meeting) * 1e3);
      g_source_remove (watch_id);
      unwatch_streams (t.session, &t);
      session_leave (t.session);
      /* The others commit our removal before the next joiner arrives. */
      spin (2000);
    }

  child_stop (audio_bots);
  child_stop (video_bot);
  child_stop (server);
  remove_tree (work_dir);
}
