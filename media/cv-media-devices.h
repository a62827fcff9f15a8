#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define CV_TYPE_MEDIA_DEVICES (cv_media_devices_get_type ())
G_DECLARE_FINAL_TYPE (CvMediaDevices, cv_media_devices, CV, MEDIA_DEVICES, GObject)

typedef enum {
  CV_MEDIA_KIND_VIDEO,
  CV_MEDIA_KIND_AUDIO,
} CvMediaKind;

/* Watches cameras, microphones and speakers (GstDeviceMonitor: PipeWire,
 * V4L2, PulseAudio, ALSA, whichever providers are installed). "changed" is
 * emitted on the main context that made the object when a device comes,
 * goes or changes. */
CvMediaDevices *cv_media_devices_new            (void);
/* The cameras (VIDEO) or microphones (AUDIO) found now (GstDevice), in the
 * monitor's order. */
GList          *cv_media_devices_list           (CvMediaDevices *self,
                                                 CvMediaKind     kind);
/* The audio outputs found now (GstDevice). */
GList          *cv_media_devices_list_speakers  (CvMediaDevices *self);
/* Display names of cameras or microphones, for a chooser (NULL-terminated). */
char          **cv_media_devices_get_names      (CvMediaDevices *self,
                                                 CvMediaKind     kind);
/* A source element for the named device, the first device when name is
 * empty, or a test source when there is none; *is_test tells which. */
GstElement     *cv_media_devices_create_source  (CvMediaDevices *self,
                                                 CvMediaKind     kind,
                                                 const char     *name,
                                                 gboolean       *is_test);
/* A sink for the named audio output, or NULL if there is no such device. */
GstElement     *cv_media_devices_create_speaker (CvMediaDevices *self,
                                                 const char     *name);

G_END_DECLS
