#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define CV_TYPE_MEDIA_DEVICES (cv_media_devices_get_type ())
G_DECLARE_FINAL_TYPE (CvMediaDevices, cv_media_devices, CV, MEDIA_DEVICES, GObject)

typedef enum {
  CV_MEDIA_KIND_VIDEO,
  CV_MEDIA_KIND_AUDIO,
} CvMediaKind;

CvMediaDevices *cv_media_devices_new            (void);
/* The devices of one kind found now (GstDevice), in the monitor's order. */
GList          *cv_media_devices_list           (CvMediaDevices *self,
                                                 CvMediaKind     kind);
/* A source element for the named device, the first device when name is
 * empty, or a test source when there is none; *is_test tells which. */
GstElement     *cv_media_devices_create_source  (CvMediaDevices *self,
                                                 CvMediaKind     kind,
                                                 const char     *name,
                                                 gboolean       *is_test);

G_END_DECLS
