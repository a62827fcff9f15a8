#pragma once

#include <adwaita.h>

#include "cv-remote-stream.h"

G_BEGIN_DECLS

#define CV_TYPE_VIDEO_TILE (cv_video_tile_get_type ())
G_DECLARE_FINAL_TYPE (CvVideoTile, cv_video_tile, CV, VIDEO_TILE, AdwBin)

/* A tile for one remote video stream; members (CvMeetingMember items) name
 * the sender once its first frame told us its MLS leaf. */
CvVideoTile    *cv_video_tile_new         (CvRemoteStream *stream,
                                           GListModel     *members);
/* The self view: our own camera, named after our own member. */
CvVideoTile    *cv_video_tile_new_self    (CvRemoteStream *stream,
                                           GListModel     *members);
CvRemoteStream *cv_video_tile_get_stream  (CvVideoTile    *self);
gboolean        cv_video_tile_get_is_self (CvVideoTile    *self);
/* The MLS leaf of the member shown, -1 while unknown. */
gint64          cv_video_tile_get_leaf    (CvVideoTile    *self);
/* The name shown on the tile. */
const char     *cv_video_tile_get_name    (CvVideoTile    *self);
/* The active speaker's tile is outlined. */
void            cv_video_tile_set_speaking (CvVideoTile   *self,
                                            gboolean       speaking);
gboolean        cv_video_tile_get_speaking (CvVideoTile   *self);

G_END_DECLS
