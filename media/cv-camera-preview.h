#pragma once

#include <gst/gst.h>

#include "cv-media-devices.h"
#include "cv-remote-stream.h"

G_BEGIN_DECLS

#define CV_TYPE_CAMERA_PREVIEW (cv_camera_preview_get_type ())
G_DECLARE_FINAL_TYPE (CvCameraPreview, cv_camera_preview, CV, CAMERA_PREVIEW, GObject)

/* A small live picture of one camera (320×180 RGBA, 15 fps), outside any
 * meeting: for choosing the camera in the preferences. camera_name is a
 * display name from cv_media_devices_get_names(); NULL or "" means the first
 * camera. Without a camera the moving test picture of the meetings is shown
 * (cv_camera_preview_get_is_test()). */
CvCameraPreview *cv_camera_preview_new         (CvMediaDevices  *devices,
                                                const char      *camera_name);
gboolean         cv_camera_preview_start       (CvCameraPreview *self,
                                                GError         **error);
/* Releases the camera; no frame arrives after it returns. */
void             cv_camera_preview_stop        (CvCameraPreview *self);
gboolean         cv_camera_preview_is_running  (CvCameraPreview *self);
/* TRUE once started when no camera was found (or the named one is gone). */
gboolean         cv_camera_preview_get_is_test (CvCameraPreview *self);
/* The frames: "new-frame" on the main context that made the preview. */
CvRemoteStream  *cv_camera_preview_get_stream  (CvCameraPreview *self);

G_END_DECLS
