#pragma once

#include <adwaita.h>

#include "cv-remote-stream.h"

G_BEGIN_DECLS

#define CV_TYPE_VIDEO_TILE (cv_video_tile_get_type ())
G_DECLARE_FINAL_TYPE (CvVideoTile, cv_video_tile, CV, VIDEO_TILE, AdwBin)

/* A tile for one remote video stream; members (CvMeetingMember items) name
 * the sender once its first frame told us its MLS leaf. */
CvVideoTile *cv_video_tile_new        (CvRemoteStream *stream,
                                       GListModel     *members);
CvRemoteStream *cv_video_tile_get_stream (CvVideoTile *self);

G_END_DECLS
